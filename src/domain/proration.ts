/**
 * Proration arithmetic (docs/lifecycle.md §3.4), day-based on the subscription's local calendar. The change
 * day counts as used; money is integer minor units, rounded half-up once, at the line computing it.
 */
import { addDays, addIntervalToDate, daysBetween, localDateOf, type BillingInterval, type Period } from './calendar';
import type { Plan } from './plans';

/** `remainingDays / periodDays` of a period at a change instant. */
export interface DayFraction {
  /** Local dates from the day after the change day up to the day before the period end. */
  remainingDays: number;
  /** Local dates in [start, end). */
  periodDays: number;
}

export function remainingFraction(period: Period, atMs: number, timeZone: string): DayFraction {
  const endDate = localDateOf(period.endMs, timeZone);
  const periodDays = daysBetween(localDateOf(period.startMs, timeZone), endDate);
  const remainingDays = Math.max(0, daysBetween(addDays(localDateOf(atMs, timeZone), 1), endDate));
  return { remainingDays: Math.min(remainingDays, periodDays), periodDays: Math.max(periodDays, 1) };
}

/** round(Π numerators / Π denominators) half-up, exact in bigint: a won is never decided by a float. */
export function ratioRoundHalfUp(numerators: number[], denominators: number[]): number {
  const n = numerators.reduce((acc, x) => acc * BigInt(x), 1n);
  const d = denominators.reduce((acc, x) => acc * BigInt(x), 1n);
  if (d <= 0n || n < 0n) throw new RangeError('ratioRoundHalfUp needs a non-negative numerator and a positive denominator');
  const q = n / d;
  return Number(2n * (n - q * d) >= d ? q + 1n : q);
}

const monthsOf = (interval: BillingInterval): number | null =>
  interval.unit === 'month' ? interval.count : interval.unit === 'year' ? 12 * interval.count : null;

/** Days in one `interval` starting on local date `fromDate` (a month from Jan 31 has 28 or 29). */
export function intervalDays(interval: BillingInterval, fromDate: string): number {
  return daysBetween(fromDate, addIntervalToDate(fromDate, interval, 1));
}

/**
 * Period lengths L of the two plans (docs/lifecycle.md §3.4): months when both bill in months or years, else
 * days (a month counted on the calendar from `fromDate`).
 */
export function planLengths(current: BillingInterval, next: BillingInterval, fromDate: string): { current: number; next: number } {
  const mc = monthsOf(current);
  const mn = monthsOf(next);
  if (mc !== null && mn !== null) return { current: mc, next: mn };
  return { current: intervalDays(current, fromDate), next: intervalDays(next, fromDate) };
}

/** The new plan costs more per unit of time: the only case CHARGE_PRORATED_PRICE allows. */
export function costsMorePerTime(current: Plan, next: Plan, fromDate: string): boolean {
  const L = planLengths(current.interval, next.interval, fromDate);
  return BigInt(next.price) * BigInt(L.current) > BigInt(current.price) * BigInt(L.next);
}

export interface ProrationBasis {
  fraction: DayFraction;
  /** The current period is exactly one interval of the current plan (no defer, trial or earlier change bent it). */
  regular: boolean;
  periodStartDate: string;
}

/**
 * credit = round(currentPlanPrice × f) for a regular period. A period an earlier operation bent
 * (a deferred or credit-extended period, a plan changed mid-period) values its remaining days at
 * the current plan's daily rate instead, so the credit tracks what the days are worth on that plan.
 * Never more than `cap`, the money actually paid for the period.
 */
export function creditFor(plan: Plan, basis: ProrationBasis, cap: number): number {
  const { remainingDays, periodDays } = basis.fraction;
  const value = basis.regular
    ? ratioRoundHalfUp([plan.price, remainingDays], [periodDays])
    : ratioRoundHalfUp([plan.price, remainingDays], [intervalDays(plan.interval, basis.periodStartDate)]);
  return Math.min(value, Math.max(cap, 0));
}

/** newCostOfRemainder = round(newPrice × f × L_cur / L_new) (docs/lifecycle.md §3.4). */
export function newCostOfRemainder(current: Plan, next: Plan, basis: ProrationBasis): number {
  const { remainingDays, periodDays } = basis.fraction;
  const L = planLengths(current.interval, next.interval, basis.periodStartDate);
  if (basis.regular && monthsOf(current.interval) !== null && monthsOf(next.interval) !== null) {
    return ratioRoundHalfUp([next.price, remainingDays, L.current], [periodDays, L.next]);
  }
  // In days, L_cur = periodDays for a regular period, so f × L_cur / L_new = remaining / L_new.
  return ratioRoundHalfUp([next.price, remainingDays], [intervalDays(next.interval, basis.periodStartDate)]);
}

/** Time a credit buys on a plan: whole periods first, then whole days, rounded down (docs/lifecycle.md §3.4). */
export interface CreditTime {
  periods: number;
  days: number;
}

export function creditToTime(credit: number, plan: Plan, fromDate: string): CreditTime {
  if (credit <= 0 || plan.price <= 0) return { periods: 0, days: 0 };
  const periods = Math.floor(credit / plan.price);
  const rest = credit - periods * plan.price;
  const days = Number((BigInt(rest) * BigInt(intervalDays(plan.interval, addIntervalToDate(fromDate, plan.interval, periods)))) / BigInt(plan.price));
  return { periods, days };
}

/** The local date `time` reaches from `fromDate`: the periods, then the days. */
export function dateAfterCreditTime(fromDate: string, plan: Plan, time: CreditTime): string {
  return addDays(addIntervalToDate(fromDate, plan.interval, time.periods), time.days);
}
