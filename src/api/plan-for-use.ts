import type { PlansRepo } from '../db/plans-repo';
import type { Plan } from '../domain/plans';
import { HttpProblem } from './problem';

/** The plan a new subscription or a plan change asks for: it must exist and not be archived (docs/plans.md). */
export async function planForUse(plans: PlansRepo, planId: string): Promise<Plan> {
  const record = await plans.record(planId);
  if (!record) throw new HttpProblem(422, 'unknown-plan', `no plan ${planId}`, { errors: [{ field: 'planId', message: 'unknown plan' }] });
  if (record.archivedAt !== null) {
    throw new HttpProblem(422, 'plan-archived', `plan ${planId} is archived: it takes no new subscriptions or plan changes`, { errors: [{ field: 'planId', message: 'archived plan' }] });
  }
  return (await plans.get(planId))!;
}
