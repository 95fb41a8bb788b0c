/**
 * Starting a subscription's workflow so that a retried create can never start a second one: a
 * create under an Idempotency-Key gets a derived id, and the start attaches to the workflow a
 * previous attempt started (running) or refuses to start again (closed).
 */
import { WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import { formatMoney } from '../domain/money';
import type { CreateSubscriptionInput, SubscriptionSnapshot } from '../domain/subscription';
import { CustomerKeyKey, EntitledKey, PlanIdKey, SubscriptionStatusKey } from '../temporal/search-attributes';
import { workflowIdFor } from '../temporal/task-queue';
import { activationUpdate } from '../../workflows/messages';
import { subscriptionWorkflow } from '../../workflows/subscription-workflow';
import type { ApiDeps } from './deps';
import { digest } from './idempotency';
import { queryState, sendUpdate, SubscriptionEnded } from './workflow-calls';

type SubscriptionHandle = WorkflowHandle<typeof subscriptionWorkflow>;

/**
 * The id of a subscription created under an Idempotency-Key: the same for every retry of the
 * request, so however often it is sent (a lost claim, a crashed API process) Temporal's workflow-id
 * uniqueness allows one workflow, and so one first charge.
 */
export const derivedSubscriptionId = (customerKey: string, idempotencyKey: string) =>
  `sub_${digest('subscription', customerKey, idempotencyKey).slice(0, 20)}`;

/** Starts the workflow, or attaches to the one a previous attempt of this request started. */
export async function startOrAttach(deps: Pick<ApiDeps, 'temporal' | 'taskQueue'>, create: CreateSubscriptionInput): Promise<SubscriptionHandle> {
  const { plan, customerKey } = create;
  const workflowId = workflowIdFor(create.subscriptionId);
  try {
    return await deps.temporal.workflow.start(subscriptionWorkflow, {
      workflowId,
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
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    return deps.temporal.workflow.getHandle<typeof subscriptionWorkflow>(workflowId);
  }
}

/** The outcome of the first charge; for a subscription that has already ended, its last state. */
export async function activationOf(deps: Pick<ApiDeps, 'temporal' | 'subscriptions'>, handle: SubscriptionHandle, id: string): Promise<SubscriptionSnapshot> {
  try {
    return await sendUpdate(deps.temporal, id, () => handle.executeUpdate(activationUpdate));
  } catch (error) {
    if (!(error instanceof SubscriptionEnded)) throw error;
    const last = (await queryState(deps.temporal, id)) ?? (await deps.subscriptions.get(id))?.snapshot;
    if (!last) throw error;
    return last;
  }
}
