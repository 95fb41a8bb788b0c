/**
 * The Temporal servers tests run on: the CLI dev server and the Java time-skipping server, from
 * the paths global setup resolved. The SDK gives a server a fixed few seconds to answer after it
 * is spawned; a loaded two-core machine (a benchmark alongside, CI's parallel jobs) can exceed
 * that, so a start that times out that way is tried again instead of failing the whole file.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/temporal/search-attributes';
import { quietTemporalLogs } from './workflow-logs';

const ATTEMPTS = 4;

async function withStartRetries(start: () => Promise<TestWorkflowEnvironment>): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= ATTEMPTS || !/did not start within/.test((error as Error).message)) throw error;
      process.stderr.write(`test server did not answer in time (attempt ${attempt} of ${ATTEMPTS}); starting it again\n`);
    }
  }
}

/** The CLI dev server with the product's search attributes. */
export function startDevServer(): Promise<TestWorkflowEnvironment> {
  quietTemporalLogs();
  const path = process.env.TEMPORAL_CLI_PATH;
  return withStartRetries(() =>
    TestWorkflowEnvironment.createLocal({
      server: { ...(path ? { executable: { type: 'existing-path' as const, path } } : {}), searchAttributes: SEARCH_ATTRIBUTE_KEYS },
    }),
  );
}

/** The time-skipping test server (its search attributes are registered by the harness). */
export function startTimeSkippingServer(): Promise<TestWorkflowEnvironment> {
  quietTemporalLogs();
  const path = process.env.TEMPORAL_TEST_SERVER_PATH;
  return withStartRetries(() => TestWorkflowEnvironment.createTimeSkipping(path ? { server: { executable: { type: 'existing-path', path } } } : {}));
}
