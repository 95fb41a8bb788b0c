/**
 * Runs work while holding a PostgreSQL session advisory lock named by `key`, on a connection of its
 * own: a lock across API processes whose work writes through other connections. A crashed process
 * drops its connection, and the lock with it.
 */
import type { Pool } from 'pg';

export async function withAdvisoryLock<T>(pool: Pool, key: string, work: () => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [key]);
    try {
      return await work();
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]);
    }
  } finally {
    client.release();
  }
}
