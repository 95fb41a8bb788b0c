/** The configuration of a stack the benchmark or the chaos suite starts: fresh data, free loopback ports. */
import { loadConfig, type Config } from '../src/config';
import { freePortBlock } from '../test/support/free-ports';

/**
 * Settings that would point the stack at something outside it (a real database, Temporal, Toss,
 * another bundle or address): never taken from the shell, so a run can only touch what it starts.
 */
const OUTSIDE = ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TOSS_SECRET_KEY', 'TOSS_API_BASE_URL', 'API_HOST', 'WORKFLOW_BUNDLE', 'WORKER_METRICS_ADDRESS', 'BILLING_KEY_ENCRYPTION_KEY'];

export async function benchStackConfig(dataDir: string, settings: Record<string, string>): Promise<Config> {
  const base = await freePortBlock(16);
  const env = { ...process.env };
  for (const name of OUTSIDE) delete env[name];
  // The app processes inherit the environment too: keep them inside as well.
  for (const name of OUTSIDE) delete process.env[name];
  return loadConfig({
    ...env,
    DATA_DIR: dataDir,
    EMBEDDED_PG_PORT: String(base),
    // The cluster's services take TEMPORAL_PORT … + 8.
    TEMPORAL_PORT: String(base + 1),
    TEMPORAL_UI_PORT: String(base + 11),
    EMULATOR_PORT: String(base + 12),
    API_PORT: String(base + 13),
    API_RATE_LIMIT_PER_MINUTE: '1000000',
    LOG_LEVEL: 'warn',
    ...settings,
  });
}

/**
 * Ctrl-C or a kill during a run stops the stack it started (PostgreSQL, Temporal, the app
 * processes) before exiting, instead of leaving them running. Returns the unregistering function.
 */
export function stopOnSignal(stop: () => Promise<void>): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`${signal}: stopping the stack\n`);
    void stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };
}
