/**
 * Daily reconciliation around the workflow (docs/reconciliation.md), on the Temporal CLI dev
 * server (the time-skipping test server has no Schedules): the Schedule `daily-reconciliation`
 * created once however many processes ensure it, its action reconciling the day before its action
 * time, the read API, the `subscriptions_reconciliation_*` gauges, and `npm run reconcile`.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { ReconciliationRepo } from '../../src/db/reconciliation-repo';
import { TASK_QUEUE } from '../../src/temporal/task-queue';
import {
  CATCHUP_WINDOW_MS,
  ensureReconciliationSchedule,
  RECONCILIATION_SCHEDULE_ID,
  reconcileDay,
} from '../../src/temporal/reconciliation-schedule';
import { previousLocalDay, type ReconciliationResult } from '../../workflows/reconciliation-workflow';
import { agentWithKey, createTestApiKey, type ApiAgent } from '../support/api-client';
import { localDateTime } from '../support/local-time';
import { parsePrometheusText } from '../support/prometheus-text';
import { startApiStack, type ApiStack } from './api-stack';

let stack: ApiStack;
let reader: ApiAgent;

beforeAll(async () => {
  stack = await startApiStack();
  reader = agentWithKey(stack.app, (await createTestApiKey(stack.parts.pool, 'read', 'reconciliation-reader')).key);
}, 240_000);

afterAll(async () => {
  await stack?.stop();
});

const dayOf = (at: string | number | Date) => localDateTime(at instanceof Date ? at.getTime() : at).slice(0, 10);
const ensure = (hour = 4) => ensureReconciliationSchedule(stack.env.client, { taskQueue: stack.taskQueue, namespace: 'default', timeZone: 'Asia/Seoul', hour });
const schedule = () => stack.env.client.schedule.getHandle(RECONCILIATION_SCHEDULE_ID);

async function scheduleIds(): Promise<string[]> {
  const ids: string[] = [];
  for await (const s of stack.env.client.schedule.list()) ids.push(s.scheduleId);
  return ids;
}

describe('the Schedule', () => {
  test('ensured twice and then three times at once: created once, daily at 04:00 Asia/Seoul, SKIP, a day of catch-up', async () => {
    expect(await ensure()).toBe('created');
    expect(await ensure()).toBe('unchanged');
    expect(await Promise.all([ensure(), ensure(), ensure()])).toEqual(['unchanged', 'unchanged', 'unchanged']);

    const d = await schedule().describe();
    expect(d.spec.timezone).toBe('Asia/Seoul');
    expect(d.spec.calendars).toHaveLength(1);
    expect(d.spec.calendars![0]).toMatchObject({ hour: [{ start: 4, end: 4 }], minute: [{ start: 0, end: 0 }] });
    expect(d.policies).toMatchObject({ overlap: 'SKIP', catchupWindow: CATCHUP_WINDOW_MS });
    expect(d.action).toMatchObject({ type: 'startWorkflow', workflowType: 'reconciliationWorkflow', taskQueue: stack.taskQueue, args: [{ timeZone: 'Asia/Seoul' }] });
    for (const next of d.info.nextActionTimes) expect(localDateTime(next.getTime()).slice(11)).toBe('04:00');
    // Visibility is eventually consistent: the list shows it once it is indexed, and only once.
    const deadline = Date.now() + 15_000;
    let ids = await scheduleIds();
    while (!ids.includes(RECONCILIATION_SCHEDULE_ID) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      ids = await scheduleIds();
    }
    expect(ids.filter((id) => id === RECONCILIATION_SCHEDULE_ID)).toHaveLength(1);
  });

  test('another hour updates it; several processes starting at once on a server without it create it once', async () => {
    expect(await ensure(5)).toBe('updated');
    const moved = await schedule().describe();
    expect(moved.spec.calendars![0]).toMatchObject({ hour: [{ start: 5, end: 5 }] });
    expect(localDateTime(moved.info.nextActionTimes[0]!.getTime()).slice(11)).toBe('05:00');
    expect(await ensure(4)).toBe('updated');

    await schedule().delete();
    const outcomes = await Promise.all([ensure(), ensure(), ensure()]);
    expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
    expect(outcomes.filter((o) => o !== 'created').every((o) => o === 'unchanged')).toBe(true);
    expect((await schedule().describe()).spec.calendars![0]).toMatchObject({ hour: [{ start: 4, end: 4 }] });
  });

  test('its action reconciles the local day before the action time (TemporalScheduledStartTime)', async () => {
    await ensure();
    await schedule().trigger();
    let action;
    for (const deadline = Date.now() + 20_000; !action && Date.now() < deadline; ) {
      action = (await schedule().describe()).info.recentActions.at(-1);
      if (!action) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(action).toBeDefined();
    expect(action!.action.workflow.workflowId).toMatch(/^daily-reconciliation-/);
    const result: ReconciliationResult = await stack.env.client.workflow.getHandle(action!.action.workflow.workflowId).result();
    expect(result).toMatchObject({ status: 'completed', timeZone: 'Asia/Seoul', day: previousLocalDay(action!.scheduledAt.getTime(), 'Asia/Seoul') });
    // Checked against an independent calendar: one day before the action's local date.
    const actionDay = dayOf(action!.scheduledAt);
    expect(dayOf(Date.parse(`${result.day}T12:00:00+09:00`) + 24 * 3600_000)).toBe(actionDay);
    const run = await new ReconciliationRepo(stack.parts.pool).getRun(result.day);
    expect(run).toMatchObject({ status: 'completed', workflowId: action!.action.workflow.workflowId });
  });

  test('a late action (a catch-up, a backfill) still reconciles the day before its nominal time, not before its start', async () => {
    await ensure();
    // 04:00 in Seoul three days ago: the action runs now, its nominal time is then.
    const nominal = Date.parse(`${dayOf(Date.now() - 3 * 24 * 3600_000)}T04:00:00+09:00`);
    await schedule().backfill([{ start: new Date(nominal - 1000), end: new Date(nominal + 1000), overlap: 'ALLOW_ALL' }]);
    let action;
    for (const deadline = Date.now() + 20_000; !action && Date.now() < deadline; ) {
      action = (await schedule().describe()).info.recentActions.find((a) => a.scheduledAt.getTime() === nominal);
      if (!action) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(action).toBeDefined();
    const result: ReconciliationResult = await stack.env.client.workflow.getHandle(action!.action.workflow.workflowId).result();
    expect(result.day).toBe(dayOf(nominal - 24 * 3600_000));
    expect(result.day).not.toBe(previousLocalDay(Date.now(), 'Asia/Seoul'));
    // And unconfirmed orders are measured from the nominal time too.
    expect(Date.parse(result.unsettledBefore)).toBe(nominal - 24 * 3600_000);
  });
});

describe('reading the results', () => {
  test('a run and its mismatches over the API, with both values; the gauge follows; a fixed ledger resolves it', async () => {
    const { pool } = stack.parts;
    const customerKey = stack.parts.customerKey('rec-api');
    const paymentMethodId = await stack.card(customerKey);
    const created = await stack.api.post('/v1/subscriptions').send({ customerKey, planId: 'pro-monthly', paymentMethodId, trial: false });
    expect(created.status).toBe(201);
    const orderId: string = created.body.lastPayment.paymentId;
    const day = dayOf((await stack.parts.repos.payments.get(orderId))!.approvedAt!);
    await pool.query('UPDATE payments SET amount = amount - 100 WHERE order_id = $1', [orderId]);

    const result = await reconcileDay(stack.env.client, { day, taskQueue: stack.taskQueue });
    expect(result).toMatchObject({ day, status: 'completed' });
    expect(result.openByKind.amount).toBeGreaterThanOrEqual(1);

    const list = await reader.get('/v1/reconciliation/runs?limit=5');
    expect(list.status).toBe(200);
    expect(list.body.runs.find((r: { day: string }) => r.day === day)).toMatchObject({ status: 'completed', timeZone: 'Asia/Seoul', mismatchCount: result.openMismatches });
    const days = list.body.runs.map((r: { day: string }) => r.day);
    expect(days).toEqual([...days].sort().reverse());

    const one = await reader.get(`/v1/reconciliation/runs/${day}`);
    expect(one.status).toBe(200);
    expect(one.body.run).toMatchObject({ day, status: 'completed', checkedOrders: result.checkedOrders, window: result.window });
    expect(one.body.truncated).toBe(false);
    const mismatch = one.body.mismatches.find((m: { orderId: string }) => m.orderId === orderId);
    expect(mismatch).toMatchObject({ kind: 'amount', ledgerValue: '19800', gatewayValue: '19900', subscriptionId: created.body.subscriptionId, resolvedAt: null });
    expect(typeof mismatch.paymentKey).toBe('string');

    const open = async () =>
      (await pool.query("SELECT count(DISTINCT order_id)::int AS n FROM reconciliation_mismatches WHERE resolved_at IS NULL AND kind = 'amount'")).rows[0].n as number;
    const scrape = async () => parsePrometheusText((await reader.get('/metrics')).text);
    let metrics = await scrape();
    expect(metrics.find('subscriptions_reconciliation_mismatches')).toHaveLength(7);
    expect(metrics.value('subscriptions_reconciliation_mismatches', { kind: 'amount' })).toBe(await open());
    expect(metrics.value('subscriptions_reconciliation_mismatches', { kind: 'amount' })).toBeGreaterThanOrEqual(1);
    expect(metrics.value('subscriptions_reconciliation_days', { status: 'completed' })).toBeGreaterThanOrEqual(1);
    expect(metrics.value('subscriptions_reconciliation_days', { status: 'failed' })).toBe(0);
    const before = metrics.value('subscriptions_reconciliation_mismatches', { kind: 'amount' })!;

    await pool.query('UPDATE payments SET amount = amount + 100 WHERE order_id = $1', [orderId]);
    await reconcileDay(stack.env.client, { day, taskQueue: stack.taskQueue });
    const after = await reader.get(`/v1/reconciliation/runs/${day}?limit=1000`);
    expect(after.body.run.pass).toBe(one.body.run.pass + 1);
    expect(after.body.mismatches.filter((m: { orderId: string }) => m.orderId === orderId)).toEqual([
      expect.objectContaining({ id: mismatch.id, kind: 'amount', resolvedAt: expect.any(String) }),
    ]);
    metrics = await scrape();
    expect(metrics.value('subscriptions_reconciliation_mismatches', { kind: 'amount' })).toBe(before - 1);
  });

  test('bad days and limits are 400 invalid-request, a day never run is 404 not-found', async () => {
    for (const path of ['/v1/reconciliation/runs/2026-02-30', '/v1/reconciliation/runs/yesterday', '/v1/reconciliation/runs?limit=0', '/v1/reconciliation/runs?limit=201', '/v1/reconciliation/runs?limit=1e2', '/v1/reconciliation/runs?day=2026-11-22', '/v1/reconciliation/runs/2026-11-22?limit=1001']) {
      const res = await reader.get(path);
      expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 400, code: 'invalid-request' });
    }
    const missing = await reader.get('/v1/reconciliation/runs/1999-01-01');
    expect({ status: missing.status, code: missing.body.code }).toEqual({ status: 404, code: 'not-found' });
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

/** Runs `npm run reconcile`'s script with `args`; its exit code, stdout and stderr. */
function reconcileCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const root = path.resolve(__dirname, '../..');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/bootstrap/reconcile-cli.ts'), ...args], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('npm run reconcile: a usage error exits 64; a day runs on the workers of the task queue and prints its result', async () => {
  const usage = await reconcileCli(['--day', '2026-02-30']);
  expect(usage.code).toBe(64);
  expect(usage.stderr).toMatch(/usage: npm run reconcile -- --day YYYY-MM-DD/);

  // The system's workers poll the product's task queue; this dev server has none but this one.
  const worker = await Worker.create({
    connection: stack.env.nativeConnection,
    namespace: 'default',
    taskQueue: TASK_QUEUE,
    workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
    activities: stack.parts.activities,
  });
  const running = worker.run();
  try {
    const day = '2000-01-05';
    const cli = await reconcileCli(['--day', day], { TEMPORAL_ADDRESS: stack.env.address, TEMPORAL_NAMESPACE: 'default' });
    expect({ code: cli.code, stderr: cli.stderr }).toEqual({ code: 0, stderr: expect.stringContaining(`reconciling ${day} (workflow reconciliation-${day})`) });
    expect(JSON.parse(cli.stdout)).toMatchObject({ day, status: 'completed', checkedOrders: 0, openMismatches: 0 });
    expect(await new ReconciliationRepo(stack.parts.pool).getRun(day)).toMatchObject({ status: 'completed', workflowId: `reconciliation-${day}` });
  } finally {
    worker.shutdown();
    await running;
  }
}, 180_000);
