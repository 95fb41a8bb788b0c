import { Pool, types } from 'pg';

// bigint columns hold minor units well below 2^53: read them as numbers, not strings.
types.setTypeParser(types.builtins.INT8, (value) => Number(value));

export function createPool(databaseUrl: string, max = 10): Pool {
  return new Pool({ connectionString: databaseUrl, max });
}
