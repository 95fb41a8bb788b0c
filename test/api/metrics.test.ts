/**
 * Metrics and logs for operators (README "Metrics and logs") on the real stack: the Temporal CLI
 * dev server, a real worker with the SDK's Prometheus exporter, PostgreSQL and the emulator.
 * `GET /metrics` needs a key, reads as Prometheus text, counts requests by route template, and
 * reports billing figures equal to the ledger; request ids reach headers, problem bodies and logs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { DefaultLogger } from '@temporalio/worker';
import request from 'supertest';
import { createApiApp } from '../../src/api/app';
import { BillingMetricsRepo } from '../../src/db/billing-metrics-repo';
import { createLogger } from '../../src/logger';
import { installWorkerRuntime } from '../../src/metrics/worker-runtime';
import { agentWithKey, createTestApiKey, type ApiAgent } from '../support/api-client';
import { freePort } from '../support/free-ports';
import { parsePrometheusText, type Exposition } from '../support/prometheus-text';
import { startApiStack, type ApiStack } from './api-stack';

let stack: ApiStack;
let reader: ApiAgent;
let workerMetricsAddress: string;
let subscriptionId: string;
let paymentId: string;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function scrape(client: ApiAgent = reader): Promise<Exposition> {
  const res = await client.get('/metrics');
  expect({ status: res.status, problem: res.status === 200 ? undefined : res.text }).toEqual({ status: 200, problem: undefined });
  return parsePrometheusText(res.text);
}

beforeAll(async () => {
  // Before the stack: the SDK Runtime is created by the first NativeConnection.
  workerMetricsAddress = installWorkerRuntime({ address: `127.0.0.1:${await freePort()}`, sdkLogger: new DefaultLogger('ERROR') })!;
  stack = await startApiStack();
  reader = agentWithKey(stack.app, (await createTestApiKey(stack.parts.pool, 'read', 'prometheus')).key);
  const customerKey = stack.parts.customerKey('metrics');
  const paymentMethodId = await stack.card(customerKey);
  const created = await stack.api.post('/v1/subscriptions').send({ customerKey, planId: 'pro-monthly', paymentMethodId, trial: false });
  expect(created.status).toBe(201);
  expect(created.body.status).toBe('ACTIVE');
  subscriptionId = created.body.subscriptionId;
  paymentId = created.body.lastPayment.paymentId;
  // A declined first charge: a DECLINED row in the ledger.
  const declining = await stack.card(customerKey, 'soft-decline');
  const declined = await stack.api.post('/v1/subscriptions').send({ customerKey, planId: 'basic-yearly', paymentMethodId: declining, trial: false });
  expect(declined.status).toBe(402);
  // A partial refund: a row in the refunds table.
  const refunded = await stack.api.post(`/v1/payments/${paymentId}/refund`).send({ amount: 1000 });
  expect(refunded.status).toBe(200);
}, 240_000);

afterAll(async () => {
  await stack?.stop();
});

describe('GET /metrics', () => {
  test('needs an API key: 401 without one, 200 with a read-only key', async () => {
    const anonymous = await request(stack.app).get('/metrics');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.code).toBe('unauthenticated');
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer\b/);
    expect(anonymous.text).not.toContain('subscriptions_http_requests_total');
    const bad = await request(stack.app).get('/metrics').set('Authorization', 'Bearer sk_0000000000000000_nope');
    expect(bad.status).toBe(401);
    expect((await reader.get('/metrics')).status).toBe(200);
  });

  test('answers Prometheus text: typed metrics, parsable samples, process metrics with the prefix', async () => {
    const res = await reader.get('/metrics');
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers['cache-control']).toBe('no-store');
    const metrics = parsePrometheusText(res.text);
    expect(metrics.samples.length).toBeGreaterThan(50);
    expect(metrics.types.get('subscriptions_http_request_duration_seconds')).toBe('histogram');
    expect(metrics.types.get('subscriptions_http_requests_total')).toBe('counter');
    expect(metrics.types.get('subscriptions_charges_total')).toBe('counter');
    expect(metrics.types.get('subscriptions_by_status')).toBe('gauge');
    expect(metrics.types.get('subscriptions_mrr_minor_units')).toBe('gauge');
    expect(metrics.value('subscriptions_process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(metrics.value('subscriptions_nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(metrics.value('subscriptions_billing_metrics_up')).toBe(1);
  });

  test('HTTP metrics count each request under its route template, never a raw id', async () => {
    const labels = { method: 'GET', route: '/v1/subscriptions/:id', status_code: '200' };
    const notFound = { ...labels, status_code: '404' };
    const anonymous = { ...labels, status_code: '401' };
    const before = await scrape();
    expect((await reader.get(`/v1/subscriptions/${subscriptionId}`)).status).toBe(200);
    expect((await reader.get('/v1/subscriptions/sub_doesnotexist0000000')).status).toBe(404);
    // Refused by authentication before any route ran: still counted under the route it asked for.
    expect((await request(stack.app).get('/v1/subscriptions/sub_anonymous000000000')).status).toBe(401);
    expect((await reader.get('/v1/no/such/route/here')).status).toBe(404);
    const after = await scrape();

    const delta = (name: string, l: Record<string, string>) => (after.value(name, l) ?? 0) - (before.value(name, l) ?? 0);
    expect(delta('subscriptions_http_requests_total', labels)).toBe(1);
    expect(delta('subscriptions_http_requests_total', notFound)).toBe(1);
    expect(delta('subscriptions_http_requests_total', anonymous)).toBe(1);
    expect(delta('subscriptions_http_requests_total', { method: 'GET', route: 'unmatched', status_code: '404' })).toBe(1);
    expect(delta('subscriptions_http_request_duration_seconds_count', labels)).toBe(1);
    expect(after.value('subscriptions_http_request_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBe(after.value('subscriptions_http_request_duration_seconds_count', labels));
    expect(after.value('subscriptions_http_request_duration_seconds_sum', labels)).toBeGreaterThan(0);
    // The scrape itself counts, under /metrics.
    expect(after.value('subscriptions_http_requests_total', { method: 'GET', route: '/metrics', status_code: '200' })).toBeGreaterThanOrEqual(2);

    const routes = new Set(after.find('subscriptions_http_requests_total').map((s) => s.labels.route));
    for (const route of routes) expect(route === 'unmatched' || route!.startsWith('/')).toBe(true);
    expect(after.samples.some((s) => Object.values(s.labels).some((v) => v.includes(subscriptionId) || v.includes('sub_doesnotexist')))).toBe(false);
  });

  test('billing metrics reflect the ledger and the subscriptions projection', async () => {
    const metrics = await scrape();
    const { pool } = stack.parts;
    const ledger = async (sql: string) => (await pool.query(sql)).rows;

    expect(metrics.value('subscriptions_by_status', { status: 'ACTIVE' })).toBeGreaterThanOrEqual(1);
    const byStatus = await ledger('SELECT status, count(*)::int AS n FROM subscriptions GROUP BY status');
    for (const { status, n } of byStatus) expect({ status, n: metrics.value('subscriptions_by_status', { status }) }).toEqual({ status, n });
    expect(metrics.value('subscriptions_by_status', { status: 'REVOKED' })).toBe(byStatus.find((r) => r.status === 'REVOKED')?.n ?? 0);

    // Charged: the sum of approved ledger rows, per currency; refunds never lower it.
    const charged = await ledger("SELECT currency, sum(amount)::bigint AS amount FROM payments WHERE status <> 'DECLINED' GROUP BY currency");
    expect(charged.find((r) => r.currency === 'KRW')?.amount).toBeGreaterThanOrEqual(19_900);
    for (const { currency, amount } of charged) expect({ currency, amount: metrics.value('subscriptions_charged_minor_units_total', { currency }) }).toEqual({ currency, amount });
    expect(metrics.find('subscriptions_charged_minor_units_total')).toHaveLength(charged.length);

    const [counts] = await ledger("SELECT count(*) FILTER (WHERE status <> 'DECLINED')::int AS approved, count(*) FILTER (WHERE status = 'DECLINED')::int AS declined FROM payments");
    expect(metrics.value('subscriptions_charges_total', { outcome: 'approved' })).toBe(counts.approved);
    expect(metrics.sum('subscriptions_charges_total') - metrics.value('subscriptions_charges_total', { outcome: 'approved' })!).toBe(counts.declined);
    expect(metrics.value('subscriptions_charges_total', { outcome: 'declined_soft' })).toBeGreaterThanOrEqual(1); // REJECT_CARD_PAYMENT

    const refunded = await ledger('SELECT currency, kind, sum(amount)::bigint AS amount FROM refunds GROUP BY currency, kind');
    expect(refunded.find((r) => r.currency === 'KRW' && r.kind === 'refund')?.amount).toBeGreaterThanOrEqual(1000);
    for (const { currency, kind, amount } of refunded) expect(metrics.value('subscriptions_refunded_minor_units_total', { currency, kind })).toBe(amount);

    expect(metrics.value('subscriptions_mrr_minor_units', { currency: 'KRW' })).toBe(await expectedMrr('KRW'));
    expect(metrics.value('subscriptions_dunning', { phase: 'in_grace_period' })).toBe(byStatus.find((r) => r.status === 'IN_GRACE_PERIOD')?.n ?? 0);
  });

  test('dunning, blocked and MRR: figures of hand-written projection rows, with monthly normalisation', async () => {
    const { pool } = stack.parts;
    const customerKey = stack.parts.customerKey('metrics-rows');
    const paymentMethodId = await stack.card(customerKey);
    const repo = new BillingMetricsRepo(pool);
    const before = await repo.figures();
    const ids: string[] = [];
    const insert = async (planId: string, status: string, entitled: boolean, snapshot: Record<string, unknown> | null) => {
      const id = `sub_metricsrow${ids.length}${Date.now().toString(36)}`;
      ids.push(id);
      await pool.query(
        `INSERT INTO subscriptions (id, customer_key, plan_id, product, payment_method_id, status, entitled, time_zone, snapshot)
         SELECT $1, $2, p.id, p.product, $3, $4, $5, 'Asia/Seoul', $6 FROM plans p WHERE p.id = $7`,
        [id, customerKey, paymentMethodId, status, entitled, snapshot === null ? null : JSON.stringify(snapshot), planId],
      );
    };
    try {
      const retry = { declineKind: 'soft', nextRetryAt: '2099-01-02T00:00:00.000Z' };
      await insert('pro-weekly', 'IN_GRACE_PERIOD', true, { price: 4_900, currency: 'KRW', dunning: retry, blocked: null });
      await insert('basic-yearly', 'ON_HOLD', false, { price: 99_000, currency: 'KRW', dunning: { declineKind: 'hard', nextRetryAt: null }, blocked: null });
      await insert('pro-pass-30d', 'ACTIVE', true, { price: 21_900, currency: 'KRW', dunning: null, blocked: { code: 'INVALID_API_KEY', message: 'bad key' } });
      await insert('darcy-monthly-gbp', 'CANCELED', true, { price: 125, currency: 'GBP', dunning: null, blocked: null });
      await insert('tier2-yearly-usd', 'TRIALING', true, null); // no snapshot yet: the plan's price
      const after = await repo.figures();
      expect(after.dunning.inGracePeriod - before.dunning.inGracePeriod).toBe(1);
      expect(after.dunning.onHold - before.dunning.onHold).toBe(1);
      expect(after.dunning.retryPending - before.dunning.retryPending).toBe(1);
      expect(after.blocked - before.blocked).toBe(1);
      for (const currency of ['KRW', 'GBP', 'USD']) {
        expect({ currency, mrr: after.mrr.find((m) => m.currency === currency)?.amount }).toEqual({ currency, mrr: await expectedMrr(currency) });
      }
      const metrics = await scrape();
      expect(metrics.value('subscriptions_dunning', { phase: 'retry_pending' })).toBe(after.dunning.retryPending);
      expect(metrics.value('subscriptions_dunning', { phase: 'on_hold' })).toBe(after.dunning.onHold);
      expect(metrics.value('subscriptions_blocked')).toBe(after.blocked);
      expect(metrics.value('subscriptions_mrr_minor_units', { currency: 'GBP' })).toBe(await expectedMrr('GBP'));
    } finally {
      await pool.query('DELETE FROM subscriptions WHERE id = ANY($1)', [ids]);
    }
  });

  test('the worker serves the Temporal SDK metrics (temporal_ prefix) on its own address', async () => {
    const res = await fetch(`http://${workerMetricsAddress}/metrics`);
    expect(res.status).toBe(200);
    const metrics = parsePrometheusText(await res.text());
    const names = new Set(metrics.samples.map((s) => s.name));
    // The names the Grafana dashboard uses (docs/grafana/subscription-orchestrator.json).
    for (const name of [
      'temporal_workflow_task_schedule_to_start_latency_bucket',
      'temporal_workflow_task_execution_latency_bucket',
      'temporal_activity_execution_latency_bucket',
      'temporal_activity_schedule_to_start_latency_bucket',
      'temporal_sticky_cache_size',
      'temporal_worker_task_slots_available',
    ]) {
      expect({ name, exported: names.has(name) }).toEqual({ name, exported: true });
    }
    expect(metrics.find('temporal_activity_execution_latency_count', { activity_type: 'chargeSubscription' }).length).toBeGreaterThanOrEqual(1);
  });
});

test('the Grafana dashboard queries only metrics the API and the worker export, through its data-source variable', async () => {
  const dashboard = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'docs', 'grafana', 'subscription-orchestrator.json'), 'utf8'));
  expect(dashboard.templating.list.find((v: { type: string }) => v.type === 'datasource')).toMatchObject({ name: 'datasource', query: 'prometheus' });
  const panels = dashboard.panels.filter((p: { type: string }) => p.type !== 'row');
  const queries: string[] = [
    ...panels.flatMap((p: { targets: { expr: string }[] }) => p.targets.map((t) => t.expr)),
    ...dashboard.templating.list.filter((v: { type: string }) => v.type === 'query').map((v: { definition: string }) => v.definition),
  ];
  for (const panel of panels) {
    expect({ panel: panel.title, ds: panel.datasource.uid }).toEqual({ panel: panel.title, ds: '${datasource}' });
    for (const t of panel.targets) expect({ panel: panel.title, ds: t.datasource.uid }).toEqual({ panel: panel.title, ds: '${datasource}' });
  }
  const used = new Set(queries.flatMap((q) => q.match(/\b(?:subscriptions|temporal)_[a-z0-9_]+/g) ?? []));
  expect(used.size).toBeGreaterThanOrEqual(15);
  const exported = new Set([
    ...(await scrape()).samples.map((s) => s.name),
    ...parsePrometheusText(await (await fetch(`http://${workerMetricsAddress}/metrics`)).text()).samples.map((s) => s.name),
  ]);
  expect([...used].filter((name) => !exported.has(name))).toEqual([]);
});

describe('request ids', () => {
  test('a well-formed incoming X-Request-Id is echoed, and is the problem body\'s requestId', async () => {
    const id = 'edge-7f3a.9_B';
    const res = await reader.get('/v1/subscriptions/sub_doesnotexist0000000').set('X-Request-Id', id);
    expect(res.status).toBe(404);
    expect(res.headers['x-request-id']).toBe(id);
    expect(res.body).toMatchObject({ code: 'not-found', requestId: id });
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  test('a malformed or oversized one is replaced by a fresh UUID; none gets one too', async () => {
    for (const sent of ['has space', 'a/b', 'x'.repeat(129), '', 'ünïcode']) {
      const res = await request(stack.app).get('/v1/plans').set('X-Request-Id', sent);
      expect(res.status).toBe(401);
      expect(res.headers['x-request-id']).toMatch(UUID);
      expect(res.body.requestId).toBe(res.headers['x-request-id']);
    }
    const longest = 'y'.repeat(128);
    expect((await request(stack.app).get('/v1/plans').set('X-Request-Id', longest)).headers['x-request-id']).toBe(longest);
    const fresh = await reader.get('/v1/plans');
    expect(fresh.status).toBe(200);
    expect(fresh.headers['x-request-id']).toMatch(UUID);
    const again = await reader.get('/v1/plans');
    expect(again.headers['x-request-id']).not.toBe(fresh.headers['x-request-id']);
  });

  test('every problem body carries the request id, 4xx from every layer', async () => {
    const problems = [
      await request(stack.app).get('/v1/plans'), // authentication
      await reader.post('/v1/subscriptions').send({}), // rights (read-only key)
      await stack.api.post('/v1/subscriptions').set('content-type', 'text/plain').send('x'), // body parsing
      await stack.api.post('/v1/subscriptions').set('content-type', 'application/json').send('{"oops"'), // invalid JSON
      await stack.api.post('/v1/subscriptions').send({ planId: 42 }), // validation
      await reader.get('/v1/nothing'), // no route
    ];
    expect(problems.map((r) => r.status)).toEqual([401, 403, 415, 400, 400, 404]);
    for (const res of problems) {
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.requestId).toBe(res.headers['x-request-id']);
    }
  });

  test('every log line written for a request carries its id: the route\'s own lines and the access line', async () => {
    const raw: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        raw.push(...chunk.toString('utf8').split('\n').filter((line) => line.trim()));
        done();
      },
    });
    const logger = createLogger('debug', 'metrics-test', sink);
    const { parts, env, taskQueue } = stack;
    const app = createApiApp({ pool: parts.pool, ...parts.repos, webhookDelivery: parts.webhookDelivery, gateway: parts.gateway, temporal: env.client, taskQueue, logger });
    const api = agentWithKey(app, (await createTestApiKey(parts.pool, 'full')).key);
    const customerKey = parts.customerKey('logs');
    const registered = await api.post(`/v1/customers/${customerKey}/payment-methods`).set('X-Request-Id', 'log-trace-1').send({ authKey: 'auth_approve' });
    expect(registered.status).toBe(201);
    const failed = await api.get('/v1/subscriptions/sub_doesnotexist0000000').set('X-Request-Id', 'log-trace-2');
    expect(failed.status).toBe(404);
    await new Promise((resolve) => setImmediate(resolve));
    const lines: Record<string, unknown>[] = raw.map((line) => JSON.parse(line));

    const first = lines.filter((l) => l.requestId === 'log-trace-1');
    expect(first.map((l) => l.msg)).toEqual(expect.arrayContaining(['payment method registered', 'request completed']));
    expect(first.find((l) => l.msg === 'request completed')).toMatchObject({
      method: 'POST',
      route: '/v1/customers/:customerKey/payment-methods',
      statusCode: 201,
      level: 30,
    });
    expect(lines.find((l) => l.requestId === 'log-trace-2' && l.msg === 'request completed')).toMatchObject({ route: '/v1/subscriptions/:id', statusCode: 404 });
    // Nothing written for a request lacks its id, and no line repeats the key (a child binding would).
    for (const line of raw) expect({ line, ids: line.match(/"requestId"/g)?.length }).toEqual({ line, ids: 1 });
    expect(raw.join('\n')).not.toMatch(/authorization|auth_approve|Bearer/i);
  });
});

/**
 * MRR of `currency` computed here, independently of the SQL: exact fractions with BigInt over every
 * entitled subscription, rounded half up once.
 */
async function expectedMrr(currency: string): Promise<number | undefined> {
  const { rows } = await stack.parts.pool.query(
    `SELECT COALESCE((s.snapshot->>'price')::bigint, p.price) AS price, COALESCE(s.snapshot->>'currency', p.currency) AS currency,
            p.interval_unit AS unit, p.interval_count AS count
       FROM subscriptions s JOIN plans p ON p.id = s.plan_id WHERE s.entitled`,
  );
  const perYear: Record<string, bigint> = { year: 1n, month: 12n, week: 52n, day: 365n };
  let num = 0n;
  let den = 1n;
  for (const row of rows.filter((r) => r.currency === currency)) {
    // price × perYear / (12 × count), added to num/den.
    const n = BigInt(row.price) * perYear[row.unit]!;
    const d = 12n * BigInt(row.count);
    num = num * d + n * den;
    den *= d;
  }
  if (rows.every((r) => r.currency !== currency)) return undefined;
  return Number((2n * num + den) / (2n * den)); // floor(x + 1/2)
}
