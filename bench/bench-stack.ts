/** The stack a benchmark run starts, and how its results land in docs/benchmarks.md. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import { startClusterStack, type RunningCluster } from '../src/bootstrap/cluster-stack';
import { PlansRepo } from '../src/db/plans-repo';
import { createLogger } from '../src/logger';
import { TEST_PLANS } from '../test/support/test-plans';
import { benchStackConfig, stopOnSignal } from './bench-config';
import type { ApiTarget } from './storm';

/** The dev server (`npm start`) and cluster mode (`npm run start:cluster`). */
export const BENCH_SERVERS = ['dev', 'cluster'] as const;
export type BenchServer = (typeof BENCH_SERVERS)[number];

/** The emulator's answer time: the gateway latency every storm and cron loop runs against. */
export const GATEWAY_LATENCY_MS = 50;

export interface BenchStack {
  stack: RunningCluster;
  dataDir: string;
  target: ApiTarget;
}

/**
 * A fresh stack on `server` (the dev server or cluster mode) with `workers` worker processes, the
 * emulator answering in GATEWAY_LATENCY_MS, and the plans the time-skipping run uses. Ctrl-C stops it.
 */
export async function startBenchStack(server: BenchServer, workers: number, log: (m: string) => void, workerNodeArgs?: string[]): Promise<BenchStack> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `bench-${server}-`));
  const config = await benchStackConfig(dataDir, { WORKERS: String(workers) });
  log(`starting the ${server} stack (${workers} worker process${workers > 1 ? 'es' : ''}) in ${dataDir}`);
  const stack = await startClusterStack(config, createLogger('warn'), {
    temporal: server,
    env: { EMULATOR_LATENCY_MS: String(GATEWAY_LATENCY_MS), LOG_LEVEL: 'warn', API_RATE_LIMIT_PER_MINUTE: '1000000' },
    ...(workerNodeArgs ? { workerNodeArgs } : {}),
  });
  const unregister = stopOnSignal(stack.stop);
  const stop = async () => {
    unregister();
    await stack.stop();
  };
  if (!stack.apiKey.created) throw new Error('a fresh bench database should have created its first API key');
  // Plans the time-skipping run uses (test/support/test-plans.ts).
  const db = new Pool({ connectionString: stack.databaseUrl, max: 1 });
  await new PlansRepo(db).insertMissing(TEST_PLANS).finally(() => db.end());
  return {
    stack: { ...stack, stop },
    dataDir,
    target: { apiUrl: stack.urls.api!, temporalAddress: stack.temporalAddress, apiKey: stack.apiKey.key, emulatorUrl: stack.urls.tossEmulator!, databaseUrl: stack.databaseUrl },
  };
}

const BENCHMARKS_DOC = path.resolve(__dirname, '../docs/benchmarks.md');

/** Replaces what stands between `<!-- name:begin … -->` and `<!-- name:end -->` in docs/benchmarks.md. */
/**
 * A partial run's tables, kept beside the other partial runs': one subsection per kind of run
 * (`key`: which servers and parts), replaced only by a run of the same kind, so measuring one part
 * never wipes another part's numbers.
 */
export function writePartialSection(key: string, text: string): void {
  const name = `partial ${key}`;
  const current = readFileSync(BENCHMARKS_DOC, 'utf8');
  if (!current.includes(`<!-- ${name}:begin`)) {
    const end = current.indexOf('<!-- bench-partial:end -->');
    if (end < 0) throw new Error('docs/benchmarks.md has no bench-partial:end marker');
    writeFileSync(BENCHMARKS_DOC, `${current.slice(0, end)}<!-- ${name}:begin -->\n<!-- ${name}:end -->\n${current.slice(end)}`);
  }
  writeDocSection(name, text);
}

export function writeDocSection(name: string, text: string): void {
  const current = readFileSync(BENCHMARKS_DOC, 'utf8');
  const begin = current.indexOf(`<!-- ${name}:begin`);
  const beginEnd = current.indexOf('-->', begin);
  const end = current.indexOf(`<!-- ${name}:end -->`);
  if (begin < 0 || end < 0) throw new Error(`docs/benchmarks.md has no ${name}:begin … ${name}:end markers`);
  writeFileSync(BENCHMARKS_DOC, `${current.slice(0, beginEnd + 3)}\n${text}\n${current.slice(end)}`);
}
