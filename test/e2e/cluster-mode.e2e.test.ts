/**
 * Cluster mode end to end (`npm run start:cluster` = start.ts --cluster): the real Temporal server
 * on PostgreSQL with SQL visibility, the UI server, and the emulator, two workers and the API as
 * supervised processes. The main lifecycle runs on it; a worker killed mid-run is replaced; Ctrl-C
 * stops every process; a restart on the same data keeps the subscriptions.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';

const base: number = require('../support/free-ports').freePortBlockSync(13);
const ports = { API_PORT: base, EMULATOR_PORT: base + 1, TEMPORAL_UI_PORT: base + 2, EMBEDDED_PG_PORT: base + 3, TEMPORAL_PORT: base + 4 /* … base + 12 */ };
const apiUrl = `http://127.0.0.1:${ports.API_PORT}`;
const emulatorUrl = `http://127.0.0.1:${ports.EMULATOR_PORT}`;
let dataDir: string;
let child: ChildProcess | undefined;
let output = '';
let apiKey = '';

function start(): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])), DATA_DIR: dataDir, LOG_LEVEL: 'warn', WORKERS: '2', TEMPORAL_SHARDS: '4' };
  for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TOSS_SECRET_KEY', 'WORKFLOW_BUNDLE']) delete env[name];
  child = spawn(process.execPath, ['--import', 'tsx', 'src/bootstrap/start.ts', '--cluster'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 180 s:\n${output}`)), 180_000);
    child!.stdout!.on('data', () => {
      if (output.includes('Ctrl-C stops everything')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child!.once('exit', (code) => reject(new Error(`start:cluster exited with ${code}:\n${output}`)));
  });
}

function stop(): Promise<number | null> {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null) return resolve(child?.exitCode ?? null);
    child.once('exit', (code) => resolve(code));
    child.kill('SIGINT');
  });
}

/** Processes of this start: by entry file, and its data directory in their environment. */
function pidsOf(entry: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', entry], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number)
      .filter((pid) => {
        try {
          return require('node:fs').readFileSync(`/proc/${pid}/environ`, 'utf8').includes(`DATA_DIR=${dataDir}`);
        } catch {
          return false;
        }
      });
  } catch {
    return [];
  }
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const auth = () => ({ authorization: `Bearer ${apiKey}` });
const get = async (url: string): Promise<Json> => (await fetch(url, { headers: auth() })).json() as Promise<Json>;
const post = (url: string, body?: unknown) =>
  fetch(url, { method: 'POST', headers: { ...auth(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });

beforeAll(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'subs-cluster-'));
  require('node:fs').chmodSync(dataDir, 0o755);
});
afterAll(async () => {
  await stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('start:cluster runs the lifecycle on a PostgreSQL-backed Temporal server with two supervised workers', async () => {
  await start();
  expect(output).toContain('cluster mode (2 workers, 4 history shards');
  apiKey = /API key\s+(sk_[0-9a-f]{16}_[A-Za-z0-9_-]{43})\b/.exec(output)?.[1] ?? '';
  expect(apiKey).not.toBe('');
  expect((await fetch(`${apiUrl}/healthz`)).status).toBe(200);
  expect((await fetch(`http://127.0.0.1:${ports.TEMPORAL_UI_PORT}/`)).status).toBe(200);
  expect(pidsOf('src/bootstrap/worker-main.ts')).toHaveLength(2);

  // The main lifecycle: card, create with the first charge, cancel, restore, payments.
  const customerKey = `cluster-${Date.now()}`;
  const pm = await (await post(`${apiUrl}/v1/customers/${customerKey}/payment-methods`, { authKey: 'auth_approve' })).json() as Json;
  const created = await post(`${apiUrl}/v1/subscriptions`, { customerKey, planId: 'pro-monthly', paymentMethodId: pm.id, trial: false });
  expect(created.status).toBe(201);
  const sub = (await created.json()) as Json;
  expect(sub).toMatchObject({ status: 'ACTIVE', counters: { paidCycles: 1, amountCharged: 19_900 } });
  const subUrl = `${apiUrl}/v1/subscriptions/${sub.subscriptionId}`;
  expect((await post(`${subUrl}/cancel`)).status).toBe(200);
  expect(await get(subUrl)).toMatchObject({ status: 'CANCELED', entitled: true, expiresAt: sub.nextBillingAt });
  expect((await post(`${subUrl}/restore`)).status).toBe(200);
  expect((await get(`${subUrl}/payments`)).payments).toHaveLength(1);
  expect(await (await fetch(`${emulatorUrl}/emulator/charges?customerKey=${customerKey}`)).json()).toHaveLength(1);

  // SQL visibility answers search-attribute queries (what the Web UI's filters use).
  const connection = await Connection.connect({ address: `127.0.0.1:${ports.TEMPORAL_PORT}` });
  try {
    const client = new Client({ connection });
    let found: string[] = [];
    for (let i = 0; i < 60 && found.length === 0; i++) {
      found = [];
      for await (const w of client.workflow.list({ query: `CustomerKey = "${customerKey}" AND SubscriptionStatus = "ACTIVE"` })) found.push(w.workflowId);
      if (found.length === 0) await new Promise((r) => setTimeout(r, 500));
    }
    expect(found).toEqual([`subscription-${sub.subscriptionId}`]);
  } finally {
    await connection.close();
  }

  // A worker killed outright is replaced, and the other keeps serving meanwhile.
  const [victim] = pidsOf('src/bootstrap/worker-main.ts');
  process.kill(victim!, 'SIGKILL');
  const second = await post(`${apiUrl}/v1/subscriptions`, { customerKey, planId: 'basic-yearly', paymentMethodId: pm.id, trial: false });
  expect(second.status).toBe(201);
  for (let i = 0; i < 120; i++) {
    const pids = pidsOf('src/bootstrap/worker-main.ts');
    if (pids.length === 2 && !pids.includes(victim!)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  expect(pidsOf('src/bootstrap/worker-main.ts')).toHaveLength(2);

  // Ctrl-C stops every process it started.
  expect([0, 130]).toContain(await stop());
  for (const entry of ['worker-main.ts', 'api-main.ts', 'emulator-main.ts']) expect(pidsOf(entry)).toEqual([]);

  // A restart on the same data: the cluster (same shard count) has every subscription.
  output = '';
  await start();
  expect(await get(subUrl)).toMatchObject({ subscriptionId: sub.subscriptionId, status: 'ACTIVE', planId: 'pro-monthly' });
  expect([0, 130]).toContain(await stop());
}, 420_000);
