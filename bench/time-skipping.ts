/**
 * Simulated time per wall second: ten years of monthly renewals (120 charges, continue-as-new
 * every 12 cycles) on the Java time-skipping server with the real activities, as the decade test
 * runs it (workflows/subscription-decade.test.ts).
 */
import { resolveTestServer } from '../src/infra/temporal-binaries';
import { createTimeSkippingHarness } from '../test/support/workflow-harness';
import { stateQuery } from '../workflows/messages';
import type { SubscriptionSnapshot } from '../src/domain/subscription';

export interface TimeSkippingResult {
  renewals: number;
  wallSeconds: number;
  simulatedYearsPerSecond: number;
  charged: number;
}

/** Needs TEST_DATABASE_URL (plans of test/support/test-plans.ts present) and TEST_WORKFLOW_BUNDLE. */
export async function runTimeSkipping(): Promise<TimeSkippingResult> {
  // The cached Java test server, as the tests resolve it (the SDK's own download needs internet).
  const testServer = process.env.TEMPORAL_TEST_SERVER_PATH ?? resolveTestServer();
  if (testServer) process.env.TEMPORAL_TEST_SERVER_PATH = testServer;
  const h = await createTimeSkippingHarness();
  try {
    const customerKey = h.customerKey('bench-decade');
    const paymentMethodId = await h.registerCard(customerKey);
    const started = Date.now();
    const handle = await h.start({ subscriptionId: `sub_bench${Date.now().toString(36)}`, customerKey, planId: 'test-monthly', paymentMethodId });
    const query = () => handle.query(stateQuery) as Promise<SubscriptionSnapshot>;
    while ((await query()).counters.chargeAttempts === 0);
    for (let i = 0; i < 120; i++) {
      const { nextBillingAt } = await query();
      await h.env.sleep(Date.parse(nextBillingAt!) - (await h.env.currentTimeMs()) + 60_000);
    }
    const after = await query();
    const wallSeconds = (Date.now() - started) / 1000;
    return { renewals: after.counters.paidCycles - 1, wallSeconds, simulatedYearsPerSecond: 10 / wallSeconds, charged: h.charges(customerKey).filter((c) => c.result === 'DONE').length };
  } finally {
    await h.teardown();
  }
}
