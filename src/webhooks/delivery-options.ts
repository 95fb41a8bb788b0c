/**
 * How webhooks are delivered (docs/webhooks.md): the URL policy, the per-request timeout and the
 * retry schedule the delivery workflow gives Temporal. From the configuration in production; tests
 * shorten the schedule.
 */
import type { WebhookUrlPolicy } from './url-policy';

export interface WebhookRetrySchedule {
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
  /** Retries stop this long after the first attempt; an endpoint failing all that time is disabled. */
  giveUpAfterMs: number;
}

export interface WebhookDeliveryOptions {
  policy: WebhookUrlPolicy;
  timeoutMs: number;
  retry: WebhookRetrySchedule;
}

/** 10 s, 30 s, 1.5 min, … growing threefold up to every 6 hours, for 3 days: about 19 attempts. */
export const DEFAULT_WEBHOOK_RETRY: WebhookRetrySchedule = {
  initialIntervalMs: 10_000,
  backoffCoefficient: 3,
  maximumIntervalMs: 6 * 3_600_000,
  giveUpAfterMs: 3 * 86_400_000,
};

/** Failure types of the sending activity (shared with the workflow, which must not import the sender). */
export const UNKNOWN_DELIVERY = 'UnknownWebhookDelivery';
export const NOT_ACCEPTED = 'WebhookNotAccepted';
