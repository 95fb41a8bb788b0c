/** The worker alone (docker-compose `worker` service). */
import { NativeConnection } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { loadConfig } from '../config';
import { createSubscriptionWorker } from '../temporal/worker';
import { connectRuntime } from './runtime-deps';

async function main(): Promise<void> {
  const config = loadConfig();
  const rt = await connectRuntime(config);
  const connection = await NativeConnection.connect({ address: rt.temporalAddress });
  const worker = await createSubscriptionWorker({ connection, namespace: config.TEMPORAL_NAMESPACE, activities: createActivities(rt) });
  // The SDK shuts the worker down gracefully on SIGINT/SIGTERM.
  await worker.run();
  await rt.pool.end();
}

main().catch((error: Error) => {
  process.stderr.write(`worker failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
