/** Ten years of monthly renewals on the time-skipping server, across continue-as-new. */
import type { SubscriptionSnapshot } from '../src/domain/subscription';
import { createTimeSkippingHarness, type Harness } from '../test/support/workflow-harness';
import { stateQuery } from './messages';
import { CYCLES_PER_RUN } from './subscription-workflow';

let h: Harness;
beforeAll(async () => {
  h = await createTimeSkippingHarness();
});
afterAll(async () => {
  await h?.teardown();
});

test('120 monthly renewals over 10 years keep the state intact across continue-as-new', async () => {
  const customerKey = h.customerKey('decade');
  const paymentMethodId = await h.registerCard(customerKey);
  const subscriptionId = `sub_decade${Date.now().toString(36)}`;
  const handle = await h.start({ subscriptionId, customerKey, planId: 'test-monthly', paymentMethodId });
  const firstRunId = (await handle.describe()).runId;
  const query = () => handle.query(stateQuery) as Promise<SubscriptionSnapshot>;
  let first: SubscriptionSnapshot;
  do first = await query();
  while (first.counters.chargeAttempts === 0);

  // Skip renewal by renewal: each step needs the previous one's nextBillingAt.
  for (let i = 0; i < 120; i++) {
    const { nextBillingAt } = await query();
    await h.env.sleep(Date.parse(nextBillingAt!) - (await h.env.currentTimeMs()) + 60_000);
  }
  const after = await query();
  expect(after).toMatchObject({ status: 'ACTIVE', cycle: 121, anchor: first.anchor, customerKey, paymentMethodId });
  expect(after.counters).toEqual({ paidCycles: 121, chargeAttempts: 121, declinedAttempts: 0, amountCharged: 1_210_000, amountRefunded: 0 });
  const ledger = await h.repos.payments.listForSubscription(subscriptionId);
  expect(ledger).toHaveLength(121);
  expect(new Set(ledger.map((p) => p.orderId)).size).toBe(121);
  expect(h.charges(customerKey).filter((c) => c.result === 'DONE')).toHaveLength(121);
  // The 121st period starts exactly ten years after the first, on the anchor's local clock.
  expect(new Date(after.currentPeriod.start).toISOString().slice(4)).toBe(new Date(first.currentPeriod.start).toISOString().slice(4));
  expect(Number(after.currentPeriod.start.slice(0, 4)) - Number(first.currentPeriod.start.slice(0, 4))).toBe(10);

  // History stays bounded: the run is new and short.
  const description = await handle.describe();
  expect(description.runId).not.toBe(firstRunId);
  expect(description.historyLength).toBeLessThan(CYCLES_PER_RUN * 20);
}, 300_000);
