/**
 * The API alone (docker-compose `api` service, cluster mode). Listens on `API_HOST` (loopback
 * unless set; the compose file sets 0.0.0.0 inside its container).
 */
import { Client, Connection } from '@temporalio/client';
import { createApiApp } from '../api/app';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { TASK_QUEUE } from '../temporal/task-queue';
import { ensureReconciliationSchedule } from '../temporal/reconciliation-schedule';
import { connectRuntime } from './runtime-deps';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const rt = await connectRuntime(config);
  const connection = await Connection.connect({ address: rt.temporalAddress });
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  // The daily ledger-versus-gateway check (docs/reconciliation.md); idempotent across processes.
  await ensureReconciliationSchedule(temporal, { taskQueue: TASK_QUEUE }).catch((e: Error) => logger.warn({ err: e.message }, 'daily reconciliation schedule not ensured'));
  const app = createApiApp({
    ...rt,
    temporal,
    taskQueue: TASK_QUEUE,
    logger,
    rateLimitPerMinute: config.API_RATE_LIMIT_PER_MINUTE,
    ...(config.TOSS_CARD_WINDOW_URL ? { cardWindowUrl: config.TOSS_CARD_WINDOW_URL } : {}),
    ...(config.API_PUBLIC_URL ? { publicUrl: config.API_PUBLIC_URL } : {}),
  });
  const host = config.API_HOST;
  const server = app.listen(config.API_PORT, host, () => logger.info({ host, port: config.API_PORT }, 'API listening'));
  const stop = () => server.close(() => void Promise.all([connection.close(), rt.pool.end()]).then(() => process.exit(0)));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: Error) => {
  process.stderr.write(`api failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
