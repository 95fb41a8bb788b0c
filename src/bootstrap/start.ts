/** `npm start`: the whole system on embedded defaults; Ctrl-C stops everything it started. */
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { startStack } from './stack';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const stack = await startStack(config, logger);
  const { urls } = stack;
  const banner = [
    '',
    '  Subscription orchestrator is running',
    `  API              ${urls.api}   (try: curl ${urls.api}/v1/plans)`,
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

main().catch((error: Error) => {
  process.stderr.write(`start failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
