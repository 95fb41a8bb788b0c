/**
 * Lifecycle operations through the HTTP API on the real time-skipping server, real activities,
 * emulator and ledger: refund vs revoke, pause and resume, prepaid top-up and expiry, deferred
 * changes replaced and withdrawn, intro prices, resubscribe, rejections that change nothing, and
 * a cancel racing the renewal charge. The shared clock only moves forward: tests work relative to now.
 */
import { addDays, addIntervalToDate, localDateOf } from '../src/domain/calendar';
import { recordHistories } from '../test/support/history-fixtures';
import { createTimeSkippingHarness, type Harness } from '../test/support/workflow-harness';
import { DAY_MS } from '../test/support/local-time';
import { EntitledKey, NextBillingAtKey, SubscriptionStatusKey } from '../src/temporal/search-attributes';
import { workflowIdFor } from '../src/temporal/task-queue';
import { WorkflowUpdateStage } from '@temporalio/client';
import { cancelUpdate } from './messages';

let h: Harness;
beforeAll(async () => {
  h = await createTimeSkippingHarness();
}, 120_000);
const recorded: Record<string, string> = {};
afterAll(async () => {
  try {
    if (h) await recordHistories(h, recorded);
  } finally {
    await h?.teardown();
  }
});

const ZONE = 'Asia/Seoul';
type Snapshot = Record<string, any>;

async function subscribe(label: string, planId = 'test-monthly', extra: object = {}) {
  const customerKey = h.customerKey(label);
  const card = await h.api.post(`/v1/customers/${customerKey}/payment-methods`).send({ authKey: 'auth_approve' });
  const res = await h.api.post('/v1/subscriptions').send({ customerKey, planId, paymentMethodId: card.body.id, trial: false, ...extra });
  expect(res.status).toBe(201);
  return { customerKey, id: res.body.subscriptionId as string, first: res.body as Snapshot };
}
const get = async (id: string): Promise<Snapshot> => (await h.api.get(`/v1/subscriptions/${id}`)).body;
const post = (path: string, body: object = {}) => h.api.post(path).send(body);
const doneCharges = async (id: string) => (await h.repos.payments.listForSubscription(id)).filter((p) => p.status !== 'DECLINED');
const localDate = (iso: string) => localDateOf(Date.parse(iso), ZONE);

test('refund: money back, access and renewals unchanged; over-refund rejected with nothing changed', async () => {
  const { id, first } = await subscribe('refund');
  recorded['refund'] = id;
  const paymentId = first.lastPayment.paymentId;
  const partial = await post(`/v1/payments/${paymentId}/refund`, { amount: 4_000 });
  expect(partial.status).toBe(200);
  expect(partial.body).toMatchObject({ amount: 4_000, balanceAmount: 6_000, status: 'PARTIAL_CANCELED' });
  const over = await post(`/v1/payments/${paymentId}/refund`, { amount: 6_001 });
  expect(over.status).toBe(422);
  expect(over.body.detail).toMatch(/exceeds the refundable balance 6000/);
  const after = await get(id);
  expect(after).toMatchObject({ status: 'ACTIVE', entitled: true, lastPayment: { refunded: 4_000 } });
  expect(after.counters.amountRefunded).toBe(4_000);
  expect(h.emulator.store.payments.get(h.charges(first.customerKey)[0]!.paymentKey!)?.balanceAmount).toBe(6_000);
  await h.skipTo(Date.parse(first.currentPeriod.end) + 60_000);
  expect((await doneCharges(id)).map((p) => p.amount)).toEqual([10_000, 10_000]);
});

test('revoke none / prorated / full: access removed at once, the right refund, no renewal after', async () => {
  const subs = { none: await subscribe('revoke-none'), prorated: await subscribe('revoke-prorated'), full: await subscribe('revoke-full') };
  await h.skipTo(Date.parse(subs.none.first.currentPeriod.start) + 10 * DAY_MS);
  recorded['revoke-prorated'] = subs.prorated.id;
  const refunded: Record<string, number> = {};
  for (const [mode, sub] of Object.entries(subs)) {
    const res = await post(`/v1/subscriptions/${sub.id}/revoke`, { refund: mode });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'REVOKED', entitled: false, nextBillingAt: null, revocation: { refund: mode, refundError: null } });
    refunded[mode] = res.body.revocation.refundedAmount;
  }
  expect(refunded.none).toBe(0);
  expect(refunded.full).toBe(10_000);
  // Unused days after the change day, over the period's days, of ₩10,000 (§4.7 credit).
  const start = localDate(subs.prorated.first.currentPeriod.start);
  const end = localDate(subs.prorated.first.currentPeriod.end);
  const periodDays = (Date.parse(end) - Date.parse(start)) / DAY_MS;
  const remaining = (Date.parse(end) - Date.parse(addDays(addDays(start, 10), 1))) / DAY_MS;
  expect(refunded.prorated).toBe(Math.round((10_000 * remaining) / periodDays));
  expect((await post(`/v1/subscriptions/${subs.none.id}/cancel`)).status).toBe(409);
  await h.skipTo(Date.parse(subs.none.first.currentPeriod.end) + DAY_MS);
  for (const sub of Object.values(subs)) expect(await doneCharges(sub.id)).toHaveLength(1);
});

test('pause starts at the period end, no access or charge, then resumes on its date with a new anchor', async () => {
  const { id, first } = await subscribe('pause');
  recorded['pause-resume'] = id;
  const end = localDate(first.currentPeriod.end);
  expect((await post(`/v1/subscriptions/${id}/pause`, { until: addDays(end, 3) })).status).toBe(422);
  const paused = await post(`/v1/subscriptions/${id}/pause`, { until: addDays(end, 10) });
  expect(paused.status).toBe(200);
  expect(paused.body.pause).not.toBeNull();
  await h.skipTo(Date.parse(first.currentPeriod.end) + DAY_MS);
  expect(await get(id)).toMatchObject({ status: 'PAUSED', entitled: false });
  expect(await doneCharges(id)).toHaveLength(1);
  await h.skipTo(Date.parse(first.currentPeriod.end) + 11 * DAY_MS);
  const resumed = await get(id);
  expect(resumed).toMatchObject({ status: 'ACTIVE', entitled: true });
  expect(resumed.anchor.slice(0, 10)).toBe(addDays(end, 10));
  expect(await doneCharges(id)).toHaveLength(2);
});

test('an early resume charges at once', async () => {
  const { id, first } = await subscribe('resume-early');
  const end = localDate(first.currentPeriod.end);
  await post(`/v1/subscriptions/${id}/pause`, { until: addDays(end, 30) });
  await h.skipTo(Date.parse(first.currentPeriod.end) + 2 * DAY_MS);
  expect((await get(id)).status).toBe('PAUSED');
  const resumed = await post(`/v1/subscriptions/${id}/resume`);
  expect(resumed.status).toBe(200);
  expect(resumed.body).toMatchObject({ status: 'ACTIVE', entitled: true });
  expect(resumed.body.anchor.slice(0, 10)).toBe(addDays(end, 2));
  expect(await doneCharges(id)).toHaveLength(2);
});

test('prepaid: a top-up charges the full price and extends the expiry; then it expires without renewing', async () => {
  const { id, first } = await subscribe('prepaid', 'test-prepaid-monthly');
  recorded['prepaid-top-up'] = id;
  expect(first).toMatchObject({ nextBillingAt: null, expiresAt: first.currentPeriod.end });
  expect((await post(`/v1/subscriptions/${id}/cancel`)).status).toBe(422);
  const topped = await post(`/v1/subscriptions/${id}/top-up`);
  expect(topped.status).toBe(200);
  expect(localDate(topped.body.expiresAt)).toBe(addIntervalToDate(localDate(first.currentPeriod.start), { unit: 'month', count: 1 }, 2));
  expect((await doneCharges(id)).map((p) => p.amount)).toEqual([12_000, 12_000]);
  await h.skipTo(Date.parse(topped.body.expiresAt) + DAY_MS);
  expect(await get(id)).toMatchObject({ status: 'EXPIRED', entitled: false });
  expect(await doneCharges(id)).toHaveLength(2);
});

test('a DEFERRED downgrade can be replaced and withdrawn; invalid changes answer 4xx and change nothing', async () => {
  const { id, first } = await subscribe('deferred');
  const before = await get(id);
  const prorated = await post(`/v1/subscriptions/${id}/plan-change`, { planId: 'test-downgrade-monthly', mode: 'CHARGE_PRORATED_PRICE' });
  expect(prorated.status).toBe(422);
  expect(prorated.body.detail).toMatch(/costs more per unit of time/);
  expect((await post(`/v1/subscriptions/${id}/plan-change`, { planId: 'nope' })).status).toBe(422);
  expect((await post(`/v1/subscriptions/${id}/plan-change`, { planId: 'test-monthly', extra: 1 })).status).toBe(400);
  expect((await post(`/v1/subscriptions/${id}/defer`, { until: localDate(first.currentPeriod.end) })).status).toBe(422);
  expect((await get(id)).version).toBe(before.version);

  const scheduled = await post(`/v1/subscriptions/${id}/plan-change`, { planId: 'test-downgrade-monthly' });
  expect(scheduled.body.quote).toMatchObject({ mode: 'DEFERRED', modeDefaulted: true, chargeNow: 0 });
  expect(scheduled.body.subscription.pendingChange.planId).toBe('test-downgrade-monthly');
  const withdrawn = await post(`/v1/subscriptions/${id}/plan-change`, { planId: 'test-monthly' });
  expect(withdrawn.body.quote.action).toBe('withdraw');
  await post(`/v1/subscriptions/${id}/plan-change`, { planId: 'test-downgrade-monthly', mode: 'DEFERRED' });
  await h.skipTo(Date.parse(first.currentPeriod.end) + 60_000);
  expect(await get(id)).toMatchObject({ planId: 'test-downgrade-monthly', pendingChange: null });
  expect((await doneCharges(id)).map((p) => p.amount)).toEqual([10_000, 5_000]);
});

test('intro price for the first periods, once per customer and product; resubscribing gets no second offer', async () => {
  const { id, customerKey, first } = await subscribe('intro', 'test-intro-monthly');
  expect(first.lastPayment.amount).toBe(5_000);
  await h.skipTo(Date.parse(first.currentPeriod.end) + 60_000);
  const card = await h.api.post(`/v1/customers/${customerKey}/payment-methods`).send({ authKey: 'auth_approve' });
  const again = await post('/v1/subscriptions', { customerKey, planId: 'test-intro-monthly', paymentMethodId: card.body.id });
  expect(again.status).toBe(201);
  expect(again.body.lastPayment.amount).toBe(10_000);
  const next = await get(id);
  expect(next.lastPayment.amount).toBe(5_000);
  expect(next.introPeriodsLeft).toBe(0);
});

test('cancel and the renewal charge at the renewal instant, both orders: cancel first ends it unpaid; charge first renews once, then ends', async () => {
  const cancelFirst = await subscribe('race-cancel-first');
  const chargeFirst = await subscribe('race-charge-first');
  recorded['cancel-during-renewal-charge'] = chargeFirst.id;

  // The cancel is taken one second before the renewal instant: no renewal charge, it ends there.
  const firstEnd = Date.parse(cancelFirst.first.currentPeriod.end);
  await h.skipTo(firstEnd - 1_000);
  expect((await post(`/v1/subscriptions/${cancelFirst.id}/cancel`)).body).toMatchObject({ status: 'CANCELED', entitled: true });

  // The renewal charge is in flight when the cancel arrives: the cancel waits its turn, the renewal
  // counts once, and access runs to the end of the period just paid for, with renewal off.
  const charging = h.holdNext('chargeSubscription', chargeFirst.id);
  await h.skipTo(Date.parse(chargeFirst.first.currentPeriod.end) + 1);
  await charging.entered;
  const handle = h.env.client.workflow.getHandle(workflowIdFor(chargeFirst.id));
  const cancel = await handle.startUpdate(cancelUpdate, { waitForStage: WorkflowUpdateStage.ACCEPTED });
  charging.release();
  const canceled = await cancel.result();
  expect(canceled).toMatchObject({ status: 'CANCELED', entitled: true, nextBillingAt: null, counters: { paidCycles: 2 } });
  expect(canceled.currentPeriod.start).toBe(chargeFirst.first.currentPeriod.end);
  expect(h.charges(chargeFirst.customerKey).map((c) => c.orderId)).toEqual([`${chargeFirst.id}-c1-a1`, `${chargeFirst.id}-c2-a1`]);

  await h.skipTo(Date.parse(canceled.currentPeriod.end) + DAY_MS);
  expect(await get(cancelFirst.id)).toMatchObject({ status: 'EXPIRED', entitled: false });
  expect(h.charges(cancelFirst.customerKey)).toHaveLength(1);
  expect(await get(chargeFirst.id)).toMatchObject({ status: 'EXPIRED', entitled: false });
  expect(await doneCharges(chargeFirst.id)).toHaveLength(2);
});

test('operations landing while the previous change is being published are published too (Web UI and projection)', async () => {
  const { id, first } = await subscribe('mid-publish');
  const handle = h.env.client.workflow.getHandle(workflowIdFor(id));
  const shown = async () => {
    const sa = (await handle.describe()).typedSearchAttributes;
    return [sa.get(SubscriptionStatusKey), sa.get(EntitledKey), sa.get(NextBillingAtKey)?.toISOString() ?? null, (await h.repos.subscriptions.get(id))?.status];
  };
  const eventually = async (expected: unknown[]) => {
    for (let tries = 0; tries < 50 && JSON.stringify(await shown()) !== JSON.stringify(expected); tries++) await new Promise((r) => setTimeout(r, 100));
    expect(await shown()).toEqual(expected);
  };

  // The first charge's ACTIVE is published before the hold, so the hold catches CANCELED's publish.
  await eventually(['ACTIVE', true, first.nextBillingAt, 'ACTIVE']);
  // A restore arriving while CANCELED is being published: the subscription renews again, and says so.
  let hold = h.holdNext('projectSubscription', id);
  expect((await post(`/v1/subscriptions/${id}/cancel`)).status).toBe(200);
  await hold.entered;
  const restored = await post(`/v1/subscriptions/${id}/restore`);
  hold.release();
  expect(restored.body).toMatchObject({ status: 'ACTIVE' });
  await eventually(['ACTIVE', true, restored.body.nextBillingAt, 'ACTIVE']);

  // A revoke arriving while CANCELED is being published ends the workflow: its last word is REVOKED.
  hold = h.holdNext('projectSubscription', id);
  expect((await post(`/v1/subscriptions/${id}/cancel`)).status).toBe(200);
  await hold.entered;
  const revoked = await post(`/v1/subscriptions/${id}/revoke`, { refund: 'full' });
  hold.release();
  expect(revoked.status).toBe(200);
  await handle.result();
  expect(await shown()).toEqual(['REVOKED', false, null, 'REVOKED']);
});

test('a top-up the gateway never confirms is refused (503, nothing changed); a later lookup finds the charge and voids it in full', async () => {
  const { id, customerKey, first } = await subscribe('unknown-top-up', 'test-prepaid-monthly');
  recorded['unconfirmed-top-up-voided'] = id;
  h.emulator.setLosingResponses(true);
  const refused = await Promise.resolve(post(`/v1/subscriptions/${id}/top-up`)).finally(() => h.emulator.setLosingResponses(false));
  expect(refused.status).toBe(503);
  expect(refused.body.detail).toMatch(/did not confirm the top-up charge of 12000.*nothing changed.*refunded in full automatically/);

  const pending = await get(id);
  expect(pending).toMatchObject({ status: 'ACTIVE', expiresAt: first.expiresAt, unsettledPurchases: [{ amount: 12_000, what: 'top-up' }] });
  const { orderId, nextCheckAt } = pending.unsettledPurchases[0];
  // Toss did take the money: the answer was lost, not the charge.
  expect(h.charges(customerKey).filter((c) => c.result === 'DONE').map((c) => c.orderId)).toEqual([first.lastPayment.paymentId, orderId]);
  expect(await h.repos.payments.get(orderId)).toBeNull();

  await h.skipTo(Date.parse(nextCheckAt) + 1_000);
  let settled = await get(id);
  for (let tries = 0; settled.unsettledPurchases.length > 0 && tries < 50; tries++) {
    await new Promise((r) => setTimeout(r, 100));
    settled = await get(id);
  }
  expect(settled).toMatchObject({ status: 'ACTIVE', expiresAt: first.expiresAt, unsettledPurchases: [] });
  expect(settled.counters).toMatchObject({ amountCharged: 24_000, amountRefunded: 12_000 });
  expect(await h.repos.payments.get(orderId)).toMatchObject({ status: 'CANCELED', balanceAmount: 0, amount: 12_000 });
  expect(await h.repos.payments.refunds.get(`${orderId}-void`)).toMatchObject({ kind: 'void', amount: 12_000 });
  const atToss = h.emulator.store.payments.get(h.charges(customerKey).find((c) => c.orderId === orderId)!.paymentKey!);
  expect(atToss).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
  // A second top-up works normally and uses a fresh order id.
  const again = await post(`/v1/subscriptions/${id}/top-up`);
  expect(again.status).toBe(200);
  expect(again.body.lastPayment.paymentId).not.toBe(orderId);
}, 60_000);

test("a change applied with its preview's amount charges exactly that, or nothing once days have passed since the preview", async () => {
  const { id, customerKey } = await subscribe('quote-lock', 'test-downgrade-monthly');
  const body = { planId: 'test-monthly', mode: 'CHARGE_PRORATED_PRICE' };
  const preview = (await post(`/v1/subscriptions/${id}/plan-change/preview`, body)).body;
  expect(preview.chargeNow).toBeGreaterThan(0);

  await h.skipTo(Date.parse(preview.at) + 2 * DAY_MS);
  const before = await get(id);
  const stale = await post(`/v1/subscriptions/${id}/plan-change`, { ...body, expectedChargeNow: preview.chargeNow });
  expect(stale.status).toBe(409);
  expect(stale.body.detail).toMatch(new RegExp(`would now charge \\d+, not the previewed ${preview.chargeNow}.*preview again`));
  expect(await get(id)).toMatchObject({ version: before.version, planId: 'test-downgrade-monthly' });
  expect(h.charges(customerKey)).toHaveLength(1);

  const fresh = (await post(`/v1/subscriptions/${id}/plan-change/preview`, body)).body;
  expect(fresh.chargeNow).toBeLessThan(preview.chargeNow);
  const applied = await post(`/v1/subscriptions/${id}/plan-change`, { ...body, expectedChargeNow: fresh.chargeNow });
  expect(applied.status).toBe(200);
  expect(applied.body.quote.chargeNow).toBe(fresh.chargeNow);
  expect(h.charges(customerKey).map((c) => c.amount)).toEqual([5_000, fresh.chargeNow]);
});
