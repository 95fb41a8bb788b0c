/**
 * Starting webhook delivery workflows (docs/webhooks.md), from the projection (new events) and from
 * the API (manual redeliveries). A delivery's workflow id is fixed, and a closed one is never run
 * again under it, so starting twice — a projection retried after a crash — delivers once.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { PendingDelivery } from '../db/subscriptions-repo';
import type { webhookDeliveryWorkflow, WebhookDeliveryInput } from '../../workflows/webhook-delivery-workflow';
import type { WebhookRetrySchedule } from './delivery-options';

export const deliveryWorkflowId = (deliveryId: string) => `webhook-${deliveryId}`;
export const redeliveryWorkflowId = (deliveryId: string, tag: string) => `webhook-${deliveryId}-redelivery-${tag}`;

export async function startDeliveries(client: Client, taskQueue: string, deliveries: readonly PendingDelivery[], retry: WebhookRetrySchedule): Promise<void> {
  await Promise.all(
    deliveries.map(async ({ deliveryId, eventType }) => {
      const input: WebhookDeliveryInput = { deliveryId, eventType, trigger: 'automatic', retry };
      try {
        await client.workflow.start<typeof webhookDeliveryWorkflow>('webhookDeliveryWorkflow', {
          workflowId: deliveryWorkflowId(deliveryId),
          taskQueue,
          args: [input],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
    }),
  );
}
