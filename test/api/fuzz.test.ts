/**
 * A bounded fast-check fuzz of every route that takes a body (issue 8, items 5 and 7): random JSON
 * values, near-miss objects, raw strings and wrong content types, with and without odd
 * Idempotency-Keys, against the real stack on loopback. Every answer is a 4xx — never a 5xx, never
 * a success — and the fixture subscription, its payment and its customer are unchanged.
 *
 * The routes come from the app's own router (api-client.ts `listRoutes`), and each body's rule from
 * the OpenAPI operation of its route: a new POST route is fuzzed as soon as it is documented, and
 * fails this test until it is.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import request from 'supertest';
import { z } from 'zod';
import { operationSpecs } from '../../src/api/openapi/paths';
import { bearer, createTestApiKey, fillPath, listRoutes } from '../support/api-client';
import { startApiStack, validPostBodies, type ApiStack } from './api-stack';

jest.setTimeout(300_000);

interface BodyRule {
  /** Whether the API would accept this body (such a request is not sent: it could change state). */
  accepts: (body: unknown) => boolean;
  /** Field names, for near-miss objects. */
  fields: string[];
  /** A route that never changes state: accepted bodies are sent too. */
  readOnly?: boolean;
}

/** POSTs that only compute an answer: a body they accept is sent too, and must not fail. */
const STATELESS_POSTS = new Set(['POST /v1/subscriptions/:id/plan-change/preview', 'POST /v1/schedule-preview']);

/** Names a caller might send to a route that takes no fields, for its near-miss objects. */
const STRAY_FIELDS = ['reason', 'at', 'amount'];

/**
 * Each body-taking route's rule, from the schema its documented operation parses with (the same
 * zod schema the route validates with: docs/openapi.md), keyed like the app's router lists it.
 */
function bodyRules(): Record<string, BodyRule> {
  const rules: Record<string, BodyRule> = {};
  for (const [template, methods] of Object.entries(operationSpecs({ testClock: false }))) {
    for (const [method, spec] of Object.entries(methods)) {
      if (!spec?.body) continue;
      const label = `${method.toUpperCase()} ${template.replace(/\{(\w+)\}/g, ':$1')}`;
      const { schema, optional } = spec.body;
      const fields = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
      rules[label] = {
        accepts: (body) => (body === undefined ? optional === true : schema.safeParse(body).success),
        fields: fields.length > 0 ? fields : STRAY_FIELDS,
        readOnly: STATELESS_POSTS.has(label),
      };
    }
  }
  return rules;
}

const BODY_RULES = bodyRules();

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'application/merge-patch+json'];
const OTHER_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=zzz', 'application/xml', 'application/octet-stream'];
const RUNS_PER_ROUTE = 40;

let stack: ApiStack;
let server: Server;
let baseUrl: string;
let authorization: string;
let params: Record<string, string>;
let fixture: { customerKey: string; id: string; paymentId: string; paymentMethodId: string };

beforeAll(async () => {
  stack = await startApiStack();
  // Loopback only: the fuzz never reaches beyond this machine.
  server = createServer(stack.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  authorization = bearer((await createTestApiKey(stack.parts.pool)).key);
  const customerKey = stack.parts.customerKey('fuzz');
  const paymentMethodId = await stack.card(customerKey);
  const sub = await stack.api.post('/v1/subscriptions').send({ customerKey, planId: 'pro-monthly', paymentMethodId, trial: false });
  expect(sub.status).toBe(201);
  fixture = { customerKey, id: sub.body.subscriptionId, paymentId: sub.body.lastPayment.paymentId, paymentMethodId };
  params = { customerKey, id: fixture.id, paymentId: fixture.paymentId, planId: 'pro-monthly' };
}, 120_000);

afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await stack?.stop();
});

/** Everything that must not move while invalid requests arrive. */
async function stateOfFixture() {
  const sub = (await stack.api.get(`/v1/subscriptions/${fixture.id}`)).body;
  const payment = (await stack.api.get(`/v1/payments/${fixture.paymentId}`)).body;
  const methods = (await stack.api.get(`/v1/customers/${fixture.customerKey}/payment-methods`)).body.paymentMethods;
  return {
    version: sub.version,
    status: sub.status,
    nextBillingAt: sub.nextBillingAt,
    paymentMethodId: sub.paymentMethodId,
    counters: sub.counters,
    refunds: payment.refunds.length,
    paymentMethods: methods.length,
    rows: (await stack.rowsOf(fixture.customerKey)).length,
    charges: stack.parts.charges(fixture.customerKey).length,
  };
}

/** Values that sit near what the routes expect, beside any JSON at all. */
function valueArb(): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.string({ maxLength: 40 }),
    fc.constantFrom<unknown>(
      '',
      'pro-monthly',
      'pro-yearly',
      'none',
      'full',
      'prorated',
      'DEFERRED',
      'CHARGE_FULL_PRICE',
      '2026-02-30',
      '2099-12-31',
      '9999-12-31T23:59:59Z',
      '2025-01-31T23:59:60',
      'Asia/Seoul',
      'Mars/Base',
      'auth_approve',
      'auth_no-such-card',
      -1,
      0,
      1.5,
      1e308,
      Number.MAX_SAFE_INTEGER + 2,
      true,
      null,
      [],
      {},
      { unit: 'month', count: 1 },
      { unit: 'month', count: 0 },
    ),
  );
}

interface Attempt {
  body: string;
  contentType: string;
  idempotencyKey: string | undefined;
}

function attemptArb(rule: BodyRule): fc.Arbitrary<Attempt> {
  const nearMiss = fc
    .uniqueArray(fc.oneof(fc.constantFrom(...rule.fields), fc.string({ maxLength: 12 })), { maxLength: 4 })
    .chain((keys) => fc.tuple(...keys.map(() => valueArb())).map((values) => Object.fromEntries(keys.map((k, i) => [k, values[i]]))));
  const jsonText = fc.oneof(nearMiss, fc.jsonValue({ maxDepth: 4 })).map((value) => JSON.stringify(value) ?? 'null');
  const rawText = fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom('', ' ', '{', '{"a":', 'null', '"x"', '[]', '{}', 'amount=1000', '<xml/>'));
  return fc.record({
    body: fc.oneof(jsonText, rawText),
    contentType: fc.constantFrom(...JSON_TYPES, ...OTHER_TYPES),
    idempotencyKey: fc.option(fc.stringMatching(/^[!-~]{0,300}$/), { nil: undefined }),
  });
}

type Expected = { skip: true } | { skip: false; status?: number };

/** What the API must answer, from the bytes alone; `skip` for a request it would accept. */
function expectationFor(rule: BodyRule, attempt: Attempt): Expected {
  if (attempt.body.length === 0) return rule.accepts(undefined) && !rule.readOnly ? { skip: true } : { skip: false };
  if (!JSON_TYPES.includes(attempt.contentType)) return { skip: false, status: 415 };
  let value: unknown;
  try {
    value = JSON.parse(attempt.body);
  } catch {
    return { skip: false };
  }
  if (rule.accepts(value) && !rule.readOnly) return { skip: true };
  return { skip: false };
}

test('every body-taking route: random bodies and content types → a 4xx, never a 5xx, nothing changed', async () => {
  // DELETE takes no body; its route is covered by the auth and webhook tests.
  const routes = listRoutes(stack.app).filter((r) => r.method === 'POST' || r.method === 'PATCH');
  const labels = routes.map((r) => `${r.method} ${r.path}`);
  expect(labels.filter((label) => !(label in BODY_RULES))).toEqual([]);
  expect(labels.length).toBeGreaterThanOrEqual(Object.keys(BODY_RULES).length);

  const before = await stateOfFixture();
  const client = request(baseUrl);
  let sent = 0;
  for (const route of routes) {
    const label = `${route.method} ${route.path}`;
    const rule = BODY_RULES[label]!;
    const path = fillPath(route.path, params);
    await fc.assert(
      fc.asyncProperty(attemptArb(rule), async (attempt) => {
        const expected = expectationFor(rule, attempt);
        fc.pre(!expected.skip);
        let req = (route.method === 'PATCH' ? client.patch(path) : client.post(path)).set('Authorization', authorization).set('content-type', attempt.contentType);
        if (attempt.idempotencyKey !== undefined) req = req.set('Idempotency-Key', attempt.idempotencyKey);
        const res = await req.send(attempt.body);
        sent++;
        const seen = { label, attempt, status: res.status, code: res.body?.code };
        if (rule.readOnly) expect({ ...seen, ok: res.status < 500 }).toEqual({ ...seen, ok: true });
        else expect({ ...seen, ok: res.status >= 400 && res.status < 500 }).toEqual({ ...seen, ok: true });
        if (!expected.skip && expected.status !== undefined) {
          expect({ label, attempt, status: res.status, code: res.body?.code }).toEqual({ label, attempt, status: 415, code: 'unsupported-media-type' });
        }
      }),
      { numRuns: RUNS_PER_ROUTE, endOnFailure: true },
    );
  }
  expect(sent).toBeGreaterThan(routes.length * RUNS_PER_ROUTE * 0.5);
  expect(await stateOfFixture()).toEqual(before);
});

test('a valid body with a wrong content type is refused with 415 on every route, and nothing changes', async () => {
  const before = await stateOfFixture();
  const valid = validPostBodies(fixture);
  const client = request(baseUrl);
  for (const route of listRoutes(stack.app).filter((r) => r.method === 'POST')) {
    const label = `${route.method} ${route.path}`;
    const body = valid[label];
    expect({ label, known: body !== undefined }).toEqual({ label, known: true });
    for (const contentType of OTHER_TYPES) {
      const res = await client.post(fillPath(route.path, params)).set('Authorization', authorization).set('content-type', contentType).send(JSON.stringify(body));
      expect({ label, contentType, status: res.status, code: res.body.code }).toEqual({ label, contentType, status: 415, code: 'unsupported-media-type' });
    }
  }
  expect(await stateOfFixture()).toEqual(before);
});
