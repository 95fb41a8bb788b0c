/**
 * One POST per lifecycle operation (SPEC §4.5, §7) and the plan-change preview. Each turns the
 * request into a workflow Update; the workflow's validator decides, and its reason comes back
 * as a 409 (not now) or 422 (not allowed) with nothing changed.
 */
import { Router } from 'express';
import { planChangeOutcome, quoteView } from '../../domain/plan-change';
import type { Plan } from '../../domain/plans';
import { TransitionRejected, type SubscriptionState } from '../../domain/subscription';
import {
  changePlanUpdate,
  deferUpdate,
  internalStateQuery,
  pauseUpdate,
  resumeUpdate,
  revokeUpdate,
  topUpUpdate,
} from '../../../workflows/messages';
import type { ApiDeps } from '../deps';
import { HttpProblem } from '../problem';
import { deferBody, emptyBody, ID, pauseBody, planChangeBody, planChangePreviewBody, revokeBody } from '../schemas';
import { parse } from '../validate';
import { sendUpdate, statusOfRejection, subscriptionHandle } from '../workflow-calls';

export function subscriptionOperationRoutes(deps: ApiDeps): Router {
  const router = Router();
  const now = () => (deps.clock ? deps.clock() : Promise.resolve(Date.now()));
  const handle = (id: string) => subscriptionHandle(deps.temporal, id);

  async function planFor(planId: string): Promise<Plan> {
    const plan = await deps.plans.get(planId);
    if (!plan) throw new HttpProblem(422, 'unknown-plan', `no plan ${planId}`, { errors: [{ field: 'planId', message: 'unknown plan' }] });
    return plan;
  }

  router.post('/v1/subscriptions/:id/plan-change/preview', async (req, res) => {
    const id = parse(ID, req.params.id, 'id');
    const { planId, mode } = parse(planChangePreviewBody, req.body);
    const plan = await planFor(planId);
    const state: SubscriptionState = await sendUpdate(deps.temporal, id, () => handle(id).query(internalStateQuery));
    try {
      res.json(quoteView(planChangeOutcome(state, plan, mode, await now()).quote));
    } catch (error) {
      if (error instanceof TransitionRejected) throw new HttpProblem(statusOfRejection(error.kind), error.code, error.reason, { subscriptionId: id });
      throw error;
    }
  });

  router.post('/v1/subscriptions/:id/plan-change', async (req, res) => {
    const id = parse(ID, req.params.id, 'id');
    const { planId, mode, expectedChargeNow } = parse(planChangeBody, req.body);
    const plan = await planFor(planId);
    const request = { plan, ...(mode ? { mode } : {}), ...(expectedChargeNow !== undefined ? { expectedChargeNow } : {}) };
    res.json(await sendUpdate(deps.temporal, id, () => handle(id).executeUpdate(changePlanUpdate, { args: [request] })));
  });

  router.post('/v1/subscriptions/:id/defer', async (req, res) => {
    const id = parse(ID, req.params.id, 'id');
    const { until } = parse(deferBody, req.body);
    res.json(await sendUpdate(deps.temporal, id, () => handle(id).executeUpdate(deferUpdate, { args: [{ until }] })));
  });

  router.post('/v1/subscriptions/:id/pause', async (req, res) => {
    const id = parse(ID, req.params.id, 'id');
    const { until } = parse(pauseBody, req.body);
    res.json(await sendUpdate(deps.temporal, id, () => handle(id).executeUpdate(pauseUpdate, { args: [{ until }] })));
  });

  router.post('/v1/subscriptions/:id/resume', async (req, res) => {
    const id = parse(ID, req.params.id, 'id');
    parse(emptyBody, req.body);
    res.json(await sendUpdate(deps.temporal, id, () => handle(id).executeUpdate(resumeUpdate)));
  });

  router.post('/v1/subscriptions/:id/top-up', async (req, res) => {
    const id = parse(ID, req.params.id, 'id');
    parse(emptyBody, req.body);
    res.json(await sendUpdate(deps.temporal, id, () => handle(id).executeUpdate(topUpUpdate)));
  });

  router.post('/v1/subscriptions/:id/revoke', async (req, res) => {
    const id = parse(ID, req.params.id, 'id');
    const { refund, reason } = parse(revokeBody, req.body);
    res.json(await sendUpdate(deps.temporal, id, () => handle(id).executeUpdate(revokeUpdate, { args: [{ refund, ...(reason ? { reason } : {}) }] })));
  });

  return router;
}
