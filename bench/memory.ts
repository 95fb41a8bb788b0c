/**
 * Worker memory with many subscriptions asleep: RSS of the worker processes after N subscriptions
 * have started and gone to sleep until a later start, for two N. The sticky cache
 * (WORKER_MAX_CACHED_WORKFLOWS), not the number of subscriptions, should bound it.
 */
import { Client, Connection } from '@temporalio/client';
import { Pool } from 'pg';
import type { Plan } from '../src/domain/plans';
import { TASK_QUEUE, workflowIdFor } from '../src/temporal/task-queue';
import { subscriptionWorkflow } from '../workflows/subscription-workflow';
import { pool, rssMb, sleepMs } from './stats';

export interface MemoryPoint {
  asleep: number;
  rssMb: number;
}

/**
 * Starts sleepers directly through Temporal until `to` exist: the API's create adds nothing a
 * sleeper keeps in memory, and tens of thousands of creates through it would dominate the run. All
 * share one registered card, since the projection's foreign key needs a real payment method, and
 * nothing is charged before their start.
 */
export async function addSleepers(opts: { address: string; databaseUrl: string; plan: Plan; paymentMethodId: string; label: string; from: number; to: number; log: (m: string) => void }): Promise<void> {
  const connection = await Connection.connect({ address: opts.address });
  const client = new Client({ connection });
  const startAtMs = Date.now() + 30 * 86_400_000;
  try {
    const indexes = Array.from({ length: opts.to - opts.from }, (_, i) => opts.from + i);
    let done = 0;
    await pool(indexes, 64, async (i) => {
      const subscriptionId = `sub_${opts.label}_${i}`;
      await client.workflow.start(subscriptionWorkflow, {
        workflowId: workflowIdFor(subscriptionId),
        taskQueue: TASK_QUEUE,
        args: [{ create: { subscriptionId, customerKey: `${opts.label}-${i}`, plan: opts.plan, paymentMethodId: opts.paymentMethodId, timeZone: 'Asia/Seoul', withTrial: false, startAtMs } }],
      });
      if (++done % 5000 === 0) opts.log(`memory: ${opts.from + done} sleepers started`);
    });
  } finally {
    await connection.close();
  }
  // Asleep = its first workflow task ran and wrote the projection.
  const db = new Pool({ connectionString: opts.databaseUrl, max: 1 });
  try {
    // Bounded by progress, not by a fixed time (a slow box works through the backlog slower): a run
    // stops when no sleeper has been projected for 3 minutes (one that cannot be written is retried
    // only every 10 minutes), instead of hanging.
    let seen = -1;
    let progressAt = Date.now();
    for (;;) {
      const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM subscriptions WHERE customer_key LIKE $1', [`${opts.label}-%`]);
      const projected = Number(rows[0]!.n);
      if (projected >= opts.to) break;
      if (projected > seen) [seen, progressAt] = [projected, Date.now()];
      if (Date.now() - progressAt > 180_000) throw new Error(`only ${projected} of ${opts.to} sleepers projected, none in the last 3 minutes; see the worker logs`);
      await sleepMs(2000);
    }
  } finally {
    await db.end();
  }
}

export async function measureWorkerRss(pids: number[]): Promise<number> {
  // Let the last tasks finish and the allocator settle.
  await sleepMs(15_000);
  return pids.reduce((sum, pid) => sum + rssMb(pid), 0);
}
