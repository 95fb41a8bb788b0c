import { localToInstantMs } from '../../src/domain/calendar';
import { dunningPhaseAt, dunningSchedule, nextRetryAfter, retryDayOffsets } from '../../src/domain/dunning';
import { assertValidDunningPolicy, DEFAULT_DUNNING_POLICY, PlanRuleError } from '../../src/domain/plans';

const DAY = 86_400_000;

test('default ladder: retries on days 1, 3, 5, 7 in grace, then every 7 days in hold', () => {
  expect(retryDayOffsets(DEFAULT_DUNNING_POLICY)).toEqual([1, 3, 5, 7, 14, 21, 28, 35]);
});

test('offsets beyond a short grace are dropped; zero grace goes straight to hold', () => {
  expect(retryDayOffsets({ ...DEFAULT_DUNNING_POLICY, gracePeriodDays: 3 })).toEqual([1, 3, 10, 17, 24, 31]);
  expect(retryDayOffsets({ ...DEFAULT_DUNNING_POLICY, gracePeriodDays: 0, accountHoldDays: 14 })).toEqual([7, 14]);
  expect(retryDayOffsets({ ...DEFAULT_DUNNING_POLICY, gracePeriodDays: 0, accountHoldDays: 0 })).toEqual([]);
});

test('schedule instants fall at the anchor local time, counted in local days', () => {
  const due = localToInstantMs('2025-03-31', '00:30:00', 'Asia/Seoul');
  const s = dunningSchedule(due, '00:30:00', 'Asia/Seoul', DEFAULT_DUNNING_POLICY);
  expect(s.graceEndsAtMs - due).toBe(7 * DAY);
  expect(s.holdEndsAtMs - due).toBe(37 * DAY);
  expect(s.retryAtMs.map((t) => (t - due) / DAY)).toEqual([1, 3, 5, 7, 14, 21, 28, 35]);
  expect(dunningPhaseAt(s, due)).toBe('grace');
  expect(dunningPhaseAt(s, s.graceEndsAtMs)).toBe('hold');
  expect(dunningPhaseAt(s, s.holdEndsAtMs)).toBe('over');
  expect(nextRetryAfter(s, due + 3 * DAY)).toBe(due + 5 * DAY);
  expect(nextRetryAfter(s, due + 35 * DAY)).toBeUndefined();
});

test('dunning policies are validated against the allowed values', () => {
  const bad = (patch: object) => () => assertValidDunningPolicy({ ...DEFAULT_DUNNING_POLICY, ...patch });
  expect(bad({ gracePeriodDays: 5 })).toThrow(PlanRuleError);
  expect(bad({ accountHoldDays: 61 })).toThrow(/accountHoldDays/);
  expect(bad({ graceRetryDayOffsets: [3, 1] })).toThrow(/ascending/);
  expect(bad({ holdRetryEveryDays: 0 })).toThrow(/holdRetryEveryDays/);
  for (const grace of [0, 3, 7, 14, 30]) expect(bad({ gracePeriodDays: grace })).not.toThrow();
});
