/** Determinism guard: every committed history, old runs' included, replays against today's workflow code. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { HISTORY_FIXTURES_DIR } from '../test/support/history-fixtures';
import { quietTemporalLogs } from '../test/support/workflow-logs';

// Today's histories, and those recorded before the LOCAL_PROJECTION patch (v1/): old runs must replay too.
const files = ['', 'v1/'].flatMap((dir) => readdirSync(join(HISTORY_FIXTURES_DIR, dir)).filter((f) => f.endsWith('.json')).sort().map((f) => `${dir}${f}`));

test('the main lifecycle paths have recorded histories', () => {
  expect(files.length).toBeGreaterThanOrEqual(8);
});

test.each(files)('%s replays without non-determinism', async (file) => {
  quietTemporalLogs();
  // Stored as protobufjs's JSON (test/support/history-fixtures.ts); fromObject reads that form back.
  const history = temporal.api.history.v1.History.fromObject(JSON.parse(readFileSync(join(HISTORY_FIXTURES_DIR, file), 'utf8')));
  await Worker.runReplayHistory({ workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! } }, history, file.replace(/\.json$/, '').replace('/', '-'));
});
