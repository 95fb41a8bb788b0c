/**
 * Card registration through the card window (docs/card-registration.md), over the real HTTP of the
 * emulator's window and the API's return routes: the happy path, parallel and repeated returns of
 * one session (one billing key, one payment method), a retry after a crash between the gateway's
 * answer and ours, the fail URL, and returns that must change nothing (wrong customer, unknown,
 * expired or malformed sessions).
 */
import type { Express } from 'express';
import request from 'supertest';
import { issuePaymentMethod } from '../../src/api/payment-method-issuance';
import { createLogger } from '../../src/logger';
import { agentWithKey, createTestApiKey, type ApiAgent } from '../support/api-client';
import { startApiStack, type ApiStack } from './api-stack';

let stack: ApiStack;
let app: Express;
let api: ApiAgent;
/** Every line the app logged, at debug: a return URL's credentials must not be in any. */
const logLines: string[] = [];
const RETURN_URL = 'https://merchant.example/cards/done?from=test';

beforeAll(async () => {
  stack = await startApiStack();
  const logger = createLogger('debug', 'card-registration-test', { write: (line: string) => void logLines.push(line) });
  app = stack.appWith({ publicUrl: 'http://api.test', cardWindowUrl: `${stack.parts.emulatorUrl}/billing-auth/window`, logger });
  api = agentWithKey(app, (await createTestApiKey(stack.parts.pool)).key);
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

interface Session {
  id: string;
  successUrl: string;
  failUrl: string;
  windowUrl: string;
}

async function openSession(customerKey: string, key?: string): Promise<Session> {
  let req = api.post('/v1/billing-auth/sessions');
  if (key) req = req.set('Idempotency-Key', key);
  const res = await req.send({ customerKey, returnUrl: RETURN_URL });
  expect(res.status).toBe(201);
  return res.body;
}

/** What the customer does in the emulator's window; answers where the window sends the browser. */
async function submitWindow(session: Session, fields: Record<string, string>): Promise<URL> {
  const window = await fetch(session.windowUrl);
  expect(window.status).toBe(200);
  const html = await window.text();
  const hidden = Object.fromEntries([...html.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!.replace(/&amp;/g, '&')]));
  expect(Object.keys(hidden).sort()).toEqual(['customerKey', 'failUrl', 'successUrl']);
  const res = await fetch(new URL('/billing-auth/window', stack.parts.emulatorUrl), {
    method: 'POST',
    body: new URLSearchParams({ ...hidden, ...fields }),
    redirect: 'manual',
  });
  expect(res.status).toBe(303);
  return new URL(res.headers.get('location')!);
}

const CARD = { cardNumber: '4330000000000011', expiry: '12/39', identity: '900101', password2: '12', action: 'register' };

/** The browser following the window's redirect to our API: answers where the API sends it. */
async function follow(url: URL): Promise<{ status: number; location: URL | null; body: Record<string, unknown> }> {
  expect(url.origin).toBe('http://api.test');
  const res = await request(app).get(`${url.pathname}${url.search}`);
  return { status: res.status, location: res.headers.location ? new URL(res.headers.location) : null, body: res.body };
}

const billingKeysOf = (customerKey: string) =>
  [...stack.parts.emulator.store.billingKeys.values()].filter((b) => b?.authorization.customerKey === customerKey).length;
const paymentMethodsOf = async (customerKey: string) => (await api.get(`/v1/customers/${customerKey}/payment-methods`)).body.paymentMethods as { id: string; card: { number: string } }[];

test('the window registers a card: the browser lands on the return URL with the payment method', async () => {
  const customerKey = stack.parts.customerKey('reg');
  const session = await openSession(customerKey);
  expect(session.windowUrl.startsWith(`${stack.parts.emulatorUrl}/billing-auth/window?`)).toBe(true);
  const toSuccess = await submitWindow(session, CARD);
  expect(toSuccess.pathname).toBe('/v1/billing-auth/success');
  expect(toSuccess.searchParams.get('customerKey')).toBe(customerKey);
  expect(toSuccess.searchParams.get('authKey')).toMatch(/^bauth_/);

  const landed = await follow(toSuccess);
  expect(landed.status).toBe(303);
  expect(`${landed.location!.origin}${landed.location!.pathname}`).toBe('https://merchant.example/cards/done');
  expect(landed.location!.searchParams.get('from')).toBe('test');
  expect(landed.location!.searchParams.get('customerKey')).toBe(customerKey);
  const paymentMethodId = landed.location!.searchParams.get('paymentMethodId');
  expect((await paymentMethodsOf(customerKey)).map((m) => [m.id, m.card.number])).toEqual([[paymentMethodId, '43300000****001*']]);
  expect(billingKeysOf(customerKey)).toBe(1);

  // A reload of the success URL, and the fail URL after the success: the same landing, nothing new.
  expect((await follow(toSuccess)).location!.toString()).toBe(landed.location!.toString());
  expect((await follow(new URL(`${session.failUrl}&code=PAY_PROCESS_CANCELED`))).location!.toString()).toBe(landed.location!.toString());
  expect(await paymentMethodsOf(customerKey)).toHaveLength(1);
  expect(billingKeysOf(customerKey)).toBe(1);

  // The card works: a subscription charges it.
  const sub = await api.post('/v1/subscriptions').send({ customerKey, planId: 'pro-monthly', paymentMethodId, trial: false });
  expect([sub.status, sub.body.status]).toEqual([201, 'ACTIVE']);
});

test('no log line holds a return URL\'s session token or authKey', async () => {
  const customerKey = stack.parts.customerKey('log');
  const session = await openSession(customerKey);
  const toSuccess = await submitWindow(session, CARD);
  expect((await follow(toSuccess)).status).toBe(303);
  const token = toSuccess.searchParams.get('session')!;
  const authKey = toSuccess.searchParams.get('authKey')!;
  const lines = logLines.filter((line) => line.includes('/v1/billing-auth/success'));
  expect(lines.length).toBeGreaterThan(0); // the return was logged, so the check below could fail
  expect(lines.join('\n')).toContain('session=redacted');
  for (const line of logLines) {
    expect(line).not.toContain(token);
    expect(line).not.toContain(token.split('.')[1]); // nor the token's MAC alone
    expect(line).not.toContain(authKey);
  }
});

test('parallel returns of one session register one card; a keyed session create is one session', async () => {
  const customerKey = stack.parts.customerKey('reg-par');
  // Concurrent duplicates: each gets the session, or 409 idempotency-key-in-use while the first runs.
  const send = () => api.post('/v1/billing-auth/sessions').set('Idempotency-Key', `same-${customerKey}`).send({ customerKey, returnUrl: RETURN_URL });
  const answers = await Promise.all([send(), send(), send()]);
  expect(answers.map((r) => r.status).sort()).toEqual(expect.arrayContaining([201]));
  for (const r of answers) expect([201, 409]).toContain(r.status);
  const a = (await send()).body as Session;
  for (const r of answers.filter((x) => x.status === 201)) expect([r.body.id, r.body.successUrl]).toEqual([a.id, a.successUrl]);
  const { rows } = await stack.parts.pool.query('SELECT count(*)::int AS n FROM billing_auth_sessions WHERE customer_key = $1', [customerKey]);
  expect(rows[0].n).toBe(1);
  const toSuccess = await submitWindow(a, CARD);
  const landings = await Promise.all(Array.from({ length: 5 }, () => follow(toSuccess)));
  expect(new Set(landings.map((l) => `${l.status} ${l.location}`)).size).toBe(1);
  expect(landings[0]!.location!.searchParams.get('paymentMethodId')).toMatch(/^pm_/);
  expect(await paymentMethodsOf(customerKey)).toHaveLength(1);
  expect(billingKeysOf(customerKey)).toBe(1);
});

test('a crash after the gateway issued the key, before the session ended: the retried return makes no second key', async () => {
  const customerKey = stack.parts.customerKey('reg-crash');
  const session = await openSession(customerKey);
  const toSuccess = await submitWindow(session, CARD);
  // The first return got as far as the gateway and the row, then the API died: the session is still open.
  const first = await issuePaymentMethod({ ...stack.parts.repos, gateway: stack.parts.gateway, logger: createLogger('silent') }, {
    customerKey,
    authKey: toSuccess.searchParams.get('authKey')!,
    idempotencyKey: `billing-auth:${session.id}`,
  });
  const landed = await follow(toSuccess);
  expect(landed.location!.searchParams.get('paymentMethodId')).toBe(first.id);
  expect(await paymentMethodsOf(customerKey)).toHaveLength(1);
  expect(billingKeysOf(customerKey)).toBe(1);
});

test('cancel and a bad card go to the fail URL, and on to the return URL with the error; nothing is registered', async () => {
  const customerKey = stack.parts.customerKey('reg-fail');
  const canceled = await openSession(customerKey);
  const toFail = await submitWindow(canceled, { action: 'cancel' });
  expect(toFail.pathname).toBe('/v1/billing-auth/fail');
  expect(toFail.searchParams.get('code')).toBe('PAY_PROCESS_CANCELED');
  const landed = await follow(toFail);
  expect(landed.status).toBe(303);
  expect(landed.location!.searchParams.get('error')).toBe('PAY_PROCESS_CANCELED');
  expect(landed.location!.searchParams.get('paymentMethodId')).toBeNull();

  const badCard = await openSession(customerKey);
  const toFail2 = await submitWindow(badCard, { ...CARD, cardNumber: '4330000000000012' });
  expect(toFail2.searchParams.get('code')).toBe('INVALID_CARD_NUMBER');
  expect((await follow(toFail2)).location!.searchParams.get('error')).toBe('INVALID_CARD_NUMBER');
  expect(await paymentMethodsOf(customerKey)).toHaveLength(0);
  expect(billingKeysOf(customerKey)).toBe(0);
});

test('returns that must change nothing: wrong customer, unknown, expired and malformed sessions', async () => {
  const customerKey = stack.parts.customerKey('reg-bad');
  const session = await openSession(customerKey);
  const toSuccess = await submitWindow(session, CARD);

  const wrongCustomer = new URL(toSuccess);
  wrongCustomer.searchParams.set('customerKey', 'someone-else');
  const refused = await follow(wrongCustomer);
  expect([refused.status, refused.body.code]).toEqual([400, 'invalid-request']);

  const unknown = new URL(toSuccess);
  unknown.searchParams.set('session', `bas_${'0'.repeat(24)}.${'A'.repeat(43)}`);
  expect(await follow(unknown).then((r) => [r.status, r.body.code])).toEqual([401, 'unauthenticated']);

  const malformed = new URL(toSuccess);
  malformed.searchParams.set('session', 'not-a-token');
  expect(await follow(malformed).then((r) => [r.status, r.body.code])).toEqual([400, 'invalid-request']);
  expect(await follow(new URL(`${session.failUrl}&code=lower-case`)).then((r) => r.status)).toBe(400);

  expect(await paymentMethodsOf(customerKey)).toHaveLength(0);
  expect(billingKeysOf(customerKey)).toBe(0);

  await stack.parts.pool.query("UPDATE billing_auth_sessions SET expires_at = now() - interval '1 second' WHERE id = $1", [session.id]);
  expect(await follow(toSuccess).then((r) => [r.status, r.body.code])).toEqual([401, 'unauthenticated']);
  expect(await paymentMethodsOf(customerKey)).toHaveLength(0);

  // The session create refuses what is not a URL a browser can be sent to.
  for (const returnUrl of ['javascript:alert(1)', '/relative', 'https://user:pw@merchant.example/', 'ftp://merchant.example/']) {
    const res = await api.post('/v1/billing-auth/sessions').send({ customerKey, returnUrl });
    expect([returnUrl, res.status]).toEqual([returnUrl, 400]);
  }
});

test('the session answer kept for replays holds its URLs sealed', async () => {
  const customerKey = stack.parts.customerKey('reg-seal');
  const session = await openSession(customerKey, 'sealed-key');
  const { rows } = await stack.parts.pool.query<{ body: string }>("SELECT body::text AS body FROM api_idempotency WHERE key = 'sealed-key'");
  expect(rows.length).toBeGreaterThan(0);
  const token = new URL(session.successUrl).searchParams.get('session')!;
  for (const row of rows) expect(row.body).not.toContain(token);
  const replay = await api.post('/v1/billing-auth/sessions').set('Idempotency-Key', 'sealed-key').send({ customerKey, returnUrl: RETURN_URL });
  expect(replay.headers['idempotent-replayed']).toBe('true');
  expect(replay.body.successUrl).toBe(session.successUrl);
});
