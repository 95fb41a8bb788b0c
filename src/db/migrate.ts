import path from 'node:path';

export const MIGRATIONS_DIR = path.join(__dirname, 'migrations');

/** Applies pending migrations (node-pg-migrate, plain SQL files). Safe to run on every start. */
export async function migrate(databaseUrl: string, log: (msg: string) => void = () => {}): Promise<void> {
  // node-pg-migrate is ESM-only; a dynamic import keeps this module loadable from CommonJS.
  const { runner } = await import('node-pg-migrate');
  await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    log,
    checkOrder: true,
  });
}
