/**
 * One POST per lifecycle operation (docs/lifecycle.md §2; the routes are in the README's HTTP API table) and the plan-change preview. Each turns the
 * request into a workflow Update; the workflow's validator decides, and its reason comes back
 * as a 409 (not now) or 422 (not allowed) with nothing changed. Each accepts an Idempotency-Key,
 * which also becomes the Update id, so the workflow itself runs a repeated operation only once.
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
import { idempotent, updateIdOptions } from '../idempotency';
import { HttpProblem } from '../problem';
import { deferBody, ID, pauseBody, planChangeBody, planChangePreviewBody, revokeBody } from '../schemas';
import { parse, parseNoBody } from '../validate';
import { planForUse } from '../plan-for-use';
import { sendUpdate, statusOfRejection, subscriptionHandle } from '../workflow-calls';

export function subscriptionOperationRoutes(deps: ApiDeps): Router {
  const router = Router();
  const now = () => (deps.clock ? deps.clock() : Promise.resolve(Date.now()));
  const handle = (id: string) => subscriptionHandle(deps.temporal, id);

  const planFor = (planId: string): Promise<Plan> => planForUse(deps.plans, planId);

  router.post('/v1/subscriptions/:id/plan-change/preview', idempotent(deps.pool, 'plan-change-preview'), async (req, res) => {
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

  router.post('/v1/subscriptions/:id/plan-change', idempotent(deps.pool, 'plan-change'), async (req, res) => {
    const id = parse(ID, req.params.id, 'id');
    const { planId, mode, expectedChargeNow } = parse(planChangeBody, req.body);
    const plan = await planFor(planId);
    const request = { plan, ...(mode ? { mode } : {}), ...(expectedChargeNow !== undefined ? { expectedChargeNow } : {}) };
    res.json(await sendUpdate(deps.temporal, id, () => handle(id).executeUpdate(changePlanUpdate, { args: [request], ...updateIdOptions(req, 'plan-change') })));
  });

  router.post('/v1/subscriptions/:id/defer', idempotent(deps.pool, 'defer'), async (req, res) => {
    const id = parse(ID, req.params.id, 'id');
    const { until } = parse(deferBody, req.body);
    res.json(await sendUpdate(deps.temporal, id, () => handle(id).executeUpdate(deferUpdate, { args: [{ until }], ...updateIdOptions(req, 'defer') })));
  });

  router.post('/v1/subscriptions/:id/pause', idempotent(deps.pool, 'pause'), async (req, res) => {
    const id = parse(ID, req.params.id, 'id');
    const { until } = parse(pauseBody, req.body);
    res.json(await sendUpdate(deps.temporal, id, () => handle(id).executeUpdate(pauseUpdate, { args: [{ until }], ...updateIdOptions(req, 'pause') })));
  });

  router.post('/v1/subscriptions/:id/resume', idempotent(deps.pool, 'resume'), async (req, res) => {
    const id = parse(ID, req.params.id, 'id');
    parseNoBody(req.body);
    res.json(await sendUpdate(deps.temporal, id, () => handle(id).executeUpdate(resumeUpdate, updateIdOptions(req, 'resume'))));
  });

  router.post('/v1/subscriptions/:id/top-up', idempotent(deps.pool, 'top-up'), async (req, res) => {
    const id = parse(ID, req.params.id, 'id');
    parseNoBody(req.body);
    res.json(await sendUpdate(deps.temporal, id, () => handle(id).executeUpdate(topUpUpdate, updateIdOptions(req, 'top-up'))));
  });

  router.post('/v1/subscriptions/:id/revoke', idempotent(deps.pool, 'revoke'), async (req, res) => {
    const id = parse(ID, req.params.id, 'id');
    const { refund, reason } = parse(revokeBody, req.body);
    res.json(await sendUpdate(deps.temporal, id, () => handle(id).executeUpdate(revokeUpdate, { args: [{ refund, ...(reason ? { reason } : {}) }], ...updateIdOptions(req, 'revoke') })));
  });

  return router;
}
