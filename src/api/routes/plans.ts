import { Router } from 'express';
import type { ApiDeps } from '../deps';
import { HttpProblem } from '../problem';
import { ID } from '../schemas';
import { parse } from '../validate';

export function planRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.get('/v1/plans', async (_req, res) => {
    res.json({ plans: await deps.plans.list() });
  });
  router.get('/v1/plans/:planId', async (req, res) => {
    const plan = await deps.plans.get(parse(ID, req.params.planId, 'planId'));
    if (!plan) throw new HttpProblem(404, 'not-found', `no plan ${req.params.planId}`);
    res.json(plan);
  });
  return router;
}
