/**
 * The subscription workflow on the real time-skipping test server, with real activities talking
 * HTTP to the Toss emulator and writing PostgreSQL. Tests share one server clock, which only moves
 * forward, so each test works relative to "now".
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { SubscriptionSnapshot } from '../src/domain/subscription';
import { createTimeSkippingHarness, type Harness } from '../test/support/workflow-harness';
import { DAY_MS, localDateTime } from '../test/support/local-time';
import { cancelUpdate, restoreUpdate, stateQuery, updatePaymentMethodUpdate } from './messages';

let h: Harness;
let seq = 0;

beforeAll(async () => {
  h = await createTimeSkippingHarness();
});
afterAll(async () => {
  await h?.teardown();
});

async function subscribe(label: string, opts: { planId?: string; card?: string; withTrial?: boolean } = {}) {
  const customerKey = h.customerKey(label);
  const paymentMethodId = await h.registerCard(customerKey, opts.card ?? 'approve');
  const subscriptionId = `sub_wf${Date.now().toString(36)}${++seq}`;
  const handle = await h.start({
    subscriptionId,
    customerKey,
    planId: opts.planId ?? 'test-monthly',
    paymentMethodId,
    withTrial: opts.withTrial ?? false,
  });
  const state = await waitFor(handle, (s) => s.counters.chargeAttempts > 0 || s.status === 'TRIALING');
  return { customerKey, subscriptionId, handle, paymentMethodId, state };
}

type Handle = Awaited<ReturnType<Harness['start']>>;

async function waitFor(handle: Handle, predicate: (s: SubscriptionSnapshot) => boolean): Promise<SubscriptionSnapshot> {
  for (let i = 0; i < 200; i++) {
    const state = (await handle.query(stateQuery)) as SubscriptionSnapshot;
    if (predicate(state)) return state;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('workflow never reached the expected state');
}

const state = (handle: Handle) => handle.query(stateQuery) as Promise<SubscriptionSnapshot>;

/** Skips the server clock to `iso` plus a margin. */
async function skipTo(iso: string, marginMs = 60 * 60 * 1000) {
  const now = await h.env.currentTimeMs();
  await h.env.sleep(Date.parse(iso) - now + marginMs);
}

test('13 monthly renewals charge exactly 13 times, each at its billing instant', async () => {
  const { customerKey, subscriptionId, handle, state: first } = await subscribe('renew13');
  expect(first.status).toBe('ACTIVE');
  const anchorDay = Number(first.anchor.slice(8, 10));
  const anchorHhMm = localDateTime(first.createdAt).slice(11);

  for (let i = 0; i < 12; i++) await skipTo((await state(handle)).nextBillingAt!, 60_000);
  const after = await state(handle);

  const ledger = await h.repos.payments.listForSubscription(subscriptionId);
  expect(ledger).toHaveLength(13);
  expect(ledger.every((p) => p.status === 'DONE' && p.amount === 10_000)).toBe(true);
  expect(h.charges(customerKey).filter((c) => c.result === 'DONE')).toHaveLength(13);
  expect(new Set(ledger.map((p) => p.orderId)).size).toBe(13);
  ledger.forEach((p, n) => {
    expect(p.cycle).toBe(n + 1);
    // Charged at the due instant itself (time skipping fires the timer exactly).
    expect(Math.abs(Date.parse(p.attemptedAt) - Date.parse(p.dueAt!))).toBeLessThan(1000);
    const local = localDateTime(p.dueAt!);
    expect(local.slice(11)).toBe(anchorHhMm);
    const [y, m] = local.slice(0, 7).split('-').map(Number) as [number, number];
    const daysInMonth = new Date(Date.UTC(y, m, 0)).getUTCDate();
    expect(Number(local.slice(8, 10))).toBe(Math.min(anchorDay, daysInMonth));
    if (n > 0) {
      const [py, pm] = localDateTime(ledger[n - 1]!.dueAt!).slice(0, 7).split('-').map(Number) as [number, number];
      expect((y - py) * 12 + (m - pm)).toBe(1);
    }
  });
  expect(after).toMatchObject({ status: 'ACTIVE', entitled: true, cycle: 13 });
  expect(after.counters).toMatchObject({ paidCycles: 13, amountCharged: 130_000 });
});

test('a Jan 31 anchor bills Feb 28, Mar 31, Apr 30, May 31 at the anchor time', async () => {
  // The next Jan 31 00:30 KST after the server's current time.
  const now = await h.env.currentTimeMs();
  let year = new Date(now).getUTCFullYear();
  while (Date.parse(`${year}-01-30T15:30:00Z`) <= now) year++;
  await h.env.sleep(Date.parse(`${year}-01-30T15:30:00Z`) - now);
  const { subscriptionId, handle } = await subscribe('jan31');
  for (let i = 0; i < 4; i++) await skipTo((await state(handle)).nextBillingAt!, 60_000);

  const ledger = await h.repos.payments.listForSubscription(subscriptionId);
  const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  expect(ledger.map((p) => localDateTime(p.dueAt!))).toEqual([
    `${year}-01-31 00:30`,
    `${year}-02-${leap(year) ? 29 : 28} 00:30`,
    `${year}-03-31 00:30`,
    `${year}-04-30 00:30`,
    `${year}-05-31 00:30`,
  ]);
});

test('cancel mid-period charges nothing more and expires at the period end', async () => {
  const { customerKey, handle, state: first } = await subscribe('cancel');
  await h.env.sleep(10 * DAY_MS);
  const canceled = (await handle.executeUpdate(cancelUpdate)) as SubscriptionSnapshot;
  expect(canceled).toMatchObject({ status: 'CANCELED', entitled: true, nextBillingAt: null });
  expect(canceled.currentPeriod.end).toBe(first.currentPeriod.end);
  await expect(handle.executeUpdate(cancelUpdate)).rejects.toBeInstanceOf(WorkflowUpdateFailedError);

  const final = (await handle.result()) as SubscriptionSnapshot;
  expect(final).toMatchObject({ status: 'EXPIRED', entitled: false });
  expect(final.endedAt).toBe(first.currentPeriod.end);
  expect(h.charges(customerKey)).toHaveLength(1);
});

test('restore before the period end keeps renewing on the same anchor', async () => {
  const { customerKey, handle, state: first } = await subscribe('restore');
  await h.env.sleep(5 * DAY_MS);
  await handle.executeUpdate(cancelUpdate);
  const restored = (await handle.executeUpdate(restoreUpdate)) as SubscriptionSnapshot;
  expect(restored).toMatchObject({ status: 'ACTIVE', anchor: first.anchor, nextBillingAt: first.currentPeriod.end });
  await skipTo(first.currentPeriod.end);
  await skipTo((await state(handle)).nextBillingAt!);
  expect(h.charges(customerKey).filter((c) => c.result === 'DONE')).toHaveLength(3);
  expect((await state(handle)).anchor).toBe(first.anchor);
});

test('soft declines walk grace (entitled) → hold (not entitled) → expired, retrying on schedule', async () => {
  const { customerKey, subscriptionId, handle, state: first } = await subscribe('dunning');
  h.script(customerKey, Array(20).fill('REJECT_CARD_PAYMENT'));
  const due = Date.parse(first.currentPeriod.end);

  await skipTo(first.currentPeriod.end);
  expect(await state(handle)).toMatchObject({ status: 'IN_GRACE_PERIOD', entitled: true });
  await h.env.sleep(7 * DAY_MS);
  expect(await state(handle)).toMatchObject({ status: 'ON_HOLD', entitled: false });

  const final = (await handle.result()) as SubscriptionSnapshot;
  expect(final).toMatchObject({ status: 'EXPIRED', entitled: false });
  expect(Date.parse(final.endedAt!) - due).toBe(37 * DAY_MS);

  const declined = (await h.repos.payments.listForSubscription(subscriptionId)).filter((p) => p.status === 'DECLINED');
  const offsets = declined.map((p) => Math.round((Date.parse(p.attemptedAt) - due) / 60_000) / (24 * 60));
  expect(offsets).toEqual([0, 1, 3, 5, 7, 14, 21, 28, 35]);
  expect(declined.every((p) => p.failureCode === 'REJECT_CARD_PAYMENT' && p.cycle === 2)).toBe(true);
});

test('recovery in grace keeps the anchor: the recovered charge pays the current period', async () => {
  const { customerKey, subscriptionId, handle, state: first } = await subscribe('grace-recovery');
  h.script(customerKey, ['REJECT_CARD_PAYMENT', 'REJECT_CARD_PAYMENT', 'APPROVE']);
  await skipTo(first.currentPeriod.end);
  await h.env.sleep(3 * DAY_MS);
  const recovered = await state(handle);
  expect(recovered).toMatchObject({ status: 'ACTIVE', entitled: true, anchor: first.anchor, dunning: null, cycle: 2 });
  expect(recovered.currentPeriod.start).toBe(first.currentPeriod.end);
  const ledger = await h.repos.payments.listForSubscription(subscriptionId);
  expect(ledger.map((p) => [p.cycle, p.attempt, p.status])).toEqual([
    [1, 1, 'DONE'],
    [2, 1, 'DECLINED'],
    [2, 2, 'DECLINED'],
    [2, 3, 'DONE'],
  ]);
});

test('recovery in hold starts a new period at the recovery instant and moves the anchor', async () => {
  const { customerKey, subscriptionId, handle, state: first } = await subscribe('hold-recovery');
  h.script(customerKey, Array(5).fill('REJECT_CARD_PAYMENT')); // due, +1, +3, +5, +7 fail; +14 succeeds
  await skipTo(first.currentPeriod.end);
  await h.env.sleep(14 * DAY_MS);
  const recovered = await state(handle);
  const recoveredAt = Date.parse(first.currentPeriod.end) + 14 * DAY_MS;
  expect(recovered).toMatchObject({ status: 'ACTIVE', entitled: true, dunning: null });
  expect(Math.abs(Date.parse(recovered.currentPeriod.start) - recoveredAt)).toBeLessThan(1000);
  expect(recovered.anchor).not.toBe(first.anchor);
  expect(localDateTime(recovered.nextBillingAt!).slice(8)).toBe(localDateTime(recoveredAt).slice(8));
  const ledger = await h.repos.payments.listForSubscription(subscriptionId);
  expect(ledger.filter((p) => p.status === 'DONE')).toHaveLength(2);
});

test('a hard decline waits, without retries, for a payment-method update that charges at once', async () => {
  const { customerKey, subscriptionId, handle, state: first } = await subscribe('hard');
  h.script(customerKey, ['INVALID_STOPPED_CARD']);
  await skipTo(first.currentPeriod.end);
  const failed = await state(handle);
  expect(failed).toMatchObject({ status: 'IN_GRACE_PERIOD', entitled: true });
  expect(failed.dunning).toMatchObject({ declineKind: 'hard', lastDeclineCode: 'INVALID_STOPPED_CARD', nextRetryAt: null });
  await h.env.sleep(5 * DAY_MS);
  expect(h.charges(customerKey)).toHaveLength(2); // no scheduled retry after a hard decline

  const newCard = await h.registerCard(customerKey, 'approve');
  const fixed = (await handle.executeUpdate(updatePaymentMethodUpdate, { args: [{ paymentMethodId: newCard }] })) as SubscriptionSnapshot;
  expect(fixed).toMatchObject({ status: 'ACTIVE', paymentMethodId: newCard, anchor: first.anchor });
  const ledger = await h.repos.payments.listForSubscription(subscriptionId);
  expect(ledger.map((p) => p.status)).toEqual(['DONE', 'DECLINED', 'DONE']);
});

test('a declined first charge leaves the subscription INCOMPLETE, then INCOMPLETE_EXPIRED after 23 h', async () => {
  const { handle, state: first } = await subscribe('incomplete', { card: 'soft-decline' });
  expect(first).toMatchObject({ status: 'INCOMPLETE', entitled: false });
  const final = (await handle.result()) as SubscriptionSnapshot;
  expect(final.status).toBe('INCOMPLETE_EXPIRED');
  expect(Date.parse(final.endedAt!) - Date.parse(final.createdAt)).toBe(23 * 60 * 60 * 1000);
});

test('a trial charges nothing until it ends, then the first period', async () => {
  const { customerKey, handle, state: first } = await subscribe('trial', { planId: 'test-trial-monthly', withTrial: true });
  expect(first).toMatchObject({ status: 'TRIALING', entitled: true });
  // The anchor is whole seconds, so the trial end is up to a second before createdAt + 14 days.
  expect(14 * DAY_MS - (Date.parse(first.trialEndsAt!) - Date.parse(first.createdAt))).toBeLessThan(1000);
  expect(h.charges(customerKey)).toHaveLength(0);
  await skipTo(first.trialEndsAt!);
  expect(await state(handle)).toMatchObject({ status: 'ACTIVE', cycle: 1 });
  expect(h.charges(customerKey)).toHaveLength(1);
});
