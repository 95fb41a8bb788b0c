/**
 * Defer (docs/lifecycle.md §4.1): the merchant moves the next billing date later, access kept, nothing
 * charged in between. The anchor moves to the new date, so later renewals follow from it.
 */
import { addDays, addIntervalToDate, anchorOn, daysLaterAt, localDateOf, localToInstantMs } from './calendar';
import { TRIAL_NOTICE_DAYS } from './lifecycle-events';
import { parseLocalDate } from './local-date';
import { inTrial, ruleRejection, stateRejection, touched, assertAllowed, type Rejection, type SubscriptionState } from './subscription-state';

export const MAX_DEFER_PER_CALL = { unit: 'year', count: 1 } as const;

export function deferRejection(s: SubscriptionState, until: string): Rejection | null {
  switch (s.status) {
    case 'ACTIVE':
    case 'TRIALING':
      break;
    case 'CANCELED':
      return stateRejection('subscription-canceled', 'subscription is CANCELED: renewal is off, so there is no billing date to defer (restore it first)');
    case 'IN_GRACE_PERIOD':
    case 'ON_HOLD':
      return stateRejection('payment-overdue', `subscription is ${s.status}: a renewal is unpaid; defer is possible once it is paid`);
    case 'PAUSED':
      return stateRejection('subscription-paused', 'subscription is PAUSED; the resume date is its next charge (resume early, or pause again later)');
    default:
      return stateRejection('not-allowed-in-status', `subscription is ${s.status}; only ACTIVE or TRIALING subscriptions can be deferred`);
  }
  if (s.pause) return stateRejection('pause-scheduled', 'a pause is scheduled at the period end; withdraw it with resume before deferring');
  const date = parseLocalDate(until);
  if (date === null) return ruleRejection('invalid-date', `until must be a local date YYYY-MM-DD, got "${until}"`);
  const current = localDateOf(s.currentPeriod.endMs, s.anchor.timeZone);
  const earliest = addDays(current, 1);
  const latest = addIntervalToDate(current, MAX_DEFER_PER_CALL, 1);
  if (date < earliest) return ruleRejection('defer-too-short', `until must be at least 1 day after the current next billing date ${current} (earliest ${earliest})`);
  if (date > latest) return ruleRejection('defer-too-long', `until may be at most 1 year after the current next billing date ${current} (latest ${latest}); defer again to go further`);
  return null;
}

/**
 * The current period now ends at `until` (the anchor's local time); a trial is extended likewise,
 * and its end notice, if not sent yet, moves with it (one notice per trial).
 */
export function applyDefer(s: SubscriptionState, until: string): SubscriptionState {
  assertAllowed(deferRejection(s, until));
  const tz = s.anchor.timeZone;
  const endMs = localToInstantMs(until, s.anchor.time, tz);
  return touched(s, {
    anchor: anchorOn(until, s.anchor.time, tz),
    periodIndex: -1,
    currentPeriod: { startMs: s.currentPeriod.startMs, endMs },
    trialEndsAtMs: inTrial(s) ? endMs : s.trialEndsAtMs,
    trialNoticeAtMs: inTrial(s) && s.trialNoticeAtMs !== null ? daysLaterAt(endMs, -TRIAL_NOTICE_DAYS, s.anchor.time, tz) : s.trialNoticeAtMs,
  });
}
