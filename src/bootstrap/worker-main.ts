/** The worker alone (docker-compose `worker` service, cluster mode's WORKERS processes). */
import { NativeConnection } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { installWorkerRuntime } from '../metrics/worker-runtime';
import { createSubscriptionWorker } from '../temporal/worker';
import { connectRuntime } from './runtime-deps';

async function main(): Promise<void> {
  const config = loadConfig();
  // Before any connection exists; worker i of a cluster serves its metrics on the port + i.
  installWorkerRuntime({ logger: createLogger(config.LOG_LEVEL), portOffset: config.WORKER_INDEX });
  const rt = await connectRuntime(config);
  const connection = await NativeConnection.connect({ address: rt.temporalAddress });
  const worker = await createSubscriptionWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    activities: createActivities(rt),
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
    ...(config.WORKFLOW_BUNDLE ? { workflowBundle: { codePath: config.WORKFLOW_BUNDLE } } : {}),
  });
  // The SDK shuts the worker down gracefully on SIGINT/SIGTERM.
  await worker.run();
  await rt.pool.end();
}

main().catch((error: Error) => {
  process.stderr.write(`worker failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
