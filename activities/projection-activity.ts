import { Context } from '@temporalio/activity';
import type { LifecycleEvent } from '../src/domain/lifecycle-events';
import type { SubscriptionSnapshot } from '../src/domain/subscription';
import type { SubscriptionsRepo } from '../src/db/subscriptions-repo';
import { startDeliveries } from '../src/webhooks/start-deliveries';
import type { WebhookDeps } from './webhook-activities';

/**
 * Writes the workflow's state into the subscriptions read model (ordered by version) with the
 * lifecycle events recorded since the last projection, then starts the webhook deliveries those
 * events created (docs/webhooks.md). It creates the row when the API did not get to list the
 * subscription (it died right after the start). `events` is absent in runs recorded before events
 * existed. A failure after the statement is retried like any other: the statement answers the
 * deliveries still to be started, and starting one twice starts it once.
 */
export function createProjectionActivity(deps: WebhookDeps & { subscriptions: SubscriptionsRepo }) {
  return async function projectSubscription(snapshot: SubscriptionSnapshot, events: LifecycleEvent[] = []): Promise<void> {
    const pending = await deps.subscriptions.project(snapshot, events);
    if (pending.length === 0) return;
    const { client, info } = Context.current();
    await startDeliveries(client, info.taskQueue, pending, deps.webhookDelivery.retry);
    await deps.webhooks.markDispatched(pending.map((p) => p.deliveryId));
  };
}
