/**
 * Cluster mode (`npm run start:cluster`): the same system as `npm start`, laid out as it runs in
 * production — a real Temporal server on PostgreSQL (SQL visibility, a chosen shard count), the
 * Web UI server, and the emulator, `WORKERS` worker processes and the API each in their own
 * process, supervised (restarted if they die). The benchmark and the chaos suite run on it; with
 * `temporal: 'dev'` the same layout runs on the CLI dev server, so both servers are measured alike.
 */
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import type { Logger } from 'pino';
import { ensureFirstApiKey, type FirstKeyOutcome } from '../auth/first-key';
import type { Config } from '../config';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { PlansRepo } from '../db/plans-repo';
import { SEED_PLANS } from '../db/seed-plans';
import { loadOrCreateEncryptionKey } from '../db/encryption-key';
import { startClusterServer, clusterPorts } from '../infra/cluster-server';
import { startDevServer } from '../infra/dev-server';
import { assertPortsFree, type PortClaim } from '../infra/ports';
import { ensurePrivateDir } from '../infra/private-files';
import { StartupError } from '../infra/startup-error';
import { superviseProcess, type SupervisedProcess } from '../infra/supervised-process';
import { resolveTemporalCli, resolveTemporalServer, resolveTemporalUiServer } from '../infra/temporal-binaries';
import { startUiServer } from '../infra/ui-server';
import { TASK_QUEUE } from '../temporal/task-queue';
import { startAppPostgres } from './app-postgres';
import { writeWorkflowBundle } from '../temporal/workflow-bundle';

const ROOT = path.resolve(__dirname, '../..');

export interface ClusterStackOptions {
  /** `cluster` (default): the Temporal server on PostgreSQL; `dev`: the CLI dev server, same process layout. */
  temporal?: 'cluster' | 'dev';
  /** Extra environment for every app process (e.g. `EMULATOR_LATENCY_MS` for the benchmark). */
  env?: NodeJS.ProcessEnv;
  /** Extra Node options for the worker processes only (e.g. `--cpu-prof` to profile them). */
  workerNodeArgs?: string[];
}

export interface RunningCluster {
  urls: Record<string, string>;
  databaseUrl: string;
  temporalAddress: string;
  apiKey: FirstKeyOutcome;
  processes: { workers: SupervisedProcess[]; api: SupervisedProcess; emulator?: SupervisedProcess };
  /** Stops and starts again what this start runs itself (the chaos suite's faults); absent when external. */
  restart: { postgres?: () => Promise<void>; temporal?: () => Promise<void> };
  stop(): Promise<void>;
}

function claims(config: Config, mode: 'cluster' | 'dev'): PortClaim[] {
  const list: PortClaim[] = [];
  if (!config.DATABASE_URL) list.push({ port: config.EMBEDDED_PG_PORT, setting: 'EMBEDDED_PG_PORT' });
  if (!config.TEMPORAL_ADDRESS) {
    const temporalPorts = mode === 'cluster' ? Object.values(clusterPorts(config.TEMPORAL_PORT)) : [config.TEMPORAL_PORT];
    list.push(...temporalPorts.map((port) => ({ port, setting: 'TEMPORAL_PORT' })), { port: config.TEMPORAL_UI_PORT, setting: 'TEMPORAL_UI_PORT' });
  }
  if (!config.TOSS_SECRET_KEY) list.push({ port: config.EMULATOR_PORT, setting: 'EMULATOR_PORT' });
  list.push({ port: config.API_PORT, setting: 'API_PORT' });
  return list;
}

export async function startClusterStack(config: Config, logger: Logger, options: ClusterStackOptions = {}): Promise<RunningCluster> {
  const mode = options.temporal ?? 'cluster';
  const stops: (() => Promise<void>)[] = [];
  const restart: RunningCluster['restart'] = {};
  const urls: Record<string, string> = {};
  const stop = async () => {
    for (const fn of stops.reverse()) await fn().catch((e: Error) => logger.warn({ err: e.message }, 'shutdown step failed'));
  };
  try {
    await assertPortsFree(claims(config, mode));
    ensurePrivateDir(config.dataDir);
    const logDir = path.join(config.dataDir, 'logs');
    ensurePrivateDir(logDir);

    // PostgreSQL: the app's database and, in cluster mode, Temporal's two.
    let databaseUrl = config.DATABASE_URL;
    if (!databaseUrl) {
      logger.info('starting embedded PostgreSQL');
      const startPostgres = () => startAppPostgres(config, logger);
      let db = await startPostgres();
      stops.push(() => db.stop());
      restart.postgres = async () => {
        await db.stop();
        db = await startPostgres();
      };
      databaseUrl = db.url;
    }
    urls.postgres = databaseUrl.replace(/\/\/[^@]*@/, '//');
    // Migrations and the first key once, here, before any app process starts.
    await migrate(databaseUrl, (msg) => logger.debug({ migration: msg }));
    const pool = createPool(databaseUrl, 2);
    let apiKey: FirstKeyOutcome;
    try {
      await new PlansRepo(pool).insertMissing(SEED_PLANS);
      apiKey = await ensureFirstApiKey(pool);
    } finally {
      await pool.end();
    }
    // Created here so that every process reads the same key file.
    const encryptionKey = loadOrCreateEncryptionKey(config.BILLING_KEY_ENCRYPTION_KEY, config.dataDir);

    let temporalAddress = config.TEMPORAL_ADDRESS;
    if (!temporalAddress) {
      if (mode === 'cluster') {
        const pg = new URL(databaseUrl);
        logger.info({ shards: config.TEMPORAL_SHARDS }, 'starting the Temporal server (PostgreSQL persistence)');
        const startServer = () =>
          startClusterServer({
            binaries: resolveTemporalServer(),
            dataDir: path.join(config.dataDir, 'temporal-cluster'),
            postgres: { host: pg.hostname, port: Number(pg.port || 5432), user: decodeURIComponent(pg.username), password: decodeURIComponent(pg.password) },
            port: config.TEMPORAL_PORT,
            shards: config.TEMPORAL_SHARDS,
            namespace: config.TEMPORAL_NAMESPACE,
            asyncCommit: config.TEMPORAL_DB_ASYNC_COMMIT,
          });
        let server = await startServer();
        stops.push(() => server.stop());
        restart.temporal = async () => {
          await server.stop();
          server = await startServer();
        };
        temporalAddress = server.address;
        const uiBinary = resolveTemporalUiServer();
        if (uiBinary) {
          const ui = startUiServer({ binary: uiBinary, dataDir: path.join(config.dataDir, 'temporal-ui'), temporalAddress, port: config.TEMPORAL_UI_PORT, namespace: config.TEMPORAL_NAMESPACE });
          stops.push(ui.process.stop);
          urls.temporalUi = ui.url;
        }
      } else {
        const cliPath = resolveTemporalCli();
        if (!cliPath) throw new StartupError('no Temporal CLI available: install Go >= 1.25 or set TEMPORAL_CLI_PATH / TEMPORAL_ADDRESS');
        const dev = await startDevServer({ cliPath, dataDir: path.join(config.dataDir, 'temporal'), port: config.TEMPORAL_PORT, uiPort: config.TEMPORAL_UI_PORT, namespace: config.TEMPORAL_NAMESPACE });
        stops.push(dev.stop);
        temporalAddress = dev.address;
        urls.temporalUi = dev.uiUrl;
      }
    }
    urls.temporal = temporalAddress;

    const node = (entry: string, nodeArgs: string[] = []) => ({ command: process.execPath, args: [...nodeArgs, '--import', 'tsx', path.join(ROOT, 'src/bootstrap', entry)], cwd: ROOT });
    const appEnv: NodeJS.ProcessEnv = {
      ...process.env,
      ...options.env,
      DATA_DIR: config.dataDir,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE,
      BILLING_KEY_ENCRYPTION_KEY: encryptionKey,
      WORKER_MAX_CACHED_WORKFLOWS: String(config.WORKER_MAX_CACHED_WORKFLOWS),
      API_RATE_LIMIT_PER_MINUTE: String(config.API_RATE_LIMIT_PER_MINUTE),
      LOG_LEVEL: config.LOG_LEVEL,
    };

    let emulator: SupervisedProcess | undefined;
    if (!config.TOSS_SECRET_KEY) {
      const emulatorEnv = {
        ...appEnv,
        EMULATOR_HOST: '127.0.0.1',
        EMULATOR_PORT: String(config.EMULATOR_PORT),
        EMULATOR_SECRET_KEY: config.EMULATOR_SECRET_KEY,
        EMULATOR_LATENCY_MS: options.env?.EMULATOR_LATENCY_MS ?? String(config.EMULATOR_LATENCY_MS),
      };
      emulator = superviseProcess({ name: 'emulator', ...node('emulator-main.ts'), env: emulatorEnv, logPath: path.join(logDir, 'emulator.log') });
      stops.push(emulator.stop);
      urls.tossEmulator = `http://127.0.0.1:${config.EMULATOR_PORT}`;
      appEnv.TOSS_SECRET_KEY = config.EMULATOR_SECRET_KEY;
      appEnv.TOSS_API_BASE_URL = urls.tossEmulator;
      appEnv.TOSS_CARD_WINDOW_URL ??= `${urls.tossEmulator}/billing-auth/window`;
      await waitFor(`${urls.tossEmulator}/emulator/test-cards`, 'the Toss emulator', path.join(logDir, 'emulator.log'));
    }

    // One bundle for every worker, built from this checkout (never a stale one from elsewhere).
    const bundlePath = await writeWorkflowBundle(path.join(config.dataDir, 'workflow-bundle.js'));
    const workers = Array.from({ length: config.WORKERS }, (_, i) =>
      superviseProcess({ name: `worker-${i + 1}`, ...node('worker-main.ts', options.workerNodeArgs), env: { ...appEnv, WORKFLOW_BUNDLE: bundlePath, WORKER_INDEX: String(i) }, logPath: path.join(logDir, `worker-${i + 1}.log`) }),
    );
    for (const worker of workers) stops.push(worker.stop);

    const api = superviseProcess({ name: 'api', ...node('api-main.ts'), env: { ...appEnv, API_HOST: config.API_HOST, API_PORT: String(config.API_PORT) }, logPath: path.join(logDir, 'api.log') });
    stops.push(api.stop);
    const host = config.API_HOST === '0.0.0.0' ? '127.0.0.1' : config.API_HOST;
    urls.api = `http://${host}:${config.API_PORT}`;
    await waitFor(`${urls.api}/healthz`, 'the API', path.join(logDir, 'api.log'));
    await waitForPollers(temporalAddress, config.TEMPORAL_NAMESPACE, config.WORKERS, logDir);
    return { urls, databaseUrl, temporalAddress, apiKey, processes: { workers, api, emulator }, restart, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitFor(url: string, what: string, logPath: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new StartupError(`${what} did not answer on ${url} within ${timeoutMs / 1000} s; see ${logPath}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Ready when every worker process polls the task queue (each has its own identity). */
async function waitForPollers(address: string, namespace: string, count: number, logDir: string, timeoutMs = 180_000): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { pollers } = await connection.workflowService.describeTaskQueue({
        namespace,
        taskQueue: { name: TASK_QUEUE, kind: proto.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        taskQueueType: proto.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      });
      const identities = new Set((pollers ?? []).map((p) => p.identity));
      if (identities.size >= count) return;
      if (Date.now() > deadline) throw new StartupError(`${identities.size} of ${count} workers poll the task queue after ${timeoutMs / 1000} s; see ${logDir}/worker-*.log`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    await connection.close();
  }
}
