/** The api_keys table: creation (the only moment the full key exists), lookup, listing, revocation. */
import type { Pool, PoolClient } from 'pg';
import { generateApiKey } from './api-key-format';
import { isApiKeyRight, type ApiKeyRight } from './rights';

/** What may be shown about a key: everything except its secret (which is not stored anyway). */
export interface ApiKeyInfo {
  id: string;
  name: string;
  right: ApiKeyRight;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface StoredApiKey extends ApiKeyInfo {
  secretHash: Buffer;
}

export interface CreatedApiKey {
  /** The full key. It is returned here once and stored nowhere. */
  key: string;
  info: ApiKeyInfo;
}

interface ApiKeyRow {
  id: string;
  name: string;
  access_right: string;
  secret_hash: Buffer;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const INFO_COLUMNS = 'id, name, access_right, created_at, last_used_at, revoked_at';

function toInfo(row: Omit<ApiKeyRow, 'secret_hash'>): ApiKeyInfo {
  if (!isApiKeyRight(row.access_right)) throw new Error(`api key ${row.id} has an unknown right ${row.access_right}`);
  return { id: row.id, name: row.name, right: row.access_right, createdAt: row.created_at, lastUsedAt: row.last_used_at, revokedAt: row.revoked_at };
}

/** last_used_at is a hint for operators, not an audit log: one write a minute per key is enough. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export class ApiKeysRepo {
  constructor(private readonly db: Pool | PoolClient) {}

  async create(opts: { name: string; right: ApiKeyRight }): Promise<CreatedApiKey> {
    const generated = generateApiKey();
    const { rows } = await this.db.query<ApiKeyRow>(
      `INSERT INTO api_keys (id, name, access_right, secret_hash) VALUES ($1, $2, $3, $4) RETURNING ${INFO_COLUMNS}`,
      [generated.keyId, opts.name, opts.right, generated.secretHash],
    );
    return { key: generated.key, info: toInfo(rows[0]!) };
  }

  async find(id: string): Promise<StoredApiKey | null> {
    const { rows } = await this.db.query<ApiKeyRow>(`SELECT ${INFO_COLUMNS}, secret_hash FROM api_keys WHERE id = $1`, [id]);
    return rows[0] ? { ...toInfo(rows[0]), secretHash: rows[0].secret_hash } : null;
  }

  async list(): Promise<ApiKeyInfo[]> {
    const { rows } = await this.db.query<ApiKeyRow>(`SELECT ${INFO_COLUMNS} FROM api_keys ORDER BY created_at, id`);
    return rows.map(toInfo);
  }

  /** Every key ever made, revoked ones included. */
  async countAll(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM api_keys');
    return rows[0]!.n;
  }

  async countActive(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM api_keys WHERE revoked_at IS NULL');
    return rows[0]!.n;
  }

  /** True when the key was active and is now revoked; false for an unknown or already revoked id. */
  async revoke(id: string): Promise<boolean> {
    const result = await this.db.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id]);
    return result.rowCount === 1;
  }

  /** Records use; the condition keeps concurrent requests of one key from each writing the row. */
  async touch(id: string): Promise<void> {
    await this.db.query(
      `UPDATE api_keys SET last_used_at = now()
        WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - make_interval(secs => $2))`,
      [id, LAST_USED_RESOLUTION_MS / 1000],
    );
  }
}
