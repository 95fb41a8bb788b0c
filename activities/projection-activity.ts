import type { SubscriptionSnapshot } from '../src/domain/subscription';
import type { SubscriptionsRepo } from '../src/db/subscriptions-repo';

/**
 * Writes the workflow's state into the subscriptions read model (ordered by version). It creates
 * the row when the API did not get to list the subscription (it died right after the start).
 */
export function createProjectionActivity(subscriptions: SubscriptionsRepo) {
  return async function projectSubscription(snapshot: SubscriptionSnapshot): Promise<void> {
    await subscriptions.project(snapshot);
  };
}
