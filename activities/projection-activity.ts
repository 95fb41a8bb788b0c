import type { SubscriptionSnapshot } from '../src/domain/subscription';
import type { SubscriptionsRepo } from '../src/db/subscriptions-repo';

/** Writes the workflow's state into the subscriptions read model (ordered by version). */
export function createProjectionActivity(subscriptions: SubscriptionsRepo) {
  return async function projectSubscription(snapshot: SubscriptionSnapshot): Promise<void> {
    await subscriptions.project(snapshot);
  };
}
