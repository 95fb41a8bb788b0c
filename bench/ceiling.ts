/** The minimal workflow's storm on a server: the ceiling the product's storm is a ratio of. */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { pool, sleepMs } from './stats';
import { cpuByGroup, cpuSince } from './cpu';
import { stormResultOf, type StormResult } from './storm';
import type { MinimalShape } from './minimal-workflow';

/**
 * `shape` adds the product's extras to the minimal cycle one at a time (bench/attribution.ts); the
 * ceiling itself is the bare cycle.
 */
export async function runCeiling(opts: { address: string; n: number; latencyMs: number; workers: number; cached: number; workDir: string; log: (m: string) => void; shape?: MinimalShape }): Promise<StormResult> {
  const shape = opts.shape ?? {};
  const taskQueue = `bench-minimal-${Date.now().toString(36)}`;
  const bundlePath = path.join(opts.workDir, 'minimal-bundle.js');
  if (!existsSync(bundlePath)) {
    const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('./minimal-workflow'), logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } });
    require('node:fs').writeFileSync(bundlePath, code);
  }
  const outFile = path.join(opts.workDir, `${taskQueue}.log`);
  rmSync(outFile, { force: true });
  const children = Array.from({ length: opts.workers }, () =>
    spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'minimal-worker-main.ts'), opts.address, taskQueue, bundlePath, outFile, String(opts.latencyMs), String(opts.cached)], {
      stdio: ['ignore', 'ignore', 'inherit'],
      cwd: path.resolve(__dirname, '..'),
    }),
  );
  const connection = await Connection.connect({ address: opts.address });
  const client = new Client({ connection });
  try {
    const ids = Array.from({ length: opts.n }, (_, i) => `${taskQueue}-${i}`);
    // Starts are paced by the server; the due instant leaves room for all of them (measured on a pilot).
    const pilot = Math.min(100, opts.n);
    const t0 = Date.now();
    const pilotIds = Array.from({ length: pilot }, (_, i) => `${taskQueue}-pilot-${i}`);
    await pool(pilotIds, 32, (id) => client.workflow.start('minimalWorkflow', { workflowId: id, taskQueue, args: [id, Date.now() + 86_400_000, shape] }));
    const perStart = (Date.now() - t0) / pilot;
    const dueAtMs = Date.now() + Math.ceil(opts.n * perStart * 1.5) + 15_000;
    opts.log(`ceiling: ${opts.n} minimal workflows due at ${new Date(dueAtMs).toISOString()}`);
    const startedAt = Date.now();
    await pool(ids, 32, (id) => client.workflow.start('minimalWorkflow', { workflowId: id, taskQueue, args: [id, dueAtMs, shape] }));
    const startsPerSecond = opts.n / ((Date.now() - startedAt) / 1000);
    if (Date.now() > dueAtMs) opts.log('ceiling: WARNING the starts ran past the due instant');
    const deadline = dueAtMs + 120_000 + opts.n * 20;
    await sleepMs(Math.max(0, dueAtMs - Date.now() - 500));
    const cpuBefore = cpuByGroup();
    let done = new Map<string, number[]>();
    while (Date.now() < deadline) {
      await sleepMs(1000);
      done = readCompletions(outFile);
      if (done.size >= opts.n && Date.now() > dueAtMs) break;
    }
    const cpu = cpuSince(cpuBefore);
    const wanted = new Set(ids);
    const mine = new Map([...done].filter(([id]) => wanted.has(id)));
    return { ...stormResultOf(opts.n, mine, dueAtMs, cpu), createsPerSecond: startsPerSecond };
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await connection.close();
  }
}

function readCompletions(file: string): Map<string, number[]> {
  const map = new Map<string, number[]>();
  if (!existsSync(file)) return map;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [id, at] = line.split(' ');
    if (!id || !at) continue;
    map.set(id, [...(map.get(id) ?? []), Number(at)]);
  }
  return map;
}
