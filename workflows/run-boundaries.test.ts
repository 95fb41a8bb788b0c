/**
 * Handlers that wait for a charge the main loop runs (retry-charge, a new card, resume) must never
 * be stranded: not at a continue-as-new, not on a subscription whose start is still ahead. Real
 * time-skipping server, activities, emulator; the race is staged with an activity hold.
 */
import { workflowIdFor } from '../src/temporal/task-queue';
import { createTimeSkippingHarness, type Harness } from '../test/support/workflow-harness';
import { CYCLES_PER_RUN } from './subscription-workflow';

let h: Harness;
beforeAll(async () => {
  h = await createTimeSkippingHarness();
}, 120_000);
afterAll(async () => {
  await h?.teardown();
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const get = async (id: string): Promise<Json> => (await h.api.get(`/v1/subscriptions/${id}`)).body;

async function subscribe(label: string, planId: string, extra: object = {}) {
  const customerKey = h.customerKey(label);
  const card = await h.api.post(`/v1/customers/${customerKey}/payment-methods`).send({ authKey: 'auth_approve' });
  const res = await h.api.post('/v1/subscriptions').send({ customerKey, planId, paymentMethodId: card.body.id, trial: false, ...extra });
  expect([201, 202]).toContain(res.status);
  return { customerKey, id: res.body.subscriptionId as string, first: res.body as Json, card: card.body.id as string };
}

test('a retry-charge that lands while the run is about to continue-as-new is answered, and the charge runs', async () => {
  const { id, customerKey, first } = await subscribe('can-retry', 'test-daily');
  // Renewals 2 … CYCLES_PER_RUN are paid; the next one — the run's last — is declined.
  h.script(customerKey, [...Array(CYCLES_PER_RUN - 1).fill('APPROVE'), 'REJECT_CARD_PAYMENT']);
  const dayMs = 24 * 60 * 60 * 1000;
  const lastRenewalAt = Date.parse(first.currentPeriod.start) + CYCLES_PER_RUN * dayMs;
  await h.skipTo(lastRenewalAt - 60_000);
  expect((await get(id)).counters.paidCycles).toBe(CYCLES_PER_RUN);

  // Hold the publish of the declined renewal: the run has done its cycles and will close after it.
  const publishing = h.holdNext('projectSubscription', id);
  await h.skipTo(lastRenewalAt + 1_000);
  await publishing.entered;
  expect(h.charges(customerKey).at(-1)?.result).toBe('REJECT_CARD_PAYMENT');
  const retried = h.api.post(`/v1/subscriptions/${id}/retry-charge`).send();
  // The Update is accepted (and waits for the charge) before the publish finishes.
  const handle = h.env.client.workflow.getHandle(workflowIdFor(id));
  for (let i = 0; i < 100 && !(await handle.query('internalState') as Json).chargeRequested; i++) await new Promise((r) => setTimeout(r, 50));
  publishing.release();
  const answer = await retried;
  expect(answer.status).toBe(200);
  expect(answer.body).toMatchObject({ status: 'ACTIVE', counters: { paidCycles: CYCLES_PER_RUN + 1 } });
  // The run continued as new after the charge and the subscription goes on renewing.
  await h.skipTo(Date.parse(answer.body.nextBillingAt) + 60_000);
  expect((await get(id)).counters.paidCycles).toBe(CYCLES_PER_RUN + 2);
});

test('a new card for a subscription whose start is ahead is taken at once (no waiting until the start)', async () => {
  const now = await h.env.currentTimeMs();
  const { id, customerKey } = await subscribe('scheduled-card', 'test-monthly', { startAt: new Date(now + 30 * 24 * 60 * 60 * 1000).toISOString() });
  const card = await h.api.post(`/v1/customers/${customerKey}/payment-methods`).send({ authKey: 'auth_approve' });
  const changed = await h.api.post(`/v1/subscriptions/${id}/payment-method`).send({ paymentMethodId: card.body.id });
  expect(changed.status).toBe(200);
  expect(changed.body).toMatchObject({ status: 'INCOMPLETE', paymentMethodId: card.body.id, counters: { chargeAttempts: 0 } });
  expect(h.charges(customerKey)).toEqual([]);
});
