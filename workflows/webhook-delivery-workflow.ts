/**
 * One webhook delivery (docs/webhooks.md): one event to one endpoint. The sending activity is
 * retried by Temporal on the schedule the delivery was started with (exponential, for three days by
 * default); when it runs out, the delivery fails and the endpoint may be disabled. A manual
 * redelivery is the same workflow with one attempt.
 */
import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { DeliveryTrigger, WebhookActivities } from '../activities/webhook-activities';
import { UNKNOWN_DELIVERY, type WebhookRetrySchedule } from '../src/webhooks/delivery-options';

export interface WebhookDeliveryInput {
  deliveryId: string;
  /** For the Web UI: what is being delivered where. */
  eventType: string;
  trigger: DeliveryTrigger;
  retry: WebhookRetrySchedule;
}

export type WebhookDeliveryResult = 'succeeded' | 'canceled' | 'failed' | 'failed-endpoint-disabled';

export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<WebhookDeliveryResult> {
  const automatic = input.trigger === 'automatic';
  const { sendWebhook } = proxyActivities<WebhookActivities>({
    startToCloseTimeout: '1 minute',
    ...(automatic ? { scheduleToCloseTimeout: input.retry.giveUpAfterMs } : {}),
    retry: {
      initialInterval: input.retry.initialIntervalMs,
      backoffCoefficient: input.retry.backoffCoefficient,
      maximumInterval: input.retry.maximumIntervalMs,
      // Automatic: unlimited attempts, bounded by the schedule-to-close time above.
      ...(automatic ? {} : { maximumAttempts: 1 }),
      nonRetryableErrorTypes: [UNKNOWN_DELIVERY],
    },
  });
  const { failWebhookDelivery } = proxyActivities<WebhookActivities>({
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
  });
  try {
    return await sendWebhook.executeWithOptions({ summary: `${input.trigger === 'manual' ? 'redeliver' : 'deliver'} ${input.eventType}` }, [
      { deliveryId: input.deliveryId, trigger: input.trigger },
    ]);
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    if (!automatic) return 'failed';
    const { endpointDisabled } = await failWebhookDelivery({ deliveryId: input.deliveryId });
    return endpointDisabled ? 'failed-endpoint-disabled' : 'failed';
  }
}
