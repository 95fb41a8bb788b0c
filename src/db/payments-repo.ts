import type { Pool } from 'pg';
import { RefundIntentsRepo } from './refund-intents-repo';
import { RefundsRepo } from './refunds-repo';

export type LedgerStatus = 'DONE' | 'DECLINED' | 'CANCELED' | 'PARTIAL_CANCELED';

export interface LedgerEntry {
  orderId: string;
  subscriptionId: string;
  customerKey: string;
  cycle: number;
  attempt: number;
  amount: number;
  currency: string;
  status: LedgerStatus;
  paymentKey: string | null;
  balanceAmount: number | null;
  failureCode: string | null;
  failureMessage: string | null;
  dueAt: string | null;
  /** Workflow time of the attempt (the simulated clock under time skipping). */
  attemptedAt: string;
  approvedAt: string | null;
  createdAt: string;
}

interface LedgerRow {
  order_id: string;
  subscription_id: string;
  customer_key: string;
  cycle: number;
  attempt: number;
  amount: number;
  currency: string;
  status: LedgerStatus;
  payment_key: string | null;
  balance_amount: number | null;
  failure_code: string | null;
  failure_message: string | null;
  due_at: Date | null;
  attempted_at: Date;
  approved_at: Date | null;
  created_at: Date;
}

const toEntry = (r: LedgerRow): LedgerEntry => ({
  orderId: r.order_id,
  subscriptionId: r.subscription_id,
  customerKey: r.customer_key,
  cycle: r.cycle,
  attempt: r.attempt,
  amount: r.amount,
  currency: r.currency,
  status: r.status,
  paymentKey: r.payment_key,
  balanceAmount: r.balance_amount,
  failureCode: r.failure_code,
  failureMessage: r.failure_message,
  dueAt: r.due_at?.toISOString() ?? null,
  attemptedAt: r.attempted_at.toISOString(),
  approvedAt: r.approved_at?.toISOString() ?? null,
  createdAt: r.created_at.toISOString(),
});

export type NewLedgerEntry = Omit<LedgerEntry, 'createdAt'>;

/** The payments ledger: one row per charge attempt, keyed by orderId (unique at Toss too). */
export class PaymentsRepo {
  /**
   * Refunds of these payments (their own table and file). Reached through the ledger because a
   * refund moves a payment's balance, and so every holder of the ledger can refund.
   */
  readonly refunds: RefundsRepo;
  /** Refunds of ended subscriptions not answered yet by the gateway (refund-intents-repo.ts). */
  readonly refundIntents: RefundIntentsRepo;

  constructor(private readonly pool: Pool) {
    this.refunds = new RefundsRepo(pool);
    this.refundIntents = new RefundIntentsRepo(pool);
  }

  /** Records an attempt once; a retried activity writing the same orderId changes nothing. */
  async record(e: NewLedgerEntry): Promise<LedgerEntry> {
    const { rows } = await this.pool.query<LedgerRow>(
      `INSERT INTO payments (order_id, subscription_id, customer_key, cycle, attempt, amount, currency, status, payment_key,
                             balance_amount, failure_code, failure_message, due_at, attempted_at, approved_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
       ON CONFLICT (order_id) DO UPDATE SET order_id = payments.order_id
       RETURNING *`,
      [e.orderId, e.subscriptionId, e.customerKey, e.cycle, e.attempt, e.amount, e.currency, e.status, e.paymentKey,
        e.balanceAmount, e.failureCode, e.failureMessage, e.dueAt, e.attemptedAt, e.approvedAt],
    );
    return toEntry(rows[0]!);
  }

  async get(orderId: string): Promise<LedgerEntry | null> {
    const { rows } = await this.pool.query<LedgerRow>('SELECT * FROM payments WHERE order_id = $1', [orderId]);
    return rows[0] ? toEntry(rows[0]) : null;
  }

  async listForSubscription(subscriptionId: string): Promise<LedgerEntry[]> {
    const { rows } = await this.pool.query<LedgerRow>(
      'SELECT * FROM payments WHERE subscription_id = $1 ORDER BY attempted_at, cycle, attempt',
      [subscriptionId],
    );
    return rows.map(toEntry);
  }
}
