/**
 * Settling an unconfirmed charge against the real emulator (over HTTP) and PostgreSQL: a charge
 * that went through is recorded and voided exactly once; one that never did is left alone.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import type { ChargeInput, SettlePurchaseInput } from '../../activities';
import type { PurchaseSettlement } from '../../src/domain/purchase-reconciliation';
import { startParts, type Parts } from '../support/stack-parts';

let parts: Parts;
beforeAll(async () => {
  parts = await startParts();
});
afterAll(() => parts.close());

const noop = () => {};
const activityEnv = () => new MockActivityEnvironment(undefined, { logger: { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop } });
const settle = (input: SettlePurchaseInput) =>
  activityEnv().run<[SettlePurchaseInput], PurchaseSettlement, (i: SettlePurchaseInput) => Promise<PurchaseSettlement>>(parts.activities.settlePurchase, input);

async function customer(label: string, alias = 'approve') {
  const customerKey = parts.customerKey(label);
  const paymentMethodId = await parts.registerCard(customerKey, alias);
  const subscriptionId = `sub-${customerKey}`.slice(0, 40);
  const input: SettlePurchaseInput = {
    subscriptionId,
    customerKey,
    orderId: `${subscriptionId}-p1`,
    currency: 'KRW',
    cycle: 1,
    attempt: 1,
    dueAtMs: Date.now(),
    attemptedAtMs: Date.now(),
    what: 'top-up',
  };
  return { customerKey, paymentMethodId, input };
}

/** Toss took the money, but the orchestrator never heard: no ledger row. */
async function chargedUnheard(c: Awaited<ReturnType<typeof customer>>, amount: number) {
  const { billingKey } = (await parts.repos.paymentMethods.revealBillingKey(c.paymentMethodId))!;
  return parts.gateway.chargeBillingKey(billingKey, { customerKey: c.customerKey, amount, currency: 'KRW', orderId: c.input.orderId, orderName: 'top-up' }, { idempotencyKey: c.input.orderId });
}

test('a charge that went through is recorded and voided in full, once, however often it is settled', async () => {
  const c = await customer('settle-voided');
  const payment = await chargedUnheard(c, 12_000);
  expect(await parts.repos.payments.get(c.input.orderId)).toBeNull();

  expect(await settle(c.input)).toEqual({ outcome: 'voided', charged: 12_000, amount: 12_000 });
  expect(await parts.repos.payments.get(c.input.orderId)).toMatchObject({ status: 'CANCELED', amount: 12_000, balanceAmount: 0 });
  expect(await parts.repos.payments.refunds.get(`${c.input.orderId}-void`)).toMatchObject({ kind: 'void', amount: 12_000 });
  // A retried activity answers from the record: Toss is not asked to cancel again.
  expect(await settle(c.input)).toEqual({ outcome: 'voided', charged: 12_000, amount: 12_000 });
  expect(parts.emulator.store.payments.get(payment.paymentKey)?.cancels).toHaveLength(1);
});

test('an order Toss never saw, or one the ledger has as declined, took no money and is left alone', async () => {
  const never = await customer('settle-never');
  expect(await settle(never.input)).toEqual({ outcome: 'notCharged' });
  expect(await parts.repos.payments.get(never.input.orderId)).toBeNull();

  const declined = await customer('settle-declined', 'soft-decline');
  const charge: ChargeInput = { ...declined.input, paymentMethodId: declined.paymentMethodId, orderName: 'top-up', amount: 12_000, unsettledOrders: [] };
  expect(await activityEnv().run(parts.activities.chargeSubscription, charge)).toMatchObject({ outcome: 'declined' });
  expect(await settle(declined.input)).toEqual({ outcome: 'notCharged' });
});

test('a charge already refunded by hand at Toss is recorded as it is, with nothing more to give back', async () => {
  const c = await customer('settle-by-hand');
  const payment = await chargedUnheard(c, 8_000);
  await parts.gateway.cancelPayment(payment.paymentKey, { cancelReason: 'refunded by hand' });
  expect(await settle(c.input)).toEqual({ outcome: 'voided', charged: 8_000, amount: 0 });
  expect(await parts.repos.payments.get(c.input.orderId)).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
  expect(await parts.repos.payments.refunds.get(`${c.input.orderId}-void`)).toBeNull();
});

test('while Toss cannot answer, settling fails (to be retried later) and records nothing', async () => {
  const c = await customer('settle-incident');
  await chargedUnheard(c, 5_000);
  parts.emulator.setLosingResponses(true);
  try {
    await expect(settle(c.input)).rejects.toThrow();
  } finally {
    parts.emulator.setLosingResponses(false);
  }
  expect(await parts.repos.payments.get(c.input.orderId)).toBeNull();
});
