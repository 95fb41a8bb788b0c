/** The emulator's journal: what a restart brings back, the older format, a torn last line, compaction. */
import { appendFileSync, chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createTossEmulator } from '../../src/emulator/emulator-app';
import { EmulatorStore, type ChargeRecord, type StoredBillingKey } from '../../src/emulator/emulator-store';
import type { TossPayment } from '../../src/gateway/toss-types';

const SECRET = 'test_sk_journal';
const auth = `Basic ${Buffer.from(`${SECRET}:`).toString('base64')}`;

let tmp: string;
let file: string;
const opened: EmulatorStore[] = [];
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'emulator-store-'));
  file = path.join(tmp, 'toss-emulator-state.json');
});
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** A store on `file`, closed after the test (as a restart would leave it). */
function open(options?: ConstructorParameters<typeof EmulatorStore>[1]): EmulatorStore {
  const store = new EmulatorStore(file, options);
  opened.push(store);
  return store;
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const lines = () => readFileSync(file, 'utf8').split('\n').filter(Boolean);
const mode = (p: string) => statSync(p).mode & 0o777;

const billingKey = (key: string, customerKey = 'cust-1') => ({ authorization: { billingKey: key, customerKey }, card: { alias: 'approve' } }) as unknown as StoredBillingKey;
const payment = (paymentKey: string, orderId: string, balanceAmount = 9_900) =>
  ({ paymentKey, orderId, totalAmount: 9_900, balanceAmount, status: balanceAmount === 9_900 ? 'DONE' : 'PARTIAL_CANCELED', currency: 'KRW' }) as unknown as TossPayment;
const charge = (orderId: string, paymentKey: string | null = null): ChargeRecord => ({
  orderId,
  customerKey: 'cust-1',
  amount: 9_900,
  currency: 'KRW',
  result: paymentKey ? 'DONE' : 'REJECT_CARD_PAYMENT',
  paymentKey,
  at: '2025-01-01T00:00:00.000Z',
});

test('billing keys, payments (with their cancels) and charges come back after a restart of the emulator', async () => {
  const first = createTossEmulator({ secretKey: SECRET, statePath: file });
  const http = request(first.app);
  const issued = await http.post('/v1/billing/authorizations/issue').set('Authorization', auth).send({ authKey: 'auth_approve', customerKey: 'cust-1' });
  expect(issued.status).toBe(200);
  const bk = issued.body.billingKey as string;
  const paid = await http.post(`/v1/billing/${bk}`).set('Authorization', auth).send({ customerKey: 'cust-1', amount: 9_900, orderId: 'order-0001', orderName: 'Pro' });
  expect(paid.status).toBe(200);
  await http.post('/emulator/scripts').send({ customerKey: 'cust-1', outcomes: ['REJECT_CARD_PAYMENT'] });
  const declined = await http.post(`/v1/billing/${bk}`).set('Authorization', auth).send({ customerKey: 'cust-1', amount: 9_900, orderId: 'order-0002', orderName: 'Pro' });
  expect(declined.body.code).toBe('REJECT_CARD_PAYMENT');
  const refunded = await http.post(`/v1/payments/${paid.body.paymentKey}/cancel`).set('Authorization', auth).send({ cancelReason: 'test', cancelAmount: 1_000 });
  expect(refunded.body.balanceAmount).toBe(8_900);
  first.store.close();
  expect(mode(file)).toBe(0o600);
  // One line per change: a billing key, a payment, two charges, the payment updated by its cancel.
  expect(lines().map((line) => Object.keys(JSON.parse(line)))).toEqual([['billingKeys'], ['payments'], ['charges'], ['charges'], ['payments']]);

  const second = createTossEmulator({ secretKey: SECRET, statePath: file });
  opened.push(second.store);
  expect([...second.store.billingKeys.keys()]).toEqual([bk]);
  expect(second.store.payments.get(paid.body.paymentKey)).toMatchObject({ balanceAmount: 8_900, status: 'PARTIAL_CANCELED' });
  expect(second.store.charges.map((c) => [c.orderId, c.result])).toEqual([
    ['order-0001', 'DONE'],
    ['order-0002', 'REJECT_CARD_PAYMENT'],
  ]);
  expect(second.store.journalLoad).toMatchObject({ lines: 5, tornTail: false, migrated: false, compacted: false });
  // It answers from what it got back: the order is found, and charging it again is a duplicate.
  const http2 = request(second.app);
  const found = await http2.get('/v1/payments/orders/order-0001').set('Authorization', auth);
  expect(found.body).toMatchObject({ paymentKey: paid.body.paymentKey, balanceAmount: 8_900 });
  const again = await http2.post(`/v1/billing/${bk}`).set('Authorization', auth).send({ customerKey: 'cust-1', amount: 9_900, orderId: 'order-0001', orderName: 'Pro' });
  expect(again.body.code).toBe('DUPLICATED_ORDER_ID');
});

test('changes of one turn are written together at its end, one line each', async () => {
  const store = open();
  store.billingKeys.set('bk_1', billingKey('bk_1'));
  store.payments.set('pay_1', payment('pay_1', 'order-1'));
  store.recordCharge(charge('order-1', 'pay_1'));
  expect(readdirSync(tmp)).toEqual([]);
  await nextTurn();
  expect(lines()).toHaveLength(3);
  expect(mode(file)).toBe(0o600);
  store.recordCharge(charge('order-2'));
  store.flush();
  expect(lines()).toHaveLength(4);
});

test('a reset is journaled: nothing before it comes back', async () => {
  const store = open();
  store.billingKeys.set('bk_1', billingKey('bk_1'));
  store.recordCharge(charge('order-1'));
  store.reset();
  store.billingKeys.set('bk_2', billingKey('bk_2'));
  store.close();
  const reopened = open();
  expect([...reopened.billingKeys.keys()]).toEqual(['bk_2']);
  expect(reopened.charges).toEqual([]);
});

test('the older single-JSON file is loaded and rewritten in the journal format', () => {
  // As the previous version wrote it: one JSON document without a newline, charges without a currency, mode 0644.
  const { currency: _currency, ...oldCharge } = charge('order-1', 'pay_1');
  writeFileSync(file, JSON.stringify({ billingKeys: { bk_1: billingKey('bk_1') }, payments: { pay_1: payment('pay_1', 'order-1') }, charges: [oldCharge] }));
  chmodSync(file, 0o644);
  const store = open();
  expect(store.journalLoad).toMatchObject({ migrated: true, compacted: true, tornTail: false });
  expect(store.billingKeys.has('bk_1')).toBe(true);
  expect(store.paymentKeyByOrderId.get('order-1')).toBe('pay_1');
  expect(store.charges).toEqual([{ ...oldCharge, currency: 'KRW' }]);
  expect(mode(file)).toBe(0o600);
  expect(readFileSync(file, 'utf8').endsWith('\n')).toBe(true);
  expect(readdirSync(tmp)).toEqual(['toss-emulator-state.json']);

  // Appends go on after the migrated snapshot, and everything loads again.
  store.recordCharge(charge('order-2'));
  store.close();
  const reopened = open();
  expect(reopened.journalLoad).toMatchObject({ lines: 2, migrated: false, compacted: false });
  expect(reopened.charges.map((c) => c.orderId)).toEqual(['order-1', 'order-2']);
  expect(reopened.billingKeys.has('bk_1')).toBe(true);
});

test('an older file written with indentation is migrated too', () => {
  writeFileSync(file, JSON.stringify({ billingKeys: { bk_1: billingKey('bk_1') }, payments: {}, charges: [] }, null, 2));
  const store = open();
  expect(store.journalLoad).toMatchObject({ migrated: true, compacted: true });
  expect(store.billingKeys.has('bk_1')).toBe(true);
  expect(lines()).toHaveLength(1);
});

test('a last line torn by a crash in the middle of an append is ignored, and the file repaired', () => {
  const store = open();
  store.billingKeys.set('bk_1', billingKey('bk_1'));
  store.recordCharge(charge('order-1'));
  store.close();
  const torn = JSON.stringify({ charges: [charge('order-2')] }).slice(0, 40);
  appendFileSync(file, torn);

  const reopened = open();
  expect(reopened.journalLoad).toMatchObject({ lines: 2, tornTail: true, compacted: true });
  expect(reopened.billingKeys.has('bk_1')).toBe(true);
  expect(reopened.charges.map((c) => c.orderId)).toEqual(['order-1']);
  expect(readFileSync(file, 'utf8')).not.toContain(torn);

  // What is appended after the repair loads, with no torn line in front of it.
  reopened.recordCharge(charge('order-3'));
  reopened.close();
  expect(open().charges.map((c) => c.orderId)).toEqual(['order-1', 'order-3']);
});

test('a damaged line before the end stops the load instead of losing what follows', () => {
  writeFileSync(file, `${JSON.stringify({ billingKeys: { bk_1: billingKey('bk_1') } })}\n{"charges":[{"orde\n${JSON.stringify({ charges: [charge('order-2')] })}\n`);
  expect(() => open()).toThrow(/toss-emulator-state\.json:2: not a journal line/);
});

test('a large journal that is mostly superseded is compacted to one snapshot line on load', () => {
  const store = open();
  store.billingKeys.set('bk_1', billingKey('bk_1'));
  store.payments.set('pay_1', payment('pay_1', 'order-1'));
  store.recordCharge(charge('order-1', 'pay_1'));
  // Many refunds of one payment: each rewrites the whole payment, superseding the line before.
  for (let balance = 9_800; balance > 0; balance -= 100) store.payments.set('pay_1', payment('pay_1', 'order-1', balance));
  store.close();
  const before = statSync(file).size;
  expect(lines().length).toBeGreaterThan(90);

  // Below the size threshold it is left alone.
  expect(open({ compactMinBytes: before + 1 }).journalLoad.compacted).toBe(false);
  const compacted = open({ compactMinBytes: 1024 });
  expect(compacted.journalLoad).toMatchObject({ compacted: true, migrated: false, tornTail: false });
  expect(lines()).toHaveLength(1);
  expect(statSync(file).size).toBeLessThan(before / 10);
  expect(mode(file)).toBe(0o600);
  expect(readdirSync(tmp)).toEqual(['toss-emulator-state.json']);

  const reopened = open({ compactMinBytes: 1024 });
  expect(reopened.journalLoad.compacted).toBe(false);
  expect(reopened.payments.get('pay_1')).toMatchObject({ balanceAmount: 100 });
  expect(reopened.paymentKeyByOrderId.get('order-1')).toBe('pay_1');
  expect([...reopened.billingKeys.keys()]).toEqual(['bk_1']);
  expect(reopened.charges.map((c) => c.orderId)).toEqual(['order-1']);
});

test('a journal that is large but all live is not rewritten', () => {
  const store = open();
  for (let i = 0; i < 200; i++) store.recordCharge(charge(`order-${i}`));
  store.close();
  expect(open({ compactMinBytes: 1024 }).journalLoad.compacted).toBe(false);
});

test('without a path nothing is written', async () => {
  const store = new EmulatorStore();
  store.billingKeys.set('bk_1', billingKey('bk_1'));
  store.recordCharge(charge('order-1'));
  store.flush();
  await nextTurn();
  expect(readdirSync(tmp)).toEqual([]);
  expect(store.charges).toHaveLength(1);
});
