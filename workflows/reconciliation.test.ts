/**
 * Daily reconciliation (docs/reconciliation.md) on the real stack: the Java time-skipping server,
 * the real activities, the emulator over HTTP and PostgreSQL. Charges are made through the API;
 * the ledger is tampered with SQL and the gateway through its own cancel API, as an operator in
 * Toss's console would. Every test looks only at its own orders: the day's run also checks the
 * other tests' orders (and, in a full `npm test`, other files' orders this emulator never saw).
 */
import { Client, WorkflowFailedError } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { ReconciliationRepo, type Mismatch } from '../src/db/reconciliation-repo';
import type { LedgerOrder, UnsettledCharge } from '../src/db/reconciliation-repo';
import type { TossPayment } from '../src/gateway/toss-types';
import { compareOrder, unsettledFinding } from '../activities/reconciliation-compare';
import { localDayWindow, type FinishReconciliationResult, type ReconciliationWindow } from '../activities/reconciliation-activity';
import { localDateTime } from '../test/support/local-time';
import { createTimeSkippingHarness, type Harness } from '../test/support/workflow-harness';
import { previousLocalDay, reconciliationWorkflow, type ReconciliationInput, type ReconciliationResult } from './reconciliation-workflow';

let h: Harness;
let repo: ReconciliationRepo;
beforeAll(async () => {
  h = await createTimeSkippingHarness();
  repo = new ReconciliationRepo(h.pool);
}, 120_000);
afterAll(async () => {
  await setIncident(false).catch(() => {});
  await h?.teardown();
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let runs = 0;
/**
 * Waits for a run without unlocking the test server's time skipping: while the harness client
 * waits for a result the server jumps to the next timer of any workflow, and the other tests'
 * monthly subscriptions would renew mid-run (new orders of the day). `skipTime` lets it jump, for a
 * run that waits on activity retry backoffs.
 */
const reconcile = (input: ReconciliationInput, { skipTime = false } = {}): Promise<ReconciliationResult> =>
  (skipTime ? h.env.client : realTime()).workflow.execute(reconciliationWorkflow, { workflowId: `reconcile-test-${++runs}`, taskQueue: h.taskQueue, args: [input] });
let plainClient: Client | undefined;
const realTime = () => (plainClient ??= new Client({ connection: h.env.connection, namespace: h.env.namespace ?? 'default' }));

const dayOf = (iso: string) => localDateTime(iso).slice(0, 10);

async function setIncident(losesResponses: boolean): Promise<void> {
  const res = await fetch(`${h.emulatorUrl}/emulator/incident`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ losesResponses }) });
  if (!res.ok) throw new Error(`incident switch answered ${res.status}`);
}

async function subscribe(label: string): Promise<{ id: string; customerKey: string; orderId: string; body: Json }> {
  const customerKey = h.customerKey(label);
  const card = await h.api.post(`/v1/customers/${customerKey}/payment-methods`).send({ authKey: 'auth_approve' });
  expect(card.status).toBe(201);
  const res = await h.api.post('/v1/subscriptions').send({ customerKey, planId: 'test-monthly', paymentMethodId: card.body.id, trial: false });
  expect([201, 202]).toContain(res.status);
  return { id: res.body.subscriptionId, customerKey, orderId: res.body.lastPayment?.paymentId ?? `${res.body.subscriptionId}-c1-a1`, body: res.body };
}

/** The local days of these orders' ledger rows and refunds (one, unless a test straddles midnight in Seoul). */
async function daysOf(orderIds: string[]): Promise<string[]> {
  const days = new Set<string>();
  for (const orderId of orderIds) {
    const entry = (await h.repos.payments.get(orderId))!;
    days.add(dayOf(entry.approvedAt ?? entry.attemptedAt));
    for (const refund of await h.repos.payments.refunds.listForOrder(orderId)) days.add(dayOf(refund.refundedAt));
  }
  return [...days].sort();
}

async function mismatchesOf(orderIds: string[], days: string[]): Promise<Mismatch[]> {
  const all = (await Promise.all(days.map((day) => repo.mismatches(day)))).flat();
  return all.filter((m) => orderIds.includes(m.orderId));
}

test('a day with charges and a refund reconciles clean', async () => {
  const a = await subscribe('rec-clean-a');
  const b = await subscribe('rec-clean-b');
  const refund = await h.api.post(`/v1/payments/${a.orderId}/refund`).send({ amount: 3_000 });
  expect(refund.status).toBe(200);
  const orders = [a.orderId, b.orderId];
  const days = await daysOf(orders);
  for (const day of days) {
    const result = await reconcile({ day });
    expect(result).toMatchObject({ day, timeZone: 'Asia/Seoul', status: 'completed' });
    const { startMs, endMs } = localDayWindow(day, 'Asia/Seoul');
    expect(result.window).toEqual({ start: new Date(startMs).toISOString(), end: new Date(endMs).toISOString() });
    expect(endMs - startMs).toBe(24 * 3600_000);
    expect(dayOf(result.window.start)).toBe(day);
    const run = (await repo.getRun(day))!;
    expect(run).toMatchObject({ status: 'completed', checkedOrders: result.checkedOrders, pass: result.pass });
    expect(run.finishedAt).not.toBeNull();
  }
  expect((await Promise.all(days.map((day) => repo.getRun(day)))).reduce((n, r) => n + r!.checkedOrders, 0)).toBeGreaterThanOrEqual(2);
  expect(await mismatchesOf(orders, days)).toEqual([]);
});

test('a tampered ledger and a refund made at the gateway are recorded with both values; a second run updates, never duplicates; a fix resolves', async () => {
  const amountTampered = await subscribe('rec-amount');
  const refundedAtGateway = await subscribe('rec-console-refund');
  const ghost = `${amountTampered.id}-c9-a1`;
  await h.pool.query('UPDATE payments SET amount = amount - 1 WHERE order_id = $1', [amountTampered.orderId]);
  // A refund in Toss's console: the real cancel API, never seen by the ledger.
  const paymentKey = (await h.repos.payments.get(refundedAtGateway.orderId))!.paymentKey!;
  await h.gateway.cancelPayment(paymentKey, { cancelReason: 'refunded in the console', cancelAmount: 2_500 });
  // A ledger row the gateway never saw.
  await h.pool.query(
    `INSERT INTO payments (order_id, subscription_id, customer_key, cycle, attempt, amount, currency, status, payment_key, balance_amount, attempted_at, approved_at)
     SELECT $1, subscription_id, customer_key, 9, 1, 10000, 'KRW', 'DONE', 'tbill_ghost', 10000, attempted_at, approved_at FROM payments WHERE order_id = $2`,
    [ghost, amountTampered.orderId],
  );
  const orders = [amountTampered.orderId, refundedAtGateway.orderId, ghost];
  const days = await daysOf(orders);
  try {
    for (const day of days) await reconcile({ day });
    const first = await mismatchesOf(orders, days);
    const view = (m: Mismatch) => ({ orderId: m.orderId, kind: m.kind, ledgerValue: m.ledgerValue, gatewayValue: m.gatewayValue, open: m.resolvedAt === null });
    expect(first.map(view).sort((x, y) => x.orderId.localeCompare(y.orderId))).toEqual(
      [
        { orderId: amountTampered.orderId, kind: 'amount', ledgerValue: '9999', gatewayValue: '10000', open: true },
        { orderId: refundedAtGateway.orderId, kind: 'refund-amount', ledgerValue: '0', gatewayValue: '2500', open: true },
        { orderId: ghost, kind: 'missing-at-gateway', ledgerValue: 'DONE', gatewayValue: 'NOT_FOUND', open: true },
      ].sort((x, y) => x.orderId.localeCompare(y.orderId)),
    );
    const consoleRefund = first.find((m) => m.kind === 'refund-amount')!;
    expect(consoleRefund).toMatchObject({ subscriptionId: refundedAtGateway.id, paymentKey });
    expect(consoleRefund.detail).toMatch(/PARTIAL_CANCELED/);
    const day = dayOf((await h.repos.payments.get(amountTampered.orderId))!.approvedAt!);
    const run = (await repo.getRun(day))!;
    expect(run.mismatchCount).toBeGreaterThanOrEqual(3);

    // The same day again: the same rows, updated in place.
    const again = await reconcile({ day });
    expect(again.pass).toBe(run.pass + 1);
    expect(again.openByKind).toMatchObject({ amount: expect.any(Number), 'refund-amount': expect.any(Number), 'missing-at-gateway': expect.any(Number) });
    const second = await mismatchesOf(orders, days);
    expect(second.map((m) => m.id).sort()).toEqual(first.map((m) => m.id).sort());
    for (const m of second) {
      const before = first.find((f) => f.id === m.id)!;
      expect(m.detectedAt).toBe(before.detectedAt);
      expect(Date.parse(m.lastSeenAt)).toBeGreaterThan(Date.parse(before.lastSeenAt));
    }
    const { rows } = await h.pool.query('SELECT count(*)::int AS n FROM reconciliation_mismatches WHERE order_id = ANY($1)', [orders]);
    expect(rows[0].n).toBe(3);

    // The operator fixes the ledger: the next run of the day resolves those, the refund stays open.
    await h.pool.query('UPDATE payments SET amount = amount + 1 WHERE order_id = $1', [amountTampered.orderId]);
    await h.pool.query('DELETE FROM payments WHERE order_id = $1', [ghost]);
    for (const d of days) await reconcile({ day: d });
    const third = await mismatchesOf(orders, days);
    expect(third.map((m) => [m.kind, m.resolvedAt === null]).sort()).toEqual([
      ['amount', false],
      ['missing-at-gateway', false],
      ['refund-amount', true],
    ]);
  } finally {
    await h.pool.query('DELETE FROM payments WHERE order_id = $1', [ghost]);
  }
});

test('four pages and a new run every two pages: every order of the day checked once, the history continued as new', async () => {
  const s = await subscribe('rec-pages');
  const day = dayOf((await h.repos.payments.get(s.orderId))!.approvedAt!);
  const { startMs, endMs } = localDayWindow(day, 'Asia/Seoul');
  const { rows } = await h.pool.query(
    `SELECT count(*)::int AS n FROM (
       SELECT order_id FROM payments WHERE COALESCE(approved_at, attempted_at) >= $1 AND COALESCE(approved_at, attempted_at) < $2
       UNION SELECT order_id FROM refunds WHERE refunded_at >= $1 AND refunded_at < $2) o`,
    [new Date(startMs), new Date(endMs)],
  );
  expect(rows[0].n).toBeGreaterThanOrEqual(3);
  const workflowId = `reconcile-test-${++runs}`;
  // The whole suite shares one ledger, so the day holds every test's orders: four pages whatever their number.
  const pageSize = Math.max(1, Math.ceil(rows[0].n / 4));
  const handle = await realTime().workflow.start(reconciliationWorkflow, { workflowId, taskQueue: h.taskQueue, args: [{ day, pageSize, pagesPerRun: 2 }] });
  const result = await handle.result();
  expect(result).toMatchObject({ day, status: 'completed', checkedOrders: rows[0].n });
  const firstRun = await realTime().workflow.getHandle(workflowId, handle.firstExecutionRunId).fetchHistory();
  expect(firstRun.events?.some((e) => e.workflowExecutionContinuedAsNewEventAttributes)).toBe(true);
  expect((await repo.getRun(day))!.checkedOrders).toBe(rows[0].n);
});

test('a gateway that cannot be asked fails the run, marked failed with the error and resolving nothing; the day runs again later', async () => {
  const s = await subscribe('rec-down');
  const day = dayOf((await h.repos.payments.get(s.orderId))!.approvedAt!);
  const openBefore = (await repo.mismatches(day)).filter((m) => m.resolvedAt === null).map((m) => m.id).sort();
  await setIncident(true);
  let failure: unknown;
  try {
    // The page's retries back off for about 15 minutes: let the server skip them.
    await reconcile({ day }, { skipTime: true });
  } catch (error) {
    failure = error;
  } finally {
    await setIncident(false);
  }
  expect(failure).toBeInstanceOf(WorkflowFailedError);
  expect((failure as WorkflowFailedError).cause?.message).toMatch(new RegExp(`^reconciliation of ${day} failed: gateway lookup of \\S+ failed: FAILED_INTERNAL_SYSTEM_PROCESSING`));
  const failed = (await repo.getRun(day))!;
  expect(failed).toMatchObject({ status: 'failed', error: expect.stringMatching(/FAILED_INTERNAL_SYSTEM_PROCESSING/) });
  expect(failed.finishedAt).not.toBeNull();
  expect((await repo.mismatches(day)).filter((m) => m.resolvedAt === null).map((m) => m.id).sort()).toEqual(openBefore);
  expect(await reconcile({ day })).toMatchObject({ day, status: 'completed', pass: failed.pass + 1 });
  expect((await repo.getRun(day))!.status).toBe('completed');
});

test('a day started again supersedes the run in progress: the older one writes nothing more and does not finish the day', async () => {
  const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR', () => {}) });
  const acts = h.activities;
  const day = '2000-01-07';
  const begin = { day, timeZone: 'Asia/Seoul', asOfMs: Date.now() };
  const older: ReconciliationWindow = await env.run(acts.beginReconciliation, { ...begin, workflowId: 'older' });
  const newer: ReconciliationWindow = await env.run(acts.beginReconciliation, { ...begin, workflowId: 'newer' });
  expect(newer.pass).toBe(older.pass + 1);
  const page = { day, pass: older.pass, windowStart: older.windowStart, windowEnd: older.windowEnd, after: '', limit: 200, checkedBefore: 0 };
  await expect(env.run(acts.reconcileLedgerPage, page)).rejects.toMatchObject({ type: 'ReconciliationSuperseded', nonRetryable: true });
  expect(await env.run(acts.finishReconciliation, { day, pass: older.pass, status: 'completed' as const })).toEqual({ run: null, openByKind: {} });
  expect(await env.run(acts.reconcileLedgerPage, { ...page, pass: newer.pass })).toEqual({ checked: 0, mismatches: 0, next: null });
  const finished: FinishReconciliationResult = await env.run(acts.finishReconciliation, { day, pass: newer.pass, status: 'completed' as const });
  expect(finished.run).toMatchObject({ day, status: 'completed', workflowId: 'newer', pass: newer.pass, mismatchCount: 0 });
});

test('an order unconfirmed for more than a day is reported, and resolved once the subscription has settled it', async () => {
  const quietDay = '2000-01-03'; // no ledger rows: only the unconfirmed orders are checked
  const customerKey = h.customerKey('rec-unsettled');
  const card = await h.api.post(`/v1/customers/${customerKey}/payment-methods`).send({ authKey: 'auth_approve' });
  const created = await h.api.post('/v1/subscriptions').send({ customerKey, planId: 'test-daily', paymentMethodId: card.body.id, trial: false });
  expect(created.status).toBe(201);
  const id: string = created.body.subscriptionId;
  const renewal = `${id}-c2-a1`;
  const startMs = await h.env.currentTimeMs();
  const reportedFor = async () => (await repo.mismatches(quietDay)).filter((m) => m.subscriptionId === id);
  await setIncident(true);
  try {
    // The daily renewal runs during a gateway incident: approved at the gateway, the answer and every lookup lost.
    await h.skipTo(startMs + 24 * 3600_000 + 10 * 60_000);
    expect((await h.repos.subscriptions.get(id))!.snapshot!.unsettledOrders.map((o) => o.orderId)).toEqual([renewal]);
    // A young unconfirmed order is not reported: the subscription is still looking it up.
    expect((await reconcile({ day: quietDay })).status).toBe('completed');
    expect(await reportedFor()).toEqual([]);

    await h.skipTo(startMs + 49 * 3600_000 + 10 * 60_000);
    expect((await h.repos.subscriptions.get(id))!.snapshot!.unsettledOrders.map((o) => o.orderId)).toContain(renewal);
    const old = await reconcile({ day: quietDay });
    expect(old.checkedUnsettled).toBeGreaterThanOrEqual(1);
    const reported = await reportedFor();
    // The dunning retry a day later is unconfirmed too, but not yet for a day.
    expect(reported.map((m) => m.orderId)).toEqual([renewal]);
    expect(reported[0]).toMatchObject({ kind: 'unsettled-order', ledgerValue: 'UNCONFIRMED', gatewayValue: 'LOOKUP_FAILED', resolvedAt: null });
    expect(reported[0]!.detail).toMatch(/^charge of 1000 KRW unconfirmed since /);
  } finally {
    await setIncident(false);
  }
  // The gateway is back: the subscription's hourly lookup books the renewal, and the next run resolves the mismatch.
  await h.skipTo((await h.env.currentTimeMs()) + 70 * 60_000);
  expect((await h.repos.payments.get(renewal))?.status).toBe('DONE');
  await reconcile({ day: quietDay });
  const after = await reportedFor();
  expect(after.find((m) => m.orderId === renewal)!.resolvedAt).not.toBeNull();
});

test('the day defaults to the one before the run (schedules: the action time), in the zone asked', () => {
  // 2026-11-23 04:00 KST = 2026-11-22 19:00Z
  expect(previousLocalDay(Date.parse('2026-11-22T19:00:00Z'), 'Asia/Seoul')).toBe('2026-11-22');
  expect(previousLocalDay(Date.parse('2026-11-22T14:59:59Z'), 'Asia/Seoul')).toBe('2026-11-21');
  expect(previousLocalDay(Date.parse('2026-03-01T00:30:00Z'), 'Asia/Seoul')).toBe('2026-02-28');
  expect(localDayWindow('2026-11-22', 'Asia/Seoul')).toEqual({ startMs: Date.parse('2026-11-21T15:00:00Z'), endMs: Date.parse('2026-11-22T15:00:00Z') });
  // A 23-hour day where the zone has DST.
  const spring = localDayWindow('2026-03-08', 'America/New_York');
  expect(spring.endMs - spring.startMs).toBe(23 * 3600_000);
});

describe('comparison rules', () => {
  const ledger = (over: Partial<LedgerOrder> = {}): LedgerOrder => ({
    orderId: 'sub_x-c1-a1', subscriptionId: 'sub_x', amount: 10_000, currency: 'KRW', status: 'DONE', paymentKey: 'tbill_1',
    balanceAmount: 10_000, failureCode: null, refunded: 0, refundCount: 0, ...over,
  });
  const gateway = (over: Partial<TossPayment> = {}) =>
    ({ paymentKey: 'tbill_1', orderId: 'sub_x-c1-a1', status: 'DONE', totalAmount: 10_000, balanceAmount: 10_000, currency: 'KRW', cancels: null, ...over }) as TossPayment;
  const kinds = (l: LedgerOrder, g: TossPayment | null) => compareOrder(l, g).map((f) => [f.kind, f.ledgerValue, f.gatewayValue]);

  test('agreement, refunds included, is clean', () => {
    expect(kinds(ledger(), gateway())).toEqual([]);
    expect(kinds(ledger({ status: 'PARTIAL_CANCELED', balanceAmount: 7_000, refunded: 3_000, refundCount: 1 }), gateway({ status: 'PARTIAL_CANCELED', balanceAmount: 7_000 }))).toEqual([]);
    expect(kinds(ledger({ status: 'DECLINED', paymentKey: null, failureCode: 'REJECT_CARD_PAYMENT' }), null)).toEqual([]);
    expect(kinds(ledger({ status: 'DECLINED' }), gateway({ status: 'ABORTED' }))).toEqual([]);
  });

  test('each disagreement is its kind, with both values', () => {
    expect(kinds(ledger({ status: 'DECLINED', failureCode: 'REJECT_CARD_PAYMENT' }), gateway())).toEqual([['status', 'DECLINED', 'DONE']]);
    expect(kinds(ledger(), gateway({ status: 'ABORTED' }))).toEqual([['status', 'DONE', 'ABORTED']]);
    expect(kinds(ledger(), null)).toEqual([['missing-at-gateway', 'DONE', 'NOT_FOUND']]);
    expect(kinds(ledger(), gateway({ totalAmount: 9_000, balanceAmount: 9_000, currency: 'USD' }))).toEqual([
      ['amount', '10000', '9000'],
      ['currency', 'KRW', 'USD'],
    ]);
    expect(kinds(ledger({ refunded: 1_000, refundCount: 1 }), gateway({ status: 'CANCELED', balanceAmount: 0 }))).toEqual([['refund-amount', '1000', '10000']]);
  });

  test('an order unconfirmed for a day: unsettled whatever the gateway says, missing in the ledger when it took the money', () => {
    const order: UnsettledCharge = { subscriptionId: 'sub_x', orderId: 'sub_x-c1-a1', what: 'charge', amount: 10_000, currency: 'KRW', attemptedAt: '2026-11-20T01:00:00.000Z', ledgerStatus: null };
    expect(unsettledFinding(order, { payment: gateway() })).toMatchObject({ kind: 'missing-in-ledger', gatewayValue: 'DONE 10000', paymentKey: 'tbill_1' });
    expect(unsettledFinding(order, { payment: null })).toMatchObject({ kind: 'unsettled-order', gatewayValue: 'NOT_FOUND' });
    expect(unsettledFinding(order, { error: 'FAILED_INTERNAL_SYSTEM_PROCESSING: …' })).toMatchObject({ kind: 'unsettled-order', gatewayValue: 'LOOKUP_FAILED' });
    expect(unsettledFinding({ ...order, ledgerStatus: 'DONE' }, { payment: gateway() })).toBeNull();
  });
});
