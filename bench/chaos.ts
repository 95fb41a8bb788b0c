/**
 * The fault-injection suite (`npm run chaos`): on a cluster-mode stack on loopback, each scenario
 * lets N subscriptions charge while one kind of fault hits, then waits until the gateway, the ledger
 * and every subscription's own counters agree. Zero duplicates and zero misses is the only pass.
 */
import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startClusterStack, type RunningCluster } from '../src/bootstrap/cluster-stack';
import { createLogger } from '../src/logger';
import { benchStackConfig, stopOnSignal } from './bench-config';
import { GATEWAY_LATENCY_MS } from './bench-stack';
import { round, sleepMs, table } from './stats';
import { api, createDueSubscriptions, registerCards, waitForSettlement, type ApiTarget, type Settlement } from './storm';

export interface ChaosResult {
  scenario: string;
  n: number;
  faults: string;
  duplicates: number;
  misses: number;
  /** From the due instant (or the first request) until gateway, ledger and counters agreed. */
  settleSeconds: number | null;
  pass: boolean;
}

interface Scenario {
  name: string;
  /** Runs the fault while the storm is under way; says what it did. */
  inject(ctx: { stack: RunningCluster; target: ApiTarget; dueAtMs: number; log: (m: string) => void }): Promise<string>;
}


const STORM_SCENARIOS: Scenario[] = [
  {
    name: 'worker SIGKILL during the storm',
    async inject({ stack, dueAtMs }) {
      await sleepMs(Math.max(0, dueAtMs - Date.now()));
      const killed: string[] = [];
      for (let i = 0; i < 4; i++) {
        await sleepMs(randomInt(300, 1500));
        const worker = stack.processes.workers[randomInt(stack.processes.workers.length)]!;
        const pid = worker.pid();
        if (pid === undefined) continue;
        process.kill(pid, 'SIGKILL');
        killed.push(worker.name);
      }
      return `${killed.length} × SIGKILL (${killed.join(', ')}), at random moments in the first ~6 s`;
    },
  },
  {
    name: 'gateway answers lost (incident)',
    async inject({ target, dueAtMs }) {
      await sleepMs(Math.max(0, dueAtMs - Date.now()));
      await setIncident(target, true);
      await sleepMs(6_000);
      await setIncident(target, false);
      return 'charges approved but every answer (and lookup) lost for 6 s';
    },
  },
  {
    name: 'PostgreSQL restart',
    async inject({ stack, dueAtMs }) {
      await sleepMs(Math.max(0, dueAtMs - Date.now()) + 500);
      const started = Date.now();
      await stack.restart.postgres!();
      return `PostgreSQL (ledger and Temporal's persistence) stopped and started 0.5 s into the storm (${round((Date.now() - started) / 1000)} s down)`;
    },
  },
  {
    name: 'Temporal server restart',
    async inject({ stack, dueAtMs }) {
      await sleepMs(Math.max(0, dueAtMs - Date.now()) + 500);
      const started = Date.now();
      await stack.restart.temporal!();
      return `the Temporal server stopped and started 0.5 s into the storm (${round((Date.now() - started) / 1000)} s down)`;
    },
  },
];

async function setIncident(target: ApiTarget, on: boolean): Promise<void> {
  const response = await fetch(`${target.emulatorUrl}/emulator/incident`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ losesResponses: on }) });
  if (response.status !== 204) throw new Error(`emulator incident: HTTP ${response.status}`);
}

function verdict(scenario: string, n: number, faults: string, settlement: Settlement, settledAtMs: number | null, fromMs: number): ChaosResult {
  const duplicates = [...settlement.charges.values()].filter((times) => times.length > 1).length;
  const misses = n - settlement.charges.size;
  const settleSeconds = settledAtMs === null ? null : round((settledAtMs - fromMs) / 1000);
  return { scenario, n, faults, duplicates, misses, settleSeconds, pass: duplicates === 0 && misses === 0 && settledAtMs !== null };
}

async function stormScenario(scenario: Scenario, ctx: { stack: RunningCluster; target: ApiTarget; n: number; label: string; settleWithinMs: number; log: (m: string) => void }): Promise<ChaosResult> {
  const { customers, dueAtMs } = await createDueSubscriptions(ctx.target, { n: ctx.n, planId: 'basic-monthly', label: ctx.label, log: ctx.log });
  ctx.log(`${scenario.name}: ${ctx.n} due at ${new Date(dueAtMs).toISOString()}`);
  const faults = await scenario.inject({ stack: ctx.stack, target: ctx.target, dueAtMs, log: ctx.log });
  const { settlement, settledAtMs } = await waitForSettlement(ctx.target, customers, ctx.label, dueAtMs + ctx.settleWithinMs);
  return verdict(scenario.name, ctx.n, faults, settlement, settledAtMs, dueAtMs);
}

/**
 * Creates with Idempotency-Keys (each charging at once) in flight while the API process is killed;
 * every request that got no definitive answer is sent again with its key until it gets one.
 */
async function apiKillScenario(ctx: { stack: RunningCluster; target: ApiTarget; n: number; label: string; settleWithinMs: number; log: (m: string) => void }): Promise<ChaosResult> {
  const customers = Array.from({ length: ctx.n }, (_, i) => `${ctx.label}-${i}`);
  const cards = await registerCards(ctx.target, customers);
  const started = Date.now();
  let kills = 0;
  let resent = 0;
  const killer = (async () => {
    for (let i = 0; i < 2; i++) {
      await sleepMs(randomInt(200, 1200));
      const pid = ctx.stack.processes.api.pid();
      if (pid !== undefined) {
        process.kill(pid, 'SIGKILL');
        kills++;
      }
    }
  })();
  const lanes = Array.from({ length: 16 }, async (_, lane) => {
    for (let i = lane; i < customers.length; i += 16) {
      const customerKey = customers[i]!;
      for (let attempt = 1; ; attempt++) {
        const answer = await api<{ code?: string }>(ctx.target, 'POST', '/v1/subscriptions', { customerKey, planId: 'basic-monthly', paymentMethodId: cards[i], trial: false }, `chaos-create-${customerKey}`).catch(() => null);
        if (answer && (answer.status === 201 || answer.status === 202)) break;
        if (answer && answer.status < 500 && answer.status !== 409) throw new Error(`create for ${customerKey}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
        if (attempt > 60) throw new Error(`create for ${customerKey}: no definitive answer after ${attempt} tries`);
        resent++;
        await sleepMs(500);
      }
    }
  });
  await Promise.all([...lanes, killer]);
  const { settlement, settledAtMs } = await waitForSettlement(ctx.target, customers, ctx.label, started + ctx.settleWithinMs);
  return verdict('API killed during keyed creates, then retried', ctx.n, `${kills} × SIGKILL of the API with creates in flight; ${resent} requests sent again with their key`, settlement, settledAtMs, started);
}

export async function runChaos(opts: { n: number; settleWithinMs: number; log: (m: string) => void; only?: string[] }): Promise<ChaosResult[]> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'chaos-'));
  const config = await benchStackConfig(dataDir, { WORKERS: '2', TEMPORAL_SHARDS: '4' });
  opts.log(`starting a cluster-mode stack in ${dataDir}`);
  const stack = await startClusterStack(config, createLogger('warn'), { temporal: 'cluster', env: { EMULATOR_LATENCY_MS: String(GATEWAY_LATENCY_MS) } });
  const unregister = stopOnSignal(stack.stop);
  if (!stack.apiKey.created) throw new Error('a fresh chaos database should have created its first API key');
  const target: ApiTarget = { apiUrl: stack.urls.api!, temporalAddress: stack.temporalAddress, apiKey: stack.apiKey.key, emulatorUrl: stack.urls.tossEmulator!, databaseUrl: stack.databaseUrl };
  const results: ChaosResult[] = [];
  let failed = false;
  try {
    let index = 0;
    for (const scenario of STORM_SCENARIOS) {
      index++;
      if (opts.only && !opts.only.some((word) => scenario.name.toLowerCase().includes(word))) continue;
      const result = await stormScenario(scenario, { stack, target, n: opts.n, label: `chaos${index}`, settleWithinMs: opts.settleWithinMs, log: opts.log });
      opts.log(`${result.scenario}: duplicates ${result.duplicates}, misses ${result.misses}, settled in ${result.settleSeconds ?? 'never'} s`);
      results.push(result);
    }
    if (!opts.only || opts.only.includes('api')) {
      const result = await apiKillScenario({ stack, target, n: opts.n, label: 'chaos-api', settleWithinMs: opts.settleWithinMs, log: opts.log });
      opts.log(`${result.scenario}: duplicates ${result.duplicates}, misses ${result.misses}, settled in ${result.settleSeconds ?? 'never'} s`);
      results.push(result);
    }
    failed = results.some((r) => !r.pass);
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    unregister();
    await stack.stop();
    if (failed) opts.log(`logs kept in ${dataDir}/logs`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
  return results;
}

export function renderChaos(results: ChaosResult[]): string {
  return table(
    ['scenario', 'N', 'faults', 'duplicates', 'misses', 'time to settle', 'result'],
    results.map((r) => [r.scenario, r.n, r.faults, r.duplicates, r.misses, r.settleSeconds === null ? 'did not settle' : `${r.settleSeconds} s`, r.pass ? 'pass' : '**FAIL**']),
  );
}
