/**
 * A worker process for the minimal workflow: the same worker settings as the product's workers,
 * and an activity that only waits out the gateway latency and notes when it finished.
 */
import { appendFileSync } from 'node:fs';
import { NativeConnection, Worker } from '@temporalio/worker';

async function main(): Promise<void> {
  const [address, taskQueue, bundlePath, outFile, latency, cached] = process.argv.slice(2);
  const latencyMs = Number(latency);
  const connection = await NativeConnection.connect({ address: address! });
  const worker = await Worker.create({
    connection,
    taskQueue: taskQueue!,
    workflowBundle: { codePath: bundlePath! },
    activities: {
      async minimalCharge(id: string) {
        await new Promise((resolve) => setTimeout(resolve, latencyMs));
        appendFileSync(outFile!, `${id} ${Date.now()}\n`);
      },
      async minimalProject() {},
    },
    maxConcurrentActivityTaskExecutions: 200,
    maxCachedWorkflows: Number(cached),
  });
  await worker.run();
  await connection.close();
}

main().catch((error: Error) => {
  process.stderr.write(`minimal worker failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
