/**
 * Pause and resume (docs/lifecycle.md §4.2): a pause starts at the current period end and lasts 7 days to
 * 3 months, with no access and no charges. Resuming (at the pause end, or early) charges at once
 * and the anchor becomes the resume instant.
 */
import { addDays, addIntervalToDate, anchorAt, localDateOf, localToInstantMs, periodOf } from './calendar';
import { parseLocalDate } from './local-date';
import { isTerminal } from './subscription-status';
import { assertAllowed, inTrial, ruleRejection, stateRejection, touched, type Rejection, type SubscriptionState } from './subscription-state';

export const MIN_PAUSE_DAYS = 7;
export const MAX_PAUSE = { unit: 'month', count: 3 } as const;

export function pauseRejection(s: SubscriptionState, until: string): Rejection | null {
  if (s.status !== 'ACTIVE') {
    const hint = s.status === 'TRIALING' ? 'a trial cannot be paused (cancel it, or let it convert first)' : 'only an ACTIVE subscription can be paused';
    return stateRejection('not-allowed-in-status', `subscription is ${s.status}; ${hint}`);
  }
  if (inTrial(s)) return stateRejection('in-trial', 'a trial cannot be paused');
  if (!s.plan.autoRenew) return ruleRejection('prepaid-cannot-pause', 'a prepaid plan does not renew, so it cannot pause; defer extends its expiry instead');
  if (s.pause) return stateRejection('pause-scheduled', 'a pause is already scheduled; resume withdraws it');
  if (s.pendingChange) return stateRejection('change-pending', `a change to ${s.pendingChange.plan.id} is pending at the period end; withdraw it first`);
  const date = parseLocalDate(until);
  if (date === null) return ruleRejection('invalid-date', `until must be a local date YYYY-MM-DD, got "${until}"`);
  const startDate = localDateOf(s.currentPeriod.endMs, s.anchor.timeZone);
  const earliest = addDays(startDate, MIN_PAUSE_DAYS);
  const latest = addIntervalToDate(startDate, MAX_PAUSE, 1);
  if (date < earliest || date > latest) {
    return ruleRejection('pause-length', `the pause starts at the period end ${startDate} and lasts 7 days to 3 months: until must be from ${earliest} to ${latest}`);
  }
  return null;
}

export function applyPause(s: SubscriptionState, until: string): SubscriptionState {
  assertAllowed(pauseRejection(s, until));
  const resumeAtMs = localToInstantMs(until, s.anchor.time, s.anchor.timeZone);
  return touched(s, { pause: { startsAtMs: s.currentPeriod.endMs, resumeAtMs } });
}

/** The `pause` event: the paid period ended; no access until the resume instant. */
export function startPause(s: SubscriptionState): SubscriptionState {
  if (!s.pause) return s;
  return touched(s, {
    status: 'PAUSED',
    currentPeriod: { startMs: s.pause.startsAtMs, endMs: s.pause.resumeAtMs },
    periodCreditCap: 0,
  });
}

export function resumeRejection(s: SubscriptionState): Rejection | null {
  if (s.status === 'PAUSED' || (s.pause && !isTerminal(s.status))) return null;
  return stateRejection('nothing-to-resume', `subscription is ${s.status} and no pause is scheduled; nothing to resume`);
}

/** Early resume: a running pause ends now; a scheduled one is withdrawn (nothing charged). */
export function applyResume(s: SubscriptionState, nowMs: number): SubscriptionState {
  assertAllowed(resumeRejection(s));
  if (s.status !== 'PAUSED') return touched(s, { pause: null });
  return touched(s, { pause: { startsAtMs: s.currentPeriod.startMs, resumeAtMs: nowMs } });
}

/** The `resume` event: a new period starts at the resume instant (the new anchor) and is charged. */
export function beginResume(s: SubscriptionState, atMs: number): SubscriptionState {
  const anchor = anchorAt(atMs, s.anchor.timeZone);
  return touched(s, {
    anchor,
    periodIndex: 0,
    currentPeriod: periodOf(anchor, s.plan.interval, 0),
    cycle: s.cycle + 1,
    attempt: 0,
    unsettledOrders: [],
    pause: null,
  });
}
