/**
 * Once per `npm test`: the real servers' binaries (resolved or built, never downloaded by the
 * SDK), one embedded PostgreSQL with the schema migrated, and one workflow bundle shared by every
 * worker. Tests find them through environment variables.
 */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/db/embedded-postgres';
import { migrate } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import { PlansRepo } from '../../src/db/plans-repo';
import { SEED_PLANS } from '../../src/db/seed-plans';
import { describeStartupFailure } from '../../src/infra/startup-error';
import { resolveTemporalCli, resolveTestServer } from '../../src/infra/temporal-binaries';
import { freePort } from './free-ports';
import { TEST_PLANS } from './test-plans';

declare global {
  // eslint-disable-next-line no-var
  var __STOP_TEST_DB__: (() => Promise<void>) | undefined;
}

export default async function globalSetup(): Promise<void> {
  const testServer = resolveTestServer();
  const cli = resolveTemporalCli();
  if (testServer) process.env.TEMPORAL_TEST_SERVER_PATH = testServer;
  if (cli) process.env.TEMPORAL_CLI_PATH = cli;

  const root = mkdtempSync(path.join(os.tmpdir(), 'subs-test-'));
  chmodSync(root, 0o755); // PostgreSQL runs as the postgres user when we are root: it must reach its data dir
  process.env.TEST_TMP_DIR = root;
  if (!process.env.TEST_DATABASE_URL) {
    const db = await startTestDatabase(path.join(root, 'postgres'));
    globalThis.__STOP_TEST_DB__ = db.stop;
    process.env.TEST_DATABASE_URL = db.url;
  }
  await migrate(process.env.TEST_DATABASE_URL);
  const pool = createPool(process.env.TEST_DATABASE_URL);
  await new PlansRepo(pool).insertMissing([...SEED_PLANS, ...TEST_PLANS]);
  await pool.end();

  const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: silentLogger });
  mkdirSync(path.join(root, 'bundle'), { recursive: true });
  const bundlePath = path.join(root, 'bundle', 'workflows.js');
  writeFileSync(bundlePath, bundle.code);
  process.env.TEST_WORKFLOW_BUNDLE = bundlePath;
}

/**
 * The suite's PostgreSQL on a free port, retried on another port when it fails (a port can be
 * taken between the check and PostgreSQL's bind); if it never starts, PostgreSQL's own words.
 */
async function startTestDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  const failures: string[] = [];
  for (let attempt = 1; attempt <= 4; attempt++) {
    const port = await freePort();
    const said: string[] = [];
    try {
      return await startEmbeddedPostgres({ dataDir, port, database: 'subscriptions_test', log: (msg) => said.push(msg) });
    } catch (error) {
      failures.push(`attempt ${attempt} (port ${port}): ${describeStartupFailure(error)}${said.length ? ` [${said.join(' | ')}]` : ''}`);
    }
  }
  throw new Error(`the test suite's embedded PostgreSQL did not start:\n${failures.join('\n')}`);
}

const noop = () => {};
const silentLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };
