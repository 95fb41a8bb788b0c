/**
 * End to end: `npm run simulate` (node --import tsx src/bootstrap/start.ts --simulate) as a child
 * process on spare loopback ports, driven by the README's simulation session over HTTP: a renewal,
 * declines, grace, hold, recovery, then a year of renewals — each read right after its advance.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const base: number = require('../support/free-ports').freePortBlockSync(5);
const ports = { API_PORT: base, EMULATOR_PORT: base + 1, TEMPORAL_PORT: base + 2, TEMPORAL_UI_PORT: base + 3, EMBEDDED_PG_PORT: base + 4 };
const api = `http://127.0.0.1:${ports.API_PORT}`;
const emulator = `http://127.0.0.1:${ports.EMULATOR_PORT}`;
let dataDir: string;
let child: ChildProcess | undefined;
let output = '';
let apiKey = '';

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'subs-sim-'));
  require('node:fs').chmodSync(dataDir, 0o755);
  const env: NodeJS.ProcessEnv = { ...process.env, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])), DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  delete env.TEMPORAL_ADDRESS;
  delete env.TOSS_SECRET_KEY;
  child = spawn(process.execPath, ['--import', 'tsx', 'src/bootstrap/start.ts', '--simulate'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 120 s:\n${output}`)), 120_000);
    child!.stdout!.on('data', () => {
      if (output.includes('Ctrl-C stops everything')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child!.once('exit', (code) => reject(new Error(`npm run simulate exited with ${code}:\n${output}`)));
  });
  apiKey = /API key\s+(sk_\S+)/.exec(output)![1]!;
}, 150_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    await new Promise((resolve) => {
      child!.once('exit', resolve);
      child!.kill('SIGINT');
    });
  }
  rmSync(dataDir, { recursive: true, force: true });
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const call = async (method: string, url: string, body?: unknown): Promise<{ status: number; body: Json }> => {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: res.status === 204 ? {} : ((await res.json()) as Json) };
};

test('the README session: renewal, decline, grace, hold, recovery and a year, on the test clock', async () => {
  expect(output).toContain('running as a simulation');
  const clock = await call('GET', `${api}/v1/test-clock`);
  expect(clock.status).toBe(200);

  const card = await call('POST', `${api}/v1/customers/cust_sim/payment-methods`, { authKey: 'auth_approve' });
  const sub = await call('POST', `${api}/v1/subscriptions`, { customerKey: 'cust_sim', planId: 'pro-monthly', paymentMethodId: card.body.id, trial: false });
  expect(sub.body.status).toBe('ACTIVE');
  const id = sub.body.subscriptionId;
  const script = await fetch(`${emulator}/emulator/scripts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ customerKey: 'cust_sim', outcomes: Array(5).fill('REJECT_CARD_PAYMENT') }),
  });
  expect(script.status).toBe(204);

  const statusAfter = async (by: string) => {
    expect((await call('POST', `${api}/v1/test-clock/advance`, { by })).status).toBe(200);
    return (await call('GET', `${api}/v1/subscriptions/${id}`)).body;
  };
  expect((await statusAfter('P1M')).status).toBe('IN_GRACE_PERIOD');
  expect((await statusAfter('P8D')).status).toBe('ON_HOLD');
  expect((await statusAfter('P7D')).status).toBe('ACTIVE');
  const year = await statusAfter('P1Y');
  expect(year.counters).toMatchObject({ paidCycles: 14, declinedAttempts: 5 });

  const charges = (await (await fetch(`${emulator}/emulator/charges?customerKey=cust_sim`)).json()) as { result: string }[];
  expect(charges.filter((c) => c.result === 'DONE')).toHaveLength(14);
  const events = (await call('GET', `${api}/v1/events?subscriptionId=${id}&limit=500`)).body.data as { type: string }[];
  expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['subscription.in_grace_period', 'subscription.on_hold', 'subscription.recovered']));
  expect(events.filter((e) => e.type === 'subscription.renewed')).toHaveLength(12);
});
