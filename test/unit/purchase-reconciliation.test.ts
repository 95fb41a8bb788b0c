import { DEFAULT_DUNNING_POLICY, type Plan } from '../../src/domain/plans';
import {
  checkDelayMs,
  reconcileEvent,
  withPurchaseCheckFailed,
  withPurchaseSettled,
  withPurchaseUnknown,
} from '../../src/domain/purchase-reconciliation';
import { applyRevoke } from '../../src/domain/revoke';
import { applyChargeOutcome, applyCancel, beginRenewal, expire, newSubscription, nextEvent, type SubscriptionState } from '../../src/domain/subscription';

const plan: Plan = { id: 'p', product: 'x', name: 'P', price: 9_900, currency: 'KRW', interval: { unit: 'month', count: 1 }, autoRenew: true, dunning: DEFAULT_DUNNING_POLICY };
const t0 = Date.parse('2025-03-10T01:00:00Z');
const MIN = 60_000;

function active(): SubscriptionState {
  const s = newSubscription({ subscriptionId: 'sub_r', customerKey: 'c', plan, paymentMethodId: 'pm', timeZone: 'Asia/Seoul', withTrial: false }, t0);
  return applyChargeOutcome(s, { outcome: 'paid', payment: { paymentId: 'o1', orderId: 'o1', amount: 9_900, approvedAtMs: t0, cycle: 1 } }, t0);
}

test('lookups back off 10 min, 30 min, 90 min … and settle at a day apart', () => {
  expect([0, 1, 2, 3, 4, 5, 9].map(checkDelayMs)).toEqual([10 * MIN, 30 * MIN, 90 * MIN, 270 * MIN, 810 * MIN, 1440 * MIN, 1440 * MIN]);
});

test('an unconfirmed purchase changes nothing but is looked up before the next renewal, and never reuses its order id', () => {
  const s = active();
  const u = withPurchaseUnknown(s, { orderId: 'sub_r-p1', amount: 5_000, what: 'top-up', cycle: 1 }, t0 + MIN);
  expect(u).toMatchObject({ status: 'ACTIVE', currentPeriod: s.currentPeriod, plan: s.plan, purchaseSeq: s.purchaseSeq + 1 });
  expect(nextEvent(u)).toEqual({ kind: 'reconcile', atMs: t0 + 11 * MIN, orderId: 'sub_r-p1' });
  const stillDown = withPurchaseCheckFailed(u, 'sub_r-p1', t0 + 11 * MIN);
  expect(reconcileEvent(stillDown)).toEqual({ kind: 'reconcile', atMs: t0 + 41 * MIN, orderId: 'sub_r-p1' });
  const voided = withPurchaseSettled(stillDown, 'sub_r-p1', { outcome: 'voided', charged: 5_000, amount: 5_000 });
  expect(voided.unsettledPurchases).toEqual([]);
  expect(voided.counters).toMatchObject({ amountCharged: 9_900 + 5_000, amountRefunded: 5_000 });
  expect(nextEvent(voided)).toEqual(nextEvent(s));
  const never = withPurchaseSettled(stillDown, 'sub_r-p1', { outcome: 'notCharged' });
  expect(never.counters).toEqual({ ...s.counters, chargeAttempts: s.counters.chargeAttempts + 1 });
});

test('a renewal due before the lookup comes first; an ended subscription still gets its lookup', () => {
  const s = active();
  const late = withPurchaseUnknown(s, { orderId: 'sub_r-p1', amount: 5_000, what: 'top-up', cycle: 1 }, s.currentPeriod.endMs - MIN);
  expect(nextEvent(late)).toEqual({ kind: 'renew', atMs: s.currentPeriod.endMs });
  const ended = expire(applyCancel(late, t0), s.currentPeriod.endMs);
  expect(ended.status).toBe('EXPIRED');
  expect(nextEvent(ended)).toMatchObject({ kind: 'reconcile', orderId: 'sub_r-p1' });
});

test('an ending subscription hands unconfirmed renewal attempts to reconciliation (expiry, revoke)', () => {
  const s = beginRenewal(active());
  const unknown = applyChargeOutcome(s, { outcome: 'unknown', order: { orderId: 'sub_r-c2-a1', attempt: 1 }, message: 'timeout' }, s.currentPeriod.startMs);
  expect(unknown.unsettledOrders).toHaveLength(1);
  for (const ended of [applyCancel(unknown, s.currentPeriod.startMs + MIN), applyRevoke(unknown, 'none', s.currentPeriod.startMs + MIN)]) {
    expect(ended.status === 'EXPIRED' || ended.status === 'REVOKED').toBe(true);
    expect(ended.unsettledOrders).toEqual([]);
    expect(ended.unsettledPurchases).toEqual([
      expect.objectContaining({ orderId: 'sub_r-c2-a1', attempt: 1, cycle: 2, amount: 9_900, what: 'renewal #2', nextCheckAtMs: s.currentPeriod.startMs + 11 * MIN }),
    ]);
    expect(nextEvent(ended)).toMatchObject({ kind: 'reconcile', orderId: 'sub_r-c2-a1' });
  }
});

test('a void Toss refuses is left for an operator, counted as charged, and no longer looked up', () => {
  const u = withPurchaseUnknown(active(), { orderId: 'sub_r-p1', amount: 5_000, what: 'top-up', cycle: 1 }, t0 + MIN);
  const failed = withPurchaseSettled(u, 'sub_r-p1', { outcome: 'voidFailed', charged: 5_000, reason: 'NOT_CANCELABLE_PAYMENT' });
  expect(failed.unsettledPurchases).toEqual([]);
  expect(failed.voidFailures).toEqual([{ orderId: 'sub_r-p1', amount: 5_000, reason: 'NOT_CANCELABLE_PAYMENT' }]);
  expect(failed.counters).toMatchObject({ amountCharged: 9_900 + 5_000, amountRefunded: 0 });
  expect(nextEvent(failed)?.kind).toBe('renew');
});
