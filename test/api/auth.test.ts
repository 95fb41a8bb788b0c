/**
 * API-key authentication (README "Authentication"), table-driven over the routes the app actually
 * serves (walked from its router stack), so a route added tomorrow is covered without editing
 * this file: no key, a bad key or a revoked key → 401; a read-only key on anything that is not a
 * read → 403 with nothing changed; per-key rate limits → 429 with Retry-After. On the
 * time-skipping harness (real worker, emulator, PostgreSQL) so the ids in the paths are real.
 */
import request from 'supertest';
import { createApiApp } from '../../src/api/app';
import { problemTypeUri, type ProblemCode } from '../../src/api/problem-types';
import { hashSecret, parseApiKey } from '../../src/auth/api-key-format';
import { ApiKeysRepo } from '../../src/auth/api-keys-repo';
import { createLogger } from '../../src/logger';
import { agentWithKey, bearer, createTestApiKey, fillPath, listRoutes, type ApiAgent, type AppRoute } from '../support/api-client';
import { createTimeSkippingHarness, type Harness } from '../support/workflow-harness';

let h: Harness;
let routes: AppRoute[];
let readOnly: ApiAgent;
/** Real ids for the path params: a request that slipped past authorization would change real state. */
let params: Record<string, string>;
let customerKey: string;
let subscriptionId: string;
let paymentId: string;

/** Open routes are the ones the OpenAPI document marks `security: []` (docs/openapi.md); every other one needs a key. */
let openRoutes: Set<string>;
const isOpen = (route: AppRoute) => openRoutes.has(label(route));
const isRead = (route: AppRoute) => route.method === 'GET' || route.method === 'HEAD';
const label = (route: AppRoute) => `${route.method} ${route.path}`;
const send = (client: ApiAgent, route: AppRoute, path = fillPath(route.path, params)) => {
  const method = route.method.toLowerCase();
  if (method !== 'get' && method !== 'post' && method !== 'put' && method !== 'patch' && method !== 'delete' && method !== 'head') {
    throw new Error(`no supertest call for ${route.method}`);
  }
  const req = client[method](path);
  return isRead(route) ? req : req.send({});
};

function expectProblem(res: request.Response, status: number, code: ProblemCode): void {
  expect({ status: res.status, code: res.body.code, type: res.body.type }).toEqual({ status, code, type: problemTypeUri(code) });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
}

beforeAll(async () => {
  h = await createTimeSkippingHarness();
  routes = listRoutes(h.app);
  const paths: Record<string, Record<string, { security?: unknown[] }>> = h.app.locals.openapiDocument.paths;
  openRoutes = new Set(
    Object.entries(paths).flatMap(([template, item]) =>
      Object.entries(item)
        .filter(([, op]) => op.security?.length === 0)
        .map(([method]) => `${method.toUpperCase()} ${template.replace(/\{(\w+)\}/g, ':$1')}`),
    ),
  );
  readOnly = agentWithKey(h.app, (await createTestApiKey(h.pool, 'read')).key);
  customerKey = h.customerKey('auth');
  const card = await h.api.post(`/v1/customers/${customerKey}/payment-methods`).send({ authKey: 'auth_approve' });
  const sub = await h.api.post('/v1/subscriptions').send({ customerKey, planId: 'pro-monthly', paymentMethodId: card.body.id, trial: false });
  expect(sub.status).toBe(201);
  subscriptionId = sub.body.subscriptionId;
  paymentId = sub.body.lastPayment.paymentId;
  params = { customerKey, id: subscriptionId, subscriptionId, paymentId, planId: 'pro-monthly' };
}, 180_000);

afterAll(async () => {
  await h?.teardown();
});

test('the route walk finds the whole API, nested routers included', () => {
  expect(routes.map(label)).toEqual(
    expect.arrayContaining(['GET /healthz', 'GET /metrics', 'GET /v1/plans', 'POST /v1/subscriptions', 'POST /v1/subscriptions/:id/cancel', 'POST /v1/payments/:paymentId/refund']),
  );
  expect(routes.filter((r) => !isOpen(r)).length).toBeGreaterThanOrEqual(20);
});

test('/healthz, /openapi.json and /docs need no key', async () => {
  expect([...openRoutes]).toEqual(expect.arrayContaining(['GET /healthz', 'GET /openapi.json', 'GET /docs']));
  expect([200, 503]).toContain((await request(h.app).get('/healthz')).status);
  expect((await request(h.app).get('/openapi.json')).status).toBe(200);
  expect((await request(h.app).get('/docs')).status).toBe(200);
});

test('every other route without a key: 401 unauthenticated with WWW-Authenticate: Bearer', async () => {
  const unauthenticated = request(h.app);
  for (const route of routes.filter((r) => !isOpen(r))) {
    const res = await send(unauthenticated, route, fillPath(route.path));
    expect({ route: label(route), status: res.status, code: res.body.code }).toEqual({ route: label(route), status: 401, code: 'unauthenticated' });
    expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
  }
  // An unknown route does not tell an anonymous caller that it does not exist.
  expectProblem(await request(h.app).get('/v1/nothing-here'), 401, 'unauthenticated');
});

test('malformed, unknown, wrongly signed and revoked keys: 401 on every route', async () => {
  const valid = await createTestApiKey(h.pool, 'full');
  const { keyId, secret } = parseApiKey(valid.key)!;
  const otherSecret = parseApiKey((await createTestApiKey(h.pool, 'full')).key)!.secret;
  const revoked = await createTestApiKey(h.pool, 'full');
  expect(await new ApiKeysRepo(h.pool).revoke(revoked.id)).toBe(true);
  const badHeaders = {
    'empty bearer': 'Bearer ',
    'not bearer': `Basic ${Buffer.from(`${valid.key}:`).toString('base64')}`,
    'bare key': valid.key,
    garbage: 'Bearer not-a-key',
    'truncated key': bearer(valid.key.slice(0, -1)),
    'another key\'s secret': bearer(`sk_${keyId}_${otherSecret}`),
    'unknown id': bearer(`sk_${'0'.repeat(16)}_${secret}`),
    revoked: bearer(revoked.key),
  };
  for (const [what, header] of Object.entries(badHeaders)) {
    for (const route of routes.filter((r) => !isOpen(r))) {
      const res = await send(request(h.app), route, fillPath(route.path)).set('Authorization', header);
      expect({ what, route: label(route), status: res.status, code: res.body.code }).toEqual({ what, route: label(route), status: 401, code: 'unauthenticated' });
    }
  }
  // The scheme is case-insensitive (RFC 9110): the valid key still works.
  expect((await request(h.app).get('/v1/plans').set('Authorization', `bearer ${valid.key}`)).status).toBe(200);
});

test('a read-only key on every route that is not a read: 403 forbidden, and nothing changed', async () => {
  const mutating = routes.filter((r) => !isOpen(r) && !isRead(r));
  expect(mutating.length).toBeGreaterThanOrEqual(10);
  const before = await observableState();
  for (const route of mutating) {
    const res = await send(readOnly, route);
    expect({ route: label(route), status: res.status, code: res.body.code }).toEqual({ route: label(route), status: 403, code: 'forbidden' });
  }
  expect(await observableState()).toEqual(before);
});

test('a read-only key on every read: served (neither 401 nor 403)', async () => {
  for (const route of routes.filter((r) => !isOpen(r) && isRead(r))) {
    const res = await send(readOnly, route);
    expect({ route: label(route), denied: res.status === 401 || res.status === 403, serverError: res.status >= 500 }).toEqual({ route: label(route), denied: false, serverError: false });
  }
});

test('rate limit per key: 429 rate-limited with Retry-After; another key is not affected', async () => {
  const limited = createApiApp({ pool: h.pool, ...h.repos, webhookDelivery: h.webhookDelivery, gateway: h.gateway, temporal: h.env.client, taskQueue: h.taskQueue, logger: createLogger('silent'), rateLimitPerMinute: 3 });
  const first = agentWithKey(limited, (await createTestApiKey(h.pool, 'read')).key);
  for (let i = 0; i < 3; i++) expect((await first.get('/v1/plans')).status).toBe(200);
  const refused = await first.get('/v1/plans');
  expectProblem(refused, 429, 'rate-limited');
  expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
  const second = agentWithKey(limited, (await createTestApiKey(h.pool, 'read')).key);
  expect((await second.get('/v1/plans')).status).toBe(200);
});

test('last_used_at is recorded, at most once a minute; the row holds only a hash of the secret', async () => {
  const { key, id } = await createTestApiKey(h.pool, 'read', 'last-used');
  const row = async () => (await h.pool.query('SELECT *, row_to_json(api_keys)::text AS whole FROM api_keys WHERE id = $1', [id])).rows[0];
  expect((await row()).last_used_at).toBeNull();
  const api = agentWithKey(h.app, key);
  expect((await api.get('/v1/plans')).status).toBe(200);
  const used = (await row()).last_used_at;
  expect(used).toBeInstanceOf(Date);
  expect((await api.get('/v1/plans')).status).toBe(200);
  expect((await row()).last_used_at).toEqual(used); // a second request within the minute writes nothing

  const stored = await row();
  const { secret } = parseApiKey(key)!;
  expect(stored.whole).not.toContain(secret);
  expect(stored.whole).not.toContain(key);
  expect(Buffer.compare(stored.secret_hash, hashSecret(secret))).toBe(0);
  expect(stored).toMatchObject({ name: 'last-used', access_right: 'read', revoked_at: null });
  expect(stored.created_at).toBeInstanceOf(Date);
});

/** Everything a slipped-through POST could have changed for the subscription, its customer and the gateway. */
async function observableState() {
  const get = async (path: string) => {
    const res = await h.api.get(path);
    expect(res.status).toBe(200);
    return res.body;
  };
  return {
    subscription: await get(`/v1/subscriptions/${subscriptionId}`),
    payments: await get(`/v1/subscriptions/${subscriptionId}/payments`),
    payment: await get(`/v1/payments/${paymentId}`),
    paymentMethods: await get(`/v1/customers/${customerKey}/payment-methods`),
    subscriptionsOfCustomer: (await h.pool.query('SELECT count(*)::int AS n FROM subscriptions WHERE customer_key = $1', [customerKey])).rows[0].n,
    charges: h.charges(customerKey).length,
    billingKeys: h.emulator.store.billingKeys.size,
  };
}
