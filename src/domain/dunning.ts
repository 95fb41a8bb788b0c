/**
 * The dunning ladder (docs/lifecycle.md §5): IN_GRACE_PERIOD (entitled) → ON_HOLD (not entitled) → EXPIRED,
 * with retries at day offsets from the failed due date, at the anchor's local time.
 */
import { daysLaterAt } from './calendar';
import type { DunningPolicy } from './plans';

export interface DunningSchedule {
  failedDueAtMs: number;
  graceEndsAtMs: number;
  holdEndsAtMs: number;
  /** Scheduled retry instants, ascending; each at or before the end of the phase it belongs to. */
  retryAtMs: number[];
}

/** Day offsets (from the failed due date) of every scheduled retry, grace then hold. */
export function retryDayOffsets(policy: DunningPolicy): number[] {
  const grace = policy.graceRetryDayOffsets.filter((d) => d <= policy.gracePeriodDays);
  const hold: number[] = [];
  const holdEnd = policy.gracePeriodDays + policy.accountHoldDays;
  for (let d = policy.gracePeriodDays + policy.holdRetryEveryDays; d <= holdEnd; d += policy.holdRetryEveryDays) {
    hold.push(d);
  }
  return [...grace, ...hold];
}

export function dunningSchedule(
  failedDueAtMs: number,
  anchorTime: string,
  timeZone: string,
  policy: DunningPolicy,
): DunningSchedule {
  const at = (days: number) => daysLaterAt(failedDueAtMs, days, anchorTime, timeZone);
  return {
    failedDueAtMs,
    graceEndsAtMs: policy.gracePeriodDays === 0 ? failedDueAtMs : at(policy.gracePeriodDays),
    holdEndsAtMs:
      policy.gracePeriodDays + policy.accountHoldDays === 0
        ? failedDueAtMs
        : at(policy.gracePeriodDays + policy.accountHoldDays),
    retryAtMs: retryDayOffsets(policy).map(at),
  };
}

export type DunningPhase = 'grace' | 'hold' | 'over';

/** Phase at instant t: [due, graceEnd) grace, [graceEnd, holdEnd) hold, then over. */
export function dunningPhaseAt(schedule: DunningSchedule, t: number): DunningPhase {
  if (t < schedule.graceEndsAtMs) return 'grace';
  if (t < schedule.holdEndsAtMs) return 'hold';
  return 'over';
}

/** The first scheduled retry strictly after `afterMs`, if any. */
export function nextRetryAfter(schedule: DunningSchedule, afterMs: number): number | undefined {
  return schedule.retryAtMs.find((t) => t > afterMs);
}
