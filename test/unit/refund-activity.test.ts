/**
 * The refund activity against the real emulator (over HTTP) and PostgreSQL: money goes back once
 * per refundId, never beyond the balance, and only from the subscription's own payments.
 */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createRefundActivity, type RefundAttempt, type RefundInput, type RefundResult } from '../../activities/refund-activity';
import type { ChargeInput } from '../../activities';
import type { Currency } from '../../src/domain/money';
import type { PaymentGateway } from '../../src/gateway/payment-gateway';
import { TossApiError } from '../../src/gateway/toss-api-error';
import { startParts, type Parts } from '../support/stack-parts';

let parts: Parts;
beforeAll(async () => {
  parts = await startParts();
});
afterAll(() => parts.close());

interface Paid {
  subscriptionId: string;
  orderId: string;
  paymentKey: string;
}

/** A real first charge through the charge activity: an emulator payment and its ledger row. */
async function paidOrder(label: string, amount = 10_000, currency: Currency = 'KRW'): Promise<Paid> {
  const customerKey = parts.customerKey(label);
  const paymentMethodId = await parts.registerCard(customerKey);
  const subscriptionId = `sub-${customerKey}`;
  const now = Date.now();
  const input: ChargeInput = {
    subscriptionId,
    customerKey,
    paymentMethodId,
    orderId: `${subscriptionId}-c1-a1`.slice(0, 64),
    orderName: `${label} plan`,
    amount,
    currency,
    cycle: 1,
    attempt: 1,
    dueAtMs: now,
    attemptedAtMs: now,
    unsettledOrders: [],
  };
  const outcome = await activityEnv().run(parts.activities.chargeSubscription, input);
  expect(outcome).toMatchObject({ outcome: 'paid' });
  const entry = await parts.repos.payments.get(input.orderId);
  expect(entry).toMatchObject({ status: 'DONE', amount, currency, balanceAmount: amount });
  return { subscriptionId, orderId: input.orderId, paymentKey: entry!.paymentKey! };
}

const noop = () => {};
const quiet = { logger: { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop } };
/** An activity context like the worker's, without its log of every expected failure. */
const activityEnv = () => new MockActivityEnvironment(undefined, quiet);

/** Runs the activity the worker runs, as the worker runs it. */
const attemptRefund = (input: RefundInput) =>
  activityEnv().run<[RefundInput], RefundAttempt, (input: RefundInput) => Promise<RefundAttempt>>(parts.activities.refundPayment, input);

/** A refusal is the activity's answer, not its failure; here it is raised so each test reads as a call that was refused. */
class Refused extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}
const refund = async (input: RefundInput): Promise<RefundResult> => {
  const attempt = await attemptRefund(input);
  if (attempt.outcome === 'refused') throw new Refused(attempt.code, attempt.message);
  return attempt.refund;
};
const tossPayment = async (orderId: string) => (await parts.gateway.getPaymentByOrderId(orderId))!;

async function expectRejected(call: Promise<unknown>, message: string | RegExp): Promise<Refused> {
  const error = await call.then(
    () => {
      throw new Error('expected the refund to be rejected');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Refused);
  const refused = error as Refused;
  expect(refused.message).toMatch(message);
  return refused;
}

test('a full refund gives everything back: Toss, the ledger and the refunds table agree', async () => {
  const paid = await paidOrder('full');
  const result = await refund({ subscriptionId: paid.subscriptionId, paymentId: paid.orderId, refundId: `${paid.subscriptionId}-r1`, reason: 'customer asked', kind: 'refund' });
  expect(result).toEqual({
    refundId: `${paid.subscriptionId}-r1`,
    paymentId: paid.orderId,
    amount: 10_000,
    currency: 'KRW',
    balanceAmount: 0,
    status: 'CANCELED',
    refundedAtMs: expect.any(Number),
  });
  expect(Math.abs(result.refundedAtMs - Date.now())).toBeLessThan(60_000);

  const toss = await tossPayment(paid.orderId);
  expect(toss).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
  expect(toss.cancels).toHaveLength(1);
  expect(await parts.repos.payments.get(paid.orderId)).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
  const refunds = await parts.repos.payments.refunds.listForOrder(paid.orderId);
  expect(refunds).toEqual([
    expect.objectContaining({ refundId: `${paid.subscriptionId}-r1`, amount: 10_000, currency: 'KRW', kind: 'refund', reason: 'customer asked', transactionKey: toss.cancels![0]!.transactionKey }),
  ]);
  // Nothing of the billing key or the secret leaks into the result.
  expect(JSON.stringify(result)).not.toMatch(/bk_|test_sk_/);
});

test('partial refund, then the remainder (USD cents); a third is refused because nothing is left', async () => {
  const paid = await paidOrder('partial', 3_600, 'USD');
  const first = await refund({ subscriptionId: paid.subscriptionId, paymentId: paid.orderId, refundId: `${paid.subscriptionId}-r1`, amount: 1_000, reason: 'goodwill', kind: 'refund' });
  expect(first).toMatchObject({ amount: 1_000, currency: 'USD', balanceAmount: 2_600, status: 'PARTIAL_CANCELED' });
  expect(await parts.repos.payments.get(paid.orderId)).toMatchObject({ status: 'PARTIAL_CANCELED', balanceAmount: 2_600 });

  const rest = await refund({ subscriptionId: paid.subscriptionId, paymentId: paid.orderId, refundId: `${paid.subscriptionId}-r2`, reason: 'revoked', kind: 'revoke' });
  expect(rest).toMatchObject({ amount: 2_600, balanceAmount: 0, status: 'CANCELED' });
  const toss = await tossPayment(paid.orderId);
  expect(toss).toMatchObject({ status: 'CANCELED', balanceAmount: 0, currency: 'USD' });
  expect(toss.cancels!.map((c) => c.cancelAmount)).toEqual([1_000, 2_600]);
  const refunds = await parts.repos.payments.refunds.listForOrder(paid.orderId);
  expect(refunds.map((r) => [r.amount, r.kind])).toEqual([[1_000, 'refund'], [2_600, 'revoke']]);

  await expectRejected(
    refund({ subscriptionId: paid.subscriptionId, paymentId: paid.orderId, refundId: `${paid.subscriptionId}-r3`, reason: 'again', kind: 'refund' }),
    /is CANCELED; only DONE or PARTIAL_CANCELED payments can be refunded/,
  );
  expect((await tossPayment(paid.orderId)).cancels).toHaveLength(2);
});

test('a refund over the remaining balance is rejected before Toss is asked; nothing changes anywhere', async () => {
  const paid = await paidOrder('over');
  await refund({ subscriptionId: paid.subscriptionId, paymentId: paid.orderId, refundId: `${paid.subscriptionId}-r1`, amount: 4_000, reason: 'partial', kind: 'refund' });

  const failure = await expectRejected(
    refund({ subscriptionId: paid.subscriptionId, paymentId: paid.orderId, refundId: `${paid.subscriptionId}-r2`, amount: 7_000, reason: 'too much', kind: 'refund' }),
    /exceeds the remaining balance 6000 \(₩6,000\).*refund at most 6000/,
  );
  expect(failure.code).toBe('EXCEEDS_BALANCE');
  const toss = await tossPayment(paid.orderId);
  expect(toss).toMatchObject({ status: 'PARTIAL_CANCELED', balanceAmount: 6_000 });
  expect(toss.cancels).toHaveLength(1);
  expect(await parts.repos.payments.get(paid.orderId)).toMatchObject({ status: 'PARTIAL_CANCELED', balanceAmount: 6_000 });
  expect(await parts.repos.payments.refunds.get(`${paid.subscriptionId}-r2`)).toBeNull();
});

test('amounts must be positive integers of minor units; reason and kind are checked before Toss', async () => {
  const paid = await paidOrder('amounts');
  const base = { subscriptionId: paid.subscriptionId, paymentId: paid.orderId, refundId: `${paid.subscriptionId}-r1`, reason: 'x', kind: 'refund' as const };
  for (const amount of [0, -100, 1.5, Number.NaN]) {
    await expectRejected(refund({ ...base, amount }), /amount must be a positive integer of minor units/);
  }
  await expectRejected(refund({ ...base, reason: '' }), /reason must be 1–200 characters/);
  await expectRejected(refund({ ...base, reason: 'r'.repeat(201) }), /reason must be 1–200 characters/);
  await expectRejected(refund({ ...base, refundId: 'k'.repeat(301) }), /refundId must be 1–300 characters/);
  expect((await tossPayment(paid.orderId)).cancels).toBeNull();
});

test('replaying the same refundId answers from the ledger and never refunds twice', async () => {
  const paid = await paidOrder('replay');
  const input: RefundInput = { subscriptionId: paid.subscriptionId, paymentId: paid.orderId, refundId: `${paid.subscriptionId}-r1`, amount: 3_000, reason: 'dup', kind: 'refund' };
  const first = await refund(input);
  const cancels = jest.spyOn(parts.gateway, 'cancelPayment');
  try {
    const again = await refund(input);
    expect(again).toEqual(first);
    expect(cancels).not.toHaveBeenCalled(); // the ledger answered; Toss's idempotency was not even needed
  } finally {
    cancels.mockRestore();
  }
  expect(first).toMatchObject({ amount: 3_000, balanceAmount: 7_000, status: 'PARTIAL_CANCELED' });
  const toss = await tossPayment(paid.orderId);
  expect(toss.balanceAmount).toBe(7_000);
  expect(toss.cancels).toHaveLength(1);
  expect(await parts.repos.payments.refunds.listForOrder(paid.orderId)).toHaveLength(1);
  expect(await parts.repos.payments.get(paid.orderId)).toMatchObject({ balanceAmount: 7_000 });

  // The same key for another payment is a workflow bug, not a replay.
  const other = await paidOrder('replay-other');
  await expectRejected(refund({ ...input, subscriptionId: other.subscriptionId, paymentId: other.orderId }), /already used for another payment/);
  expect((await tossPayment(other.orderId)).cancels).toBeNull();
});

test('a lost Toss answer is retried with the same Idempotency-Key: Toss refunds once, the ledger records once', async () => {
  const paid = await paidOrder('lost');
  let lose = true;
  // Toss performs the cancel, then the answer never arrives (a timeout after the fact).
  const flaky: PaymentGateway = {
    getPayment: (key) => parts.gateway.getPayment(key),
    getPaymentByOrderId: (id) => parts.gateway.getPaymentByOrderId(id),
    chargeBillingKey: (...args) => parts.gateway.chargeBillingKey(...args),
    issueBillingKey: (...args) => parts.gateway.issueBillingKey(...args),
    issueBillingKeyWithCard: (...args) => parts.gateway.issueBillingKeyWithCard(...args),
    async cancelPayment(paymentKey, req, opts) {
      const answer = await parts.gateway.cancelPayment(paymentKey, req, opts);
      if (lose) {
        lose = false;
        throw new TossApiError(0, 'NETWORK_ERROR', 'The operation was aborted due to timeout');
      }
      return answer;
    },
  };
  const refundFlaky = createRefundActivity({ gateway: flaky, payments: parts.repos.payments });
  const input: RefundInput = { subscriptionId: paid.subscriptionId, paymentId: paid.orderId, refundId: `${paid.subscriptionId}-r1`, amount: 2_500, reason: 'lost', kind: 'refund' };

  const error = await refundFlaky(input).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApplicationFailure);
  expect(error).toMatchObject({ type: 'TransientGatewayError', nonRetryable: false });
  expect(await parts.repos.payments.refunds.get(input.refundId)).toBeNull();
  expect((await tossPayment(paid.orderId)).balanceAmount).toBe(7_500); // it did happen at Toss

  const retried = await refundFlaky(input); // what Temporal's retry does
  expect(retried).toMatchObject({ outcome: 'refunded', refund: { amount: 2_500, balanceAmount: 7_500, status: 'PARTIAL_CANCELED' } });
  const toss = await tossPayment(paid.orderId);
  expect(toss.cancels).toHaveLength(1);
  expect(toss.balanceAmount).toBe(7_500);
  expect(await parts.repos.payments.refunds.listForOrder(paid.orderId)).toHaveLength(1);
});

test("another subscription's payment, or an unknown one, is rejected and left alone", async () => {
  const mine = await paidOrder('mine');
  const theirs = await paidOrder('theirs');
  await expectRejected(
    refund({ subscriptionId: mine.subscriptionId, paymentId: theirs.orderId, refundId: `${mine.subscriptionId}-r1`, reason: 'not mine', kind: 'refund' }),
    new RegExp(`belongs to another subscription; only subscription ${mine.subscriptionId}'s own payments can be refunded`),
  );
  expect(await tossPayment(theirs.orderId)).toMatchObject({ status: 'DONE', balanceAmount: 10_000, cancels: null });
  expect(await parts.repos.payments.get(theirs.orderId)).toMatchObject({ status: 'DONE', balanceAmount: 10_000 });
  expect(await parts.repos.payments.refunds.get(`${mine.subscriptionId}-r1`)).toBeNull();

  await expectRejected(
    refund({ subscriptionId: mine.subscriptionId, paymentId: 'order-that-never-was', refundId: `${mine.subscriptionId}-r2`, reason: 'x', kind: 'refund' }),
    /payment order-that-never-was does not exist/,
  );
});

test("Toss's own refusal (refunded elsewhere meanwhile) is non-retryable and carries Toss's code", async () => {
  const paid = await paidOrder('refused');
  // Someone refunds in the Toss dashboard: the ledger still believes 10,000 is left.
  await parts.gateway.cancelPayment(paid.paymentKey, { cancelReason: 'dashboard', cancelAmount: 8_000 });
  const failure = await expectRejected(
    refund({ subscriptionId: paid.subscriptionId, paymentId: paid.orderId, refundId: `${paid.subscriptionId}-r1`, amount: 5_000, reason: 'x', kind: 'refund' }),
    /Toss refused the refund of payment .*NOT_CANCELABLE_AMOUNT/,
  );
  expect(failure.code).toBe('NOT_CANCELABLE_AMOUNT');
  expect((await tossPayment(paid.orderId)).balanceAmount).toBe(2_000);
  expect(await parts.repos.payments.refunds.get(`${paid.subscriptionId}-r1`)).toBeNull();
});
