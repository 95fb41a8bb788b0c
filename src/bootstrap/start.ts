/**
 * `npm start`: the whole system on embedded defaults, in one process on the dev server.
 * `npm run start:cluster` (`--cluster`): the same system on a PostgreSQL-backed Temporal server,
 * with WORKERS worker processes (cluster-stack.ts).
 * `npm run simulate` (`--simulate`): the same system on the time-skipping test server with a test
 * clock, on a fresh data directory of its own (docs/simulation.md). Ctrl-C stops everything.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { FirstKeyOutcome } from '../auth/first-key';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { describeStartupFailure } from '../infra/startup-error';
import { startClusterStack } from './cluster-stack';
import { startStack } from './stack';

async function main(): Promise<void> {
  const loaded = loadConfig();
  const logger = createLogger(loaded.LOG_LEVEL);
  const cluster = process.argv.includes('--cluster');
  const simulation = process.argv.includes('--simulate');
  // A simulation's subscriptions live only as long as its test server: it starts from nothing each time.
  const config = simulation ? { ...loaded, dataDir: path.join(loaded.dataDir, 'simulation') } : loaded;
  if (simulation) rmSync(config.dataDir, { recursive: true, force: true });
  const stack = cluster ? await startClusterStack(config, logger) : await startStack(config, logger, { simulation });
  const { urls, apiKey } = stack;
  const banner = [
    '',
    cluster
      ? `  Subscription orchestrator is running in cluster mode (${config.WORKERS} workers, ${config.TEMPORAL_SHARDS} history shards, logs in ${config.dataDir}/logs)`
      : simulation
        ? '  Subscription orchestrator is running as a simulation: time moves only when you advance the test clock'
        : '  Subscription orchestrator is running',
    simulation && `  Test clock       ${urls.api}/v1/test-clock   (advance: POST ${urls.api}/v1/test-clock/advance {"by":"P1M"})`,
    `  API              ${urls.api}   (try: curl -H "Authorization: Bearer $API_KEY" ${urls.api}/v1/plans)`,
    apiKeyLine(apiKey),
    urls.temporalUi && `  Temporal Web UI  ${urls.temporalUi}`,
    `  Temporal gRPC    ${urls.temporal}`,
    urls.tossEmulator ? `  Toss emulator    ${urls.tossEmulator}   (test cards: ${urls.tossEmulator}/emulator/test-cards)` : '  Toss             real API (TOSS_SECRET_KEY)',
    `  PostgreSQL       ${urls.postgres}`,
    `  Data directory   ${config.dataDir}`,
    '  Ctrl-C stops everything.',
    '',
  ].filter(Boolean);
  process.stdout.write(`${banner.join('\n')}\n`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    stack.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

/** The first key is printed exactly once, on the start that created it; it is stored only as a hash. */
function apiKeyLine(apiKey: FirstKeyOutcome): string {
  if (apiKey.created) return `  API key          ${apiKey.key}   (shown once: export API_KEY=<this>; manage with npm run api-keys)`;
  const keys = apiKey.activeKeys === 1 ? '1 active key' : `${apiKey.activeKeys} active keys`;
  return `  API keys         ${keys} (not shown again; npm run api-keys -- list | create --name NAME)`;
}

main().catch((error: unknown) => {
  // A StartupError is one line that says what to do; anything else (even a non-Error) prints readably.
  process.stderr.write(`start failed: ${describeStartupFailure(error)}\n`);
  process.exit(1);
});
