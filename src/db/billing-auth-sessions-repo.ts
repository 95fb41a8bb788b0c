/**
 * Card-registration sessions (docs/card-registration.md): opened by an authenticated POST, ended by
 * the browser's return from the card window. The token in the return URLs is a MAC of the session
 * id (so a retried create can give it again); only its SHA-256 is stored, to find the session.
 */
import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { withAdvisoryLock } from './advisory-lock';
import type { SecretCipher } from './secret-cipher';

export type BillingAuthStatus = 'open' | 'completed' | 'failed';

export interface BillingAuthSession {
  id: string;
  customerKey: string;
  returnUrl: string;
  status: BillingAuthStatus;
  paymentMethodId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  expiresAt: string;
  createdAt: string;
  finishedAt: string | null;
}

interface SessionRow {
  id: string;
  customer_key: string;
  return_url: string;
  status: BillingAuthStatus;
  payment_method_id: string | null;
  error_code: string | null;
  error_message: string | null;
  expires_at: Date;
  created_at: Date;
  finished_at: Date | null;
}

const sessionOf = (row: SessionRow): BillingAuthSession => ({
  id: row.id,
  customerKey: row.customer_key,
  returnUrl: row.return_url,
  status: row.status,
  paymentMethodId: row.payment_method_id,
  errorCode: row.error_code,
  errorMessage: row.error_message,
  expiresAt: row.expires_at.toISOString(),
  createdAt: row.created_at.toISOString(),
  finishedAt: row.finished_at?.toISOString() ?? null,
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export class BillingAuthSessionsRepo {
  constructor(
    private readonly pool: Pool,
    private readonly cipher: SecretCipher,
  ) {}

  /** The session's token: computed again from its id, never stored. */
  tokenOf = (sessionId: string): string => `${sessionId}.${this.cipher.mac('billing-auth-session', sessionId)}`;
  /** Seal and open the session's URLs in a kept answer (the idempotency middleware's `sealed`). */
  seal = (plaintext: string): string => this.cipher.encrypt(plaintext);
  open = (sealed: string): string => this.cipher.decrypt(sealed);

  /** Opens a session; an id that exists (a retried create under one key) answers the session it has. */
  async create(input: { id: string; customerKey: string; returnUrl: string; expiresAt: Date }): Promise<BillingAuthSession> {
    const { rows } = await this.pool.query<SessionRow>(
      `WITH inserted AS (
         INSERT INTO billing_auth_sessions (id, token_hash, customer_key, return_url, expires_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING RETURNING *)
       SELECT * FROM inserted UNION ALL SELECT * FROM billing_auth_sessions WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM inserted)`,
      [input.id, sha256(this.tokenOf(input.id)), input.customerKey, input.returnUrl, input.expiresAt],
    );
    return sessionOf(rows[0]!);
  }

  async byToken(token: string): Promise<BillingAuthSession | null> {
    const { rows } = await this.pool.query<SessionRow>('SELECT * FROM billing_auth_sessions WHERE token_hash = $1', [sha256(token)]);
    return rows[0] ? sessionOf(rows[0]) : null;
  }

  async get(id: string): Promise<BillingAuthSession | null> {
    const { rows } = await this.pool.query<SessionRow>('SELECT * FROM billing_auth_sessions WHERE id = $1', [id]);
    return rows[0] ? sessionOf(rows[0]) : null;
  }

  /** Ends an open session; one that has already ended keeps its outcome. Answers the session as it is. */
  async finish(id: string, outcome: { paymentMethodId: string } | { errorCode: string; errorMessage: string }): Promise<BillingAuthSession> {
    const completed = 'paymentMethodId' in outcome;
    const { rows } = await this.pool.query<SessionRow>(
      `UPDATE billing_auth_sessions
          SET status = $2, payment_method_id = $3, error_code = $4, error_message = $5, finished_at = now()
        WHERE id = $1 AND status = 'open' RETURNING *`,
      [id, completed ? 'completed' : 'failed', completed ? outcome.paymentMethodId : null, completed ? null : outcome.errorCode, completed ? null : outcome.errorMessage],
    );
    return rows[0] ? sessionOf(rows[0]) : (await this.get(id))!;
  }

  /**
   * Runs `fn` while holding the session's advisory lock on a connection of its own: two returns of
   * one browser (a double click, a reload) register the card once, one after the other. A crash
   * ends the connection, and the lock with it.
   */
  exclusively<T>(id: string, fn: () => Promise<T>): Promise<T> {
    return withAdvisoryLock(this.pool, `billing-auth:${id}`, fn);
  }
}
