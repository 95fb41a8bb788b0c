/**
 * `npm run simulate` (node --import tsx src/bootstrap/start.ts --simulate) as a child process on
 * spare loopback ports and a fresh data directory, with the README's simulation session: a
 * renewal, five declines through grace and hold, recovery, then a year of renewals. The e2e test
 * and the benchmark (`npm run bench -- --parts simulate`) run the same session.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePortBlock } from './free-ports';

// Answers are read field by field by the callers, as JSON they did not type.
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface SimulationProcess {
  api: string;
  emulator: string;
  /** Everything the process printed. */
  output(): string;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }>;
  stop(): Promise<void>;
}

const ROOT = path.join(__dirname, '../..');

export async function startSimulationProcess(): Promise<SimulationProcess> {
  const base = await freePortBlock(5);
  const ports = { API_PORT: base, EMULATOR_PORT: base + 1, TEMPORAL_PORT: base + 2, TEMPORAL_UI_PORT: base + 3, EMBEDDED_PG_PORT: base + 4 };
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'subs-sim-'));
  chmodSync(dataDir, 0o755);
  const env: NodeJS.ProcessEnv = { ...process.env, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])), DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  delete env.TEMPORAL_ADDRESS;
  delete env.TOSS_SECRET_KEY;
  let output = '';
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/bootstrap/start.ts', '--simulate'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGINT');
      });
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner within 120 s:\n${output}`)), 120_000);
      child.stdout!.on('data', () => {
        if (output.includes('Ctrl-C stops everything')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`npm run simulate exited with ${code}:\n${output}`)));
    });
  } catch (error) {
    await stop();
    throw error;
  }
  const apiKey = /API key\s+(sk_\S+)/.exec(output)?.[1];
  if (!apiKey) throw new Error(`the banner printed no API key:\n${output}`);
  const api = `http://127.0.0.1:${ports.API_PORT}`;
  return {
    api,
    emulator: `http://127.0.0.1:${ports.EMULATOR_PORT}`,
    output: () => output,
    async call(method, route, body) {
      const res = await fetch(`${api}${route}`, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, body: res.status === 204 ? {} : ((await res.json()) as Json) };
    },
    stop,
  };
}

export interface SessionResult {
  subscriptionId: string;
  /** The subscription after each step of the session. */
  statuses: { afterRenewalDue: string; afterGrace: string; afterHold: string };
  year: Json;
  /** Wall milliseconds of the year's advance, as the server measured it, and as the client waited. */
  yearAdvanceWallMs: number;
  yearClientMs: number;
  /** Wall milliseconds of the whole session, from registering the card to the last read. */
  sessionMs: number;
}

/** The README's session (docs/simulation.md). Throws when a step does not answer 200/201. */
export async function runReadmeSession(sim: SimulationProcess, customerKey = 'cust_sim'): Promise<SessionResult> {
  const ok = (what: string, res: { status: number; body: Json }, expected = 200) => {
    if (res.status !== expected) throw new Error(`${what} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const started = Date.now();
  const card = ok('card', await sim.call('POST', `/v1/customers/${customerKey}/payment-methods`, { authKey: 'auth_approve' }), 201);
  const sub = ok('subscription', await sim.call('POST', '/v1/subscriptions', { customerKey, planId: 'pro-monthly', paymentMethodId: card.id, trial: false }), 201);
  const id: string = sub.subscriptionId;
  const script = await fetch(`${sim.emulator}/emulator/scripts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ customerKey, outcomes: Array(5).fill('REJECT_CARD_PAYMENT') }),
  });
  if (script.status !== 204) throw new Error(`the emulator script answered ${script.status}`);
  const after = async (by: string) => {
    const clientStarted = Date.now();
    const advance = ok(`advance ${by}`, await sim.call('POST', '/v1/test-clock/advance', { by }));
    const clientMs = Date.now() - clientStarted;
    return { advance, clientMs, subscription: ok('read', await sim.call('GET', `/v1/subscriptions/${id}`)) };
  };
  const afterRenewalDue = (await after('P1M')).subscription.status;
  const afterGrace = (await after('P8D')).subscription.status;
  const afterHold = (await after('P7D')).subscription.status;
  const year = await after('P1Y');
  return {
    subscriptionId: id,
    statuses: { afterRenewalDue, afterGrace, afterHold },
    year: year.subscription,
    yearAdvanceWallMs: year.advance.wallMs,
    yearClientMs: year.clientMs,
    sessionMs: Date.now() - started,
  };
}
