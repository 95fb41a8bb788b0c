/**
 * Signed lifecycle webhooks through the real stack (docs/webhooks.md): the time-skipping server, a
 * worker whose projection starts delivery workflows, real HTTP to a receiver on loopback that
 * verifies every request with `standardwebhooks`. Worker restarts are in webhooks-restart.test.ts,
 * on the dev server: the Java test server never hands a stopped worker's sticky tasks to another.
 */
import type { LifecycleEvent } from '../../src/domain/lifecycle-events';
import type { SubscriptionSnapshot } from '../../src/domain/subscription';
import { cancelUpdate, stateQuery } from '../../workflows/messages';
import { DAY_MS } from '../support/local-time';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';
import { createTimeSkippingHarness, type Harness } from '../support/workflow-harness';

let h: Harness;
let seq = 0;
const endpoints: string[] = [];
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  h = await createTimeSkippingHarness();
});
afterAll(async () => {
  // The database outlives this file: its endpoints must not receive the next files' events.
  for (const id of endpoints) await h?.api.delete(`/v1/webhook-endpoints/${id}`);
  for (const r of receivers) await r.close();
  await h?.teardown();
});

async function receiverWithEndpoint(eventTypes?: string[]): Promise<{ receiver: WebhookReceiver; endpointId: string }> {
  const receiver = await startWebhookReceiver();
  receivers.push(receiver);
  const res = await h.api.post('/v1/webhook-endpoints').send({ url: receiver.url, ...(eventTypes ? { eventTypes } : {}) });
  expect(res.status).toBe(201);
  expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
  receiver.secret = res.body.secret;
  endpoints.push(res.body.id);
  return { receiver, endpointId: res.body.id };
}

type Handle = Awaited<ReturnType<Harness['start']>>;
const state = (handle: Handle) => handle.query(stateQuery) as Promise<SubscriptionSnapshot>;

async function subscribe(label: string) {
  const customerKey = h.customerKey(label);
  const paymentMethodId = await h.registerCard(customerKey, 'approve');
  const subscriptionId = `sub_wh${Date.now().toString(36)}${++seq}`;
  const handle = await h.start({ subscriptionId, customerKey, planId: 'test-monthly', paymentMethodId });
  return { customerKey, subscriptionId, handle };
}

async function writtenEvents(subscriptionId: string): Promise<LifecycleEvent[]> {
  const { rows } = await h.pool.query<{ body: LifecycleEvent }>('SELECT body FROM events WHERE subscription_id = $1 ORDER BY sequence', [subscriptionId]);
  return rows.map((r) => r.body);
}

/** Waits (bounded) until the receiver holds every event written for the subscription; server time moves meanwhile so backoffs pass. */
async function delivered(receiver: WebhookReceiver, subscriptionId: string, count: number): Promise<LifecycleEvent[]> {
  for (let i = 0; i < 120 && receiver.eventsOf(subscriptionId).length < count; i++) {
    await h.env.sleep(10 * 60_000);
    await new Promise((r) => setTimeout(r, 250));
  }
  return receiver.eventsOf(subscriptionId);
}

test('every event of a life reaches a verifying receiver once, in sequence, across refusals', async () => {
  const { receiver, endpointId } = await receiverWithEndpoint();
  const { customerKey, subscriptionId, handle } = await subscribe('life');
  const first = await state(handle);
  await h.skipTo(Date.parse(first.currentPeriod.end) + 60_000); // renewal paid
  const second = await state(handle);

  receiver.refuseNext = 6; // the receiver is down for a while: the next six requests fail
  h.script(customerKey, Array(5).fill('REJECT_CARD_PAYMENT')); // grace, then hold, then recovery at +14
  await h.skipTo(Date.parse(second.currentPeriod.end) + 60_000);
  await h.skipTo(Date.parse(second.currentPeriod.end) + 14 * DAY_MS + 60_000);
  expect(await state(handle)).toMatchObject({ status: 'ACTIVE' });
  await handle.executeUpdate(cancelUpdate);
  expect(((await handle.result()) as SubscriptionSnapshot).status).toBe('EXPIRED');

  const written = await writtenEvents(subscriptionId);
  const got = await delivered(receiver, subscriptionId, written.length);
  expect(got.map((e) => [e.sequence, e.id, e.type])).toEqual(written.map((e) => [e.sequence, e.id, e.type]));
  expect(got.map((e) => e.type)).toEqual(expect.arrayContaining([
    'subscription.created', 'subscription.activated', 'subscription.renewed', 'subscription.payment_failed', 'subscription.in_grace_period',
    'subscription.on_hold', 'subscription.recovered', 'subscription.canceled', 'subscription.expired', 'payment.succeeded',
  ]));
  expect(receiver.refused).toBe(6);
  expect(receiver.invalid).toBe(0);
  expect(got).toEqual(written); // byte for byte what the feed holds, snapshot included

  // The attempts are visible: the refused deliveries succeeded on a later attempt.
  const list = await h.api.get(`/v1/webhook-endpoints/${endpointId}/deliveries`).query({ limit: '200' });
  expect(list.status).toBe(200);
  const mine = list.body.data.filter((d: { subscriptionId: string }) => d.subscriptionId === subscriptionId);
  expect(mine).toHaveLength(written.length);
  expect(mine.every((d: { status: string }) => d.status === 'succeeded')).toBe(true);
  const retried = mine.filter((d: { attempts: number }) => d.attempts > 1);
  expect(retried.length).toBeGreaterThan(0);
  const detail = await h.api.get(`/v1/webhook-endpoints/${endpointId}/deliveries/${retried[0].id}`);
  expect(detail.body.attemptLog.map((a: { statusCode: number }) => a.statusCode)).toEqual([...Array(detail.body.attempts - 1).fill(503), 204]);
  expect((await h.api.get(`/v1/webhook-endpoints/${endpointId}`)).body).toMatchObject({ status: 'enabled', failingSince: null });
});

test('an endpoint that fails for three days is disabled; a manual redelivery still reaches it, and enabling it resumes deliveries', async () => {
  const { receiver, endpointId } = await receiverWithEndpoint(['subscription.canceled']);
  receiver.down = true;
  const { subscriptionId, handle } = await subscribe('down');
  await handle.executeUpdate(cancelUpdate);
  await h.env.sleep(3 * DAY_MS + 2 * 3_600_000);

  const endpoint = (await h.api.get(`/v1/webhook-endpoints/${endpointId}`)).body;
  expect(endpoint).toMatchObject({ status: 'disabled' });
  expect(endpoint.disabledReason).toMatch(/no delivery succeeded since/);
  const [delivery] = (await h.api.get(`/v1/webhook-endpoints/${endpointId}/deliveries`)).body.data;
  expect(delivery).toMatchObject({ subscriptionId, eventType: 'subscription.canceled', status: 'failed' });
  // 0.5 s doubling to hourly, for three days: a bounded number of tries, not a storm.
  expect(delivery.attempts).toBeGreaterThan(60);
  expect(delivery.attempts).toBeLessThan(100);
  expect(receiver.accepted).toHaveLength(0);

  receiver.down = false;
  const redelivered = await h.api.post(`/v1/webhook-endpoints/${endpointId}/deliveries/${delivery.id}/redeliver`).set('Idempotency-Key', `redeliver-${delivery.id}`);
  expect(redelivered.status).toBe(200);
  expect(redelivered.body).toMatchObject({ outcome: 'succeeded', delivery: { status: 'succeeded', redeliveries: 1 } });
  expect(redelivered.body.delivery.attemptLog.at(-1)).toMatchObject({ trigger: 'manual', statusCode: 204 });
  expect(receiver.eventsOf(subscriptionId).map((e) => e.type)).toEqual(['subscription.canceled']);
  // The same key again answers the same redelivery; it does not send again.
  const again = await h.api.post(`/v1/webhook-endpoints/${endpointId}/deliveries/${delivery.id}/redeliver`).set('Idempotency-Key', `redeliver-${delivery.id}`);
  expect(again.body).toEqual(redelivered.body);
  expect(receiver.duplicates).toBe(0);

  // Disabled: the next cancel's event makes no delivery. Enabled again: it does.
  const other = await subscribe('down-2');
  await other.handle.executeUpdate(cancelUpdate);
  expect((await writtenEvents(other.subscriptionId)).map((e) => e.type)).toContain('subscription.canceled');
  expect((await h.api.post(`/v1/webhook-endpoints/${endpointId}/enable`)).body).toMatchObject({ status: 'enabled', disabledReason: null });
  const third = await subscribe('down-3');
  await third.handle.executeUpdate(cancelUpdate);
  expect((await delivered(receiver, third.subscriptionId, 1)).map((e) => e.type)).toEqual(['subscription.canceled']);
  expect(receiver.eventsOf(other.subscriptionId)).toHaveLength(0);
});

test('endpoints: secret shown once, URL policy enforced, read-only listing, delete stops deliveries', async () => {
  const created = await h.api.post('/v1/webhook-endpoints').send({ url: 'http://127.0.0.1:9/x', description: 'test', eventTypes: ['payment.succeeded', 'payment.succeeded'] });
  expect(created.status).toBe(201);
  endpoints.push(created.body.id);
  expect(created.body).toMatchObject({ url: 'http://127.0.0.1:9/x', eventTypes: ['payment.succeeded'], status: 'enabled' });
  const got = await h.api.get(`/v1/webhook-endpoints/${created.body.id}`);
  expect(got.body).not.toHaveProperty('secret');
  expect(JSON.stringify((await h.api.get('/v1/webhook-endpoints')).body)).not.toContain(created.body.secret);
  const { rows } = await h.pool.query('SELECT secret_sealed FROM webhook_endpoints WHERE id = $1', [created.body.id]);
  expect(rows[0].secret_sealed).not.toContain(created.body.secret.slice(6));

  for (const url of ['ftp://example.com/x', 'http://169.254.169.254/latest', 'http://[fe80::1]/x', 'http://user:pw@example.com/x', 'http://metadata.google.internal/x', 'http://0.0.0.0/x', 'not a url']) {
    const res = await h.api.post('/v1/webhook-endpoints').send({ url });
    expect([400, 422]).toContain(res.status);
    expect(res.body.type).toMatch(/webhook-url-refused|invalid-request/);
  }
  expect((await h.api.post('/v1/webhook-endpoints').send({ url: 'http://example.com', eventTypes: ['nope'] })).status).toBe(400);

  expect((await h.api.delete(`/v1/webhook-endpoints/${created.body.id}`)).status).toBe(204);
  expect((await h.api.get(`/v1/webhook-endpoints/${created.body.id}`)).status).toBe(404);
  expect((await h.api.delete(`/v1/webhook-endpoints/${created.body.id}`)).status).toBe(404);
});

test('a keyed create: parallel duplicates make one endpoint; after a lost answer the key finds it again, secret included, never stored in plaintext', async () => {
  const key = `hook-${Date.now()}`;
  const body = { url: 'http://127.0.0.1:9/keyed', eventTypes: ['subscription.expired'] };
  const send = () => h.api.post('/v1/webhook-endpoints').set('Idempotency-Key', key).send(body);
  const answers = await Promise.all([send(), send(), send(), send()]);
  const worked = answers.filter((r) => r.status === 201 && r.headers['idempotent-replayed'] === undefined);
  expect(worked).toHaveLength(1);
  const first = worked[0]!.body;
  endpoints.push(first.id);
  for (const r of answers.filter((a) => a !== worked[0])) {
    if (r.status === 409) expect(r.body.code).toBe('idempotency-key-in-use');
    else expect(r.body).toEqual(first);
  }
  // The replay kept for 24 hours holds the secret sealed.
  const stored = await h.pool.query('SELECT body FROM api_idempotency WHERE key = $1', [key]);
  expect(JSON.stringify(stored.rows)).not.toContain(first.secret.slice(6));
  expect((await send()).body).toEqual(first);

  // A crash between the work and the answer: the claim is gone, and the retry runs again — into the same endpoint.
  await h.pool.query('DELETE FROM api_idempotency WHERE key = $1', [key]);
  const retried = await send();
  expect(retried.status).toBe(201);
  expect(retried.headers['idempotent-replayed']).toBeUndefined();
  expect(retried.body).toEqual(first);
  const { rows } = await h.pool.query(`SELECT count(*)::int AS n FROM webhook_endpoints WHERE url = 'http://127.0.0.1:9/keyed'`);
  expect(rows[0].n).toBe(1);
});
