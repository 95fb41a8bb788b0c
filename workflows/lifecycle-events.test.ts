/**
 * Lifecycle events through the real stack (docs/events.md): the time-skipping server, the worker's
 * projection writing events to PostgreSQL in the same statement as the row, and the API's feed.
 */
import type { LifecycleEvent } from '../src/domain/lifecycle-events';
import type { SubscriptionSnapshot } from '../src/domain/subscription';
import { DAY_MS } from '../test/support/local-time';
import { createTimeSkippingHarness, type Harness } from '../test/support/workflow-harness';
import { cancelUpdate, deferUpdate, stateQuery } from './messages';

let h: Harness;
let seq = 0;

beforeAll(async () => {
  h = await createTimeSkippingHarness();
});
afterAll(async () => {
  await h?.teardown();
});

type Handle = Awaited<ReturnType<Harness['start']>>;
const state = (handle: Handle) => handle.query(stateQuery) as Promise<SubscriptionSnapshot>;

async function subscribe(label: string, opts: { planId?: string; withTrial?: boolean } = {}) {
  const customerKey = h.customerKey(label);
  const paymentMethodId = await h.registerCard(customerKey, 'approve');
  const subscriptionId = `sub_ev${Date.now().toString(36)}${++seq}`;
  const handle = await h.start({ subscriptionId, customerKey, planId: opts.planId ?? 'test-monthly', paymentMethodId, withTrial: opts.withTrial ?? false });
  return { customerKey, subscriptionId, handle };
}

/** The subscription's events as written, once the projection of its current version is in. */
async function eventsOf(subscriptionId: string, handle: Handle): Promise<LifecycleEvent[]> {
  const version = (await state(handle)).version;
  for (let i = 0; i < 200; i++) {
    const { rows } = await h.pool.query<{ version: number }>('SELECT version FROM subscriptions WHERE id = $1', [subscriptionId]);
    if ((rows[0]?.version ?? 0) >= version) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const { rows } = await h.pool.query<{ body: LifecycleEvent }>('SELECT body FROM events WHERE subscription_id = $1 ORDER BY sequence', [subscriptionId]);
  return rows.map((r) => r.body);
}

function expectWellFormed(events: LifecycleEvent[], subscriptionId: string) {
  expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
  expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  for (const e of events) {
    expect(e.id).toMatch(/^evt_[0-9a-f-]{36}$/);
    expect(e.subscriptionId).toBe(subscriptionId);
    expect(e.data.subscription.subscriptionId).toBe(subscriptionId);
  }
  // Time never runs backwards along a subscription's events.
  const times = events.map((e) => Date.parse(e.timestamp));
  expect(times).toEqual([...times].sort((a, b) => a - b));
}

test('a whole life: create, renew, decline, grace, hold, recover, cancel, expire — each once, in sequence', async () => {
  const { customerKey, subscriptionId, handle } = await subscribe('life');
  const first = await state(handle);
  await h.skipTo(Date.parse(first.currentPeriod.end) + 60_000); // renewal #2 paid
  const second = await state(handle);
  h.script(customerKey, Array(5).fill('REJECT_CARD_PAYMENT')); // due, +1, +3, +5, +7 fail; +14 succeeds (hold recovery)
  await h.skipTo(Date.parse(second.currentPeriod.end) + 14 * DAY_MS + 60_000);
  expect(await state(handle)).toMatchObject({ status: 'ACTIVE' });
  await handle.executeUpdate(cancelUpdate);
  const final = (await handle.result()) as SubscriptionSnapshot;
  expect(final.status).toBe('EXPIRED');

  const events = await eventsOf(subscriptionId, handle);
  expectWellFormed(events, subscriptionId);
  expect(events.map((e) => e.type)).toEqual([
    'subscription.created',
    'payment.succeeded',
    'subscription.activated',
    'payment.succeeded',
    'subscription.renewed',
    'subscription.payment_failed',
    'subscription.in_grace_period',
    'subscription.payment_failed', // +1
    'subscription.payment_failed', // +3
    'subscription.payment_failed', // +5
    'subscription.payment_failed', // +7: grace's last chance runs before the hold starts
    'subscription.on_hold',
    'payment.succeeded', // +14
    'subscription.recovered',
    'subscription.canceled',
    'subscription.expired',
  ]);
  const byType = (type: string) => events.filter((e) => e.type === type);
  expect(byType('subscription.payment_failed').every((e) => e.data.decline?.code === 'REJECT_CARD_PAYMENT')).toBe(true);
  expect(byType('payment.succeeded').map((e) => e.data.payment?.amount)).toEqual([10_000, 10_000, 10_000]);
  expect(byType('subscription.on_hold')[0]!.data.subscription).toMatchObject({ status: 'ON_HOLD', entitled: false });
  expect(byType('subscription.expired')[0]!.data).toMatchObject({ reason: 'canceled', subscription: { status: 'EXPIRED' } });
  // Money in the events = the workflow's counters = the ledger.
  const ledger = await h.repos.payments.listForSubscription(subscriptionId);
  const paid = ledger.filter((p) => p.status === 'DONE');
  expect(byType('payment.succeeded').map((e) => e.data.payment?.paymentId).sort()).toEqual(paid.map((p) => p.orderId).sort());
  expect(final.counters.amountCharged).toBe(paid.reduce((sum, p) => sum + p.amount, 0));
});

test('a trial says it will end three local days before, and a defer moves the notice with it', async () => {
  const { subscriptionId, handle } = await subscribe('trial', { planId: 'test-trial-monthly', withTrial: true });
  const first = await state(handle);
  expect(first.status).toBe('TRIALING');
  const trialEnd = Date.parse(first.trialEndsAt!);
  // Defer the trial's end by 5 days; the notice is still 3 days before the (new) end.
  const until = new Date(trialEnd + 5 * DAY_MS + 9 * 3_600_000).toISOString().slice(0, 10);
  const deferred = (await handle.executeUpdate(deferUpdate, { args: [{ until }] })) as SubscriptionSnapshot;
  const newEnd = Date.parse(deferred.trialEndsAt!);
  await h.skipTo(newEnd - 3 * DAY_MS - 60_000);
  expect((await eventsOf(subscriptionId, handle)).map((e) => e.type)).not.toContain('subscription.trial_will_end');
  await h.skipTo(newEnd + 60_000);

  const events = await eventsOf(subscriptionId, handle);
  expectWellFormed(events, subscriptionId);
  expect(events.map((e) => e.type)).toEqual([
    'subscription.created',
    'subscription.activated',
    'subscription.deferred',
    'subscription.trial_will_end',
    'payment.succeeded',
    'subscription.renewed',
  ]);
  const notice = events.find((e) => e.type === 'subscription.trial_will_end')!;
  expect(Math.abs(Date.parse(notice.timestamp) - (newEnd - 3 * DAY_MS))).toBeLessThan(1000);
  expect(events.find((e) => e.type === 'subscription.deferred')!.data.previousNextBillingAt).toBe(first.trialEndsAt);
});

test('the feed lists events in publication order from any cursor, filtered by type and subscription', async () => {
  const a = await subscribe('feed-a');
  const b = await subscribe('feed-b');
  await eventsOf(a.subscriptionId, a.handle);
  await eventsOf(b.subscriptionId, b.handle);

  const all: LifecycleEvent[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const res = await h.api.get('/v1/events').query({ limit: '7', ...(cursor ? { after: cursor } : {}) });
    expect(res.status).toBe(200);
    all.push(...res.body.data);
    cursor = res.body.nextCursor;
    if (!res.body.hasMore) break;
  }
  expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
  const ofA = all.filter((e) => e.subscriptionId === a.subscriptionId);
  expect(ofA.map((e) => e.sequence)).toEqual(ofA.map((_, i) => i + 1));
  // Nothing new: the same cursor answers an empty page and keeps its place.
  const again = await h.api.get('/v1/events').query({ after: cursor! });
  expect(again.body).toEqual({ data: [], nextCursor: cursor, hasMore: false });

  const filtered = await h.api.get('/v1/events').query({ subscriptionId: b.subscriptionId, type: 'subscription.activated,payment.succeeded' });
  expect(filtered.body.data.map((e: LifecycleEvent) => e.type)).toEqual(['payment.succeeded', 'subscription.activated']);
  const one = await h.api.get(`/v1/events/${filtered.body.data[0].id}`);
  expect(one.body).toEqual(filtered.body.data[0]);

  for (const query of [{ after: 'x' }, { after: '1.99999999999999999999' }, { type: 'subscription.nope' }, { limit: '0' }, { extra: '1' }]) {
    const res = await h.api.get('/v1/events').query(query);
    expect(res.status).toBe(400);
  }
  expect((await h.api.get('/v1/events/evt_00000000-0000-4000-8000-000000000000')).status).toBe(404);
});
