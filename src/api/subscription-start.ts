/**
 * Starting a subscription's workflow so that a retried create can never start a second one: a
 * create under an Idempotency-Key gets a derived id, and the start attaches to the workflow a
 * previous attempt started (running) or refuses to start again (closed).
 */
import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { formatMoney } from '../domain/money';
import type { CreateSubscriptionInput, SubscriptionSnapshot } from '../domain/subscription';
import { CustomerKeyKey, EntitledKey, PlanIdKey, SubscriptionStatusKey } from '../temporal/search-attributes';
import { workflowIdFor } from '../temporal/task-queue';
import { activationUpdate } from '../../workflows/messages';
import { subscriptionWorkflow } from '../../workflows/subscription-workflow';
import type { ApiDeps } from './deps';
import { digest } from './idempotency';
import { queryState, sendUpdate, SubscriptionEnded } from './workflow-calls';

/**
 * The id of a subscription created under an Idempotency-Key: the same for every retry of the
 * request, so however often it is sent (a lost claim, a crashed API process) Temporal's workflow-id
 * uniqueness allows one workflow, and so one first charge.
 */
export const derivedSubscriptionId = (customerKey: string, idempotencyKey: string) =>
  `sub_${digest('subscription', customerKey, idempotencyKey).slice(0, 20)}`;

function startOperation(deps: Pick<ApiDeps, 'taskQueue'>, create: CreateSubscriptionInput) {
  const { plan, customerKey } = create;
  return new WithStartWorkflowOperation(subscriptionWorkflow, {
    workflowId: workflowIdFor(create.subscriptionId),
    taskQueue: deps.taskQueue,
    args: [{ create }],
    // Running: use it. Closed: never start a second subscription under the same id.
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    staticSummary: `${plan.name} ${formatMoney(plan.price, plan.currency)}/${plan.interval.count > 1 ? `${plan.interval.count} ` : ''}${plan.interval.unit} for ${customerKey}`,
    typedSearchAttributes: [
      { key: SubscriptionStatusKey, value: create.withTrial ? 'TRIALING' : 'INCOMPLETE' },
      { key: CustomerKeyKey, value: customerKey },
      { key: PlanIdKey, value: plan.id },
      { key: EntitledKey, value: create.withTrial },
    ],
  });
}

/**
 * Starts the workflow (or attaches to the one a previous attempt of this request started) and
 * answers with the outcome of its first charge, in one update-with-start call: the start and the
 * activation update reach the workflow in its first task, one round trip instead of two
 * (docs/benchmarks.md). For a subscription that has already ended, its last state.
 */
export async function startAndActivate(deps: Pick<ApiDeps, 'temporal' | 'taskQueue' | 'subscriptions'>, create: CreateSubscriptionInput): Promise<SubscriptionSnapshot> {
  const id = create.subscriptionId;
  try {
    return await sendUpdate(deps.temporal, id, () => deps.temporal.workflow.executeUpdateWithStart(activationUpdate, { startWorkflowOperation: startOperation(deps, create) }));
  } catch (error) {
    // Closed under REJECT_DUPLICATE (a retry of a create whose subscription has since ended).
    if (!(error instanceof SubscriptionEnded || error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    const last = (await queryState(deps.temporal, id)) ?? (await deps.subscriptions.get(id))?.snapshot;
    if (!last) throw error instanceof SubscriptionEnded ? error : new SubscriptionEnded(id);
    return last;
  }
}
