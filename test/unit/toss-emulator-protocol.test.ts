/** The emulator speaks the Toss protocol over real HTTP (docs/toss-gateway.md), checked with supertest and the real client. */
import request from 'supertest';
import { createTossEmulator } from '../../src/emulator/emulator-app';
import { TossApiError } from '../../src/gateway/toss-api-error';
import { TossPaymentsClient } from '../../src/gateway/toss-payments-client';

const SECRET = 'test_sk_protocol';
const basic = (key: string) => `Basic ${Buffer.from(key).toString('base64')}`;

async function setup() {
  const emulator = createTossEmulator({ secretKey: SECRET });
  const server = emulator.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const port = (server.address() as { port: number }).port;
  const client = new TossPaymentsClient({ baseUrl: `http://127.0.0.1:${port}`, secretKey: SECRET });
  return { emulator, server, client, http: request(emulator.app) };
}

let ctx: Awaited<ReturnType<typeof setup>>;
beforeEach(async () => {
  ctx = await setup();
});
afterEach(() => new Promise((r) => ctx.server.close(r)));

const charge = (billingKey: string, orderId: string, amount = 9_900) =>
  ctx.http
    .post(`/v1/billing/${billingKey}`)
    .set('Authorization', basic(`${SECRET}:`))
    .send({ customerKey: 'cust-1', amount, orderId, orderName: 'Pro' });

test('Basic auth needs the secret key followed by a colon', async () => {
  const noColon = await ctx.http.post('/v1/billing/authorizations/issue').set('Authorization', basic(SECRET)).send({});
  expect(noColon.status).toBe(401);
  expect(noColon.body.code).toBe('INCORRECT_BASIC_AUTH_FORMAT');
  const wrong = await ctx.http.post('/v1/billing/authorizations/issue').set('Authorization', basic('test_sk_other:')).send({});
  expect(wrong.body).toMatchObject({ code: 'UNAUTHORIZED_KEY' });
  expect(wrong.status).toBe(401);
});

test('issue, charge and look up through the real client; VAT split like Toss', async () => {
  const auth = await ctx.client.issueBillingKey({ authKey: 'auth_approve', customerKey: 'cust-1' });
  expect(auth).toMatchObject({ customerKey: 'cust-1', method: '카드', card: { number: '43300000****001*' } });
  const payment = await ctx.client.chargeBillingKey(auth.billingKey, { customerKey: 'cust-1', amount: 19_900, orderId: 'order-0001', orderName: 'Pro' }, { idempotencyKey: 'order-0001' });
  expect(payment).toMatchObject({ status: 'DONE', type: 'BILLING', totalAmount: 19_900, vat: 1_809, suppliedAmount: 18_091, balanceAmount: 19_900 });
  expect(await ctx.client.getPaymentByOrderId('order-0001')).toMatchObject({ paymentKey: payment.paymentKey });
  expect(await ctx.client.getPaymentByOrderId('order-none')).toBeNull();
});

test('idempotency: a repeat returns the first response without charging again, whatever its body', async () => {
  const { billingKey } = await ctx.client.issueBillingKey({ authKey: 'auth_approve', customerKey: 'cust-1' });
  const first = await ctx.client.chargeBillingKey(billingKey, { customerKey: 'cust-1', amount: 9_900, orderId: 'order-idem', orderName: 'Pro' }, { idempotencyKey: 'k1' });
  const repeat = await ctx.client.chargeBillingKey(billingKey, { customerKey: 'cust-1', amount: 1_000, orderId: 'order-other', orderName: 'X' }, { idempotencyKey: 'k1' });
  expect(repeat).toEqual(first);
  expect(ctx.emulator.store.charges).toHaveLength(1);
  const tooLong = await charge(billingKey, 'order-long').set('Idempotency-Key', 'k'.repeat(301));
  expect(tooLong.status).toBe(400);
  expect(tooLong.body.code).toBe('INVALID_IDEMPOTENCY_KEY');
});

test('a repeat while the first is still running is 409 IDEMPOTENT_REQUEST_PROCESSING', async () => {
  const { billingKey } = await ctx.client.issueBillingKey({ authKey: 'auth_approve', customerKey: 'cust-1' });
  ctx.emulator.setLatency(300);
  const [a, b] = await Promise.all([
    charge(billingKey, 'order-race').set('Idempotency-Key', 'race'),
    new Promise((r) => setTimeout(r, 50)).then(() => charge(billingKey, 'order-race').set('Idempotency-Key', 'race')),
  ]);
  expect(a.status).toBe(200);
  // The second arrives during the first one's latency; it too waits before the idempotency check.
  expect([200, 409]).toContain(b.status);
  if (b.status === 409) expect(b.body.code).toBe('IDEMPOTENT_REQUEST_PROCESSING');
  expect(ctx.emulator.store.charges).toHaveLength(1);
});

test('validation of orderId, customerKey, minimum amount and duplicate orders', async () => {
  const { billingKey } = await ctx.client.issueBillingKey({ authKey: 'auth_approve', customerKey: 'cust-1' });
  expect((await charge(billingKey, 'abc')).body.code).toBe('INVALID_ORDER_ID');
  expect((await charge(billingKey, 'order-small', 99)).body.code).toBe('BELOW_MINIMUM_AMOUNT');
  const mismatch = await ctx.http.post(`/v1/billing/${billingKey}`).set('Authorization', basic(`${SECRET}:`)).send({ customerKey: 'cust-2', amount: 1000, orderId: 'order-mm', orderName: 'x' });
  expect(mismatch.status).toBe(403);
  expect(mismatch.body.code).toBe('NOT_MATCHES_CUSTOMER_KEY');
  expect((await charge(billingKey, 'order-dup')).status).toBe(200);
  expect((await charge(billingKey, 'order-dup')).body.code).toBe('DUPLICATED_ORDER_ID');
  expect((await charge('bk_unknown', 'order-nf')).body.code).toBe('NOT_FOUND_BILLING');
});

test('currencies: USD and GBP charges echo their currency, have no won minimum and no Korean VAT', async () => {
  const { billingKey } = await ctx.client.issueBillingKey({ authKey: 'auth_approve', customerKey: 'cust-1' });
  // $0.50: a won charge this small would be BELOW_MINIMUM_AMOUNT.
  const usd = await ctx.client.chargeBillingKey(billingKey, { customerKey: 'cust-1', amount: 50, currency: 'USD', orderId: 'order-usd', orderName: 'Tier 1' });
  expect(usd).toMatchObject({ status: 'DONE', currency: 'USD', totalAmount: 50, balanceAmount: 50, vat: 0, suppliedAmount: 50, taxFreeAmount: 0 });
  const gbp = await ctx.http
    .post(`/v1/billing/${billingKey}`)
    .set('Authorization', basic(`${SECRET}:`))
    .send({ customerKey: 'cust-1', amount: 125, currency: 'GBP', taxFreeAmount: 25, orderId: 'order-gbp', orderName: 'Darcy' });
  expect(gbp.status).toBe(200);
  expect(gbp.body).toMatchObject({ currency: 'GBP', totalAmount: 125, vat: 0, suppliedAmount: 100, taxFreeAmount: 25 });
  expect(await ctx.client.getPaymentByOrderId('order-gbp')).toMatchObject({ currency: 'GBP' });
  expect(ctx.emulator.store.charges.map((c) => [c.orderId, c.currency])).toEqual([['order-usd', 'USD'], ['order-gbp', 'GBP']]);
  // A refund keeps the currency; amounts stay in cents.
  await expect(ctx.client.cancelPayment(usd.paymentKey, { cancelReason: 'partial', cancelAmount: 20 })).resolves.toMatchObject({ currency: 'USD', balanceAmount: 30 });
});

test('currencies: KRW is the default, still has its minimum and VAT, and the client leaves it out of the body', async () => {
  const { billingKey } = await ctx.client.issueBillingKey({ authKey: 'auth_approve', customerKey: 'cust-1' });
  const krw = await ctx.client.chargeBillingKey(billingKey, { customerKey: 'cust-1', amount: 19_900, currency: 'KRW', orderId: 'order-krw', orderName: 'Pro' });
  expect(krw).toMatchObject({ currency: 'KRW', vat: 1_809, suppliedAmount: 18_091 });
  const explicitSmall = await ctx.http
    .post(`/v1/billing/${billingKey}`)
    .set('Authorization', basic(`${SECRET}:`))
    .send({ customerKey: 'cust-1', amount: 99, currency: 'KRW', orderId: 'order-krw-small', orderName: 'x' });
  expect(explicitSmall.body.code).toBe('BELOW_MINIMUM_AMOUNT');

  const bodies: unknown[] = [];
  const realFetch = globalThis.fetch;
  const spy = jest.spyOn(globalThis, 'fetch').mockImplementation((url, init) => {
    bodies.push(JSON.parse(String(init?.body)));
    return realFetch(url, init);
  });
  try {
    await ctx.client.chargeBillingKey(billingKey, { customerKey: 'cust-1', amount: 1_000, currency: 'KRW', orderId: 'order-krw-2', orderName: 'x' });
    await ctx.client.chargeBillingKey(billingKey, { customerKey: 'cust-1', amount: 1_000, currency: 'JPY', orderId: 'order-jpy', orderName: 'x' });
  } finally {
    spy.mockRestore();
  }
  expect(bodies[0]).not.toHaveProperty('currency');
  expect(bodies[1]).toMatchObject({ currency: 'JPY' });
});

test('currencies: anything but KRW, USD, JPY, EUR, GBP is 400 INVALID_REQUEST and charges nothing', async () => {
  const { billingKey } = await ctx.client.issueBillingKey({ authKey: 'auth_approve', customerKey: 'cust-1' });
  for (const currency of ['CHF', 'usd', '', 840, null]) {
    const res = await ctx.http
      .post(`/v1/billing/${billingKey}`)
      .set('Authorization', basic(`${SECRET}:`))
      .send({ customerKey: 'cust-1', amount: 1_000, currency, orderId: 'order-cur', orderName: 'x' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_REQUEST');
    expect(res.body.message).toContain('currency must be one of KRW, JPY, USD, EUR, GBP');
  }
  expect(ctx.emulator.store.charges).toHaveLength(0);
});

test('test cards, scripts and the TossPayments-Test-Code header', async () => {
  const soft = await ctx.client.issueBillingKey({ authKey: 'auth_soft-decline', customerKey: 'cust-1' });
  await expect(ctx.client.chargeBillingKey(soft.billingKey, { customerKey: 'cust-1', amount: 1000, orderId: 'order-soft', orderName: 'x' })).rejects.toMatchObject({ status: 403, code: 'REJECT_CARD_PAYMENT' });
  const ok = await ctx.client.issueBillingKey({ authKey: 'auth_approve', customerKey: 'cust-1' });
  ctx.emulator.store.scripts.set('cust-1', ['PROVIDER_ERROR', 'APPROVE']);
  await expect(ctx.client.chargeBillingKey(ok.billingKey, { customerKey: 'cust-1', amount: 1000, orderId: 'order-s1', orderName: 'x' })).rejects.toMatchObject({ status: 400, code: 'PROVIDER_ERROR' });
  await expect(ctx.client.chargeBillingKey(ok.billingKey, { customerKey: 'cust-1', amount: 1000, orderId: 'order-s2', orderName: 'x' })).resolves.toMatchObject({ status: 'DONE' });
  const forced = await charge(ok.billingKey, 'order-tc').set('TossPayments-Test-Code', 'INVALID_CARD_EXPIRATION');
  expect(forced.body.code).toBe('INVALID_CARD_EXPIRATION');
  const card = await ctx.client.issueBillingKeyWithCard({ customerKey: 'cust-1', cardNumber: '4330000000000037', cardExpirationYear: '30', cardExpirationMonth: '12', customerIdentityNumber: '900101' });
  await expect(ctx.client.chargeBillingKey(card.billingKey, { customerKey: 'cust-1', amount: 1000, orderId: 'order-hard', orderName: 'x' })).rejects.toBeInstanceOf(TossApiError);
  await expect(ctx.client.issueBillingKeyWithCard({ customerKey: 'cust-1', cardNumber: '4330000000000038', cardExpirationYear: '30', cardExpirationMonth: '12', customerIdentityNumber: '900101' })).rejects.toMatchObject({ code: 'INVALID_CARD_NUMBER' });
});

test('refund through the cancel API: partial then full', async () => {
  const { billingKey } = await ctx.client.issueBillingKey({ authKey: 'auth_approve', customerKey: 'cust-1' });
  const p = await ctx.client.chargeBillingKey(billingKey, { customerKey: 'cust-1', amount: 10_000, orderId: 'order-refund', orderName: 'x' });
  const partial = await ctx.client.cancelPayment(p.paymentKey, { cancelReason: 'partial', cancelAmount: 3_000 }, { idempotencyKey: 'c1' });
  expect(partial).toMatchObject({ status: 'PARTIAL_CANCELED', balanceAmount: 7_000 });
  await expect(ctx.client.cancelPayment(p.paymentKey, { cancelReason: 'too much', cancelAmount: 8_000 })).rejects.toMatchObject({ code: 'NOT_CANCELABLE_AMOUNT' });
  const full = await ctx.client.cancelPayment(p.paymentKey, { cancelReason: 'rest' });
  expect(full).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
  expect(full.cancels).toHaveLength(2);
  await expect(ctx.client.cancelPayment(p.paymentKey, { cancelReason: 'again' })).rejects.toMatchObject({ code: 'ALREADY_CANCELED_PAYMENT' });
});

test('the lost-response card approves but loses the first answer; the order lookup finds it', async () => {
  const { billingKey } = await ctx.client.issueBillingKey({ authKey: 'auth_lost-response', customerKey: 'cust-1' });
  await expect(ctx.client.chargeBillingKey(billingKey, { customerKey: 'cust-1', amount: 1000, orderId: 'order-lost', orderName: 'x' }, { idempotencyKey: 'order-lost' })).rejects.toMatchObject({ status: 500 });
  expect(await ctx.client.getPaymentByOrderId('order-lost')).toMatchObject({ status: 'DONE' });
});
