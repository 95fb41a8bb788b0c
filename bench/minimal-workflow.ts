/**
 * The server's own ceiling: the smallest workflow with a renewal's shape — sleep until the due
 * instant, run one activity (the gateway's latency, nothing else), sleep on. The product's storm is
 * measured against this on the same server in the same run (docs/benchmarks.md).
 */
import { proxyActivities, sleep } from '@temporalio/workflow';

export interface MinimalActivities {
  minimalCharge(id: string): Promise<void>;
}

const { minimalCharge } = proxyActivities<MinimalActivities>({ startToCloseTimeout: '1 minute' });

export async function minimalWorkflow(id: string, dueAtMs: number): Promise<void> {
  await sleep(Math.max(0, dueAtMs - Date.now()));
  await minimalCharge(id);
  await sleep('30 days');
}
