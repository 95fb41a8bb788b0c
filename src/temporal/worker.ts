import { NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import type { SubscriptionActivities } from '../../activities';
import { TASK_QUEUE } from './task-queue';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  activities: SubscriptionActivities;
  taskQueue?: string;
  /** A prebuilt bundle (tests build one and share it); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkflowBundle;
}

export function createSubscriptionWorker(opts: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    activities: opts.activities,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: require.resolve('../../workflows') }),
    // Renewal storms are I/O bound (gateway latency): many charges in flight per worker.
    maxConcurrentActivityTaskExecutions: 200,
  });
}
