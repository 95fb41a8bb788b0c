/**
 * Refunds of ended subscriptions' payments, written before the gateway is asked (migration
 * 1732300000000). An intent that outlives its request is a refund whose answer was lost: it is sent
 * again, with the same refund id, before anything else is refunded from that payment.
 */
import type { Pool } from 'pg';

export interface RefundIntent {
  refundId: string;
  orderId: string;
  subscriptionId: string;
  /** Minor units; null = the whole remaining balance. */
  amount: number | null;
  reason: string;
  requestKey: string | null;
  createdAt: string;
}

interface IntentRow {
  refund_id: string;
  order_id: string;
  subscription_id: string;
  amount: number | null;
  reason: string;
  request_key: string | null;
  created_at: Date;
}

const toIntent = (r: IntentRow): RefundIntent => ({
  refundId: r.refund_id,
  orderId: r.order_id,
  subscriptionId: r.subscription_id,
  amount: r.amount,
  reason: r.reason,
  requestKey: r.request_key,
  createdAt: r.created_at.toISOString(),
});

export class RefundIntentsRepo {
  constructor(private readonly pool: Pool) {}

  /** Writes the intent once; the same refund id again returns the first one. */
  async record(intent: Omit<RefundIntent, 'createdAt'>): Promise<RefundIntent> {
    const { rows } = await this.pool.query<IntentRow>(
      `INSERT INTO refund_intents (refund_id, order_id, subscription_id, amount, reason, request_key)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (refund_id) DO UPDATE SET refund_id = refund_intents.refund_id
       RETURNING *`,
      [intent.refundId, intent.orderId, intent.subscriptionId, intent.amount, intent.reason, intent.requestKey],
    );
    return toIntent(rows[0]!);
  }

  async listForOrder(orderId: string): Promise<RefundIntent[]> {
    const { rows } = await this.pool.query<IntentRow>('SELECT * FROM refund_intents WHERE order_id = $1 ORDER BY created_at', [orderId]);
    return rows.map(toIntent);
  }

  /** The gateway answered (refunded and recorded, or refused): nothing is pending any more. */
  async settle(refundId: string): Promise<void> {
    await this.pool.query('DELETE FROM refund_intents WHERE refund_id = $1', [refundId]);
  }
}
