import { Pool, types } from 'pg';

// bigint columns hold minor units well below 2^53: read them as numbers, not strings.
types.setTypeParser(types.builtins.INT8, (value) => Number(value));

export function createPool(databaseUrl: string, max = 10, onIdleError: (error: Error) => void = () => {}): Pool {
  // A query that cannot get a connection fails after a while instead of waiting forever.
  const pool = new Pool({ connectionString: databaseUrl, max, connectionTimeoutMillis: 20_000 });
  // An idle connection dropped by the server (restart, Ctrl-C reaching PostgreSQL too) must not crash
  // the process; the pool replaces it on the next query.
  pool.on('error', onIdleError);
  return pool;
}
