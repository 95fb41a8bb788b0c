/**
 * Holds: a test stops the next matching activity at its door until released, so it can land a
 * message at an exact point of a workflow (mid-publish, mid-charge) without racing the clock.
 * Racing the clock is also unsafe on the Java time-skipping server: an Update delivered in the same
 * workflow task as a firing timer can get its completion refused ("invalid history builder state
 * for action") and the workflow then stalls, so races are staged with holds on separate tasks.
 */
import type { SubscriptionActivities } from '../../activities';

export interface Hold {
  /** Resolves once the held activity has started. */
  entered: Promise<void>;
  release(): void;
}

type Holdable = 'chargeSubscription' | 'projectSubscription';

interface Pending {
  matches(subscriptionId: string): boolean;
  entered(): void;
  released: Promise<void>;
}

export class ActivityHolds {
  private readonly pending = new Map<Holdable, Pending[]>();
  private readonly unreleased = new Set<() => void>();

  /** Holds the next `activity` of `subscriptionId` (any subscription when omitted). */
  holdNext(activity: Holdable, subscriptionId?: string): Hold {
    let entered!: () => void;
    let release!: () => void;
    const enteredPromise = new Promise<void>((resolve) => (entered = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    const matches = (id: string) => subscriptionId === undefined || id === subscriptionId;
    this.pending.set(activity, [...(this.pending.get(activity) ?? []), { matches, entered, released }]);
    this.unreleased.add(release);
    return { entered: enteredPromise, release: () => (this.unreleased.delete(release), release()) };
  }

  /** A failed test must not leave the worker waiting on a held activity at shutdown. */
  releaseAll(): void {
    for (const release of this.unreleased) release();
    this.unreleased.clear();
    this.pending.clear();
  }

  /** The activities with the holdable ones waiting at their door when a hold matches. */
  wrap(activities: SubscriptionActivities): SubscriptionActivities {
    const gate = async (activity: Holdable, subscriptionId: string) => {
      const queue = this.pending.get(activity) ?? [];
      const index = queue.findIndex((p) => p.matches(subscriptionId));
      if (index < 0) return;
      const [hold] = queue.splice(index, 1);
      hold!.entered();
      await hold!.released;
    };
    return {
      ...activities,
      async chargeSubscription(input) {
        await gate('chargeSubscription', input.subscriptionId);
        return activities.chargeSubscription(input);
      },
      async projectSubscription(snapshot, events) {
        await gate('projectSubscription', snapshot.subscriptionId);
        return activities.projectSubscription(snapshot, events);
      },
    };
  }
}
