import fc from 'fast-check';
import {
  anchorAt,
  billingInstants,
  CalendarError,
  daysLaterAt,
  formatLocal,
  parseLocalAnchor,
  periodOf,
  periodStartMs,
  type BillingInterval,
} from '../../src/domain/calendar';
import { localDateTime } from '../support/local-time';

const seoul = (local: string) => parseLocalAnchor(local, 'Asia/Seoul');
const localSeries = (local: string, interval: BillingInterval, count: number, tz = 'Asia/Seoul') =>
  billingInstants(parseLocalAnchor(local, tz), interval, count).map((ms) => localDateTime(ms, tz));
const monthly = { unit: 'month', count: 1 } as const;

describe('month-end clamp and return', () => {
  test('Jan 31 → Feb 28 → Mar 31 → Apr 30 → May 31 (never from the clamped date)', () => {
    expect(localSeries('2025-01-31T00:30', monthly, 5)).toEqual([
      '2025-01-31 00:30', '2025-02-28 00:30', '2025-03-31 00:30', '2025-04-30 00:30', '2025-05-31 00:30',
    ]);
  });
  test('leap year: Jan 31 → Feb 29', () => {
    expect(localSeries('2024-01-31T09:00', monthly, 3)).toEqual(['2024-01-31 09:00', '2024-02-29 09:00', '2024-03-31 09:00']);
  });
  test('Jan 30 and Jan 29 clamp in February only', () => {
    expect(localSeries('2025-01-30T10:00', monthly, 3)).toEqual(['2025-01-30 10:00', '2025-02-28 10:00', '2025-03-30 10:00']);
    expect(localSeries('2024-01-29T10:00', monthly, 3)).toEqual(['2024-01-29 10:00', '2024-02-29 10:00', '2024-03-29 10:00']);
  });
  test('Aug 31 every 3 months: Nov 30, Feb 28, May 31', () => {
    expect(localSeries('2025-08-31T12:00', { unit: 'month', count: 3 }, 4)).toEqual([
      '2025-08-31 12:00', '2025-11-30 12:00', '2026-02-28 12:00', '2026-05-31 12:00',
    ]);
  });
  test('the schedule-preview example of the issue, as UTC instants', () => {
    expect(billingInstants(seoul('2025-01-31T00:30'), monthly, 5).map((ms) => new Date(ms).toISOString())).toEqual([
      '2025-01-30T15:30:00.000Z', '2025-02-27T15:30:00.000Z', '2025-03-30T15:30:00.000Z', '2025-04-29T15:30:00.000Z', '2025-05-30T15:30:00.000Z',
    ]);
  });
});

describe('yearly and Feb 29 anchors', () => {
  test('Feb 29 anchor bills Feb 28 in common years and Feb 29 again in leap years', () => {
    expect(localSeries('2024-02-29T08:00', { unit: 'year', count: 1 }, 5)).toEqual([
      '2024-02-29 08:00', '2025-02-28 08:00', '2026-02-28 08:00', '2027-02-28 08:00', '2028-02-29 08:00',
    ]);
  });
  test('century rule: 2100 is not a leap year, 2000 was', () => {
    expect(localSeries('2096-02-29T08:00', { unit: 'year', count: 4 }, 2)).toEqual(['2096-02-29 08:00', '2100-02-28 08:00']);
    expect(localSeries('1996-02-29T08:00', { unit: 'year', count: 4 }, 2)).toEqual(['1996-02-29 08:00', '2000-02-29 08:00']);
  });
  test('every 2 years', () => {
    expect(localSeries('2025-06-15T00:00', { unit: 'year', count: 2 }, 3)).toEqual(['2025-06-15 00:00', '2027-06-15 00:00', '2029-06-15 00:00']);
  });
});

describe('days and weeks', () => {
  test('weekly crosses month and year ends', () => {
    expect(localSeries('2025-12-24T09:30', { unit: 'week', count: 1 }, 3)).toEqual(['2025-12-24 09:30', '2025-12-31 09:30', '2026-01-07 09:30']);
  });
  test('every 2 weeks', () => {
    expect(localSeries('2025-02-20T09:30', { unit: 'week', count: 2 }, 3)).toEqual(['2025-02-20 09:30', '2025-03-06 09:30', '2025-03-20 09:30']);
  });
  test('every 30 days is not monthly', () => {
    expect(localSeries('2025-01-31T00:00', { unit: 'day', count: 30 }, 3)).toEqual(['2025-01-31 00:00', '2025-03-02 00:00', '2025-04-01 00:00']);
  });
});

describe('daylight saving keeps the local wall clock', () => {
  const ny = 'America/New_York';
  test('a daily 09:00 crosses spring-forward and fall-back at 09:00 local', () => {
    const instants = billingInstants(parseLocalAnchor('2025-03-08T09:00', ny), { unit: 'day', count: 1 }, 3);
    expect(instants.map((ms) => localDateTime(ms, ny))).toEqual(['2025-03-08 09:00', '2025-03-09 09:00', '2025-03-10 09:00']);
    expect(instants[1]! - instants[0]!).toBe(23 * 3600_000);
  });
  test('a time in the spring-forward gap moves forward by the gap', () => {
    // 2025-03-09 02:30 does not exist in New York: it becomes 03:30 EDT (07:30Z).
    const [, gap] = billingInstants(parseLocalAnchor('2025-02-09T02:30', ny), monthly, 2);
    expect(new Date(gap!).toISOString()).toBe('2025-03-09T07:30:00.000Z');
    // The next month is back at 02:30: computed from the anchor, not from the shifted time.
    expect(localDateTime(periodStartMs(parseLocalAnchor('2025-02-09T02:30', ny), monthly, 2), ny)).toBe('2025-04-09 02:30');
  });
  test('an ambiguous fall-back time takes the earlier offset', () => {
    // 2025-11-02 01:30 happens twice in New York; the first is EDT (05:30Z).
    const [, ambiguous] = billingInstants(parseLocalAnchor('2025-10-02T01:30', ny), monthly, 2);
    expect(new Date(ambiguous!).toISOString()).toBe('2025-11-02T05:30:00.000Z');
  });
  test('Europe/London and Australia/Sydney keep local time across their changes', () => {
    expect(localSeries('2025-03-01T08:00', monthly, 3, 'Europe/London')).toEqual(['2025-03-01 08:00', '2025-04-01 08:00', '2025-05-01 08:00']);
    expect(localSeries('2025-03-31T23:00', monthly, 3, 'Australia/Sydney')).toEqual(['2025-03-31 23:00', '2025-04-30 23:00', '2025-05-31 23:00']);
  });
  test('Asia/Seoul has no DST: every day is 24 h', () => {
    const instants = billingInstants(seoul('2025-01-01T00:00'), { unit: 'day', count: 1 }, 366);
    expect(instants.slice(1).every((ms, i) => ms - instants[i]! === 86_400_000)).toBe(true);
  });
});

describe('validation', () => {
  test('invalid zone, date, unit and count are CalendarErrors naming the field', () => {
    const field = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return error instanceof CalendarError ? error.field : 'other';
      }
      return 'none';
    };
    expect(field(() => parseLocalAnchor('2025-01-31T00:30', 'Mars/Olympus'))).toBe('timeZone');
    expect(field(() => parseLocalAnchor('2025-01-31T00:30', '+09:00'))).toBe('timeZone');
    expect(field(() => parseLocalAnchor('2025-02-30T00:30', 'Asia/Seoul'))).toBe('anchor');
    expect(field(() => parseLocalAnchor('2025-01-31T00:30+09:00', 'Asia/Seoul'))).toBe('anchor');
    expect(field(() => billingInstants(seoul('2025-01-31T00:30'), { unit: 'fortnight' as 'day', count: 1 }, 2))).toBe('interval');
    expect(field(() => billingInstants(seoul('2025-01-31T00:30'), { unit: 'day', count: 0 }, 2))).toBe('interval');
    expect(field(() => billingInstants(seoul('2025-01-31T00:30'), monthly, 0))).toBe('count');
  });
});

describe('helpers', () => {
  test('anchorAt and daysLaterAt work on the local calendar', () => {
    const t = Date.parse('2025-01-30T15:30:00Z');
    expect(anchorAt(t, 'Asia/Seoul')).toEqual({ date: '2025-01-31', time: '00:30:00', timeZone: 'Asia/Seoul' });
    expect(new Date(daysLaterAt(t, 1, '00:30:00', 'Asia/Seoul')).toISOString()).toBe('2025-01-31T15:30:00.000Z');
  });
  test('formatLocal reads like the Web UI summaries', () => {
    expect(formatLocal(Date.parse('2025-05-30T15:30:00Z'), 'Asia/Seoul')).toBe('2025-05-31 00:30 KST');
    expect(formatLocal(Date.parse('2025-07-01T13:00:00Z'), 'America/New_York')).toBe('2025-07-01 09:00 EDT');
  });
});

describe('properties', () => {
  const zones = ['Asia/Seoul', 'America/New_York', 'Europe/London', 'Australia/Sydney', 'UTC'];
  const arbitraryAnchor = fc.record({
    y: fc.integer({ min: 2000, max: 2090 }),
    m: fc.integer({ min: 1, max: 12 }),
    d: fc.integer({ min: 1, max: 31 }),
    hh: fc.integer({ min: 0, max: 23 }),
    mm: fc.integer({ min: 0, max: 59 }),
    tz: fc.constantFrom(...zones),
    unit: fc.constantFrom('day', 'week', 'month', 'year' as const),
    count: fc.integer({ min: 1, max: 12 }),
  });
  const pad = (n: number) => String(n).padStart(2, '0');

  test('periods are contiguous and strictly increasing; month anchors recover their day after clamping', () => {
    fc.assert(
      fc.property(arbitraryAnchor, ({ y, m, d, hh, mm, tz, unit, count }) => {
        const day = Math.min(d, new Date(Date.UTC(y, m, 0)).getUTCDate());
        const anchor = parseLocalAnchor(`${y}-${pad(m)}-${pad(day)}T${pad(hh)}:${pad(mm)}`, tz);
        const interval = { unit, count } as BillingInterval;
        for (let n = 0; n < 24; n++) {
          const p = periodOf(anchor, interval, n);
          expect(p.endMs).toBeGreaterThan(p.startMs);
          expect(periodOf(anchor, interval, n + 1).startMs).toBe(p.endMs);
          if (unit === 'month' || unit === 'year') {
            const local = localDateTime(p.startMs, tz);
            const [ly, lm] = local.slice(0, 7).split('-').map(Number) as [number, number];
            expect(Number(local.slice(8, 10))).toBe(Math.min(day, new Date(Date.UTC(ly, lm, 0)).getUTCDate()));
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
