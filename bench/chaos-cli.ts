/**
 * `npm run chaos`: the fault-injection suite (bench/chaos.ts). Prints its table, writes it to
 * docs/benchmarks.md (between the chaos markers) and exits non-zero unless every scenario passed.
 *
 *   npm run chaos                    N = 200 per scenario
 *   npm run chaos -- --n 40          smaller (the CI version runs in npm test)
 *   npm run chaos -- --only worker,api
 *   --no-docs leaves docs/benchmarks.md alone; --json prints the results as one JSON line last
 */
import os from 'node:os';
import { GATEWAY_LATENCY_MS, writeDocSection } from './bench-stack';
import { renderChaos, runChaos } from './chaos';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const log = (message: string) => process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

async function main(): Promise<void> {
  const n = Number(flag('n') ?? 200);
  const results = await runChaos({ n, settleWithinMs: 6 * 60_000, log, ...(flag('only') ? { only: flag('only')!.split(',') } : {}) });
  const cpus = os.cpus();
  const text = `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`npm run chaos${args.length ? ` -- ${args.join(' ')}` : ''}\` on ${cpus.length} × ${cpus[0]?.model ?? 'CPU'}: cluster mode, 2 workers, gateway latency ${GATEWAY_LATENCY_MS} ms.\n\n${renderChaos(results)}`;
  process.stdout.write(`${text}\n`);
  if (!args.includes('--no-docs')) writeDocSection('chaos', text);
  if (args.includes('--json')) process.stdout.write(`${JSON.stringify(results)}\n`);
  if (results.some((r) => !r.pass)) {
    log('FAIL: a scenario charged someone twice, missed someone, or did not settle');
    process.exitCode = 1;
  }
}

main().catch((error: Error) => {
  process.stderr.write(`chaos failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
