/**
 * Idempotency claims in PostgreSQL (`api_idempotency`). A key is claimed by ONE statement before
 * any work, so of any number of concurrent requests with the same key exactly one does the work.
 * The claim carries a short lease its owner renews; a claim whose owner died (a crashed API
 * process) is taken over once the lease has passed.
 */
import type { Pool } from 'pg';

/** A finished answer, as a replay repeats it. */
export interface StoredAnswer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

export type ClaimResult =
  /** `generation`: when this claim began; kept by a takeover, new after a release or expiry. */
  | { kind: 'claimed'; token: string; generation: string }
  | { kind: 'in-progress' }
  | { kind: 'mismatch' }
  | ({ kind: 'done' } & StoredAnswer);

export interface ClaimTimes {
  /** How long a claim lives without renewal (its owner renews it well before). */
  leaseMs: number;
  /** After this the key is forgotten and may be used again. */
  ttlMs: number;
}

export const DEFAULT_CLAIM_TIMES: ClaimTimes = { leaseMs: 15_000, ttlMs: 24 * 60 * 60 * 1000 };

interface Row {
  request_hash: string;
  state: 'in_progress' | 'done';
  status: number | null;
  body: unknown;
  headers: Record<string, string>;
}

export class IdempotencyStore {
  constructor(
    private readonly pool: Pool,
    private readonly times: ClaimTimes = DEFAULT_CLAIM_TIMES,
  ) {}

  /**
   * Claims (key, scope) for a request with body hash `hash`. The insert takes a free key; on a
   * conflict it takes the row over only when the key has expired, or when an in-progress claim
   * for the same request lost its owner (lease passed). Otherwise the existing row decides.
   */
  async claim(key: string, scope: string, hash: string, token: string): Promise<ClaimResult> {
    // A row may vanish between the two statements (its owner released it): claim again, a few times.
    for (let attempt = 0; attempt < 3; attempt++) {
      const { rows: claimed } = await this.pool.query<{ generation: string }>(
        `INSERT INTO api_idempotency AS t (key, route, request_hash, state, owner, lease_until, expires_at, created_at, status, body, headers)
         VALUES ($1, $2, $3, 'in_progress', $4, now() + make_interval(secs => $5::float8 / 1000),
                 now() + make_interval(secs => $6::float8 / 1000), now(), NULL, NULL, '{}')
         ON CONFLICT (key, route) DO UPDATE SET
           request_hash = EXCLUDED.request_hash, state = 'in_progress', owner = EXCLUDED.owner,
           lease_until = EXCLUDED.lease_until, status = NULL, body = NULL, headers = '{}',
           created_at = CASE WHEN t.expires_at <= now() THEN EXCLUDED.created_at ELSE t.created_at END,
           expires_at = CASE WHEN t.expires_at <= now() THEN EXCLUDED.expires_at ELSE t.expires_at END
         WHERE t.expires_at <= now()
            OR (t.state = 'in_progress' AND t.lease_until <= now() AND t.request_hash = EXCLUDED.request_hash)
         RETURNING to_char(t.created_at, 'YYYYMMDDHH24MISSUS') AS generation`,
        [key, scope, hash, token, this.times.leaseMs, this.times.ttlMs],
      );
      if (claimed[0]) return { kind: 'claimed', token, generation: claimed[0].generation };
      const { rows } = await this.pool.query<Row>(
        `SELECT request_hash, state, status, body, headers FROM api_idempotency
          WHERE key = $1 AND route = $2 AND expires_at > now()`,
        [key, scope],
      );
      const row = rows[0];
      if (!row) continue;
      if (row.request_hash !== hash) return { kind: 'mismatch' };
      if (row.state === 'in_progress') return { kind: 'in-progress' };
      return { kind: 'done', status: row.status ?? 500, body: row.body, headers: row.headers };
    }
    return { kind: 'in-progress' };
  }

  /** Extends the lease of a claim this request still holds; false once it lost it. */
  async renew(key: string, scope: string, token: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE api_idempotency SET lease_until = now() + make_interval(secs => $4::float8 / 1000)
        WHERE key = $1 AND route = $2 AND owner = $3 AND state = 'in_progress'`,
      [key, scope, token, this.times.leaseMs],
    );
    return rowCount === 1;
  }

  /** Stores the answer; later requests with this key replay it. */
  async finish(key: string, scope: string, token: string, answer: StoredAnswer): Promise<void> {
    await this.pool.query(
      `UPDATE api_idempotency SET state = 'done', status = $4, body = $5, headers = $6, owner = NULL, lease_until = NULL
        WHERE key = $1 AND route = $2 AND owner = $3 AND state = 'in_progress'`,
      [key, scope, token, answer.status, JSON.stringify(answer.body ?? null), JSON.stringify(answer.headers)],
    );
  }

  /** Gives the key back (a 5xx: nothing is remembered, a retry runs again). */
  async release(key: string, scope: string, token: string): Promise<void> {
    await this.pool.query(`DELETE FROM api_idempotency WHERE key = $1 AND route = $2 AND owner = $3 AND state = 'in_progress'`, [key, scope, token]);
  }

  /** Forgets expired keys (housekeeping; an expired key is reusable whether or not its row is gone). */
  async purgeExpired(): Promise<void> {
    await this.pool.query('DELETE FROM api_idempotency WHERE expires_at <= now()');
  }
}
