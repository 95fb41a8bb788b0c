/**
 * The billing calendar (docs/lifecycle.md §6). Pure and deterministic: the workflow, the API's schedule
 * preview and the tests all compute billing instants here.
 *
 * Every period start is computed from the anchor (never from the previous, possibly clamped,
 * period), on the local calendar of the subscription's zone, with Temporal's `constrain`
 * overflow (month-end clamp) and `compatible` disambiguation (a DST gap moves forward by the
 * gap, an ambiguous fall-back time takes the earlier offset) — exactly the rules of §4.3.
 */
import { Temporal } from 'temporal-polyfill';

export const INTERVAL_UNITS = ['day', 'week', 'month', 'year'] as const;
export type IntervalUnit = (typeof INTERVAL_UNITS)[number];

export interface BillingInterval {
  unit: IntervalUnit;
  count: number;
}

/** Local wall-clock origin of a subscription's periods; day-of-month and time kept apart from the current period. */
export interface BillingAnchor {
  /** Local date, `YYYY-MM-DD`. */
  date: string;
  /** Local time of day, `HH:mm:ss` (milliseconds allowed). */
  time: string;
  /** IANA zone. */
  timeZone: string;
  /**
   * Day of month monthly and yearly periods aim for, when `date` is a clamped stand-in for it
   * (an anchor on the 31st rebased onto Feb 28 keeps 31 here, so May still bills on the 31st).
   */
  day?: number;
}

export interface Period {
  startMs: number;
  endMs: number;
}

export const DEFAULT_TIME_ZONE = 'Asia/Seoul';

export class CalendarError extends Error {
  constructor(
    readonly field: 'timeZone' | 'anchor' | 'interval' | 'count' | 'date',
    message: string,
  ) {
    super(message);
    this.name = 'CalendarError';
  }
}

export function isValidTimeZone(timeZone: string): boolean {
  // Offsets like "+09:00" are valid Temporal zones but not IANA names; a subscription needs a region.
  if (!/^[A-Za-z][A-Za-z0-9_+\-]*(\/[A-Za-z0-9_+\-]+)*$/.test(timeZone)) return false;
  try {
    Temporal.ZonedDateTime.from({ timeZone, year: 2000, month: 1, day: 1 });
    return true;
  } catch {
    return false;
  }
}

export function assertTimeZone(timeZone: string): void {
  if (!isValidTimeZone(timeZone)) throw new CalendarError('timeZone', `unknown IANA time zone "${timeZone}"`);
}

export function assertInterval(interval: BillingInterval): void {
  if (!INTERVAL_UNITS.includes(interval.unit)) {
    throw new CalendarError('interval', `unit must be one of ${INTERVAL_UNITS.join(', ')}`);
  }
  if (!Number.isInteger(interval.count) || interval.count < 1 || interval.count > 120) {
    throw new CalendarError('interval', 'count must be an integer from 1 to 120');
  }
}

const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;

/** Parses a local date-time without offset (`2025-01-31T00:30`) into an anchor in `timeZone`. */
export function parseLocalAnchor(localDateTime: string, timeZone: string): BillingAnchor {
  assertTimeZone(timeZone);
  if (!LOCAL_DATE_TIME.test(localDateTime)) {
    throw new CalendarError('anchor', 'expected a local date-time without offset, e.g. 2025-01-31T00:30');
  }
  let parsed: Temporal.PlainDateTime;
  try {
    parsed = Temporal.PlainDateTime.from(localDateTime, { overflow: 'reject' });
  } catch {
    throw new CalendarError('anchor', `"${localDateTime}" is not a real calendar date-time`);
  }
  return { date: parsed.toPlainDate().toString(), time: parsed.toPlainTime().toString(), timeZone };
}

/** The anchor whose period 0 starts at `instantMs` in `timeZone`. */
export function anchorAt(instantMs: number, timeZone: string): BillingAnchor {
  const local = Temporal.Instant.fromEpochMilliseconds(instantMs).toZonedDateTimeISO(timeZone);
  return { date: local.toPlainDate().toString(), time: local.toPlainTime().toString(), timeZone };
}

/** `date` + n × interval on the local calendar; months clamp to `day` (default: date's day) at most. */
export function addIntervalToDate(date: string, interval: BillingInterval, n: number, day?: number): string {
  const start = Temporal.PlainDate.from(date);
  const k = n * interval.count;
  if (interval.unit === 'day') return start.add({ days: k }).toString();
  if (interval.unit === 'week') return start.add({ weeks: k }).toString();
  // Computed from the first of the month so the target day is chosen once, never from a clamped date.
  const firstOfMonth = start.with({ day: 1 }).add({ months: interval.unit === 'year' ? 12 * k : k });
  return firstOfMonth.with({ day: Math.min(day ?? start.day, firstOfMonth.daysInMonth) }).toString();
}

/** Epoch ms of the local wall-clock `date` + `time` in `timeZone`, with the §4.3 DST rules. */
export function localToInstantMs(date: string, time: string, timeZone: string): number {
  return Temporal.PlainDate.from(date)
    .toPlainDateTime(Temporal.PlainTime.from(time))
    .toZonedDateTime(timeZone, { disambiguation: 'compatible' }).epochMilliseconds;
}

/** Start instant of period `n` (n may be negative for the period before the anchor). */
export function periodStartMs(anchor: BillingAnchor, interval: BillingInterval, n: number): number {
  return localToInstantMs(addIntervalToDate(anchor.date, interval, n, anchor.day), anchor.time, anchor.timeZone);
}

/**
 * The anchor whose period 0 is period `n` of (`anchor`, `interval`): same local time, same
 * day-of-month intent. Used when the interval changes at a period boundary and billing dates stay.
 */
export function rebaseAnchor(anchor: BillingAnchor, interval: BillingInterval, n: number): BillingAnchor {
  const date = addIntervalToDate(anchor.date, interval, n, anchor.day);
  const intendedDay = anchor.day ?? Temporal.PlainDate.from(anchor.date).day;
  const monthly = interval.unit === 'month' || interval.unit === 'year';
  const rebased: BillingAnchor = { date, time: anchor.time, timeZone: anchor.timeZone };
  if (monthly && intendedDay !== Temporal.PlainDate.from(date).day) rebased.day = intendedDay;
  return rebased;
}

/** An anchor on a local date at the local time `time`: the anchor moves there (defer, plan changes). */
export function anchorOn(date: string, time: string, timeZone: string): BillingAnchor {
  return { date, time, timeZone };
}

export function periodOf(anchor: BillingAnchor, interval: BillingInterval, n: number): Period {
  return { startMs: periodStartMs(anchor, interval, n), endMs: periodStartMs(anchor, interval, n + 1) };
}

/** The start instants of periods 0 … count−1. */
export function billingInstants(anchor: BillingAnchor, interval: BillingInterval, count: number): number[] {
  assertInterval(interval);
  assertTimeZone(anchor.timeZone);
  if (!Number.isInteger(count) || count < 1 || count > 1000) {
    throw new CalendarError('count', 'count must be an integer from 1 to 1000');
  }
  return Array.from({ length: count }, (_, n) => periodStartMs(anchor, interval, n));
}

/** Local calendar date (`YYYY-MM-DD`) of an instant. */
export function localDateOf(instantMs: number, timeZone: string): string {
  return Temporal.Instant.fromEpochMilliseconds(instantMs).toZonedDateTimeISO(timeZone).toPlainDate().toString();
}

export function addDays(date: string, days: number): string {
  return Temporal.PlainDate.from(date).add({ days }).toString();
}

/** Instant `days` local days after the local date of `fromMs`, at local time `time`. */
export function daysLaterAt(fromMs: number, days: number, time: string, timeZone: string): number {
  return localToInstantMs(addDays(localDateOf(fromMs, timeZone), days), time, timeZone);
}

/** Number of local dates in `[fromDate, toDate)` (negative when toDate is earlier). */
export function daysBetween(fromDate: string, toDate: string): number {
  return Temporal.PlainDate.from(fromDate).until(Temporal.PlainDate.from(toDate), { largestUnit: 'days' }).days;
}

// Intl's short names show "GMT+9" for zones without a customary English abbreviation.
const ZONE_ABBREVIATIONS: Record<string, string> = { 'Asia/Seoul': 'KST', 'Asia/Tokyo': 'JST' };

/** Human-readable local time for UI summaries: `2025-05-31 00:30 KST`. */
export function formatLocal(instantMs: number, timeZone: string): string {
  const local = Temporal.Instant.fromEpochMilliseconds(instantMs).toZonedDateTimeISO(timeZone);
  const hhmm = local.toPlainTime().toString({ smallestUnit: 'minute' });
  const abbreviation =
    ZONE_ABBREVIATIONS[timeZone] ??
    new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'short' })
      .formatToParts(new Date(instantMs))
      .find((part) => part.type === 'timeZoneName')?.value ??
    timeZone;
  return `${local.toPlainDate().toString()} ${hhmm} ${abbreviation}`;
}

export function toIso(instantMs: number): string {
  return new Date(instantMs).toISOString();
}
