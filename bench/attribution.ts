/**
 * `npm run bench:attribution`: what a product renewal costs beyond the minimal workflow, one extra
 * at a time, on the dev server in one run — the bare cycle, then with the search-attribute upsert
 * the Web UI lists by, then also with a local activity (the projection's place, here a no-op) —
 * and the product's own storm last. Writes between the attribution markers of docs/benchmarks.md.
 *
 *   npm run bench:attribution              N = 1,000
 *   npm run bench:attribution -- --n 300   smaller
 */
import os from 'node:os';
import { rmSync } from 'node:fs';
import { loadConfig } from '../src/config';
import { GATEWAY_LATENCY_MS, startBenchStack, writeDocSection } from './bench-stack';
import { runCeiling } from './ceiling';
import type { MinimalShape } from './minimal-workflow';
import { round, table } from './stats';
import { cpuCell, runStorm, type StormResult } from './storm';

const args = process.argv.slice(2);
const nFlag = args.indexOf('--n');
const N = nFlag >= 0 ? Number(args[nFlag + 1]) : 1000;
const log = (message: string) => process.stderr.write(`[attribution ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

const STEPS: { name: string; shape: MinimalShape }[] = [
  { name: 'minimal: sleep → one activity → sleep', shape: {} },
  { name: '+ search-attribute upsert', shape: { upsert: true } },
  { name: '+ search-attribute upsert + no-op local activity', shape: { upsert: true, localActivity: true } },
];

async function main(): Promise<void> {
  if (!Number.isInteger(N) || N < 10) throw new Error('--n must be an integer of at least 10');
  const { stack, dataDir, target } = await startBenchStack('dev', 1, log);
  const rows: { name: string; result: StormResult }[] = [];
  try {
    for (const step of STEPS) {
      const result = await runCeiling({ address: stack.temporalAddress, n: N, latencyMs: GATEWAY_LATENCY_MS, workers: 1, cached: loadConfig().WORKER_MAX_CACHED_WORKFLOWS, workDir: dataDir, log, shape: step.shape });
      log(`${step.name}: ${result.perSecond.toFixed(1)}/s`);
      rows.push({ name: step.name, result });
    }
    const product = await runStorm(target, { n: N, planId: 'basic-monthly', label: `attribution-${N}`, log });
    log(`product: ${product.perSecond.toFixed(1)}/s, duplicates ${product.duplicates}, misses ${product.misses}`);
    rows.push({ name: 'the product (charge activity, projection, search attributes)', result: product });
  } finally {
    await stack.stop();
  }
  rmSync(dataDir, { recursive: true, force: true });
  const bare = rows[0]!.result;
  const cpus = os.cpus();
  const text = [
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`npm run bench:attribution${args.length ? ` -- ${args.join(' ')}` : ''}\` on ${cpus.length} × ${cpus[0]?.model ?? 'CPU'}: dev server, 1 worker process, N = ${N} due at one instant, gateway latency ${GATEWAY_LATENCY_MS} ms.`,
    '',
    table(
      ['renewal', 'charges/s', 'share of the minimal', 'duplicates / misses', 'CPU ms per charge by component', 'CPU ms total'],
      rows.map(({ name, result }) => {
        const { byComponent, total } = cpuCell(result);
        return [name, round(result.perSecond), `${round((100 * result.perSecond) / bare.perSecond, 0)}%`, `${result.duplicates} / ${result.misses}`, byComponent, total];
      }),
    ),
  ].join('\n');
  process.stdout.write(`${text}\n`);
  writeDocSection('attribution', text);
  if (rows.some(({ result }) => result.duplicates > 0 || result.misses > 0)) process.exitCode = 1;
}

main().catch((error: Error) => {
  process.stderr.write(`attribution failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
