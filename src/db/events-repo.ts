import type { Pool } from 'pg';
import type { LifecycleEvent, LifecycleEventType } from '../domain/lifecycle-events';

/** A place in the event feed: the (transaction, position) of the last event a reader has seen. */
export interface FeedCursor {
  tx: bigint;
  position: bigint;
}

export const formatCursor = (c: FeedCursor): string => `${c.tx}.${c.position}`;

const MAX_BIGINT = 2n ** 63n - 1n;
const MAX_XID8 = 2n ** 64n - 1n;

/** The inverse of `formatCursor`; null for anything it could not have written. */
export function parseCursor(text: string): FeedCursor | null {
  const match = /^(\d{1,20})\.(\d{1,19})$/.exec(text);
  if (!match) return null;
  const tx = BigInt(match[1]!);
  const position = BigInt(match[2]!);
  return tx <= MAX_XID8 && position <= MAX_BIGINT ? { tx, position } : null;
}

export interface FeedQuery {
  after: FeedCursor | null;
  types: readonly LifecycleEventType[] | null;
  subscriptionId: string | null;
  limit: number;
}

export interface FeedPage {
  events: LifecycleEvent[];
  /** Where to read on from: after the last event returned, or the query's own cursor when none was. */
  cursor: FeedCursor | null;
  hasMore: boolean;
}

/**
 * Reads the lifecycle events the projection writes (docs/events.md). The feed shows only events of
 * transactions older than every one still running, in (tx, position) order: a reader that polls
 * from its last cursor never skips an event that committed late.
 */
export class EventsRepo {
  constructor(private readonly pool: Pool) {}

  async feed(q: FeedQuery): Promise<FeedPage> {
    const { rows } = await this.pool.query<{ body: LifecycleEvent; tx: string; position: string }>(
      `SELECT body, tx::text AS tx, position::text AS position FROM events
        WHERE tx < pg_snapshot_xmin(pg_current_snapshot())
          AND ($1::xid8 IS NULL OR (tx, position) > ($1::xid8, $2::bigint))
          AND ($3::text[] IS NULL OR type = ANY($3::text[]))
          AND ($4::text IS NULL OR subscription_id = $4)
        ORDER BY tx, position
        LIMIT $5`,
      [q.after?.tx.toString() ?? null, q.after?.position.toString() ?? null, q.types, q.subscriptionId, q.limit + 1],
    );
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    return {
      events: page.map((r) => r.body),
      cursor: last ? { tx: BigInt(last.tx), position: BigInt(last.position) } : q.after,
      hasMore: rows.length > q.limit,
    };
  }

  async get(id: string): Promise<LifecycleEvent | null> {
    const { rows } = await this.pool.query<{ body: LifecycleEvent }>('SELECT body FROM events WHERE id = $1', [id]);
    return rows[0]?.body ?? null;
  }
}
