/**
 * The server's own ceiling: the smallest workflow with a renewal's shape — sleep until the due
 * instant, run one activity (the gateway's latency, nothing else), sleep on. The product's storm is
 * measured against this on the same server in the same run (docs/benchmarks.md).
 *
 * `shape` adds, one at a time, what a product renewal does beyond that (bench/attribution.ts): the
 * search-attribute upsert the Web UI lists by, and a local activity (the product's projection,
 * here a no-op, so only its marker and turn remain).
 */
import { proxyActivities, proxyLocalActivities, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import { NextBillingAtKey, SubscriptionStatusKey } from '../src/temporal/search-attributes';

export interface MinimalActivities {
  minimalCharge(id: string): Promise<void>;
  minimalProject(id: string): Promise<void>;
}

export interface MinimalShape {
  /** Upsert two search attributes after the charge, as a renewal does (a visibility write). */
  upsert?: boolean;
  /** Run a no-op local activity after the charge, as a renewal runs its projection. */
  localActivity?: boolean;
}

const { minimalCharge } = proxyActivities<MinimalActivities>({ startToCloseTimeout: '1 minute' });
const { minimalProject } = proxyLocalActivities<MinimalActivities>({ startToCloseTimeout: '1 minute' });

const MONTH_MS = 30 * 86_400_000;

export async function minimalWorkflow(id: string, dueAtMs: number, shape: MinimalShape = {}): Promise<void> {
  await sleep(Math.max(0, dueAtMs - Date.now()));
  await minimalCharge(id);
  if (shape.upsert) {
    upsertSearchAttributes([
      { key: SubscriptionStatusKey, value: 'ACTIVE' },
      { key: NextBillingAtKey, value: new Date(Date.now() + MONTH_MS) },
    ]);
  }
  if (shape.localActivity) await minimalProject(id);
  await sleep(MONTH_MS);
}
