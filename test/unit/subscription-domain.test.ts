import { DEFAULT_DUNNING_POLICY, type Plan } from '../../src/domain/plans';
import {
  applyCancel,
  applyChargeOutcome,
  applyPaymentMethodUpdate,
  applyRestore,
  beginRenewal,
  cancelRejection,
  newSubscription,
  nextEvent,
  noteTrialEnding,
  restoreRejection,
  TransitionRejected,
  type ChargeOutcome,
  type SubscriptionState,
} from '../../src/domain/subscription';

const plan: Plan = { id: 'p', product: 'x', name: 'P', price: 9_900, currency: 'KRW', interval: { unit: 'month', count: 1 }, autoRenew: true, trialDays: 7, dunning: DEFAULT_DUNNING_POLICY };
const t0 = Date.parse('2025-01-30T15:30:00Z'); // 2025-01-31 00:30 KST
const create = (withTrial = false) =>
  newSubscription({ subscriptionId: 'sub_1', customerKey: 'c1', plan, paymentMethodId: 'pm_1', timeZone: 'Asia/Seoul', withTrial }, t0);
const paid = (s: SubscriptionState, at: number): ChargeOutcome => ({
  outcome: 'paid',
  payment: { paymentId: `o${s.cycle}`, orderId: `o${s.cycle}`, amount: s.plan.price, approvedAtMs: at, cycle: s.cycle },
});
const soft: ChargeOutcome = { outcome: 'declined', decline: { kind: 'soft', code: 'REJECT_CARD_PAYMENT', message: '' } };

test('create charges at once; the anchor is the creation instant', () => {
  const s = create();
  expect(s).toMatchObject({ status: 'INCOMPLETE', cycle: 1, anchor: { date: '2025-01-31', time: '00:30:00' } });
  expect(nextEvent(s)).toMatchObject({ kind: 'charge', reason: 'first' });
  const active = applyChargeOutcome(s, paid(s, t0), t0);
  expect(active.status).toBe('ACTIVE');
  expect(nextEvent(active)).toEqual({ kind: 'renew', atMs: Date.parse('2025-02-27T15:30:00Z') });
});

test('a trial schedules its end as the first charge and anchors there', () => {
  const s = create(true);
  expect(s.status).toBe('TRIALING');
  expect(s.anchor).toMatchObject({ date: '2025-02-07', time: '00:30:00' });
  // Three local days before its end the trial says so; then its end is the first charge.
  expect(nextEvent(s)).toEqual({ kind: 'trialNotice', atMs: Date.parse('2025-02-03T15:30:00Z') });
  expect(nextEvent(noteTrialEnding(s))).toEqual({ kind: 'renew', atMs: Date.parse('2025-02-06T15:30:00Z') });
  expect(beginRenewal(s)).toMatchObject({ cycle: 1, periodIndex: 0 });
});

test('cancel and restore guard each other with reasons', () => {
  const active = applyChargeOutcome(create(), paid(create(), t0), t0);
  expect(cancelRejection(active)).toBeNull();
  expect(restoreRejection(active)?.reason).toMatch(/only a canceled subscription/);
  const canceled = applyCancel(active, t0 + 1000);
  expect(canceled.status).toBe('CANCELED');
  expect(nextEvent(canceled)).toMatchObject({ kind: 'expire', cause: 'canceled', atMs: active.currentPeriod.endMs });
  expect(() => applyCancel(canceled, t0)).toThrow(TransitionRejected);
  expect(applyRestore(canceled).status).toBe('ACTIVE');
});

test('a soft-declined renewal enters grace with the default retry ladder; a hard one schedules none', () => {
  let s = applyChargeOutcome(create(), paid(create(), t0), t0);
  s = beginRenewal(s);
  const due = s.currentPeriod.startMs;
  const grace = applyChargeOutcome(s, soft, due);
  expect(grace.status).toBe('IN_GRACE_PERIOD');
  expect(nextEvent(grace)).toEqual({ kind: 'retry', atMs: due + 86_400_000 });
  const hard = applyChargeOutcome(s, { outcome: 'declined', decline: { kind: 'hard', code: 'INVALID_STOPPED_CARD', message: '' } }, due);
  expect(nextEvent(hard)).toEqual({ kind: 'enterHold', atMs: due + 7 * 86_400_000 });
  const retrying = applyPaymentMethodUpdate(hard, 'pm_2');
  expect(nextEvent(retrying)).toMatchObject({ kind: 'charge', reason: 'requested' });
});

test('a merchant configuration error blocks without moving toward hold', () => {
  let s = applyChargeOutcome(create(), paid(create(), t0), t0);
  s = beginRenewal(s);
  const blocked = applyChargeOutcome(s, { outcome: 'declined', decline: { kind: 'merchant', code: 'UNAUTHORIZED_KEY', message: '' } }, s.currentPeriod.startMs);
  expect(blocked).toMatchObject({ status: 'ACTIVE', dunning: null, blocked: { code: 'UNAUTHORIZED_KEY' } });
  expect(nextEvent(blocked)).toBeNull();
});

test('an unknown outcome is dunned as soft and remembered for reconciliation', () => {
  let s = applyChargeOutcome(create(), paid(create(), t0), t0);
  s = beginRenewal(s);
  const unknown = applyChargeOutcome(s, { outcome: 'unknown', order: { orderId: 'sub_1-c2-a1', attempt: 1 }, message: 'timeout' }, s.currentPeriod.startMs);
  expect(unknown).toMatchObject({ status: 'IN_GRACE_PERIOD', unsettledOrders: [{ orderId: 'sub_1-c2-a1', attempt: 1 }] });
  expect(unknown.dunning?.lastDecline.code).toBe('GATEWAY_UNAVAILABLE');
});

test('after a hard decline, a soft one from a new card resumes retries from now on, not the missed ones in a burst', () => {
  let s = applyChargeOutcome(create(), paid(create(), t0), t0);
  s = beginRenewal(s);
  const due = s.currentPeriod.startMs;
  const hard = applyChargeOutcome(s, { outcome: 'declined', decline: { kind: 'hard', code: 'INVALID_STOPPED_CARD', message: '' } }, due);
  // Day 4: the customer adds a card, which is soft-declined. The day-1 and day-3 retries are past.
  const day4 = due + 4 * 86_400_000;
  const softAgain = applyChargeOutcome(applyPaymentMethodUpdate(hard, 'pm_2'), soft, day4);
  expect(softAgain.status).toBe('IN_GRACE_PERIOD');
  expect(nextEvent(softAgain)).toEqual({ kind: 'retry', atMs: due + 5 * 86_400_000 });
});

test('a canceled subscription whose in-flight renewal hits a merchant error ends instead of blocking', () => {
  let s = applyChargeOutcome(create(), paid(create(), t0), t0);
  s = applyCancel(beginRenewal(s), s.currentPeriod.endMs);
  const ended = applyChargeOutcome(s, { outcome: 'declined', decline: { kind: 'merchant', code: 'UNAUTHORIZED_KEY', message: '' } }, s.currentPeriod.startMs);
  expect(ended).toMatchObject({ status: 'EXPIRED', blocked: null });
  expect(nextEvent(ended)).toBeNull();
});
