/**
 * The HTTP API through supertest, on the real Temporal dev server (existing-path CLI), a real
 * worker, PostgreSQL and the emulator over HTTP.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createApiApp } from '../../src/api/app';
import { formatLocal } from '../../src/domain/calendar';
import { formatMoney } from '../../src/domain/money';
import { createLogger } from '../../src/logger';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/temporal/search-attributes';
import { workflowIdFor } from '../../src/temporal/task-queue';
import { authedAgent, type ApiAgent } from '../support/api-client';
import { startParts, type Parts } from '../support/stack-parts';
import { startDevServer } from '../support/test-servers';

let env: TestWorkflowEnvironment;
let parts: Parts;
let worker: Worker;
let running: Promise<void>;
let api: ApiAgent;

beforeAll(async () => {
  env = await startDevServer();
  parts = await startParts();
  const taskQueue = `api-${Math.random().toString(36).slice(2)}`;
  worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
    activities: parts.activities,
  });
  running = worker.run();
  const app = createApiApp({ pool: parts.pool, ...parts.repos, webhookDelivery: parts.webhookDelivery, gateway: parts.gateway, temporal: env.client, taskQueue, logger: createLogger('silent') });
  api = await authedAgent(app, parts.pool);
}, 120_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await parts?.close();
  await env?.teardown();
});

async function card(customerKey: string, alias = 'approve'): Promise<string> {
  const res = await api.post(`/v1/customers/${customerKey}/payment-methods`).send({ authKey: `auth_${alias}` });
  expect(res.status).toBe(201);
  return res.body.id;
}

function subscribe(customerKey: string, paymentMethodId: string, extra: object = {}) {
  return api.post('/v1/subscriptions').send({ customerKey, planId: 'pro-monthly', paymentMethodId, trial: false, ...extra });
}

test('healthz and plans', async () => {
  expect((await api.get('/healthz')).body).toEqual({ status: 'ok', checks: { database: 'ok', temporal: 'ok' } });
  const plans = (await api.get('/v1/plans')).body.plans;
  expect(plans.map((p: { id: string }) => p.id)).toEqual(expect.arrayContaining(['basic-monthly', 'pro-monthly', 'pro-yearly']));
});

test('register a card, subscribe: ACTIVE, one payment, one charge, search attributes; no billing key anywhere', async () => {
  const customerKey = parts.customerKey('api-happy');
  const pmRes = await api.post(`/v1/customers/${customerKey}/payment-methods`).send({ authKey: 'auth_approve' });
  expect(pmRes.status).toBe(201);
  expect(pmRes.body).toMatchObject({ customerKey, card: { number: '43300000****001*' } });

  const created = await subscribe(customerKey, pmRes.body.id);
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ status: 'ACTIVE', entitled: true, planId: 'pro-monthly', timeZone: 'Asia/Seoul', counters: { paidCycles: 1 } });
  const id = created.body.subscriptionId;

  const payments = (await api.get(`/v1/subscriptions/${id}/payments`)).body.payments;
  expect(payments).toHaveLength(1);
  expect(payments[0]).toMatchObject({ status: 'DONE', amount: 19_900, currency: 'KRW', cycle: 1, attempt: 1 });
  expect(parts.charges(customerKey)).toHaveLength(1);
  expect((await api.get(`/v1/subscriptions/${id}`)).body.status).toBe('ACTIVE');

  const handle = env.client.workflow.getHandle(workflowIdFor(id));
  const sa = (await handle.describe()).typedSearchAttributes;
  expect(sa.get(SEARCH_ATTRIBUTE_KEYS[0]!)).toBe('ACTIVE');
  expect(sa.get(SEARCH_ATTRIBUTE_KEYS[1]!)).toBe(customerKey);
  expect(sa.get(SEARCH_ATTRIBUTE_KEYS[2]!)).toBe('pro-monthly');
  expect((sa.get(SEARCH_ATTRIBUTE_KEYS[3]!) as Date).toISOString()).toBe(created.body.nextBillingAt);
  expect(sa.get(SEARCH_ATTRIBUTE_KEYS[4]!)).toBe(true);

  const billingKeys = [...parts.emulator.store.billingKeys.keys()];
  const history = JSON.stringify(await handle.fetchHistory());
  const exposed = [history, JSON.stringify(pmRes.body), JSON.stringify(created.body), JSON.stringify(payments)];
  for (const key of billingKeys) for (const text of exposed) expect(text).not.toContain(key);
  const { rows } = await parts.pool.query('SELECT billing_key_encrypted FROM payment_methods WHERE id = $1', [pmRes.body.id]);
  for (const key of billingKeys) expect(rows[0].billing_key_encrypted).not.toContain(key);
});

test('a declined first charge answers 402 problem+json and the subscription is INCOMPLETE', async () => {
  const customerKey = parts.customerKey('api-402');
  const res = await subscribe(customerKey, await card(customerKey, 'soft-decline'));
  expect(res.status).toBe(402);
  expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(res.body).toMatchObject({ status: 402, title: 'Payment declined', subscription: { status: 'INCOMPLETE', entitled: false } });
});

test('cancel, restore and their invalid repeats (409 with a reason)', async () => {
  const customerKey = parts.customerKey('api-cancel');
  const id = (await subscribe(customerKey, await card(customerKey))).body.subscriptionId;
  const canceled = await api.post(`/v1/subscriptions/${id}/cancel`).send({});
  expect(canceled.body).toMatchObject({ status: 'CANCELED', entitled: true, nextBillingAt: null });
  const again = await api.post(`/v1/subscriptions/${id}/cancel`).send();
  expect(again.status).toBe(409);
  expect(again.body.detail).toMatch(/already canceled.*restore/);
  expect((await api.post(`/v1/subscriptions/${id}/restore`)).body.status).toBe('ACTIVE');
  const restoreAgain = await api.post(`/v1/subscriptions/${id}/restore`);
  expect(restoreAgain.status).toBe(409);
  expect(restoreAgain.body.detail).toMatch(/only a canceled subscription can be restored/);
  expect((await api.get(`/v1/subscriptions/${id}`)).body.status).toBe('ACTIVE');
});

test('payment-method update: another customer\'s card is 422 and changes nothing; own card is applied', async () => {
  const a = parts.customerKey('api-pm-a');
  const b = parts.customerKey('api-pm-b');
  const id = (await subscribe(a, await card(a))).body.subscriptionId;
  const foreign = await api.post(`/v1/subscriptions/${id}/payment-method`).send({ paymentMethodId: await card(b) });
  expect(foreign.status).toBe(422);
  const own = await card(a);
  const ok = await api.post(`/v1/subscriptions/${id}/payment-method`).send({ paymentMethodId: own });
  expect(ok.body.paymentMethodId).toBe(own);
});

test('bad input answers 400 naming the field and changes nothing; unknown ids 404', async () => {
  const customerKey = parts.customerKey('api-bad');
  const pm = await card(customerKey);
  const unknownField = await subscribe(customerKey, pm, { coupon: 'FREE' });
  expect(unknownField.status).toBe(400);
  expect(unknownField.body.errors).toEqual([expect.objectContaining({ field: 'body' })]);
  const badZone = await subscribe(customerKey, pm, { timeZone: 'Mars/Base' });
  expect(badZone.status).toBe(400);
  expect(badZone.body.errors[0].field).toBe('timeZone');
  const badKey = await api.post('/v1/subscriptions').send({ customerKey: 'x', planId: 'pro-monthly', paymentMethodId: pm });
  expect(badKey.body.errors[0].field).toBe('customerKey');
  const malformed = await api.post('/v1/subscriptions').set('content-type', 'application/json').send('{"oops');
  expect(malformed.status).toBe(400);
  expect(parts.charges(customerKey)).toHaveLength(0);
  expect((await api.get('/v1/subscriptions?customerKey=' + customerKey)).body.subscriptions).toHaveLength(0);
  expect((await api.get('/v1/subscriptions/sub_nope')).status).toBe(404);
  expect((await api.post('/v1/subscriptions/sub_nope/cancel')).status).toBe(404);
});

test('Idempotency-Key on create replays the first answer and charges once', async () => {
  const customerKey = parts.customerKey('api-idem');
  const pm = await card(customerKey);
  const key = `create-${customerKey}`;
  const first = await subscribe(customerKey, pm).set('Idempotency-Key', key);
  expect(first.status).toBe(201);
  const replay = await subscribe(customerKey, pm).set('Idempotency-Key', key);
  expect(replay.status).toBe(201);
  expect(replay.body.subscriptionId).toBe(first.body.subscriptionId);
  expect(replay.headers['idempotent-replayed']).toBe('true');
  expect(parts.charges(customerKey)).toHaveLength(1);
  const different = await subscribe(customerKey, pm, { timeZone: 'UTC' }).set('Idempotency-Key', key);
  expect(different.status).toBe(422);
});

describe('POST /v1/schedule-preview', () => {
  test('the issue example, exactly', async () => {
    const res = await api.post('/v1/schedule-preview').send({ interval: { unit: 'month', count: 1 }, anchor: '2025-01-31T00:30', timeZone: 'Asia/Seoul', count: 5 });
    expect(res.status).toBe(200);
    expect(res.body.instants).toEqual([
      '2025-01-30T15:30:00.000Z', '2025-02-27T15:30:00.000Z', '2025-03-30T15:30:00.000Z', '2025-04-29T15:30:00.000Z', '2025-05-30T15:30:00.000Z',
    ]);
  });
  test('DST: a New York 02:30 anchor moves forward through the March gap, keeps 02:30 otherwise', async () => {
    const res = await api.post('/v1/schedule-preview').send({ interval: { unit: 'month', count: 1 }, anchor: '2025-01-09T02:30', timeZone: 'America/New_York', count: 4 });
    expect(res.body.instants).toEqual(['2025-01-09T07:30:00.000Z', '2025-02-09T07:30:00.000Z', '2025-03-09T07:30:00.000Z', '2025-04-09T06:30:00.000Z']);
  });
  test.each([
    [{ interval: { unit: 'month', count: 1 }, anchor: '2025-01-31T00:30', timeZone: 'Nowhere/City', count: 2 }, 'timeZone'],
    [{ interval: { unit: 'fortnight', count: 1 }, anchor: '2025-01-31T00:30', count: 2 }, 'interval.unit'],
    [{ interval: { unit: 'month', count: 1 }, anchor: '2025-02-30T00:30', count: 2 }, 'anchor'],
    [{ interval: { unit: 'month', count: 1 }, anchor: '2025-01-31T00:30Z', count: 2 }, 'anchor'],
    [{ interval: { unit: 'month', count: 0 }, anchor: '2025-01-31T00:30', count: 2 }, 'interval.count'],
  ])('invalid input %j names %s', async (body, field) => {
    const res = await api.post('/v1/schedule-preview').send(body);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });
});

describe('Web UI readability on the dev server', () => {
  const [statusKey, customerKeyKey, planKey, nextBillingKey, entitledKey] = SEARCH_ATTRIBUTE_KEYS;
  const summaryText = (payload: { data?: Uint8Array | null } | null | undefined): string | undefined =>
    payload?.data ? JSON.parse(Buffer.from(payload.data).toString('utf8')) : undefined;
  const local = (iso: string) => formatLocal(Date.parse(iso), 'Asia/Seoul');

  /**
   * What an operator sees once a transition has settled: the list view's search attributes equal
   * the subscription, and the workflow's open timer says what it waits for (null: it has ended).
   */
  async function expectSettled(id: string, waitingFor: string | null): Promise<void> {
    const handle = env.client.workflow.getHandle(workflowIdFor(id));
    const deadline = Date.now() + 10_000;
    for (;;) {
      const sub = (await api.get(`/v1/subscriptions/${id}`)).body;
      const description = await handle.describe();
      const sa = description.typedSearchAttributes;
      const events = (await handle.fetchHistory()).events ?? [];
      const lastTimer = events.filter((e) => e.timerStartedEventAttributes).at(-1);
      const shown = {
        status: sa.get(statusKey!),
        customerKey: sa.get(customerKeyKey!),
        planId: sa.get(planKey!),
        nextBillingAt: (sa.get(nextBillingKey!) as Date | undefined)?.toISOString() ?? null,
        entitled: sa.get(entitledKey!),
        waitingFor: description.status.name === 'RUNNING' ? summaryText(lastTimer?.userMetadata?.summary) : null,
      };
      const expected = { status: sub.status, customerKey: sub.customerKey, planId: sub.planId, nextBillingAt: sub.nextBillingAt, entitled: sub.entitled, waitingFor };
      if (JSON.stringify(shown) === JSON.stringify(expected) || Date.now() > deadline) {
        expect(shown).toEqual(expected);
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  test('search attributes follow every transition; timers and activities say what they await and charge', async () => {
    const customerKey = parts.customerKey('api-webui');
    const created = (await subscribe(customerKey, await card(customerKey))).body;
    const id = created.subscriptionId;
    const [monthly, yearly, basic] = [formatMoney(19_900, 'KRW'), formatMoney(199_000, 'KRW'), formatMoney(9_900, 'KRW')];
    await expectSettled(id, `renewal #2 ${monthly} on ${local(created.nextBillingAt)}`);

    const upgrade = await api.post(`/v1/subscriptions/${id}/plan-change`).send({ planId: 'pro-yearly', mode: 'CHARGE_FULL_PRICE' });
    expect(upgrade.status).toBe(200);
    const yearlyRenewsAt = local(upgrade.body.subscription.nextBillingAt);
    await expectSettled(id, `renewal #3 ${yearly} on ${yearlyRenewsAt}`);

    const downgrade = await api.post(`/v1/subscriptions/${id}/plan-change`).send({ planId: 'basic-monthly', mode: 'DEFERRED' });
    expect(downgrade.status).toBe(200);
    // Still pro-yearly in the list until the period ends; the timer announces the switch.
    await expectSettled(id, `renewal #3 ${basic} (now Basic 월간) on ${yearlyRenewsAt}`);

    expect((await api.post(`/v1/subscriptions/${id}/cancel`)).status).toBe(200);
    await expectSettled(id, `expires on ${yearlyRenewsAt} (canceled)`);
    expect((await api.post(`/v1/subscriptions/${id}/restore`)).status).toBe(200);
    await expectSettled(id, `renewal #3 ${basic} (now Basic 월간) on ${yearlyRenewsAt}`);

    const revoked = await api.post(`/v1/subscriptions/${id}/revoke`).send({ refund: 'full' });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ status: 'REVOKED', entitled: false, nextBillingAt: null });
    await expectSettled(id, null);

    const events = (await env.client.workflow.getHandle(workflowIdFor(id)).fetchHistory()).events ?? [];
    // Activities and local activities (the projection: a marker in the history) each say what they do.
    const activities = events.filter((e) => e.activityTaskScheduledEventAttributes || e.markerRecordedEventAttributes).map((e) => summaryText(e.userMetadata?.summary));
    const escaped = (text: string) => text.replace(/[$₩.,()]/g, '\\$&');
    expect(activities).toEqual(
      expect.arrayContaining([
        `charge renewal #1 ${monthly} (Pro 월간)`,
        `charge plan change (CHARGE_FULL_PRICE) ${yearly} now`,
        expect.stringMatching(new RegExp(`^revoke: refund ${escaped(yearly)} of \\S+$`)),
        `project REVOKED v${revoked.body.version} + subscription.revoked, payment.refunded`,
      ]),
    );
  });
});
