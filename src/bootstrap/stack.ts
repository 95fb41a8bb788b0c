/**
 * Starts the whole system in one process tree, on embedded defaults unless configured otherwise:
 * PostgreSQL (embedded), the Toss emulator, the Temporal dev server (Web UI), the worker and the
 * API. `npm start` and the end-to-end test both use it.
 */
import type { Server } from 'node:http';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities } from '../../activities';
import { createApiApp } from '../api/app';
import { webhookDeliveryOptions, type Config } from '../config';
import { ensureFirstApiKey, type FirstKeyOutcome } from '../auth/first-key';
import { openDatabase } from '../db/database';
import { loadOrCreateEncryptionKey } from '../db/encryption-key';
import { createTossEmulator } from '../emulator/emulator-app';
import { TossPaymentsClient } from '../gateway/toss-payments-client';
import { startDevServer } from '../infra/dev-server';
import { assertPortsFree, describeListenError, stackPortClaims } from '../infra/ports';
import { ensurePrivateDir } from '../infra/private-files';
import { resolveTemporalCli, resolveTestServer } from '../infra/temporal-binaries';
import { installWorkerRuntime } from '../metrics/worker-runtime';
import { TASK_QUEUE } from '../temporal/task-queue';
import { createTestClock } from '../temporal/test-clock';
import { startTimeSkippingTemporal } from '../temporal/time-skipping-server';
import { createSubscriptionWorker } from '../temporal/worker';
import type { ApiDeps } from '../api/deps';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startAppPostgres } from './app-postgres';
import { ensureReconciliationSchedule } from '../temporal/reconciliation-schedule';

export interface RunningStack {
  urls: Record<string, string>;
  /** The first API key when this start created it (print it once), else how many keys are active. */
  apiKey: FirstKeyOutcome;
  stop(): Promise<void>;
}

function listen(app: import('express').Express, port: number, host = '127.0.0.1'): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, () => resolve(server));
    // Taken after the start-up check (a race): still a one-line "port … is already in use".
    server.once('error', (error) => reject(describeListenError(error, port)));
  });
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

export async function startStack(config: Config, logger: Logger, options: { simulation?: boolean } = {}): Promise<RunningStack> {
  const stops: (() => Promise<void>)[] = [];
  const urls: Record<string, string> = {};
  const stop = async () => {
    for (const fn of stops.reverse()) await fn().catch((e: Error) => logger.warn({ err: e.message }, 'shutdown step failed'));
  };
  try {
    // Every port this start binds, named with its setting when taken, before anything starts.
    await assertPortsFree(stackPortClaims(config));
    // The data directory is private (0700; its files are 0600), tightened if an older version left it open.
    ensurePrivateDir(config.dataDir);
    let databaseUrl = config.DATABASE_URL;
    if (!databaseUrl) {
      logger.info('starting embedded PostgreSQL');
      const db = await startAppPostgres(config, logger);
      stops.push(db.stop);
      databaseUrl = db.url;
    }
    urls.postgres = databaseUrl.replace(/\/\/[^@]*@/, '//');
    const { pool, plans, paymentMethods, payments, subscriptions, webhooks, billingAuthSessions } = await openDatabase(databaseUrl, {
      encryptionKey: loadOrCreateEncryptionKey(config.BILLING_KEY_ENCRYPTION_KEY, config.dataDir),
      onMigration: (msg) => logger.debug({ migration: msg }),
      onIdleError: (e) => logger.warn({ err: e.message }, 'idle database connection lost'),
    });
    stops.push(() => pool.end());

    let gatewayBaseUrl = config.TOSS_API_BASE_URL;
    let secretKey = config.TOSS_SECRET_KEY;
    if (!secretKey) {
      const emulator = createTossEmulator({
        secretKey: config.EMULATOR_SECRET_KEY,
        latencyMs: config.EMULATOR_LATENCY_MS,
        statePath: path.join(config.dataDir, 'toss-emulator-state.json'),
      });
      const server = await listen(emulator.app, config.EMULATOR_PORT);
      stops.push(async () => {
        await close(server);
        emulator.store.flush();
      });
      gatewayBaseUrl = `http://127.0.0.1:${config.EMULATOR_PORT}`;
      secretKey = config.EMULATOR_SECRET_KEY;
      urls.tossEmulator = gatewayBaseUrl;
    }
    // The emulator serves a card window like Toss's; with real Toss its JS SDK opens the window.
    const cardWindowUrl = config.TOSS_CARD_WINDOW_URL ?? (urls.tossEmulator ? `${urls.tossEmulator}/billing-auth/window` : undefined);
    const gateway = new TossPaymentsClient({ baseUrl: gatewayBaseUrl, secretKey });

    // The Temporal side: the dev server (or TEMPORAL_ADDRESS), or in a simulation the time-skipping
    // test server, whose clock the API's test clock moves (docs/simulation.md).
    let temporal: Client;
    let workerConnection: NativeConnection;
    let simulationEnv: TestWorkflowEnvironment | undefined;
    if (options.simulation) {
      logger.info('starting the Temporal time-skipping test server (simulation)');
      installWorkerRuntime({ logger });
      const testServer = resolveTestServer();
      simulationEnv = await startTimeSkippingTemporal({ ...(testServer ? { path: testServer } : {}), port: config.TEMPORAL_PORT });
      stops.push(() => simulationEnv!.teardown());
      urls.temporal = `127.0.0.1:${config.TEMPORAL_PORT}`;
      temporal = simulationEnv.client;
      workerConnection = simulationEnv.nativeConnection;
    } else {
      let temporalAddress = config.TEMPORAL_ADDRESS;
      if (!temporalAddress) {
        const cliPath = resolveTemporalCli();
        if (!cliPath) throw new Error('no Temporal CLI available: install Go ≥ 1.25 or set TEMPORAL_CLI_PATH / TEMPORAL_ADDRESS');
        logger.info('starting the Temporal dev server');
        const dev = await startDevServer({
          cliPath,
          dataDir: path.join(config.dataDir, 'temporal'),
          port: config.TEMPORAL_PORT,
          uiPort: config.TEMPORAL_UI_PORT,
          namespace: config.TEMPORAL_NAMESPACE,
        });
        stops.push(dev.stop);
        temporalAddress = dev.address;
        urls.temporalUi = dev.uiUrl;
      }
      urls.temporal = temporalAddress;
      // Before the first connection: the SDK's Prometheus exporter when WORKER_METRICS_ADDRESS is set.
      installWorkerRuntime({ logger });
      const nativeConnection = await NativeConnection.connect({ address: temporalAddress });
      stops.push(() => nativeConnection.close());
      workerConnection = nativeConnection;
      const clientConnection = await Connection.connect({ address: temporalAddress });
      stops.push(() => clientConnection.close());
      temporal = new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE });
    }

    const worker: Worker = await createSubscriptionWorker({
      connection: workerConnection,
      namespace: simulationEnv ? (simulationEnv.namespace ?? 'default') : config.TEMPORAL_NAMESPACE,
      // The local stack may send webhooks to receivers on this machine (docs/webhooks.md).
      activities: createActivities({ gateway, paymentMethods, payments, subscriptions, pool, webhooks, webhookDelivery: webhookDeliveryOptions(config, 'private') }),
      maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
      ...(config.WORKFLOW_BUNDLE ? { workflowBundle: { codePath: config.WORKFLOW_BUNDLE } } : {}),
    });
    const workerRun = worker.run();
    stops.push(async () => {
      // Ctrl-C also reaches the SDK's own signal handler, which may have begun draining already.
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await workerRun;
    });

    let simulation: Pick<ApiDeps, 'testClock' | 'clock'> = {};
    if (simulationEnv) {
      const env = simulationEnv;
      const testClock = createTestClock(env, {
        inFlight: () => {
          const status = worker.getStatus();
          return status.numInFlightWorkflowActivations + status.numInFlightActivities;
        },
      });
      simulation = { testClock, clock: () => env.currentTimeMs() };
    } else {
      // The daily ledger-versus-gateway check (docs/reconciliation.md); idempotent across processes.
      // The test server has no Schedules, and a simulation's ledger is not a merchant's.
      await ensureReconciliationSchedule(temporal, { taskQueue: TASK_QUEUE }).catch((e: Error) => logger.warn({ err: e.message }, 'daily reconciliation schedule not ensured'));
    }
    const api = createApiApp({
      pool, plans, paymentMethods, subscriptions, payments, webhooks, billingAuthSessions, gateway, temporal, taskQueue: TASK_QUEUE, logger,
      rateLimitPerMinute: config.API_RATE_LIMIT_PER_MINUTE, webhookDelivery: webhookDeliveryOptions(config, 'private'),
      ...(cardWindowUrl ? { cardWindowUrl } : {}),
      ...(config.API_PUBLIC_URL ? { publicUrl: config.API_PUBLIC_URL } : {}),
      ...simulation,
    });
    const apiServer = await listen(api, config.API_PORT, config.API_HOST);
    stops.push(() => close(apiServer));
    urls.api = `http://${config.API_HOST === '0.0.0.0' ? '127.0.0.1' : config.API_HOST}:${config.API_PORT}`;
    // Last, so a start that fails never creates (and loses) the key it would have printed.
    const apiKey = await ensureFirstApiKey(pool);
    return { urls, apiKey, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
