import path from 'node:path';
import { Client } from 'pg';

export const MIGRATIONS_DIR = path.join(__dirname, 'migrations');

/** Applies pending migrations (node-pg-migrate, plain SQL files). Safe to run on every start. */
export async function migrate(databaseUrl: string, log: (msg: string) => void = () => {}): Promise<void> {
  await ensureDatabase(databaseUrl, log);
  // node-pg-migrate is ESM-only; a dynamic import keeps this module loadable from CommonJS.
  const { runner } = await import('node-pg-migrate');
  await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    log,
    checkOrder: true,
    // Processes started together (two workers and an API) queue on the advisory lock; the later
    // ones then find nothing pending instead of crashing on "Another migration is already running".
    advisoryLockMode: 'wait',
  });
}

/**
 * Creates the application database when the server has none by that name (a fresh PostgreSQL, a
 * compose deployment): connected through the server's `postgres` maintenance database.
 */
export async function ensureDatabase(databaseUrl: string, log: (msg: string) => void = () => {}): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name || name === 'postgres') return;
  const probe = new Client({ connectionString: databaseUrl });
  try {
    await probe.connect();
    return;
  } catch (error) {
    // 3D000 invalid_catalog_name: the database does not exist; anything else is a real failure.
    if ((error as { code?: string }).code !== '3D000') throw error;
  } finally {
    await probe.end().catch(() => {});
  }
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    log(`created database ${name}`);
  } catch (error) {
    // Another process created it first: 42P04 duplicate_database, or 23505 unique_violation on
    // pg_database when both CREATE DATABASE statements ran at the same moment.
    const code = (error as { code?: string }).code;
    if (code !== '42P04' && code !== '23505') throw error;
  } finally {
    await admin.end();
  }
}
