/**
 * Recorded workflow histories, committed as fixtures and replayed against the current workflow
 * code (workflows/replay.test.ts): a non-deterministic change fails CI. Record again with
 * `RECORD_HISTORIES=1 npx jest workflows/seed-examples.test.ts workflows/subscription-operations.test.ts workflows/money-safety.test.ts`
 * only when a change is meant to be incompatible (and then guard old runs with `patched()`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { workflowIdFor } from '../../src/temporal/task-queue';
import type { Harness } from './workflow-harness';

export const HISTORY_FIXTURES_DIR = join(__dirname, '..', '..', 'workflows', '__fixtures__', 'histories');

export async function recordHistories(h: Harness, subscriptions: Record<string, string>): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  mkdirSync(HISTORY_FIXTURES_DIR, { recursive: true });
  for (const [name, subscriptionId] of Object.entries(subscriptions)) {
    const history = await h.env.client.workflow.getHandle(workflowIdFor(subscriptionId)).fetchHistory();
    // protobufjs's toJSON gives the proto3 JSON form that Worker.runReplayHistory reads back.
    writeFileSync(join(HISTORY_FIXTURES_DIR, `${name}.json`), JSON.stringify(history));
  }
}
