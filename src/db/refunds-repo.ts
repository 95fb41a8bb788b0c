import type { Pool, PoolClient } from 'pg';
import { inTransaction } from './transaction';
import type { LedgerStatus } from './payments-repo';

/** `void`: an unconfirmed purchase found to have gone through after its operation was refused. */
export type RefundKind = 'refund' | 'revoke' | 'void';

/** What a payment is after a refund: fully given back, or partly. */
export type RefundedStatus = Extract<LedgerStatus, 'CANCELED' | 'PARTIAL_CANCELED'>;

/** One cancel at Toss: money given back from one paid order (docs/lifecycle.md §4.4). */
export interface RefundEntry {
  /** The Idempotency-Key the cancel was sent with; chosen by the workflow, so retries reuse it. */
  refundId: string;
  orderId: string;
  subscriptionId: string;
  /** Minor units of `currency`, > 0. */
  amount: number;
  currency: string;
  reason: string;
  kind: RefundKind;
  /** Toss's key of this cancel transaction, when it reported one. */
  transactionKey: string | null;
  /** The API request that asked for it (a digest of payment and Idempotency-Key), if it had a key. */
  requestKey: string | null;
  refundedAt: string;
  createdAt: string;
}

export type NewRefund = Omit<RefundEntry, 'createdAt'>;

/** The paid order as the ledger knows it after a refund. */
export interface OrderBalance {
  status: RefundedStatus;
  balanceAmount: number;
}

export interface RecordedRefund {
  refund: RefundEntry;
  order: OrderBalance;
  /** false when the refund was already recorded (a retried activity): nothing was changed. */
  inserted: boolean;
}

interface RefundRow {
  refund_id: string;
  order_id: string;
  subscription_id: string;
  amount: number;
  currency: string;
  reason: string;
  kind: RefundKind;
  transaction_key: string | null;
  request_key: string | null;
  refunded_at: Date;
  created_at: Date;
}

const toEntry = (r: RefundRow): RefundEntry => ({
  refundId: r.refund_id,
  orderId: r.order_id,
  subscriptionId: r.subscription_id,
  amount: r.amount,
  currency: r.currency,
  reason: r.reason,
  kind: r.kind,
  transactionKey: r.transaction_key,
  requestKey: r.request_key,
  refundedAt: r.refunded_at.toISOString(),
  createdAt: r.created_at.toISOString(),
});

/** Refunds of paid orders, and the balance they leave on the order's payments row. */
export class RefundsRepo {
  constructor(private readonly pool: Pool) {}

  async get(refundId: string): Promise<RefundEntry | null> {
    const { rows } = await this.pool.query<RefundRow>('SELECT * FROM refunds WHERE refund_id = $1', [refundId]);
    return rows[0] ? toEntry(rows[0]) : null;
  }

  async getByRequestKey(requestKey: string): Promise<RefundEntry | null> {
    const { rows } = await this.pool.query<RefundRow>('SELECT * FROM refunds WHERE request_key = $1', [requestKey]);
    return rows[0] ? toEntry(rows[0]) : null;
  }

  async listForOrder(orderId: string): Promise<RefundEntry[]> {
    const { rows } = await this.pool.query<RefundRow>('SELECT * FROM refunds WHERE order_id = $1 ORDER BY refunded_at, created_at', [orderId]);
    return rows.map(toEntry);
  }

  /**
   * Records a refund once and, in the same transaction, the order's new balance and status
   * (CANCELED at 0, else PARTIAL_CANCELED). `gatewayBalance` is the balance Toss reported after
   * the cancel; the ledger balance only ever goes down, so a late retry carrying an older, higher
   * balance cannot undo a later refund. A second call with the same refundId changes nothing and
   * returns what was recorded first.
   */
  async record(r: NewRefund, gatewayBalance: number): Promise<RecordedRefund> {
    return inTransaction(this.pool, async (client) => {
      const inserted = await client.query<RefundRow>(
        `INSERT INTO refunds (refund_id, order_id, subscription_id, amount, currency, reason, kind, transaction_key, refunded_at, request_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (refund_id) DO NOTHING
         RETURNING *`,
        [r.refundId, r.orderId, r.subscriptionId, r.amount, r.currency, r.reason, r.kind, r.transactionKey, r.refundedAt, r.requestKey],
      );
      let result: RecordedRefund;
      if (inserted.rows[0]) {
        const { rows } = await client.query<{ balance_amount: number }>(
          `UPDATE payments
              SET balance_amount = LEAST(COALESCE(balance_amount, amount), $2),
                  status = CASE WHEN LEAST(COALESCE(balance_amount, amount), $2) = 0 THEN 'CANCELED' ELSE 'PARTIAL_CANCELED' END
            WHERE order_id = $1
        RETURNING balance_amount`,
          [r.orderId, gatewayBalance],
        );
        result = { refund: toEntry(inserted.rows[0]), order: toBalance(rows[0]!.balance_amount), inserted: true };
      } else {
        const existing = await client.query<RefundRow>('SELECT * FROM refunds WHERE refund_id = $1', [r.refundId]);
        const refund = toEntry(existing.rows[0]!);
        result = { refund, order: await currentBalance(client, refund.orderId), inserted: false };
      }
      return result;
    });
  }
}

/** The same rule the UPDATE above applies to the status column. */
export const refundedStatus = (balanceAmount: number): RefundedStatus => (balanceAmount === 0 ? 'CANCELED' : 'PARTIAL_CANCELED');

const toBalance = (balanceAmount: number): OrderBalance => ({ status: refundedStatus(balanceAmount), balanceAmount });

async function currentBalance(client: PoolClient, orderId: string): Promise<OrderBalance> {
  const { rows } = await client.query<{ balance_amount: number }>(
    'SELECT COALESCE(balance_amount, amount) AS balance_amount FROM payments WHERE order_id = $1',
    [orderId],
  );
  return toBalance(rows[0]!.balance_amount);
}
