/**
 * Sending one webhook delivery (docs/webhooks.md). One call = one HTTP attempt, logged; a receiver
 * that does not answer 2xx fails the attempt, and Temporal retries it on the delivery workflow's
 * schedule. Attempt times are the server's (the simulated clock under time skipping).
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { WebhooksRepo } from '../src/db/webhooks-repo';
import { NOT_ACCEPTED, UNKNOWN_DELIVERY, type WebhookDeliveryOptions } from '../src/webhooks/delivery-options';
import { isSuccess, postWebhook } from '../src/webhooks/post-webhook';

export interface WebhookDeps {
  webhooks: WebhooksRepo;
  webhookDelivery: WebhookDeliveryOptions;
}

export type DeliveryTrigger = 'automatic' | 'manual';

export interface SendWebhookInput {
  deliveryId: string;
  trigger: DeliveryTrigger;
}

/** `canceled`: its endpoint was deleted (or disabled, for automatic deliveries); `succeeded` includes one a redelivery got through first. */
export type SendWebhookResult = 'succeeded' | 'canceled';

export function createWebhookActivities(deps: WebhookDeps) {
  return {
    async sendWebhook({ deliveryId, trigger }: SendWebhookInput): Promise<SendWebhookResult> {
      const info = Context.current().info;
      const found = await deps.webhooks.toSend(deliveryId);
      if (!found) throw ApplicationFailure.nonRetryable(`no webhook delivery ${deliveryId}`, UNKNOWN_DELIVERY);
      const { endpoint, event } = found;
      // A disabled endpoint still takes a manual redelivery: that is how a merchant checks a fixed receiver.
      if (endpoint.status === 'deleted' || (endpoint.status === 'disabled' && trigger === 'automatic')) {
        await deps.webhooks.cancelDelivery(deliveryId);
        return 'canceled';
      }
      if (trigger === 'automatic' && found.delivery.status === 'succeeded') return 'succeeded';
      const answer = await postWebhook({ url: endpoint.url, secret: endpoint.secret, event, policy: deps.webhookDelivery.policy, timeoutMs: deps.webhookDelivery.timeoutMs });
      const accepted = isSuccess(answer);
      await deps.webhooks.recordAttempt(
        deliveryId,
        endpoint.id,
        {
          trigger,
          attempt: info.attempt,
          attemptedAt: new Date(info.currentAttemptScheduledTimestampMs).toISOString(),
          durationMs: answer.durationMs,
          statusCode: answer.statusCode,
          error: answer.error,
          responseBody: answer.body,
        },
        accepted,
      );
      if (accepted) return 'succeeded';
      throw ApplicationFailure.retryable(`the receiver did not accept ${event.id}: ${answer.statusCode !== null ? `HTTP ${answer.statusCode}` : answer.error}`, NOT_ACCEPTED);
    },

    /** Retries ran out: the delivery failed; its endpoint is disabled if nothing got through to it all that time. */
    async failWebhookDelivery({ deliveryId }: { deliveryId: string }): Promise<{ endpointDisabled: boolean }> {
      return { endpointDisabled: await deps.webhooks.failDelivery(deliveryId) };
    },
  };
}

export type WebhookActivities = ReturnType<typeof createWebhookActivities>;
