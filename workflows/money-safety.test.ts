/**
 * Money safety under concurrency and gateway faults (docs/money-movement.md), through the HTTP API
 * on the real time-skipping server, real activities, the emulator over HTTP and the ledger. The
 * invariant checked everywhere: workflow counters = ledger = gateway, and every answer that names
 * a refund names one the gateway made.
 */
import { recordHistories } from '../test/support/history-fixtures';
import { createTimeSkippingHarness, type Harness } from '../test/support/workflow-harness';

let h: Harness;
beforeAll(async () => {
  h = await createTimeSkippingHarness();
}, 120_000);
const recorded: Record<string, string> = {};
afterAll(async () => {
  try {
    await setIncident(false).catch(() => {});
    if (h) await recordHistories(h, recorded);
  } finally {
    await h?.teardown();
  }
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function setIncident(losesResponses: boolean): Promise<void> {
  const res = await fetch(`${h.emulatorUrl}/emulator/incident`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ losesResponses }),
  });
  if (!res.ok) throw new Error(`incident switch answered ${res.status}`);
}

async function subscribe(label: string, extra: object = {}, planId = 'test-monthly') {
  const customerKey = h.customerKey(label);
  const card = await h.api.post(`/v1/customers/${customerKey}/payment-methods`).send({ authKey: 'auth_approve' });
  expect(card.status).toBe(201);
  const res = await h.api.post('/v1/subscriptions').send({ customerKey, planId, paymentMethodId: card.body.id, trial: false, ...extra });
  expect(res.status).toBe(201);
  return { customerKey, id: res.body.subscriptionId as string, first: res.body as Json };
}

const get = async (id: string): Promise<Json> => (await h.api.get(`/v1/subscriptions/${id}`)).body;

/** What the gateway gave back from an order, what the ledger says, and the refunds rows. */
async function refundedEverywhere(customerKey: string, orderId: string) {
  const charge = h.charges(customerKey).find((c) => c.orderId === orderId);
  const atGateway = h.emulator.store.payments.get(charge!.paymentKey!)!;
  const ledger = (await h.repos.payments.get(orderId))!;
  const rows = await h.repos.payments.refunds.listForOrder(orderId);
  return {
    gateway: atGateway.totalAmount - atGateway.balanceAmount,
    gatewayCancels: atGateway.cancels ?? [],
    ledger: ledger.amount - (ledger.balanceAmount ?? ledger.amount),
    rows,
    rowsTotal: rows.reduce((sum, r) => sum + r.amount, 0),
  };
}

/** Every 200 names a distinct refund that is in the ledger; the sum of the 200s is what the gateway gave back. */
async function expectAnswersMatchGateway(answers: { status: number; body: Json }[], customerKey: string, paymentId: string) {
  const ok = answers.filter((a) => a.status === 200);
  const ids = ok.map((a) => a.body.refundId as string);
  expect(new Set(ids).size).toBe(ids.length);
  const money = await refundedEverywhere(customerKey, paymentId);
  expect(money.rows.map((r) => r.refundId).sort()).toEqual([...ids].sort());
  const answered = ok.reduce((sum, a) => sum + (a.body.amount as number), 0);
  expect(money.gateway).toBe(answered);
  expect(money.ledger).toBe(answered);
  expect(money.rowsTotal).toBe(answered);
  expect(money.gatewayCancels).toHaveLength(ok.length);
  for (const rejected of answers.filter((a) => a.status !== 200)) {
    expect(rejected.status).toBe(422);
    expect(['refund-exceeds-balance', 'already-refunded']).toContain(rejected.body.code);
  }
  return answered;
}

test('10 parallel refunds on a running subscription: refunded total ≤ paid, ledger = gateway = counters, each 200 a distinct refund', async () => {
  const { id, customerKey, first } = await subscribe('par-refund');
  recorded['parallel-refunds'] = id;
  const paymentId = first.lastPayment.paymentId as string;
  const answers = await Promise.all(
    Array.from({ length: 10 }, () => h.api.post(`/v1/payments/${paymentId}/refund`).send({ amount: 3_000 }).then((r) => ({ status: r.status, body: r.body as Json }))),
  );
  const answered = await expectAnswersMatchGateway(answers, customerKey, paymentId);
  expect(answered).toBe(9_000); // three fit into 10,000; a fourth would exceed the balance
  const after = await get(id);
  expect(after.counters).toMatchObject({ amountCharged: 10_000, amountRefunded: 9_000 });
  expect(after.lastPayment).toMatchObject({ paymentId, refunded: 9_000 });
  expect(after.pendingRefunds).toEqual([]);
  // The remaining 1,000 is still refundable: the races left nothing stranded.
  const rest = await h.api.post(`/v1/payments/${paymentId}/refund`).send({});
  expect(rest.status).toBe(200);
  expect(rest.body).toMatchObject({ amount: 1_000, balanceAmount: 0, status: 'CANCELED' });
  expect((await get(id)).counters.amountRefunded).toBe(10_000);
});

test('a refused refund leaves no failed activity and consumes no refund number', async () => {
  const { id, first } = await subscribe('refused-refund');
  const paymentId = first.lastPayment.paymentId as string;
  const over = await h.api.post(`/v1/payments/${paymentId}/refund`).send({ amount: 10_001 });
  expect(over.status).toBe(422);
  expect(over.body.code).toBe('refund-exceeds-balance');
  const ok = await h.api.post(`/v1/payments/${paymentId}/refund`).send({ amount: 1_000 });
  expect(ok.status).toBe(200);
  expect(ok.body.refundId).toBe(`${id}-r1`);
  const history = await h.env.client.workflow.getHandle(`subscription-${id}`).fetchHistory();
  const failedActivities = (history.events ?? []).filter((e) => e.activityTaskFailedEventAttributes || e.activityTaskTimedOutEventAttributes);
  expect(failedActivities).toEqual([]);
});

test('refunds after the end, 10 in parallel: serialised per payment, ids from the Idempotency-Key, snapshot counters follow', async () => {
  const { id, customerKey, first } = await subscribe('par-refund-ended');
  const paymentId = first.lastPayment.paymentId as string;
  const revoked = await h.api.post(`/v1/subscriptions/${id}/revoke`).send({ refund: 'none' });
  expect(revoked.status).toBe(200);
  await h.env.client.workflow.getHandle(`subscription-${id}`).result();

  const answers = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      h.api
        .post(`/v1/payments/${paymentId}/refund`)
        .set('Idempotency-Key', `after-end-${i}`)
        .send({ amount: 3_000 })
        .then((r) => ({ status: r.status, body: r.body as Json })),
    ),
  );
  const answered = await expectAnswersMatchGateway(answers, customerKey, paymentId);
  expect(answered).toBe(9_000);

  // The same key again replays its answer and refunds nothing more.
  const firstOk = answers.findIndex((a) => a.status === 200);
  const again = await h.api.post(`/v1/payments/${paymentId}/refund`).set('Idempotency-Key', `after-end-${firstOk}`).send({ amount: 3_000 });
  expect(again.status).toBe(200);
  expect(again.body.refundId).toBe(answers[firstOk]!.body.refundId);
  expect((await refundedEverywhere(customerKey, paymentId)).gateway).toBe(9_000);

  const row = await h.repos.subscriptions.get(id);
  expect(row?.snapshot?.counters.amountRefunded).toBe(9_000);
  expect(await get(id)).toMatchObject({ status: 'REVOKED', counters: { amountRefunded: 9_000 }, lastPayment: { refunded: 9_000 } });
});

test('a gateway incident during first charges: every approved order becomes ACTIVE with a ledger row minutes after the gateway is back', async () => {
  const now = await h.env.currentTimeMs();
  const startAt = new Date(now + 60_000).toISOString();
  const subs = [];
  for (let i = 0; i < 3; i++) subs.push(await subscribe(`incident-${i}`, { startAt }));
  for (const s of subs) expect(s.first.status).toBe('INCOMPLETE');
  recorded['first-charge-unconfirmed-then-found'] = subs[0]!.id;

  await setIncident(true);
  try {
    // The first charges run during the incident: approved at the gateway, answers lost, lookups failing.
    await h.skipTo(now + 30 * 60_000);
    for (const s of subs) {
      const during = await get(s.id);
      expect(during).toMatchObject({ status: 'INCOMPLETE', entitled: false });
      expect(during.unsettledOrders).toHaveLength(1);
      expect(h.charges(s.customerKey).filter((c) => c.result === 'DONE')).toHaveLength(1);
      expect(await h.repos.payments.listForSubscription(s.id)).toEqual([]);
    }
  } finally {
    await setIncident(false);
  }
  const back = await h.env.currentTimeMs();
  await h.skipTo(back + 70 * 60_000); // the lookup backoff tops out at an hour
  for (const s of subs) {
    const after = await get(s.id);
    expect(after).toMatchObject({ status: 'ACTIVE', entitled: true, unsettledOrders: [], counters: { paidCycles: 1, amountCharged: 10_000, declinedAttempts: 0 } });
    const ledger = await h.repos.payments.listForSubscription(s.id);
    expect(ledger.map((p) => [p.status, p.amount])).toEqual([['DONE', 10_000]]);
    expect(h.charges(s.customerKey).filter((c) => c.result === 'DONE')).toHaveLength(1); // charged once
    // As if answered at once: the period starts at the attempt, not at the lookup.
    expect(Date.parse(after.currentPeriod.start)).toBeLessThan(back);
  }
});

test('a refund whose answer is lost answers 202 pending, is sent again with the same id, and happens once', async () => {
  const { id, customerKey, first } = await subscribe('lost-refund');
  recorded['refund-unconfirmed-then-resent'] = id;
  const paymentId = first.lastPayment.paymentId as string;
  await setIncident(true);
  let pending;
  try {
    pending = await h.api.post(`/v1/payments/${paymentId}/refund`).send({ amount: 2_000 });
  } finally {
    await setIncident(false);
  }
  expect(pending.status).toBe(202);
  expect(pending.body).toMatchObject({ status: 'PENDING', amount: 2_000, paymentId });
  const during = await get(id);
  expect(during.pendingRefunds).toEqual([expect.objectContaining({ refundId: pending.body.refundId, amount: 2_000 })]);
  expect(during.counters.amountRefunded).toBe(0); // not claimed before the gateway confirms
  // The reserved 2,000 cannot be spent twice meanwhile.
  const tooMuch = await h.api.post(`/v1/payments/${paymentId}/refund`).send({ amount: 8_001 });
  expect(tooMuch.status).toBe(422);

  await h.skipTo((await h.env.currentTimeMs()) + 10 * 60_000);
  const after = await get(id);
  expect(after.pendingRefunds).toEqual([]);
  expect(after.counters.amountRefunded).toBe(2_000);
  const money = await refundedEverywhere(customerKey, paymentId);
  expect(money).toMatchObject({ gateway: 2_000, ledger: 2_000, rowsTotal: 2_000 });
  expect(money.gatewayCancels).toHaveLength(1);
});

test('a create whose first charge is unconfirmed answers 202 — neither paid nor declined — and activates by itself', async () => {
  const customerKey = h.customerKey('incident-create');
  const card = await h.api.post(`/v1/customers/${customerKey}/payment-methods`).send({ authKey: 'auth_approve' });
  await setIncident(true);
  let created;
  try {
    created = await h.api.post('/v1/subscriptions').send({ customerKey, planId: 'test-monthly', paymentMethodId: card.body.id, trial: false });
  } finally {
    await setIncident(false);
  }
  expect(created.status).toBe(202);
  expect(created.body).toMatchObject({ status: 'INCOMPLETE', entitled: false, unsettledOrders: [expect.objectContaining({ amount: 10_000 })] });
  const id = created.body.subscriptionId as string;
  const payments = (await h.api.get(`/v1/subscriptions/${id}/payments`)).body;
  expect(payments.payments).toEqual([]);
  expect(payments.unconfirmed.charges).toEqual([expect.objectContaining({ orderId: `${id}-c1-a1`, amount: 10_000, kind: 'period' })]);

  await h.skipTo((await h.env.currentTimeMs()) + 5 * 60_000);
  const after = await get(id);
  expect(after).toMatchObject({ status: 'ACTIVE', unsettledOrders: [], counters: { amountCharged: 10_000 } });
  const settled = (await h.api.get(`/v1/subscriptions/${id}/payments`)).body;
  expect(settled.payments.map((p: Json) => p.status)).toEqual(['DONE']);
  expect(settled.unconfirmed.charges).toEqual([]);
  expect(h.charges(customerKey).filter((c) => c.result === 'DONE')).toHaveLength(1);
});

test('a 503 (purchase unconfirmed) releases its Idempotency-Key: the retry with the same key really runs again', async () => {
  const { id, first } = await subscribe('retry-after-503', {}, 'test-prepaid-monthly');
  await setIncident(true);
  let refused;
  try {
    refused = await h.api.post(`/v1/subscriptions/${id}/top-up`).set('Idempotency-Key', 'top-up-1').send();
  } finally {
    await setIncident(false);
  }
  expect(refused.status).toBe(503);
  expect(refused.body.code).toBe('payment-outcome-unknown');
  const retried = await h.api.post(`/v1/subscriptions/${id}/top-up`).set('Idempotency-Key', 'top-up-1').send();
  expect(retried.status).toBe(200);
  expect(Date.parse(retried.body.expiresAt)).toBeGreaterThan(Date.parse(first.expiresAt));
  // And now it is done: the same key replays, nothing is charged again.
  const replay = await h.api.post(`/v1/subscriptions/${id}/top-up`).set('Idempotency-Key', 'top-up-1').send();
  expect(replay.status).toBe(200);
  expect(replay.headers['idempotent-replayed']).toBe('true');
  expect(replay.body.expiresAt).toBe(retried.body.expiresAt);
});

test('after the end: a lost refund is written down, listed, sent again first; a key never refunds twice, whichever path it took', async () => {
  const { id, customerKey, first } = await subscribe('ended-lost-refund');
  const paymentId = first.lastPayment.paymentId as string;
  // A refund made by the running workflow under key K…
  const viaWorkflow = await h.api.post(`/v1/payments/${paymentId}/refund`).set('Idempotency-Key', 'K').send({ amount: 1_000 });
  expect(viaWorkflow.status).toBe(200);
  expect((await h.api.post(`/v1/subscriptions/${id}/revoke`).send({ refund: 'none' })).status).toBe(200);
  await h.env.client.workflow.getHandle(`subscription-${id}`).result();
  // …is found again after the end, even after the claim was forgotten: the same refund, not a second one.
  await h.pool.query(`DELETE FROM api_idempotency WHERE key = 'K'`);
  const again = await h.api.post(`/v1/payments/${paymentId}/refund`).set('Idempotency-Key', 'K').send({ amount: 1_000 });
  expect(again.status).toBe(200);
  expect(again.body.refundId).toBe(viaWorkflow.body.refundId);

  // A refund whose answer is lost: 503, nothing claimed, written down and listed.
  await setIncident(true);
  let lost;
  try {
    lost = await h.api.post(`/v1/payments/${paymentId}/refund`).set('Idempotency-Key', 'L').send({ amount: 2_000 });
  } finally {
    await setIncident(false);
  }
  expect(lost.status).toBe(503);
  expect(lost.body.code).toBe('refund-outcome-unknown');
  expect((await h.api.get(`/v1/payments/${paymentId}`)).body.pendingRefunds).toEqual([expect.objectContaining({ amount: 2_000 })]);
  expect((await refundedEverywhere(customerKey, paymentId)).gateway).toBe(3_000); // it did happen at the gateway
  expect((await refundedEverywhere(customerKey, paymentId)).ledger).toBe(1_000); // …and the ledger does not claim it yet

  // Another refund of the payment sends the lost one again first: both are booked, once each.
  const next = await h.api.post(`/v1/payments/${paymentId}/refund`).set('Idempotency-Key', 'M').send({ amount: 500 });
  expect(next.status).toBe(200);
  const money = await refundedEverywhere(customerKey, paymentId);
  expect(money).toMatchObject({ gateway: 3_500, ledger: 3_500, rowsTotal: 3_500 });
  expect(money.gatewayCancels).toHaveLength(3);
  expect((await h.api.get(`/v1/payments/${paymentId}`)).body.pendingRefunds).toEqual([]);
  // L's retry gets its refund; L with another amount is told what L did.
  const lRetry = await h.api.post(`/v1/payments/${paymentId}/refund`).set('Idempotency-Key', 'L').send({ amount: 2_000 });
  expect(lRetry.status).toBe(200);
  expect(lRetry.body.amount).toBe(2_000);
  await h.pool.query(`DELETE FROM api_idempotency WHERE key = 'L'`);
  const lOther = await h.api.post(`/v1/payments/${paymentId}/refund`).set('Idempotency-Key', 'L').send({ amount: 4_000 });
  expect(lOther.status).toBe(422);
  expect(lOther.body).toMatchObject({ code: 'idempotency-key-reused', refund: { amount: 2_000 } });
  expect((await refundedEverywhere(customerKey, paymentId)).gateway).toBe(3_500);
  expect(await get(id)).toMatchObject({ counters: { amountRefunded: 3_500 } });
});
