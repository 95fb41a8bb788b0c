import fc from 'fast-check';
import {
  decideRefund,
  lookupDelayMs,
  lookupEvent,
  refundableBalance,
  refundRejection,
  withRefundOutcome,
  type RefundOutcome,
} from '../../src/domain/money-movement';
import { DEFAULT_DUNNING_POLICY, type Plan } from '../../src/domain/plans';
import { applyRevoke } from '../../src/domain/revoke';
import {
  applyChargeOutcome,
  beginRenewal,
  newSubscription,
  nextEvent,
  withChargeLookup,
  type SubscriptionState,
} from '../../src/domain/subscription';

const plan: Plan = { id: 'p', product: 'x', name: 'P', price: 10_000, currency: 'KRW', interval: { unit: 'month', count: 1 }, autoRenew: true, dunning: DEFAULT_DUNNING_POLICY };
const t0 = Date.parse('2025-03-10T01:00:00Z');
const MIN = 60_000;

const fresh = () => newSubscription({ subscriptionId: 'sub_m', customerKey: 'c', plan, paymentMethodId: 'pm', timeZone: 'Asia/Seoul', withTrial: false }, t0);
const paid = (s: SubscriptionState, orderId: string, atMs: number) =>
  applyChargeOutcome(s, { outcome: 'paid', payment: { paymentId: orderId, orderId, amount: 10_000, approvedAtMs: atMs, cycle: s.cycle } }, atMs);
const active = () => paid(fresh(), 'sub_m-c1-a1', t0);

function decided(s: SubscriptionState, amount?: number) {
  const d = decideRefund(s, { paymentId: 'sub_m-c1-a1', ...(amount !== undefined ? { amount } : {}), reason: 'r', kind: 'refund' }, t0);
  if ('code' in d) throw new Error(`rejected: ${d.code}`);
  return d;
}

test('lookups back off 1, 2, 4 … minutes and then hourly: minutes after the gateway is back, never a day', () => {
  expect([0, 1, 2, 3, 4, 5, 6, 20].map(lookupDelayMs)).toEqual([1, 2, 4, 8, 16, 32, 60, 60].map((m) => m * MIN));
});

test('a refund is decided on the state: the id is allocated and the amount reserved before the gateway is asked', () => {
  const s = active();
  const first = decided(s, 3_000);
  expect(first.effect.refund).toMatchObject({ refundId: 'sub_m-r1', amount: 3_000, paymentId: 'sub_m-c1-a1' });
  expect(refundableBalance(first.next, 'sub_m-c1-a1')).toBe(7_000);
  const second = decided(first.next);
  expect(second.effect.refund).toMatchObject({ refundId: 'sub_m-r2', amount: 7_000 });
  expect(refundRejection(second.next, 'sub_m-c1-a1', 1)).toMatchObject({ code: 'already-refunded' });
  expect(refundRejection(s, 'sub_m-c1-a1', 10_001)).toMatchObject({ code: 'refund-exceeds-balance' });
  expect(refundRejection(s, 'someone-elses-order', 1)).toMatchObject({ code: 'unknown-payment' });
  expect(refundRejection(s, 'sub_m-c1-a1', 0)).toMatchObject({ code: 'invalid-amount' });
});

test('refunded, refused and unknown outcomes: counters move only for money the gateway gave back', () => {
  const s = active();
  const d = decided(s, 3_000);
  const refunded = withRefundOutcome(d.next, 'sub_m-r1', { outcome: 'refunded', amount: 3_000, balanceAmount: 7_000, refundedAtMs: t0 }, t0);
  expect(refunded).toMatchObject({ pendingRefunds: [], lastPaymentRefunded: 3_000, counters: { amountRefunded: 3_000 } });
  expect(refunded.paidOrders).toEqual([{ paymentId: 'sub_m-c1-a1', amount: 10_000, refunded: 3_000 }]);

  const refused = withRefundOutcome(d.next, 'sub_m-r1', { outcome: 'refused', code: 'X', message: 'no' }, t0);
  expect(refused).toMatchObject({ pendingRefunds: [], counters: { amountRefunded: 0 }, refundSeq: 1 });
  expect(refundableBalance(refused, 'sub_m-c1-a1')).toBe(10_000);

  const unknown = withRefundOutcome(d.next, 'sub_m-r1', { outcome: 'unknown', message: 'timeout' }, t0);
  expect(unknown.counters.amountRefunded).toBe(0);
  expect(refundableBalance(unknown, 'sub_m-c1-a1')).toBe(7_000); // still reserved
  expect(lookupEvent(unknown)).toEqual({ kind: 'resendRefund', atMs: t0 + 2 * MIN, refundId: 'sub_m-r1' });
  expect(nextEvent(unknown)).toEqual(lookupEvent(unknown));
});

test('a revoke refund that is refused is on record in the revocation; a resent one that goes through is counted there', () => {
  const s = active();
  const d = decideRefund(s, { paymentId: 'sub_m-c1-a1', amount: 4_000, reason: 'revoked', kind: 'revoke' }, t0);
  if ('code' in d) throw new Error('rejected');
  const revoked = applyRevoke(d.next, 'prorated', t0);
  expect(withRefundOutcome(revoked, 'sub_m-r1', { outcome: 'refused', code: 'NOT_CANCELABLE', message: 'no' }, t0).revocation).toMatchObject({
    refundedAmount: 0,
    refundError: 'NOT_CANCELABLE: no',
  });
  const lost = withRefundOutcome(revoked, 'sub_m-r1', { outcome: 'unknown', message: 'timeout' }, t0);
  const later = withRefundOutcome(lost, 'sub_m-r1', { outcome: 'refunded', amount: 4_000, balanceAmount: 6_000, refundedAtMs: t0 }, t0 + 2 * MIN);
  expect(later.revocation).toMatchObject({ refundedAmount: 4_000, refundError: null });
});

test('an unconfirmed first charge is looked up in a minute; found paid, it activates as if answered at once', () => {
  const s = fresh();
  const unknown = applyChargeOutcome(s, { outcome: 'unknown', order: { orderId: 'sub_m-c1-a1', attempt: 1 }, message: 'lost' }, t0);
  expect(unknown).toMatchObject({ status: 'INCOMPLETE', counters: { chargeAttempts: 1, declinedAttempts: 1 } });
  expect(nextEvent(unknown)).toEqual({ kind: 'lookupCharge', atMs: t0 + MIN, orderId: 'sub_m-c1-a1' });
  const found = withChargeLookup(
    unknown,
    'sub_m-c1-a1',
    { outcome: 'paid', payment: { paymentId: 'sub_m-c1-a1', orderId: 'sub_m-c1-a1', amount: 10_000, approvedAtMs: t0, cycle: 1 } },
    t0 + 10 * MIN,
  );
  expect(found).toMatchObject({
    status: 'ACTIVE',
    unsettledOrders: [],
    currentPeriod: s.currentPeriod,
    counters: { chargeAttempts: 1, declinedAttempts: 0, paidCycles: 1, amountCharged: 10_000 },
  });
  expect(found.paidOrders).toEqual([{ paymentId: 'sub_m-c1-a1', amount: 10_000, refunded: 0 }]);
  const notCharged = withChargeLookup(unknown, 'sub_m-c1-a1', { outcome: 'notCharged' }, t0 + MIN);
  expect(notCharged).toMatchObject({ status: 'INCOMPLETE', unsettledOrders: [] });
  expect(nextEvent(notCharged)).toMatchObject({ kind: 'expire' });
});

test('a renewal found paid after the cycle was paid another way is given back, not counted twice', () => {
  const renewing = beginRenewal(active());
  const unknown = applyChargeOutcome(renewing, { outcome: 'unknown', order: { orderId: 'sub_m-c2-a1', attempt: 1 }, message: 'lost' }, renewing.currentPeriod.startMs);
  expect(unknown.status).toBe('IN_GRACE_PERIOD');
  const paidBySecond = paid({ ...unknown, unsettledOrders: [] }, 'sub_m-c2-a2', renewing.currentPeriod.startMs + MIN);
  const late = withChargeLookup(
    { ...paidBySecond, unsettledOrders: unknown.unsettledOrders },
    'sub_m-c2-a1',
    { outcome: 'paid', payment: { paymentId: 'sub_m-c2-a1', orderId: 'sub_m-c2-a1', amount: 10_000, approvedAtMs: t0, cycle: 2 } },
    renewing.currentPeriod.startMs + 5 * MIN,
  );
  expect(late.counters.amountCharged).toBe(paidBySecond.counters.amountCharged);
  expect(late.unsettledPurchases).toEqual([expect.objectContaining({ orderId: 'sub_m-c2-a1', amount: 10_000 })]);
});

test('property: whatever refunds are asked and however the gateway answers, refunded + reserved never exceeds what was paid', () => {
  const step = fc.record({
    amount: fc.option(fc.integer({ min: 1, max: 12_000 }), { nil: undefined }),
    answer: fc.constantFrom<RefundOutcome['outcome']>('refunded', 'refused', 'unknown'),
    resend: fc.boolean(),
  });
  fc.assert(
    fc.property(fc.array(step, { maxLength: 25 }), (steps) => {
      let s = active();
      let given = 0;
      for (const { amount, answer, resend } of steps) {
        const pendingBefore = s.pendingRefunds[0];
        if (resend && pendingBefore) {
          s = withRefundOutcome(s, pendingBefore.refundId, { outcome: 'refunded', amount: pendingBefore.amount, balanceAmount: 0, refundedAtMs: t0 }, t0);
          given += pendingBefore.amount;
          continue;
        }
        const d = decideRefund(s, { paymentId: 'sub_m-c1-a1', ...(amount !== undefined ? { amount } : {}), reason: 'r', kind: 'refund' }, t0);
        if ('code' in d) continue;
        s = d.next;
        const refund = d.effect.refund;
        const outcome: RefundOutcome =
          answer === 'refunded'
            ? { outcome: 'refunded', amount: refund.amount, balanceAmount: 0, refundedAtMs: t0 }
            : answer === 'refused'
              ? { outcome: 'refused', code: 'X', message: 'no' }
              : { outcome: 'unknown', message: 'lost' };
        if (answer === 'refunded') given += refund.amount;
        s = withRefundOutcome(s, refund.refundId, outcome, t0);
      }
      const order = s.paidOrders[0]!;
      const reserved = s.pendingRefunds.reduce((sum, r) => sum + r.amount, 0);
      expect(order.refunded + reserved).toBeLessThanOrEqual(order.amount);
      expect(s.counters.amountRefunded).toBe(given);
      expect(order.refunded).toBe(given);
      expect(new Set(s.pendingRefunds.map((r) => r.refundId)).size).toBe(s.pendingRefunds.length);
    }),
    { numRuns: 300 },
  );
});
