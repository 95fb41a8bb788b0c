/**
 * Daily reconciliation (docs/reconciliation.md): the runs, one per local day, and the mismatches
 * they found between the ledger (`payments`, `refunds`, the subscriptions' unsettled orders) and
 * the gateway. Running a day again replaces its run: each run of a day is a new `pass`, a mismatch
 * found again is updated in place (never duplicated), and one a completed pass no longer finds is
 * marked resolved.
 */
import type { Pool, PoolClient } from 'pg';
import type { LedgerStatus } from './payments-repo';
import { inTransaction } from './transaction';

export const MISMATCH_KINDS = [
  'amount',
  'currency',
  'status',
  'missing-at-gateway',
  'refund-amount',
  'unsettled-order',
  'missing-in-ledger',
] as const;
export type MismatchKind = (typeof MISMATCH_KINDS)[number];

export const RUN_STATUSES = ['running', 'completed', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface ReconciliationRun {
  /** Local date, `YYYY-MM-DD`. */
  day: string;
  timeZone: string;
  status: RunStatus;
  /** How many times the day has been run; the latest run's number. */
  pass: number;
  workflowId: string | null;
  /** The ledger rows of the day: [windowStart, windowEnd). */
  windowStart: string;
  windowEnd: string;
  /** Unconfirmed charges attempted before this instant are reported. */
  unsettledBefore: string;
  startedAt: string;
  finishedAt: string | null;
  checkedOrders: number;
  checkedUnsettled: number;
  /** Open (unresolved) mismatches of the day when the run finished. */
  mismatchCount: number;
  error: string | null;
}

/** What one check found about one order; the run's key for it is (day, orderId, kind). */
export interface Finding {
  orderId: string;
  subscriptionId: string | null;
  paymentKey: string | null;
  kind: MismatchKind;
  ledgerValue: string | null;
  gatewayValue: string | null;
  detail: string;
}

export interface Mismatch extends Finding {
  id: number;
  day: string;
  detectedAt: string;
  lastSeenAt: string;
  resolvedAt: string | null;
}

/** A ledger row of the day with what the refunds table says was given back from it. */
export interface LedgerOrder {
  orderId: string;
  subscriptionId: string;
  amount: number;
  currency: string;
  status: LedgerStatus;
  paymentKey: string | null;
  balanceAmount: number | null;
  failureCode: string | null;
  /** Sum of the order's refunds rows (all of them, whatever their day). */
  refunded: number;
  refundCount: number;
}

/** A charge or purchase a subscription still has unconfirmed (its snapshot's unsettledOrders / unsettledPurchases). */
export interface UnsettledCharge {
  subscriptionId: string;
  orderId: string;
  what: 'charge' | 'purchase';
  amount: number | null;
  currency: string | null;
  /** Null for states recorded before attempts were timed. */
  attemptedAt: string | null;
  /** The ledger row's status when the ledger has the order after all (the snapshot lags), else null. */
  ledgerStatus: LedgerStatus | null;
}

/** A run of the day was started again meanwhile: this one's writes would mix with the newer one's. */
export class RunSuperseded extends Error {
  constructor(readonly day: string, readonly pass: number) {
    super(`the reconciliation of ${day} was started again (this was pass ${pass}); this run stops`);
    this.name = 'RunSuperseded';
  }
}

interface RunRow {
  day: string;
  time_zone: string;
  status: RunStatus;
  pass: number;
  workflow_id: string | null;
  window_start: Date;
  window_end: Date;
  unsettled_before: Date;
  started_at: Date;
  finished_at: Date | null;
  checked_orders: number;
  checked_unsettled: number;
  mismatch_count: number;
  error: string | null;
}

const RUN_COLUMNS = `day::text AS day, time_zone, status, pass, workflow_id, window_start, window_end, unsettled_before, started_at,
  finished_at, checked_orders, checked_unsettled, mismatch_count, error`;

const toRun = (r: RunRow): ReconciliationRun => ({
  day: r.day,
  timeZone: r.time_zone,
  status: r.status,
  pass: r.pass,
  workflowId: r.workflow_id,
  windowStart: r.window_start.toISOString(),
  windowEnd: r.window_end.toISOString(),
  unsettledBefore: r.unsettled_before.toISOString(),
  startedAt: r.started_at.toISOString(),
  finishedAt: r.finished_at?.toISOString() ?? null,
  checkedOrders: r.checked_orders,
  checkedUnsettled: r.checked_unsettled,
  mismatchCount: r.mismatch_count,
  error: r.error,
});

interface MismatchRow {
  id: number;
  day: string;
  order_id: string;
  subscription_id: string | null;
  payment_key: string | null;
  kind: MismatchKind;
  ledger_value: string | null;
  gateway_value: string | null;
  detail: string;
  detected_at: Date;
  last_seen_at: Date;
  resolved_at: Date | null;
}

const toMismatch = (r: MismatchRow): Mismatch => ({
  id: r.id,
  day: r.day,
  orderId: r.order_id,
  subscriptionId: r.subscription_id,
  paymentKey: r.payment_key,
  kind: r.kind,
  ledgerValue: r.ledger_value,
  gatewayValue: r.gateway_value,
  detail: r.detail,
  detectedAt: r.detected_at.toISOString(),
  lastSeenAt: r.last_seen_at.toISOString(),
  resolvedAt: r.resolved_at?.toISOString() ?? null,
});

interface LedgerOrderRow {
  order_id: string;
  subscription_id: string;
  amount: number;
  currency: string;
  status: LedgerStatus;
  payment_key: string | null;
  balance_amount: number | null;
  failure_code: string | null;
  refunded: number;
  refund_count: number;
}

const toLedgerOrder = (r: LedgerOrderRow): LedgerOrder => ({
  orderId: r.order_id,
  subscriptionId: r.subscription_id,
  amount: r.amount,
  currency: r.currency,
  status: r.status,
  paymentKey: r.payment_key,
  balanceAmount: r.balance_amount,
  failureCode: r.failure_code,
  refunded: r.refunded,
  refundCount: r.refund_count,
});

const LEDGER_ORDER_SELECT = `
  SELECT p.order_id, p.subscription_id, p.amount, p.currency, p.status, p.payment_key, p.balance_amount, p.failure_code,
         COALESCE(r.refunded, 0)::bigint AS refunded, COALESCE(r.refund_count, 0)::int AS refund_count
    FROM payments p
    LEFT JOIN LATERAL (SELECT sum(amount) AS refunded, count(*) AS refund_count FROM refunds WHERE refunds.order_id = p.order_id) r ON true`;

/**
 * The orders of a day, after a cursor: ledger rows approved (or, declined, attempted) in the
 * window, and orders refunded in it. `payments_ledger_time` and `refunds_refunded_at` serve both.
 */
const LEDGER_PAGE_SQL = `
  WITH day_orders AS (
    SELECT order_id FROM payments
     WHERE COALESCE(approved_at, attempted_at) >= $1 AND COALESCE(approved_at, attempted_at) < $2 AND order_id > $3
    UNION
    SELECT order_id FROM refunds WHERE refunded_at >= $1 AND refunded_at < $2 AND order_id > $3
  ), page AS (
    SELECT order_id FROM day_orders ORDER BY order_id LIMIT $4
  )
  ${LEDGER_ORDER_SELECT}
    JOIN page ON page.order_id = p.order_id
   ORDER BY p.order_id`;

/**
 * Unconfirmed charges and purchases of every subscription, attempted before $1, after a cursor
 * (subscription id, order id). The first condition is `subscriptions_unsettled`'s predicate.
 */
const UNSETTLED_PAGE_SQL = `
  SELECT s.id AS subscription_id, u.order_id, u.what, u.amount, s.snapshot ->> 'currency' AS currency,
         u.attempted_at, p.status AS ledger_status
    FROM subscriptions s
   CROSS JOIN LATERAL (
     SELECT e ->> 'orderId' AS order_id, 'charge' AS what, (e ->> 'amount')::bigint AS amount, (e ->> 'attemptedAt')::timestamptz AS attempted_at
       FROM jsonb_array_elements(CASE WHEN jsonb_typeof(s.snapshot -> 'unsettledOrders') = 'array' THEN s.snapshot -> 'unsettledOrders' ELSE '[]'::jsonb END) e
     UNION ALL
     SELECT e ->> 'orderId', 'purchase', (e ->> 'amount')::bigint, (e ->> 'attemptedAt')::timestamptz
       FROM jsonb_array_elements(CASE WHEN jsonb_typeof(s.snapshot -> 'unsettledPurchases') = 'array' THEN s.snapshot -> 'unsettledPurchases' ELSE '[]'::jsonb END) e
   ) u
    LEFT JOIN payments p ON p.order_id = u.order_id
   WHERE ((s.snapshot -> 'unsettledOrders') <> '[]'::jsonb OR (s.snapshot -> 'unsettledPurchases') <> '[]'::jsonb)
     AND u.order_id IS NOT NULL
     AND COALESCE(u.attempted_at, '-infinity'::timestamptz) < $1
     AND (s.id, u.order_id) > ($2, $3)
   ORDER BY s.id, u.order_id
   LIMIT $4`;

export interface RunWindow {
  day: string;
  timeZone: string;
  workflowId: string | null;
  windowStart: string;
  windowEnd: string;
  unsettledBefore: string;
}

export class ReconciliationRepo {
  constructor(private readonly pool: Pool) {}

  /**
   * Starts (or starts again) the run of a day and returns its pass. A run already there is
   * replaced: new window, counters at 0, `running`; its mismatches stay until this pass finishes.
   */
  async begin(w: RunWindow): Promise<{ pass: number }> {
    const { rows } = await this.pool.query<{ pass: number }>(
      `INSERT INTO reconciliation_runs (day, time_zone, status, pass, workflow_id, window_start, window_end, unsettled_before)
       VALUES ($1, $2, 'running', 1, $3, $4, $5, $6)
       ON CONFLICT (day) DO UPDATE SET
              time_zone = EXCLUDED.time_zone, status = 'running', pass = reconciliation_runs.pass + 1,
              workflow_id = EXCLUDED.workflow_id, window_start = EXCLUDED.window_start, window_end = EXCLUDED.window_end,
              unsettled_before = EXCLUDED.unsettled_before, started_at = now(), finished_at = NULL,
              checked_orders = 0, checked_unsettled = 0, error = NULL
       RETURNING pass`,
      [w.day, w.timeZone, w.workflowId, w.windowStart, w.windowEnd, w.unsettledBefore],
    );
    return { pass: rows[0]!.pass };
  }

  /** Up to `limit` orders of the window with an order id after `after` ('' for the first page), by order id. */
  async ledgerPage(q: { windowStart: string; windowEnd: string; after: string; limit: number }): Promise<LedgerOrder[]> {
    const { rows } = await this.pool.query<LedgerOrderRow>(LEDGER_PAGE_SQL, [q.windowStart, q.windowEnd, q.after, q.limit]);
    return rows.map(toLedgerOrder);
  }

  /** One order as the ledger knows it now (a second look before a mismatch is recorded). */
  async ledgerOrder(orderId: string): Promise<LedgerOrder | null> {
    const { rows } = await this.pool.query<LedgerOrderRow>(`${LEDGER_ORDER_SELECT} WHERE p.order_id = $1`, [orderId]);
    return rows[0] ? toLedgerOrder(rows[0]) : null;
  }

  /** Unconfirmed charges attempted before `before`, after the cursor (empty strings for the first page). */
  async unsettledPage(q: { before: string; after: { subscriptionId: string; orderId: string }; limit: number }): Promise<UnsettledCharge[]> {
    const { rows } = await this.pool.query<{
      subscription_id: string;
      order_id: string;
      what: 'charge' | 'purchase';
      amount: number | null;
      currency: string | null;
      attempted_at: Date | null;
      ledger_status: LedgerStatus | null;
    }>(UNSETTLED_PAGE_SQL, [q.before, q.after.subscriptionId, q.after.orderId, q.limit]);
    return rows.map((r) => ({
      subscriptionId: r.subscription_id,
      orderId: r.order_id,
      what: r.what,
      amount: r.amount,
      currency: r.currency,
      attemptedAt: r.attempted_at?.toISOString() ?? null,
      ledgerStatus: r.ledger_status,
    }));
  }

  /**
   * Records what a page found, and the run's progress, for pass `pass` of `day`: a mismatch
   * already recorded for the day (same order and kind) is updated, never added twice. Throws
   * RunSuperseded when the day was started again since (or this pass has finished).
   */
  async recordPage(day: string, pass: number, findings: Finding[], progress: { checkedOrders?: number; checkedUnsettled?: number }): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      const updated = await client.query(
        `UPDATE reconciliation_runs
            SET checked_orders = COALESCE($3, checked_orders), checked_unsettled = COALESCE($4, checked_unsettled)
          WHERE day = $1 AND pass = $2 AND status = 'running'`,
        [day, pass, progress.checkedOrders ?? null, progress.checkedUnsettled ?? null],
      );
      if (updated.rowCount !== 1) throw new RunSuperseded(day, pass);
      await upsertFindings(client, day, pass, findings);
    });
  }

  /**
   * Ends pass `pass` of `day`. A completed pass resolves the day's open mismatches it did not find
   * again; a failed one leaves them as they were. Returns the run, or null when superseded.
   */
  async finish(day: string, pass: number, outcome: { status: Exclude<RunStatus, 'running'>; error?: string }): Promise<ReconciliationRun | null> {
    return inTransaction(this.pool, async (client) => {
      const locked = await client.query('SELECT 1 FROM reconciliation_runs WHERE day = $1 AND pass = $2 AND status = $3 FOR UPDATE', [day, pass, 'running']);
      if (locked.rowCount !== 1) return null;
      if (outcome.status === 'completed') {
        await client.query('UPDATE reconciliation_mismatches SET resolved_at = now() WHERE day = $1 AND resolved_at IS NULL AND seen_pass < $2', [day, pass]);
      }
      const { rows } = await client.query<RunRow>(
        `UPDATE reconciliation_runs
            SET status = $3, finished_at = now(), error = $4,
                mismatch_count = (SELECT count(*) FROM reconciliation_mismatches WHERE day = $1 AND resolved_at IS NULL)
          WHERE day = $1 AND pass = $2
      RETURNING ${RUN_COLUMNS}`,
        [day, pass, outcome.status, outcome.error ?? null],
      );
      return toRun(rows[0]!);
    });
  }

  /** The latest days first. */
  async listRuns(limit: number): Promise<ReconciliationRun[]> {
    const { rows } = await this.pool.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM reconciliation_runs ORDER BY day DESC LIMIT $1`, [limit]);
    return rows.map(toRun);
  }

  async getRun(day: string): Promise<ReconciliationRun | null> {
    const { rows } = await this.pool.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM reconciliation_runs WHERE day = $1`, [day]);
    return rows[0] ? toRun(rows[0]) : null;
  }

  /** The day's open mismatches per kind. */
  async openCounts(day: string): Promise<Partial<Record<MismatchKind, number>>> {
    const { rows } = await this.pool.query<{ kind: MismatchKind; count: number }>(
      'SELECT kind, count(*)::int AS count FROM reconciliation_mismatches WHERE day = $1 AND resolved_at IS NULL GROUP BY kind ORDER BY kind',
      [day],
    );
    return Object.fromEntries(rows.map((r) => [r.kind, r.count]));
  }

  /** The day's mismatches, open ones first, at most `limit`. */
  async mismatches(day: string, limit = 10_000): Promise<Mismatch[]> {
    const { rows } = await this.pool.query<MismatchRow>(
      `SELECT id, day::text AS day, order_id, subscription_id, payment_key, kind, ledger_value, gateway_value, detail,
              detected_at, last_seen_at, resolved_at
         FROM reconciliation_mismatches
        WHERE day = $1
        ORDER BY resolved_at IS NOT NULL, kind, order_id
        LIMIT $2`,
      [day, limit],
    );
    return rows.map(toMismatch);
  }
}

async function upsertFindings(client: PoolClient, day: string, pass: number, findings: Finding[]): Promise<void> {
  // One row per (order, kind): ON CONFLICT cannot touch the same row twice in one statement.
  const unique = [...new Map(findings.map((f) => [`${f.orderId}\u0000${f.kind}`, f])).values()];
  if (unique.length === 0) return;
  await client.query(
    `INSERT INTO reconciliation_mismatches (day, order_id, subscription_id, payment_key, kind, ledger_value, gateway_value, detail, seen_pass)
     SELECT $1::date, f.order_id, f.subscription_id, f.payment_key, f.kind, f.ledger_value, f.gateway_value, f.detail, $2
       FROM jsonb_to_recordset($3::jsonb)
         AS f(order_id text, subscription_id text, payment_key text, kind text, ledger_value text, gateway_value text, detail text)
     ON CONFLICT (day, order_id, kind) DO UPDATE SET
            subscription_id = EXCLUDED.subscription_id, payment_key = EXCLUDED.payment_key,
            ledger_value = EXCLUDED.ledger_value, gateway_value = EXCLUDED.gateway_value, detail = EXCLUDED.detail,
            seen_pass = EXCLUDED.seen_pass, last_seen_at = now(), resolved_at = NULL`,
    [
      day,
      pass,
      JSON.stringify(
        unique.map((f) => ({
          order_id: f.orderId,
          subscription_id: f.subscriptionId,
          payment_key: f.paymentKey,
          kind: f.kind,
          ledger_value: f.ledgerValue,
          gateway_value: f.gatewayValue,
          detail: f.detail,
        })),
      ),
    ],
  );
}
