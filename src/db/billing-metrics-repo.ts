/**
 * What the billing metrics (src/metrics/billing-metrics.ts) read at every scrape, straight from
 * the ledger (`payments`, `refunds`) and the subscriptions projection. Computed in PostgreSQL, so
 * every API process answers the same numbers, and they survive restarts.
 */
import type { Pool } from 'pg';
import { inTransaction } from './transaction';

/** Ledger rows of one outcome and failure code: every attempt Toss answered (DONE, CANCELED and PARTIAL_CANCELED were approved). */
export interface ChargeAttemptCount {
  approved: boolean;
  /** The gateway's code of a declined attempt; null for approved ones. */
  failureCode: string | null;
  count: number;
}

export interface AmountByCurrency {
  currency: string;
  /** Minor units of `currency`. */
  amount: number;
}

export interface RefundedAmount extends AmountByCurrency {
  kind: string;
}

export interface BillingFigures {
  chargeAttempts: ChargeAttemptCount[];
  /** Sum of the amounts of approved charges (refunds do not lower it: see `refunded`). */
  charged: AmountByCurrency[];
  /** Sum of the refunds the gateway made, by kind (`refund`, `revoke`, `void`). */
  refunded: RefundedAmount[];
  subscriptionsByStatus: { status: string; count: number }[];
  dunning: {
    inGracePeriod: number;
    onHold: number;
    /** Subscriptions whose snapshot has a dunning retry scheduled (`dunning.nextRetryAt`). */
    retryPending: number;
  };
  /** Subscriptions whose charges are blocked by a merchant-side gateway error, waiting for an operator. */
  blocked: number;
  /** Monthly recurring revenue: see MRR_SQL. */
  mrr: AmountByCurrency[];
  /** Daily reconciliation (docs/reconciliation.md): open mismatches per kind, reconciled days per status of their run. */
  reconciliation?: { openMismatches: { kind: string; count: number }[]; days: { status: string; count: number }[] };
}

const CHARGE_ATTEMPTS_SQL = `
  SELECT status <> 'DECLINED' AS approved,
         CASE WHEN status = 'DECLINED' THEN COALESCE(failure_code, 'UNKNOWN_ERROR') END AS failure_code,
         count(*) AS count
    FROM payments
   GROUP BY 1, 2`;

const CHARGED_SQL = `
  SELECT currency, sum(amount)::bigint AS amount
    FROM payments
   WHERE status <> 'DECLINED'
   GROUP BY currency`;

const REFUNDED_SQL = `
  SELECT currency, kind, sum(amount)::bigint AS amount
    FROM refunds
   GROUP BY currency, kind`;

const BY_STATUS_SQL = `SELECT status, count(*) AS count FROM subscriptions GROUP BY status`;

// `dunning` and `blocked` are JSON null in a snapshot without them.
const DUNNING_SQL = `
  SELECT count(*) FILTER (WHERE status = 'IN_GRACE_PERIOD') AS in_grace_period,
         count(*) FILTER (WHERE status = 'ON_HOLD') AS on_hold,
         count(*) FILTER (WHERE snapshot -> 'dunning' ->> 'nextRetryAt' IS NOT NULL) AS retry_pending,
         count(*) FILTER (WHERE jsonb_typeof(snapshot -> 'blocked') = 'object') AS blocked
    FROM subscriptions`;

/**
 * MRR per currency: over entitled subscriptions (TRIALING, ACTIVE, IN_GRACE_PERIOD, CANCELED until
 * its period ends), the subscription's plan price — the snapshot's, i.e. what the workflow bills,
 * else the plan's — normalised to one month: a `count`-unit interval bills price × k / (12 × count)
 * a month, with k = 1 for years, 12 for months, 52 for weeks and 365 for days (yearly / 12,
 * N-month / N, weekly × 52 / 12, daily × 365 / 12). Each term is an exact numeric fraction; only
 * the sum per currency is rounded, half up, to whole minor units.
 */
const MRR_SQL = `
  SELECT COALESCE(s.snapshot ->> 'currency', p.currency) AS currency,
         round(sum(
           COALESCE((s.snapshot ->> 'price')::numeric, p.price::numeric)
           * CASE p.interval_unit WHEN 'year' THEN 1 WHEN 'month' THEN 12 WHEN 'week' THEN 52 WHEN 'day' THEN 365 END
           / (12 * p.interval_count)
         ))::bigint AS amount
    FROM subscriptions s
    JOIN plans p ON p.id = s.plan_id
   WHERE s.entitled
   GROUP BY 1`;

// An order found in several days' runs (an unconfirmed order is reported every day) counts once per kind.
const RECONCILIATION_MISMATCHES_SQL = `
  SELECT kind, count(DISTINCT order_id) AS count FROM reconciliation_mismatches WHERE resolved_at IS NULL GROUP BY kind`;

const RECONCILIATION_DAYS_SQL = `SELECT status, count(*) AS count FROM reconciliation_runs GROUP BY status`;

export class BillingMetricsRepo {
  constructor(private readonly pool: Pool) {}

  /**
   * All figures, from one snapshot of the database (a read-only repeatable-read transaction), so
   * that they agree with each other. A scrape must not hold a connection for long: 10 s at most.
   */
  figures(): Promise<BillingFigures> {
    return inTransaction(this.pool, async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      await client.query("SET LOCAL statement_timeout = '10s'");
      const attempts = await client.query<{ approved: boolean; failure_code: string | null; count: number }>(CHARGE_ATTEMPTS_SQL);
      const charged = await client.query<AmountByCurrency>(CHARGED_SQL);
      const refunded = await client.query<RefundedAmount>(REFUNDED_SQL);
      const byStatus = await client.query<{ status: string; count: number }>(BY_STATUS_SQL);
      const dunning = await client.query<{ in_grace_period: number; on_hold: number; retry_pending: number; blocked: number }>(DUNNING_SQL);
      const mrr = await client.query<AmountByCurrency>(MRR_SQL);
      const mismatches = await client.query<{ kind: string; count: number }>(RECONCILIATION_MISMATCHES_SQL);
      const days = await client.query<{ status: string; count: number }>(RECONCILIATION_DAYS_SQL);
      const d = dunning.rows[0]!;
      return {
        chargeAttempts: attempts.rows.map((r) => ({ approved: r.approved, failureCode: r.failure_code, count: r.count })),
        charged: charged.rows,
        refunded: refunded.rows,
        subscriptionsByStatus: byStatus.rows,
        dunning: { inGracePeriod: d.in_grace_period, onHold: d.on_hold, retryPending: d.retry_pending },
        blocked: d.blocked,
        mrr: mrr.rows,
        reconciliation: { openMismatches: mismatches.rows, days: days.rows },
      };
    });
  }
}
