/**
 * Idempotency-Key under concurrency (issue 8, item 2), on the real stack: a key is claimed before
 * any work, so parallel duplicates make one subscription, one payment method and one charge.
 */
import express from 'express';
import request, { type Response } from 'supertest';
import { IdempotencyStore } from '../../src/api/idempotency-store';
import { idempotent, requestHash } from '../../src/api/idempotency';
import { problemHandler } from '../../src/api/problem';
import { derivedSubscriptionId } from '../../src/api/subscription-start';
import { createLogger } from '../../src/logger';
import { TossApiError } from '../../src/gateway/toss-api-error';
import type { PaymentGateway } from '../../src/gateway/payment-gateway';
import { workflowIdFor } from '../../src/temporal/task-queue';
import { fillPath, listRoutes } from '../support/api-client';
import { startWebhookReceiver } from '../support/webhook-receiver';
import { startApiStack, validPostBodies, type ApiStack } from './api-stack';

let stack: ApiStack;
/** Customer keys whose next billing-key issuance fails like a Toss outage (a 5xx for the API). */
const failingIssuance = new Set<string>();

const withFailingIssuance = (real: PaymentGateway): PaymentGateway => ({
  issueBillingKey: async (req, opts) => {
    if (failingIssuance.delete(req.customerKey)) throw new TossApiError(500, 'FAILED_INTERNAL_SYSTEM_PROCESSING', 'outage');
    return real.issueBillingKey(req, opts);
  },
  issueBillingKeyWithCard: (req, opts) => real.issueBillingKeyWithCard(req, opts),
  chargeBillingKey: (key, req, opts) => real.chargeBillingKey(key, req, opts),
  getPaymentByOrderId: (orderId) => real.getPaymentByOrderId(orderId),
  getPayment: (paymentKey) => real.getPayment(paymentKey),
  cancelPayment: (paymentKey, req, opts) => real.cancelPayment(paymentKey, req, opts),
});

beforeAll(async () => {
  stack = await startApiStack({ gateway: withFailingIssuance });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

const createBody = (customerKey: string, paymentMethodId: string, extra: object = {}) => ({
  customerKey,
  planId: 'pro-monthly',
  paymentMethodId,
  trial: false,
  ...extra,
});

/** Each answer is the one that did the work, a replay of it, or "in progress". */
function classify(responses: Response[]) {
  const fresh = responses.filter((r) => r.status < 300 && r.headers['idempotent-replayed'] === undefined);
  const replays = responses.filter((r) => r.headers['idempotent-replayed'] === 'true');
  const inProgress = responses.filter((r) => r.status === 409 && r.body.code === 'idempotency-key-in-use');
  return { fresh, replays, inProgress, other: responses.filter((r) => !fresh.includes(r) && !replays.includes(r) && !inProgress.includes(r)) };
}

test('20 parallel creates with one key: one 201, the rest in progress or a replay; one row, one workflow, one charge', async () => {
  const customerKey = stack.parts.customerKey('idem-par');
  const pm = await stack.card(customerKey);
  const send = () => stack.api.post('/v1/subscriptions').set('Idempotency-Key', 'k1').send(createBody(customerKey, pm));
  const answers = classify(await Promise.all(Array.from({ length: 20 }, send)));

  expect(answers.other.map((r) => [r.status, r.body.code])).toEqual([]);
  expect(answers.fresh).toHaveLength(1);
  expect(answers.fresh[0]!.status).toBe(201);
  for (const r of answers.inProgress) expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  const id = answers.fresh[0]!.body.subscriptionId;
  for (const r of answers.replays) expect(r.body.subscriptionId).toBe(id);

  const after = await send();
  expect(after.status).toBe(201);
  expect(after.headers['idempotent-replayed']).toBe('true');
  expect(after.body.subscriptionId).toBe(id);

  expect((await stack.rowsOf(customerKey)).map((r) => r.id)).toEqual([id]);
  expect(await stack.workflowsOf(customerKey)).toEqual([workflowIdFor(id)]);
  expect(stack.parts.charges(customerKey)).toHaveLength(1);
});

test('a lost claim cannot create twice: the key derives the subscription id, and a resend attaches to its workflow', async () => {
  const customerKey = stack.parts.customerKey('idem-lost');
  const pm = await stack.card(customerKey);
  const send = () => stack.api.post('/v1/subscriptions').set('Idempotency-Key', 'lost-1').send(createBody(customerKey, pm));
  const first = await send();
  expect(first.status).toBe(201);
  await stack.parts.pool.query(`DELETE FROM api_idempotency WHERE key = 'lost-1'`);
  const resent = await send();
  expect(resent.status).toBe(201);
  expect(resent.headers['idempotent-replayed']).toBeUndefined();
  expect(resent.body.subscriptionId).toBe(first.body.subscriptionId);
  expect((await stack.rowsOf(customerKey)).map((r) => r.id)).toEqual([first.body.subscriptionId]);
  expect(stack.parts.charges(customerKey)).toHaveLength(1);
  // The key is scoped to the route and path: another customer's request with it is a misuse.
  const otherCustomer = stack.parts.customerKey('idem-lost-b');
  const other = await stack.api.post('/v1/subscriptions').set('Idempotency-Key', 'lost-1').send(createBody(otherCustomer, await stack.card(otherCustomer)));
  expect([other.status, other.body.code]).toEqual([422, 'idempotency-key-reused']);
  // Once forgotten, it derives another id for another customer.
  expect(derivedSubscriptionId(otherCustomer, 'lost-1')).not.toBe(first.body.subscriptionId);
  expect(derivedSubscriptionId(customerKey, 'lost-1')).toBe(first.body.subscriptionId);
});

test('a trial taken by a create keeps belonging to it when the create is resent', async () => {
  const customerKey = stack.parts.customerKey('idem-trial');
  const pm = await stack.card(customerKey);
  const body = { customerKey, planId: 'pro-monthly', paymentMethodId: pm };
  const first = await stack.api.post('/v1/subscriptions').set('Idempotency-Key', 'trial-1').send(body);
  expect([first.status, first.body.status]).toEqual([201, 'TRIALING']);
  await stack.parts.pool.query(`DELETE FROM api_idempotency WHERE key = 'trial-1'`);
  const resent = await stack.api.post('/v1/subscriptions').set('Idempotency-Key', 'trial-1').send(body);
  expect([resent.status, resent.body.status, resent.body.subscriptionId]).toEqual([201, 'TRIALING', first.body.subscriptionId]);
  expect(stack.parts.charges(customerKey)).toHaveLength(0);
});


test('a lost claim resent after its subscription ended answers the last state and starts nothing', async () => {
  const customerKey = stack.parts.customerKey('idem-ended');
  const pm = await stack.card(customerKey);
  const send = () => stack.api.post('/v1/subscriptions').set('Idempotency-Key', 'ended-1').send(createBody(customerKey, pm));
  const first = await send();
  expect(first.status).toBe(201);
  const revoked = await stack.api.post(`/v1/subscriptions/${first.body.subscriptionId}/revoke`).send({ refund: 'none' });
  expect([revoked.status, revoked.body.status]).toEqual([200, 'REVOKED']);
  const handle = stack.env.client.workflow.getHandle(workflowIdFor(first.body.subscriptionId));
  await handle.result();
  await stack.parts.pool.query(`DELETE FROM api_idempotency WHERE key = 'ended-1'`);
  const resent = await send();
  expect([resent.status, resent.body.subscriptionId, resent.body.status]).toEqual([201, first.body.subscriptionId, 'REVOKED']);
  expect((await handle.describe()).status.name).toBe('COMPLETED');
  expect(await stack.workflowsOf(customerKey)).toEqual([workflowIdFor(first.body.subscriptionId)]);
  expect(stack.parts.charges(customerKey)).toHaveLength(1);
});
test('20 parallel payment-method issuances with one key: one row', async () => {
  const customerKey = stack.parts.customerKey('idem-pm');
  const send = () => stack.api.post(`/v1/customers/${customerKey}/payment-methods`).set('Idempotency-Key', 'pm-1').send({ authKey: 'auth_approve' });
  const responses = await Promise.all(Array.from({ length: 20 }, send));
  const answers = classify(responses);
  expect(answers.other.map((r) => [r.status, r.body.code])).toEqual([]);
  expect(answers.fresh).toHaveLength(1);
  const id = answers.fresh[0]!.body.id;
  for (const r of answers.replays) expect(r.body.id).toBe(id);
  const listed = async () => (await stack.api.get(`/v1/customers/${customerKey}/payment-methods`)).body.paymentMethods.map((p: { id: string }) => p.id);
  expect(await listed()).toEqual([id]);
  // A lost claim: the derived id lands on the same row.
  await stack.parts.pool.query(`DELETE FROM api_idempotency WHERE key = 'pm-1'`);
  const resent = await send();
  expect([resent.status, resent.body.id]).toEqual([201, id]);
  expect(await listed()).toEqual([id]);
});

test('a replay repeats status, body and Location; another body with the key is 422; an invalid key is 400', async () => {
  const customerKey = stack.parts.customerKey('idem-replay');
  const pm = await stack.card(customerKey);
  const first = await stack.api.post('/v1/subscriptions').set('Idempotency-Key', 'r1').send(createBody(customerKey, pm));
  expect(first.status).toBe(201);
  // Key order does not make another request.
  const { trial, paymentMethodId, planId } = createBody(customerKey, pm);
  const replay = await stack.api.post('/v1/subscriptions').set('Idempotency-Key', 'r1').send({ trial, paymentMethodId, planId, customerKey });
  expect(replay.status).toBe(201);
  expect(replay.headers['idempotent-replayed']).toBe('true');
  expect(replay.headers.location).toBe(first.headers.location);
  expect(replay.body).toEqual(first.body);

  const other = await stack.api.post('/v1/subscriptions').set('Idempotency-Key', 'r1').send(createBody(customerKey, pm, { timeZone: 'UTC' }));
  expect(other.status).toBe(422);
  expect(other.body.code).toBe('idempotency-key-reused');

  for (const key of ['', 'x'.repeat(256)]) {
    const bad = await stack.api.post('/v1/subscriptions').set('Idempotency-Key', key).send(createBody(customerKey, pm));
    expect([bad.status, bad.body.code]).toEqual([400, 'idempotency-key-invalid']);
  }
  expect(stack.parts.charges(customerKey)).toHaveLength(1);
});

test('a problem answer is replayed as problem+json', async () => {
  const customerKey = stack.parts.customerKey('idem-problem');
  const body = createBody(customerKey, 'pm_not_mine');
  const first = await stack.api.post('/v1/subscriptions').set('Idempotency-Key', 'p1').send(body);
  expect([first.status, first.body.code]).toEqual([422, 'unknown-payment-method']);
  const replay = await stack.api.post('/v1/subscriptions').set('Idempotency-Key', 'p1').send(body);
  expect([replay.status, replay.body.code, replay.headers['idempotent-replayed']]).toEqual([422, 'unknown-payment-method', 'true']);
  expect(replay.headers['content-type']).toMatch(/application\/problem\+json/);
});

test('a 5xx releases the key: the retry runs again and succeeds', async () => {
  const customerKey = stack.parts.customerKey('idem-5xx');
  failingIssuance.add(customerKey);
  const send = () => stack.api.post(`/v1/customers/${customerKey}/payment-methods`).set('Idempotency-Key', 'pm-5xx').send({ authKey: 'auth_approve' });
  const failed = await send();
  expect([failed.status, failed.body.code]).toEqual([502, 'billing-key-issuance-failed']);
  const retried = await send();
  expect(retried.status).toBe(201);
  expect(retried.headers['idempotent-replayed']).toBeUndefined();
  const replay = await send();
  expect([replay.status, replay.body.id, replay.headers['idempotent-replayed']]).toEqual([201, retried.body.id, 'true']);
});

describe('claims in the database', () => {
  const preview = (count: number) => ({ interval: { unit: 'month', count: 1 }, anchor: '2025-01-31T00:30', timeZone: 'Asia/Seoul', count });
  const scope = 'schedule-preview /v1/schedule-preview';
  const store = () => new IdempotencyStore(stack.parts.pool);

  test('an expired key (older than 24 h) is reusable, with any body', async () => {
    const key = `exp-${Math.random()}`;
    expect((await stack.api.post('/v1/schedule-preview').set('Idempotency-Key', key).send(preview(2))).status).toBe(200);
    expect((await stack.api.post('/v1/schedule-preview').set('Idempotency-Key', key).send(preview(3))).body.code).toBe('idempotency-key-reused');
    const { rows } = await stack.parts.pool.query(`SELECT extract(epoch FROM expires_at - created_at)::int AS ttl FROM api_idempotency WHERE key = $1`, [key]);
    expect(rows[0].ttl).toBe(24 * 3600);
    await stack.parts.pool.query(`UPDATE api_idempotency SET created_at = created_at - interval '25 hours', expires_at = expires_at - interval '25 hours' WHERE key = $1`, [key]);
    const reused = await stack.api.post('/v1/schedule-preview').set('Idempotency-Key', key).send(preview(3));
    expect(reused.status).toBe(200);
    expect(reused.headers['idempotent-replayed']).toBeUndefined();
    expect(reused.body.instants).toHaveLength(3);
  });

  test('an in-progress claim answers 409 with Retry-After; once its lease has passed (owner died) it is taken over', async () => {
    const key = `lease-${Math.random()}`;
    const body = preview(2);
    expect((await store().claim(key, scope, requestHash(body), 'a-process-that-died')).kind).toBe('claimed');
    const busy = await stack.api.post('/v1/schedule-preview').set('Idempotency-Key', key).send(body);
    expect([busy.status, busy.body.code]).toEqual([409, 'idempotency-key-in-use']);
    expect(Number(busy.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Another body is still a misuse of the key, in progress or not.
    expect((await stack.api.post('/v1/schedule-preview').set('Idempotency-Key', key).send(preview(5))).body.code).toBe('idempotency-key-reused');
    await stack.parts.pool.query(`UPDATE api_idempotency SET lease_until = now() - interval '1 second' WHERE key = $1`, [key]);
    const taken = await stack.api.post('/v1/schedule-preview').set('Idempotency-Key', key).send(body);
    expect(taken.status).toBe(200);
    expect(taken.headers['idempotent-replayed']).toBeUndefined();
    // The dead owner can no longer finish or release what it lost.
    await store().release(key, scope, 'a-process-that-died');
    const replay = await stack.api.post('/v1/schedule-preview').set('Idempotency-Key', key).send(body);
    expect(replay.headers['idempotent-replayed']).toBe('true');
  });

  test('a running request keeps renewing its lease', async () => {
    const times = { leaseMs: 300, ttlMs: 60_000 };
    const short = new IdempotencyStore(stack.parts.pool, times);
    const key = `renew-${Math.random()}`;
    const claim = await short.claim(key, scope, 'h', 'owner');
    expect(claim.kind).toBe('claimed');
    expect(await short.renew(key, scope, 'owner')).toBe(true);
    expect(await short.renew(key, scope, 'someone-else')).toBe(false);
    await short.finish(key, scope, 'owner', { status: 200, body: { ok: true }, headers: {} });
    expect(await short.renew(key, scope, 'owner')).toBe(false);
    expect(await short.claim(key, scope, 'h', 'late')).toMatchObject({ kind: 'done', status: 200, body: { ok: true } });
  });
});

test('the claim of a running request is renewed until it answers', async () => {
  const times = { leaseMs: 300, ttlMs: 60_000 };
  const app = express();
  app.use(express.json());
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  app.post('/slow', idempotent(stack.parts.pool, 'slow', { times }), async (_req, res) => {
    await held;
    res.json({ done: true });
  });
  app.use(problemHandler(createLogger('silent')));
  const key = `slow-${Math.random()}`;
  const lease = async () => (await stack.parts.pool.query<{ lease_until: Date | null; state: string }>('SELECT lease_until, state FROM api_idempotency WHERE key = $1', [key])).rows[0];
  const answer = request(app).post('/slow').set('Idempotency-Key', key).send({}).then((r) => r);
  const seen = new Set<number>();
  const deadline = Date.now() + 20_000;
  // Renewals move the lease forward (bounded wait: at most 20 s of polling).
  while (seen.size < 3 && Date.now() < deadline) {
    const row = await lease();
    if (row?.lease_until) seen.add(row.lease_until.getTime());
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(seen.size).toBeGreaterThanOrEqual(3);
  const busy = await request(app).post('/slow').set('Idempotency-Key', key).send({});
  expect([busy.status, busy.body.code, busy.headers['retry-after']]).toEqual([409, 'idempotency-key-in-use', '1']);
  release();
  expect((await answer).body).toEqual({ done: true });
  expect(await lease()).toMatchObject({ state: 'done', lease_until: null });
});

test('every POST route takes an Idempotency-Key: a repeat is a replay (table-driven over the app\'s routes)', async () => {
  const customerKey = stack.parts.customerKey('idem-routes');
  const created = await stack.api.post('/v1/subscriptions').send(createBody(customerKey, await stack.card(customerKey)));
  expect(created.status).toBe(201);
  const params = { customerKey, id: created.body.subscriptionId, paymentId: created.body.lastPayment.paymentId };
  const version = created.body.version;
  const posts = listRoutes(stack.app).filter((r) => r.method === 'POST');
  expect(posts.length).toBeGreaterThanOrEqual(15);
  for (const route of posts) {
    const path = fillPath(route.path, params);
    const key = `routes-${route.path}`;
    // A body no route accepts: the first answer is a 4xx that changes nothing, and it is stored.
    const send = () => stack.api.post(path).set('Idempotency-Key', key).send({ notAField: true });
    const first = await send();
    const again = await send();
    const seen = { route: route.path, first: first.status, again: again.status, replayed: again.headers['idempotent-replayed'] };
    expect(seen).toEqual({ route: route.path, first: 400, again: 400, replayed: 'true' });
  }
  expect((await stack.api.get(`/v1/subscriptions/${params.id}`)).body.version).toBe(version);
});

test('every POST route, 5 concurrent requests with one key and a valid body: one does the work, the rest wait or replay it (table-driven)', async () => {
  const posts = listRoutes(stack.app).filter((r) => r.method === 'POST');
  // Webhook routes work on a real endpoint and a real delivery: each subscription's activation is delivered to it.
  const receiver = await startWebhookReceiver();
  const endpoint = await stack.api.post('/v1/webhook-endpoints').send({ url: receiver.url, eventTypes: ['subscription.activated'] });
  receiver.secret = endpoint.body.secret;
  try {
    for (const route of posts) {
      // Each route on its own customer and subscription, so one route's work cannot change another's answer.
      const customerKey = stack.parts.customerKey('idem-par');
      const paymentMethodId = await stack.card(customerKey);
      const created = await stack.api.post('/v1/subscriptions').send(createBody(customerKey, paymentMethodId));
      expect(created.status).toBe(201);
      const params = {
        customerKey,
        id: created.body.subscriptionId,
        paymentId: created.body.lastPayment.paymentId,
        endpointId: endpoint.body.id,
        deliveryId: await deliveryOf(endpoint.body.id, created.body.subscriptionId),
        planId: await freshPlan(customerKey),
      };
      const label = `${route.method} ${route.path}`;
      const body = validPostBodies({ customerKey, paymentMethodId })[label];
      expect({ label, known: body !== undefined }).toEqual({ label, known: true });
      const chargesBefore = stack.parts.charges(customerKey).length;
      const send = () => stack.api.post(fillPath(route.path, params)).set('Idempotency-Key', `par-${label}`).send(body as object);
      const answers = await Promise.all(Array.from({ length: 5 }, send));
      const inProgress = answers.filter((r) => r.status === 409 && r.body.code === 'idempotency-key-in-use');
      const replays = answers.filter((r) => r.headers['idempotent-replayed'] === 'true');
      const worked = answers.filter((r) => !inProgress.includes(r) && !replays.includes(r));
      expect({ label, worked: worked.length }).toEqual({ label, worked: 1 });
      expect({ label, status: worked[0]!.status < 500 }).toEqual({ label, status: true });
      for (const replay of replays) expect({ label, status: replay.status, body: replay.body }).toEqual({ label, status: worked[0]!.status, body: worked[0]!.body });
      // After the work, the key answers the same again, and money moved at most once.
      const after = await send();
      expect({ label, status: after.status, replayed: after.headers['idempotent-replayed'] }).toEqual({ label, status: worked[0]!.status, replayed: 'true' });
      expect(stack.parts.charges(customerKey).length - chargesBefore).toBeLessThanOrEqual(1);
      const refunds = await stack.parts.repos.payments.refunds.listForOrder(params.paymentId);
      expect({ label, refunds: refunds.length }).toEqual({ label, refunds: label.endsWith('/refund') || label.endsWith('/revoke') ? 1 : 0 });
      if (label === 'POST /v1/webhook-endpoints') {
        const { rows } = await stack.parts.pool.query(`SELECT count(*)::int AS n FROM webhook_endpoints WHERE url = 'http://127.0.0.1:9/hooks' AND status = 'enabled'`);
        expect(rows[0].n).toBe(1);
      }
      if (label.endsWith('/redeliver')) expect(worked[0]!.body.outcome).toBe('succeeded');
    }
  } finally {
    // The database outlives this file: no endpoint of it may receive the next files' events.
    for (const e of (await stack.api.get('/v1/webhook-endpoints')).body.data) await stack.api.delete(`/v1/webhook-endpoints/${e.id}`);
    await receiver.close();
  }
});

/** A plan of this test alone (archiving it changes nothing another test uses). */
async function freshPlan(customerKey: string): Promise<string> {
  const id = `p-${customerKey.toLowerCase()}`.slice(0, 64);
  const res = await stack.api.post('/v1/plans').send({ id, product: 'idem-archive', name: 'to archive', price: 1_000, interval: { unit: 'month', count: 1 } });
  expect(res.status).toBe(201);
  return id;
}

/** The delivery of a subscription's event to an endpoint, once the projection has written it. */
async function deliveryOf(endpointId: string, subscriptionId: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const { rows } = await stack.parts.pool.query(
      'SELECT d.id FROM webhook_deliveries d JOIN events e ON e.id = d.event_id WHERE d.endpoint_id = $1 AND e.subscription_id = $2',
      [endpointId, subscriptionId],
    );
    if (rows[0]) return rows[0].id;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no delivery of ${subscriptionId} to ${endpointId}`);
}

describe('operations', () => {
  async function activeSubscription(label: string, planId = 'pro-monthly'): Promise<{ customerKey: string; id: string }> {
    const customerKey = stack.parts.customerKey(label);
    const pm = await stack.card(customerKey);
    const res = await stack.api.post('/v1/subscriptions').send(createBody(customerKey, pm, { planId }));
    expect(res.status).toBe(201);
    return { customerKey, id: res.body.subscriptionId };
  }

  test('cancel with a key: a repeat replays 200 instead of 409 already-canceled', async () => {
    const { id } = await activeSubscription('idem-cancel');
    const first = await stack.api.post(`/v1/subscriptions/${id}/cancel`).set('Idempotency-Key', 'c1');
    expect(first.status).toBe(200);
    const again = await stack.api.post(`/v1/subscriptions/${id}/cancel`).set('Idempotency-Key', 'c1').send({});
    expect([again.status, again.headers['idempotent-replayed'], again.body.version]).toEqual([200, 'true', first.body.version]);
    const withoutKey = await stack.api.post(`/v1/subscriptions/${id}/cancel`);
    expect([withoutKey.status, withoutKey.body.code]).toEqual([409, 'already-canceled']);
  });

  test('10 parallel top-ups with one key charge once; a crashed claim taken over still cannot top up twice (the key is the Update id)', async () => {
    const { customerKey, id } = await activeSubscription('idem-topup', 'pro-pass-30d');
    expect(stack.parts.charges(customerKey)).toHaveLength(1);
    const send = () => stack.api.post(`/v1/subscriptions/${id}/top-up`).set('Idempotency-Key', 't1');
    const answers = classify(await Promise.all(Array.from({ length: 10 }, send)));
    expect(answers.other.map((r) => [r.status, r.body.code])).toEqual([]);
    expect(answers.fresh).toHaveLength(1);
    expect(stack.parts.charges(customerKey)).toHaveLength(2);

    // As if the API had crashed before storing the answer: the claim is left in progress and its
    // lease runs out. The retry takes it over (same generation), so Temporal answers the same Update
    // id with the first outcome instead of running it again.
    await stack.parts.pool.query(
      `UPDATE api_idempotency SET state = 'in_progress', owner = 'crashed', status = NULL, body = NULL, lease_until = now() - interval '1 second' WHERE key = 't1'`,
    );
    const resent = await send();
    expect(resent.status).toBe(200);
    expect(resent.body.expiresAt).toBe(answers.fresh[0]!.body.expiresAt);
    expect(stack.parts.charges(customerKey)).toHaveLength(2);
  });
});
