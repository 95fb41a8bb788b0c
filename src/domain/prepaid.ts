/**
 * Prepaid plans (docs/plans.md; docs/lifecycle.md §4.3): no renewal; a top-up charges the full price now and extends
 * the expiry by one period from the current expiry (seed `002_…`: top-ups always use full price).
 */
import { periodStartMs } from './calendar';
import { assertAllowed, ruleRejection, stateRejection, touched, type Rejection, type SubscriptionState } from './subscription-state';

export function topUpRejection(s: SubscriptionState): Rejection | null {
  if (s.plan.autoRenew) return ruleRejection('not-prepaid', `plan ${s.plan.id} renews automatically; top-up is for prepaid plans (defer or change plan instead)`);
  if (s.status !== 'ACTIVE') return stateRejection('not-allowed-in-status', `subscription is ${s.status}; only an ACTIVE prepaid plan can be topped up (subscribe again after it ends)`);
  if (s.pendingChange) return stateRejection('change-pending', `a change to ${s.pendingChange.plan.id} is pending at the expiry; withdraw it first`);
  return null;
}

export interface TopUpOutcome {
  chargeNow: number;
  newExpiresAtMs: number;
  /** The state once the top-up is paid. */
  next: SubscriptionState;
}

export function topUpOutcome(s: SubscriptionState): TopUpOutcome {
  assertAllowed(topUpRejection(s));
  const periodIndex = s.periodIndex + 1;
  const newExpiresAtMs = periodStartMs(s.anchor, s.plan.interval, periodIndex + 1);
  const next = touched(s, {
    periodIndex,
    currentPeriod: { startMs: s.currentPeriod.startMs, endMs: newExpiresAtMs },
    cycle: s.cycle + 1,
    attempt: 0,
    unsettledOrders: [],
    periodCreditCap: s.periodCreditCap + s.plan.price,
    purchaseSeq: s.purchaseSeq + 1,
  });
  return { chargeNow: s.plan.price, newExpiresAtMs, next };
}
