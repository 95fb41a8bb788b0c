/**
 * The API process killed while creates with Idempotency-Keys are in flight (issue 8, item 7). The
 * API runs as its own process (src/bootstrap/api-main.ts) against this test's Temporal dev server,
 * database and emulator; the worker runs here and lives on. After SIGKILL and a restart, the same
 * requests are sent again (honouring 409 + Retry-After): every key ends with exactly one
 * subscription — one workflow, one row — and one charge, and no row lacks a workflow. Then the
 * same with keyed refunds of those payments: one cancel per key at the gateway, ledger = gateway.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { z } from 'zod';
import { createActivities } from '../../activities';
import { derivedSubscriptionId } from '../../src/api/subscription-start';
import { SecretCipher } from '../../src/db/secret-cipher';
import { PaymentMethodsRepo } from '../../src/db/payment-methods-repo';
import { TASK_QUEUE, workflowIdFor } from '../../src/temporal/task-queue';
import { bearer, createTestApiKey } from '../support/api-client';
import { EMULATOR_SECRET, startParts, type Parts } from '../support/stack-parts';
import { startDevServer, workflowExists, workflowIdsOf } from './api-stack';

jest.setTimeout(240_000);

const REQUESTS = 20;
const ROOT = path.resolve(__dirname, '../..');

let env: TestWorkflowEnvironment;
let parts: Parts;
let worker: Worker;
let running: Promise<void>;
let apiKey: string;
let paymentMethods: PaymentMethodsRepo;
const encryptionKey = SecretCipher.generateKey();
const children: ChildProcess[] = [];

beforeAll(async () => {
  env = await startDevServer();
  parts = await startParts();
  // The API process encrypts billing keys with this key; the worker here must read them.
  paymentMethods = new PaymentMethodsRepo(parts.pool, new SecretCipher(encryptionKey));
  worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue: TASK_QUEUE, // the API process starts workflows on the default queue (its own dev server here)
    workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
    activities: createActivities({ gateway: parts.gateway, ...parts.repos, webhookDelivery: parts.webhookDelivery, paymentMethods, pool: parts.pool }),
  });
  running = worker.run();
  apiKey = (await createTestApiKey(parts.pool)).key;
}, 120_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  worker?.shutdown();
  await running;
  await parts?.close();
  await env?.teardown();
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

interface ApiProcess {
  child: ChildProcess;
  url: string;
  exited: Promise<void>;
}

/** Starts api-main.ts and resolves once it logs that it listens (bounded). */
async function startApiProcess(): Promise<ApiProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/bootstrap/api-main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: process.env.TEST_DATABASE_URL,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_NAMESPACE: env.namespace ?? 'default',
      TOSS_SECRET_KEY: EMULATOR_SECRET,
      TOSS_API_BASE_URL: parts.emulatorUrl,
      BILLING_KEY_ENCRYPTION_KEY: encryptionKey,
      DATA_DIR: mkdtempSync(path.join(process.env.TEST_TMP_DIR ?? os.tmpdir(), 'api-crash-')),
      API_HOST: '127.0.0.1',
      API_PORT: String(port),
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`API process did not listen within 90 s:\n${output}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('API listening')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`API process exited before listening:\n${output}`));
    });
  });
  return { child, url: `http://127.0.0.1:${port}`, exited };
}

interface Order {
  customerKey: string;
  idempotencyKey: string;
  paymentMethodId: string;
}

const post = (url: string, order: Order) =>
  fetch(`${url}/v1/subscriptions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: bearer(apiKey), 'idempotency-key': order.idempotencyKey },
    body: JSON.stringify({ customerKey: order.customerKey, planId: 'pro-monthly', paymentMethodId: order.paymentMethodId, trial: false }),
  });

const answerBody = z.object({ subscriptionId: z.string().optional(), code: z.string().optional() });

/** Sends until the answer is final: a 409 "in progress" is retried after its Retry-After (bounded). */
async function sendUntilAnswered(url: string, order: Order): Promise<{ status: number; body: z.infer<typeof answerBody> }> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const res = await post(url, order);
    const body = answerBody.parse(await res.json());
    if (res.status === 409 && body.code === 'idempotency-key-in-use' && Date.now() < deadline) {
      const seconds = Number(res.headers.get('retry-after') ?? '1');
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
      continue;
    }
    return { status: res.status, body };
  }
}

/** Waits (at most a minute) until `sql` counts at least `atLeast` rows: the moment to pull the plug. */
async function untilCount(sql: string, keys: string[], atLeast: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { rows } = await parts.pool.query<{ n: number }>(sql, [keys]);
    if (rows[0]!.n >= atLeast || Date.now() > deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function setEmulatorLatency(latencyMs: number): Promise<void> {
  const res = await fetch(`${parts.emulatorUrl}/emulator/latency`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs }) });
  expect(res.status).toBe(204);
}

test('SIGKILL mid-flight, restart, resend: one subscription, one workflow, one row and one charge per key; then the same for refunds', async () => {
  const orders: Order[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const customerKey = parts.customerKey(`crash-${i}`);
    // Stored with the API process's encryption key, so both it and this worker can read it.
    const paymentMethodId = await parts.registerCard(customerKey, 'approve', paymentMethods);
    orders.push({ customerKey, idempotencyKey: `crash-key-${i}`, paymentMethodId });
  }
  const customerKeys = orders.map((o) => o.customerKey);

  // A slow gateway keeps the first charges in flight when the process dies.
  await setEmulatorLatency(400);
  const first = await startApiProcess();
  const inFlight = orders.map((order) => post(first.url, order).then((res) => res.status, () => 'lost' as const));
  // Kill once some workflows have started (their rows exist) — before most have answered.
  await untilCount('SELECT count(*)::int AS n FROM subscriptions WHERE customer_key = ANY($1)', customerKeys, 3);
  first.child.kill('SIGKILL');
  await first.exited;
  const firstAnswers = await Promise.all(inFlight);
  expect(firstAnswers.filter((s) => s === 'lost').length).toBeGreaterThan(0);
  await setEmulatorLatency(0);

  const second = await startApiProcess();
  const answers = await Promise.all(orders.map((order) => sendUntilAnswered(second.url, order)));
  for (const [i, answer] of answers.entries()) {
    const order = orders[i]!;
    const id = derivedSubscriptionId(order.customerKey, order.idempotencyKey);
    expect([order.idempotencyKey, answer.status, answer.body.subscriptionId]).toEqual([order.idempotencyKey, 201, id]);
  }

  for (const order of orders) {
    const id = derivedSubscriptionId(order.customerKey, order.idempotencyKey);
    const { rows } = await parts.pool.query<{ id: string }>('SELECT id FROM subscriptions WHERE customer_key = $1', [order.customerKey]);
    expect({ key: order.idempotencyKey, rows: rows.map((r) => r.id) }).toEqual({ key: order.idempotencyKey, rows: [id] });
    expect(await workflowExists(env, id)).toBe(true);
    expect({ key: order.idempotencyKey, workflows: await workflowIdsOf(env, order.customerKey) }).toEqual({ key: order.idempotencyKey, workflows: [workflowIdFor(id)] });
    expect({ key: order.idempotencyKey, charges: parts.charges(order.customerKey).length }).toEqual({ key: order.idempotencyKey, charges: 1 });
  }

  // Refunds, the other money-moving POST: killed mid-flight and resent, each key refunds once.
  await setEmulatorLatency(400);
  const refunding = second;
  const payments = await Promise.all(
    orders.map(async (order) => (await parts.repos.payments.listForSubscription(derivedSubscriptionId(order.customerKey, order.idempotencyKey)))[0]!.orderId),
  );
  const refund = (url: string, paymentId: string, i: number) =>
    fetch(`${url}/v1/payments/${paymentId}/refund`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: bearer(apiKey), 'idempotency-key': `crash-refund-${i}` },
      body: JSON.stringify({ amount: 3_000 }),
    });
  const refundsInFlight = payments.map((paymentId, i) => refund(refunding.url, paymentId, i).then((res) => res.status, () => 'lost' as const));
  await untilCount('SELECT count(*)::int AS n FROM refunds WHERE order_id = ANY($1)', payments, 2);
  refunding.child.kill('SIGKILL');
  await refunding.exited;
  expect((await Promise.all(refundsInFlight)).filter((s) => s === 'lost').length).toBeGreaterThan(0);
  await setEmulatorLatency(0);

  const third = await startApiProcess();
  for (const [i, paymentId] of payments.entries()) {
    const deadline = Date.now() + 120_000;
    let res = await refund(third.url, paymentId, i);
    while (res.status === 409 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, Number(res.headers.get('retry-after') ?? '1') * 1000));
      res = await refund(third.url, paymentId, i);
    }
    expect({ i, status: res.status }).toEqual({ i, status: 200 });
    const charge = parts.emulator.store.charges.find((c) => c.orderId === paymentId)!;
    const atGateway = parts.emulator.store.payments.get(charge.paymentKey!)!;
    const ledger = (await parts.repos.payments.get(paymentId))!;
    // One cancel of 3,000 per key at the gateway, and the ledger says the same.
    expect({ i, cancels: (atGateway.cancels ?? []).map((c) => c.cancelAmount), ledgerBalance: ledger.balanceAmount }).toEqual({
      i,
      cancels: [3_000],
      ledgerBalance: atGateway.balanceAmount,
    });
  }

  third.child.kill('SIGTERM');
  await third.exited;
});
