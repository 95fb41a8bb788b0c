/** Turning workflow message outcomes into HTTP answers. */
import { WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { SubscriptionSnapshot } from '../domain/subscription';
import { workflowIdFor } from '../temporal/task-queue';
import { stateQuery } from '../../workflows/messages';
import type { subscriptionWorkflow } from '../../workflows/subscription-workflow';
import { HttpProblem } from './problem';

export function subscriptionHandle(client: Client, subscriptionId: string): WorkflowHandle<typeof subscriptionWorkflow> {
  return client.workflow.getHandle<typeof subscriptionWorkflow>(workflowIdFor(subscriptionId));
}

const isNotFound = (error: unknown) =>
  error instanceof WorkflowNotFoundError || (error as { code?: number })?.code === 5; /* gRPC NOT_FOUND */

/** Runs an update; a validator rejection becomes a 409 with the workflow's reason. */
export async function sendUpdate<T>(subscriptionId: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) {
      const reason = error.cause?.message ?? error.message;
      throw new HttpProblem(409, reason, { subscriptionId });
    }
    if (isNotFound(error)) {
      const message = (error as Error).message ?? '';
      if (/completed|closed/i.test(message)) {
        throw new HttpProblem(409, 'the subscription has ended; create a new subscription instead', { subscriptionId });
      }
      throw new HttpProblem(404, `no subscription ${subscriptionId}`);
    }
    throw error;
  }
}

/** The live state from the workflow, or null when it cannot answer (unknown id, no worker). */
export async function queryState(client: Client, subscriptionId: string): Promise<SubscriptionSnapshot | null> {
  try {
    return await subscriptionHandle(client, subscriptionId).query(stateQuery);
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}
