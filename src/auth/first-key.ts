/**
 * The first key of a fresh installation, so `npm start` alone gives a usable API: created only
 * when the database has never had a key, under a transaction-scoped advisory lock so two starts on one
 * database cannot both create one.
 */
import type { Pool } from 'pg';
import { inTransaction } from '../db/transaction';
import { ApiKeysRepo } from './api-keys-repo';

/** An arbitrary constant that names this lock among the database's advisory locks. */
const FIRST_KEY_LOCK = 0x61706b31; // "apk1"

export type FirstKeyOutcome = { created: true; key: string; name: string } | { created: false; activeKeys: number };

export function ensureFirstApiKey(pool: Pool, name = 'default'): Promise<FirstKeyOutcome> {
  return inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [FIRST_KEY_LOCK]);
    const repo = new ApiKeysRepo(client);
    const activeKeys = await repo.countActive();
    // Only a database that never had a key gets one: revoking every key must not mint a new one on restart.
    if (activeKeys > 0 || (await repo.countAll()) > 0) return { created: false, activeKeys };
    return { created: true, key: (await repo.create({ name, right: 'full' })).key, name };
  });
}
