/**
 * Plans through the API (docs/plans.md): create, list, read, change and archive. What a subscriber
 * was sold (price, interval, …) is fixed once a subscription is on the plan; an archived plan takes
 * no new subscriptions or plan changes, and the ones on it go on.
 */
import { isDeepStrictEqual } from 'node:util';
import { Router } from 'express';
import type { PlanRecord } from '../../db/plans-repo';
import { assertValidPlan, changedTerms, DEFAULT_DUNNING_POLICY, PlanRuleError, type Plan } from '../../domain/plans';
import type { Currency } from '../../domain/money';
import type { ApiDeps } from '../deps';
import { idempotent } from '../idempotency';
import { HttpProblem } from '../problem';
import { createPlanBody, ID, listPlansQuery, updatePlanBody } from '../schemas';
import { parse, parseNoBody } from '../validate';

/** The rules between fields (assertValidPlan) as a 400 naming the field. */
function checked(plan: Plan): Plan {
  try {
    assertValidPlan(plan);
    return plan;
  } catch (error) {
    if (!(error instanceof PlanRuleError)) throw error;
    throw new HttpProblem(400, 'invalid-request', `${error.field}: ${error.message}`, { errors: [{ field: error.field, message: error.message }] });
  }
}

/** The plan without its record fields, for comparisons and updates. */
const planOf = ({ archivedAt: _archived, createdAt: _created, ...plan }: PlanRecord): Plan => plan;

export function planRoutes(deps: ApiDeps): Router {
  const router = Router();

  async function recordOr404(planId: string): Promise<PlanRecord> {
    const record = await deps.plans.record(planId);
    if (!record) throw new HttpProblem(404, 'not-found', `no plan ${planId}`);
    return record;
  }

  router.get('/v1/plans', async (req, res) => {
    const query = parse(listPlansQuery, req.query, 'query');
    res.json({ plans: await deps.plans.list({ includeArchived: query.includeArchived === 'true' }) });
  });

  router.get('/v1/plans/:planId', async (req, res) => {
    res.json(await recordOr404(parse(ID, req.params.planId, 'planId')));
  });

  router.post('/v1/plans', idempotent(deps.pool, 'plans'), async (req, res) => {
    const body = parse(createPlanBody, req.body);
    const plan = checked({
      id: body.id,
      product: body.product,
      name: body.name,
      price: body.price,
      currency: body.currency as Currency,
      interval: body.interval,
      autoRenew: body.autoRenew,
      ...(body.trialDays != null ? { trialDays: body.trialDays } : {}),
      ...(body.intro != null ? { intro: body.intro } : {}),
      dunning: body.dunning ?? DEFAULT_DUNNING_POLICY,
    });
    const { record, created } = await deps.plans.create(plan);
    if (created) return void res.status(201).location(`/v1/plans/${plan.id}`).json(record);
    // The same definition again (a retry without a key) is the plan that exists; another one is a clash.
    if (isDeepStrictEqual(planOf(record), plan)) return void res.status(200).json(record);
    throw new HttpProblem(409, 'plan-exists', `plan ${plan.id} already exists with another definition; choose another id`);
  });

  router.patch('/v1/plans/:planId', async (req, res) => {
    const planId = parse(ID, req.params.planId, 'planId');
    const body = parse(updatePlanBody, req.body);
    const current = await recordOr404(planId);
    if (current.archivedAt !== null) throw new HttpProblem(422, 'plan-archived', `plan ${planId} is archived; create a new plan instead`);
    const { trialDays, intro, ...terms } = body;
    const merged = { ...planOf(current), ...terms } as Plan;
    const next = checked({
      ...merged,
      ...(trialDays === undefined ? {} : { trialDays: trialDays ?? undefined }),
      ...(intro === undefined ? {} : { intro: intro ?? undefined }),
    });
    // `undefined` fields are dropped so the stored definition compares equal to what a create would store.
    const plan = JSON.parse(JSON.stringify(next)) as Plan;
    const fixed = changedTerms(planOf(current), plan);
    if (fixed.length > 0 && (await deps.plans.inUse(planId))) {
      throw new HttpProblem(409, 'plan-in-use', `subscriptions are on plan ${planId}, so its ${fixed.join(', ')} cannot change; create a new plan and move them with a plan change`, {
        errors: fixed.map((field) => ({ field, message: 'fixed while subscriptions are on the plan' })),
      });
    }
    res.json(await deps.plans.update(plan));
  });

  router.post('/v1/plans/:planId/archive', idempotent(deps.pool, 'plan-archive'), async (req, res) => {
    parseNoBody(req.body);
    const planId = parse(ID, req.params.planId, 'planId');
    const record = await deps.plans.archive(planId);
    if (!record) throw new HttpProblem(404, 'not-found', `no plan ${planId}`);
    res.json(record);
  });

  return router;
}
