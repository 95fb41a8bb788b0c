import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { SubscriptionActivities } from '../../activities';
import { TASK_QUEUE } from './task-queue';
import { WORKFLOWS_PATH } from './workflow-bundle';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  activities: SubscriptionActivities;
  taskQueue?: string;
  /** A prebuilt bundle (tests and cluster mode build one and share it); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkflowBundleOption;
  /** Sticky cache size (see docs/benchmarks.md); the SDK's default grows with the machine's memory. */
  maxCachedWorkflows?: number;
}

export function createSubscriptionWorker(opts: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    activities: opts.activities,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    // Renewal storms are I/O bound (gateway latency): many charges in flight per worker.
    maxConcurrentActivityTaskExecutions: 200,
    ...(opts.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: opts.maxCachedWorkflows } : {}),
  });
}
