/**
 * `npm run bench`: measures the product against the server's own ceiling and the cron loop it
 * replaces, in one run, and writes the tables to docs/benchmarks.md (between its bench markers).
 *
 *   npm run bench                      full run (storms of 1k and 10k, memory at 10k/50k asleep)
 *   npm run bench -- --quick           a smaller run of every part (minutes)
 *   npm run bench -- --servers cluster --parts storm,api
 *   npm run bench -- --parts simulate  the README's simulation session, the year's advance timed
 *
 * Everything runs on loopback, on fresh data directories under the system temp dir, removed after.
 */
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { TossPaymentsClient } from '../src/gateway/toss-payments-client';
import { runApiLatency, type LatencyRow } from './api-latency';
import { BENCH_SERVERS, GATEWAY_LATENCY_MS, startBenchStack, writeDocSection, writePartialSection, type BenchServer } from './bench-stack';
import { runCeiling } from './ceiling';
import { prepareCronCustomers, runCronLoop, type CronResult } from './cron-loop';
import { addSleepers, measureWorkerRss, type MemoryPoint } from './memory';
import { round, table } from './stats';
import { cpuCell, registerCards, runStorm, type StormResult } from './storm';
import { runSimulation, type SimulationResult } from './simulation';
import { runTimeSkipping, type TimeSkippingResult } from './time-skipping';

type Server = BenchServer;
const PARTS = ['storm', 'cron', 'api', 'memory', 'timeskip', 'simulate'] as const;
/** Parts that failed: reported, and the run exits non-zero, but what did run is still written. */
const partFailures: string[] = [];
let timeSkippingDone = false;

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = args.includes('--quick');
/** A list flag whose every item is one of `allowed`; anything else stops the run before it starts. */
function listFlag<T extends string>(name: string, allowed: readonly T[]): T[] {
  const given = (flag(name) ?? allowed.join(',')).split(',');
  const unknown = given.filter((item) => !(allowed as readonly string[]).includes(item));
  if (unknown.length > 0) {
    process.stderr.write(`--${name}: unknown ${unknown.join(', ')}; choose from ${allowed.join(', ')}\n`);
    process.exit(2);
  }
  return given as T[];
}
const servers = listFlag('servers', BENCH_SERVERS);
const parts = new Set(listFlag('parts', PARTS));
const STORM_SIZES = quick ? [300] : [1000, 10_000];
const MEMORY_POINTS = quick ? [2000, 6000] : [10_000, 50_000];
const CRON_RUN = quick ? 300 : 1000;
const API_LEVELS = [1, 16, 64];
const API_AMOUNT = (connections: number) => (quick ? 100 : connections === 1 ? 300 : 2000);
const WORKERS: Record<Server, number> = { dev: 1, cluster: 2 };

const log = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

interface ServerReport {
  server: Server;
  workers: number;
  storms: { ceiling: StormResult; product: StormResult }[];
  api: LatencyRow[];
  memory: MemoryPoint[];
}

async function benchServer(server: Server, cron: CronResult[]): Promise<void> {
  // BENCH_PROFILE_DIR: each worker writes a V8 CPU profile there when it stops (open it in Chrome's DevTools).
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : undefined;
  const { stack, dataDir, target } = await startBenchStack(server, WORKERS[server], log, profile);
  const { apiKey, emulatorUrl } = target;
  const report: ServerReport = { server, workers: WORKERS[server], storms: [], api: [], memory: [] };
  reports.push(report);
  const cached = loadConfig().WORKER_MAX_CACHED_WORKFLOWS;
  /** A part that fails is reported and the others still run and are written. */
  const part = async (name: string, run: () => Promise<void>) => {
    try {
      await run();
    } catch (error) {
      log(`${server} ${name}: FAILED ${(error as Error).stack ?? (error as Error).message}`);
      partFailures.push(`${server} ${name}`);
    }
    writeResults();
  };
  try {
    if (parts.has('storm')) {
      for (const n of STORM_SIZES) await part(`storm N=${n}`, async () => {
        const ceiling = await runCeiling({ address: stack.temporalAddress, n, latencyMs: GATEWAY_LATENCY_MS, workers: WORKERS[server], cached, workDir: dataDir, log });
        log(`ceiling ${server} N=${n}: ${ceiling.perSecond.toFixed(1)}/s`);
        // Up to 2,000 through the API (its create rate is in the table); larger storms start their workflows directly.
        const product = await runStorm(target, { n, planId: 'basic-monthly', label: `storm-${server}-${n}`, log, direct: n > 2000 });
        log(`storm ${server} N=${n}: ${product.perSecond.toFixed(1)}/s, duplicates ${product.duplicates}, misses ${product.misses}`);
        report.storms.push({ ceiling, product });
      });
    }
    if (parts.has('cron') && cron.length === 0) await part('cron', async () => {
      const gateway = new TossPaymentsClient({ baseUrl: emulatorUrl, secretKey: loadConfig().EMULATOR_SECRET_KEY, timeoutMs: 30_000 });
      const due = await prepareCronCustomers(gateway, `cron-${server}`, CRON_RUN);
      log(`cron: sequential loop over ${due.length}`);
      cron.push(await runCronLoop(gateway, due, 1));
      // The product's gateway concurrency: activity slots per worker times workers.
      const concurrency = 200 * WORKERS[server];
      const dueConcurrent = await prepareCronCustomers(gateway, `cronc-${server}`, STORM_SIZES.at(-1)!);
      log(`cron: concurrent loop over ${dueConcurrent.length} at ${concurrency}`);
      cron.push(await runCronLoop(gateway, dueConcurrent, concurrency));
    });
    if (parts.has('api') && server === 'cluster') await part('api', async () => {
      report.api = await runApiLatency(target, { levels: API_LEVELS, amount: API_AMOUNT, planId: 'basic-monthly', label: `api-${server}`, log });
    });
    if (parts.has('timeskip') && !timeSkippingDone) await part('time-skipping', async () => {
      timeSkippingDone = true;
      process.env.TEST_DATABASE_URL = stack.databaseUrl;
      process.env.TEST_WORKFLOW_BUNDLE = path.join(dataDir, 'workflow-bundle.js');
      log('time-skipping: ten years of monthly renewals');
      timeSkipping = await runTimeSkipping();
      delete process.env.TEST_DATABASE_URL;
    });
    if (parts.has('memory') && server === 'cluster') await part('memory', async () => {
      const plan = (await (await fetch(`${target.apiUrl}/v1/plans/basic-monthly`, { headers: { authorization: `Bearer ${apiKey}` } })).json()) as import('../src/domain/plans').Plan;
      const [paymentMethodId] = await registerCards(target, [`mem-${server}-card`]);
      let have = 0;
      for (const total of MEMORY_POINTS) {
        log(`memory: starting sleepers up to ${total}`);
        await addSleepers({ address: stack.temporalAddress, databaseUrl: stack.databaseUrl, plan, paymentMethodId: paymentMethodId!, label: `mem-${server}`, from: have, to: total, log });
        have = total;
        const pids = stack.processes.workers.map((w) => w.pid()).filter((pid): pid is number => pid !== undefined);
        report.memory.push({ asleep: total, rssMb: await measureWorkerRss(pids) });
        log(`memory: ${total} asleep, workers' RSS ${report.memory.at(-1)!.rssMb.toFixed(0)} MB`);
      }
    });
  } catch (error) {
    log(`${server}: failed; its logs are kept in ${dataDir}/logs`);
    await stack.stop();
    throw error;
  }
  await stack.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

function render(reports: ServerReport[], cron: CronResult[], timeSkipping: TimeSkippingResult | undefined, simulation: SimulationResult | undefined): string {
  const cpus = os.cpus();
  const out: string[] = [];
  out.push(`Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}\` on ${os.type()} ${os.release()}, ${cpus.length} × ${cpus[0]?.model ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; gateway (emulator) latency ${GATEWAY_LATENCY_MS} ms; cluster Temporal databases commit ${loadConfig().TEMPORAL_DB_ASYNC_COMMIT ? 'asynchronously (TEMPORAL_DB_ASYNC_COMMIT=true)' : 'durably'}.`);
  const stormRows: (string | number)[][] = [];
  for (const r of reports) {
    for (const { ceiling, product } of r.storms) {
      const concurrency = 200 * r.workers;
      const floor = (product.n * GATEWAY_LATENCY_MS) / concurrency / 1000;
      stormRows.push([
        r.server,
        product.n,
        `${round(product.seconds)} s`,
        round(product.perSecond),
        `${round(product.latenessP50)} / ${round(product.latenessP99)} s`,
        `${product.duplicates} / ${product.misses}`,
        product.ledgerRows ?? '-',
        round(ceiling.perSecond),
        `**${round((100 * product.perSecond) / ceiling.perSecond, 0)}%**`,
        round(product.perSecond / (1000 / GATEWAY_LATENCY_MS), 1),
        `${round(floor, 2)} s`,
        round(product.createsPerSecond),
      ]);
    }
  }
  if (stormRows.length > 0) {
    out.push('', '### Renewal storm', '', 'N subscriptions due at one instant; from that instant to the last charge, read from the gateway\'s own log. Ceiling = the minimal workflow (sleep → one 50 ms activity → sleep) on the same server in the same run. Sequential cron = N × 50 ms (20 charges/s).', '');
    out.push(table(['server', 'N', 'due → last charge', 'charges/s', 'lateness p50 / p99', 'duplicates / misses', 'ledger rows', 'ceiling charges/s', 'product / ceiling', '× sequential cron', 'floor N×50ms/concurrency', 'creates/s before'], stormRows));
  }
  const cpuRows: (string | number)[][] = [];
  for (const r of reports) {
    for (const { ceiling, product } of r.storms) {
      for (const [what, result] of [['ceiling', ceiling], ['product', product]] as const) {
        const { byComponent, total } = cpuCell(result);
        cpuRows.push([r.server, result.n, what, byComponent, total]);
      }
    }
  }
  if (cpuRows.length > 0) {
    out.push('', '### Where the CPU goes', '', 'CPU milliseconds per charge during the storm, by process group (from /proc; the benchmark driver itself left out). On two cores, 2,000 CPU ms per second is all there is.', '');
    out.push(table(['server', 'N', 'run', 'CPU ms per charge by component', 'total'], cpuRows));
  }
  if (cron.length > 0) {
    out.push('', '### The cron loop (seed 001), actually run', '');
    out.push(table(['loop', 'N', 'concurrency', 'time', 'charges/s', 'failures'], cron.map((c) => [c.concurrency === 1 ? 'sequential' : 'concurrent', c.n, c.concurrency, `${round(c.seconds)} s`, round(c.perSecond), c.failures])));
  }
  const api = reports.flatMap((r) => r.api.map((row) => ({ ...row, server: r.server })));
  if (api.length > 0) {
    out.push('', '### API latency (autocannon)', '');
    out.push(table(['server', 'route', 'connections', 'requests', 'p50', 'p99', 'req/s', 'non-2xx'], api.map((a) => [a.server, a.route, a.connections, a.requests, `${a.p50} ms`, `${a.p99} ms`, round(a.perSecond), a.non2xx])));
  }
  const memory = reports.flatMap((r) => r.memory.map((m) => ({ ...m, server: r.server, workers: r.workers })));
  if (memory.length > 0) {
    const first = memory[0]!;
    out.push('', '### Worker memory with subscriptions asleep', '', `RSS summed over the worker processes; sticky cache ${loadConfig().WORKER_MAX_CACHED_WORKFLOWS} workflows per worker.`, '');
    out.push(table(['server', 'workers', 'asleep', 'RSS', 'RSS / RSS at first point'], memory.map((m) => [m.server, m.workers, m.asleep, `${round(m.rssMb, 0)} MB`, round(m.rssMb / first.rssMb, 2)])));
  }
  if (timeSkipping) {
    out.push('', '### Time-skipping', '');
    out.push(table(['lifecycle', 'renewals', 'wall time', 'simulated years per wall second', 'charges at the gateway'], [['10 years monthly', timeSkipping.renewals, `${round(timeSkipping.wallSeconds)} s`, round(timeSkipping.simulatedYearsPerSecond, 2), timeSkipping.charged]]));
  }
  if (simulation) {
    out.push('', '### `npm run simulate`: the README session', '', 'The real command as a child process; renewal, five declines through grace and hold, recovery, then `POST /v1/test-clock/advance {"by":"P1Y"}`. The advance answers once every timer due in the year has fired and what it started has settled (target: under 10 s). The simulation\'s emulator answers at its own default latency (EMULATOR_LATENCY_MS, 0 ms), not the 50 ms above.', '');
    out.push(table(['year advance (API)', 'year advance (client)', 'whole session', 'paid cycles', 'charges at the gateway'], [[`${round(simulation.yearAdvanceSeconds, 2)} s`, `${round(simulation.yearClientSeconds, 2)} s`, `${round(simulation.sessionSeconds, 1)} s`, simulation.paidCycles, simulation.charged]]));
  }
  return out.join('\n');
}

const reports: ServerReport[] = [];
const cron: CronResult[] = [];
let timeSkipping: TimeSkippingResult | undefined;
let simulation: SimulationResult | undefined;

/**
 * Only a full run (every part on both servers, not --quick) replaces the results section; a
 * smaller one goes to the partial-runs section below it, so it never wipes a full run's tables.
 */
const FULL_RUN = !quick && BENCH_SERVERS.every((s) => servers.includes(s)) && PARTS.every((p) => parts.has(p));

/** Writes what has been measured so far: after every part, so a run cut short keeps its numbers. */
function writeResults(): string {
  const text = render(reports, cron, timeSkipping, simulation);
  if (FULL_RUN) writeDocSection('bench', text);
  else writePartialSection(`${quick ? 'quick ' : ''}${servers.join(',')} ${[...parts].join(',')}`, text);
  return text;
}

/** The simulation runs the real `npm run simulate` on its own ports, whichever servers are benched. */
async function benchSimulation(): Promise<void> {
  try {
    log('simulate: the README session on npm run simulate');
    simulation = await runSimulation();
  } catch (error) {
    log(`simulate: FAILED ${(error as Error).stack ?? (error as Error).message}`);
    partFailures.push('simulate');
  }
  writeResults();
}

async function main(): Promise<void> {
  if (parts.has('simulate')) await benchSimulation();
  for (const server of servers) {
    if ([...parts].some((p) => p !== 'simulate')) await benchServer(server, cron);
  }
  process.stdout.write(`${writeResults()}\n`);
  log(`written to docs/benchmarks.md (${FULL_RUN ? 'results' : 'partial runs'})`);
  if (partFailures.length > 0) {
    log(`FAIL: these parts did not complete: ${partFailures.join(', ')}`);
    process.exitCode = 1;
  }
  const bad = reports.flatMap((r) => r.storms).filter(({ product }) => product.duplicates > 0 || product.misses > 0);
  if (bad.length > 0) {
    log('FAIL: a storm charged a subscription twice or not at all');
    process.exitCode = 1;
  }
}

main().catch((error: Error) => {
  process.stderr.write(`bench failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
