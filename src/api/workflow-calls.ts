/** Turning workflow message outcomes into HTTP answers. */
import { WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import type { SubscriptionSnapshot } from '../domain/subscription';
import { workflowIdFor } from '../temporal/task-queue';
import { REJECTION_TYPES, rejectionDetailOf, stateQuery } from '../../workflows/messages';
import type { ProblemCode } from './problem-types';
import type { subscriptionWorkflow } from '../../workflows/subscription-workflow';
import { HttpProblem } from './problem';

export function subscriptionHandle(client: Client, subscriptionId: string): WorkflowHandle<typeof subscriptionWorkflow> {
  return client.workflow.getHandle<typeof subscriptionWorkflow>(workflowIdFor(subscriptionId));
}

/** The subscription's workflow has closed: callers with an after-the-end path (refunds) take it. */
export class SubscriptionEnded extends HttpProblem {
  constructor(subscriptionId: string) {
    super(409, 'subscription-ended', 'the subscription has ended; create a new subscription instead', { subscriptionId });
  }
}

const isNotFound = (error: unknown) =>
  error instanceof WorkflowNotFoundError || (error as { code?: number })?.code === 5; /* gRPC NOT_FOUND */

/** HTTP status of each typed rejection the workflow answers with (workflows/messages.ts). */
const STATUS_OF_REJECTION: Record<string, number> = {
  [REJECTION_TYPES.state]: 409,
  [REJECTION_TYPES.rule]: 422,
  [REJECTION_TYPES.declined]: 402,
  [REJECTION_TYPES.refund]: 422,
  [REJECTION_TYPES.unknown]: 503,
};

/** The HTTP status of a domain rejection, whether it came back from the workflow or from a preview. */
export function statusOfRejection(kind: keyof typeof REJECTION_TYPES): number {
  return STATUS_OF_REJECTION[REJECTION_TYPES[kind]] ?? 409;
}

/** Runs an update; a rejection becomes a 409/422/402/503 problem carrying the workflow's code and reason. */
export async function sendUpdate<T>(client: Client, subscriptionId: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) {
      const cause = error.cause;
      const reason = cause?.message ?? error.message;
      const type = cause instanceof ApplicationFailure ? (cause.type ?? '') : '';
      const detail = cause instanceof ApplicationFailure ? rejectionDetailOf(cause.details?.[0]) : null;
      const status = STATUS_OF_REJECTION[type] ?? 409;
      const code: ProblemCode = detail?.code ?? (status === 422 ? 'invalid-request' : 'not-allowed-in-status');
      throw new HttpProblem(status, code, reason, { subscriptionId, ...(detail?.gatewayCode ? { gatewayCode: detail.gatewayCode } : {}) });
    }
    if (isNotFound(error)) {
      const message = (error as Error).message ?? '';
      if (/completed|closed/i.test(message) || (await hasEnded(client, subscriptionId))) {
        throw new SubscriptionEnded(subscriptionId);
      }
      throw new HttpProblem(404, 'not-found', `no subscription ${subscriptionId}`);
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

/** A workflow that exists but has closed: the subscription reached a terminal state. */
async function hasEnded(client: Client, subscriptionId: string): Promise<boolean> {
  try {
    const description = await subscriptionHandle(client, subscriptionId).describe();
    return description.status.name !== 'RUNNING';
  } catch {
    return false;
  }
}
