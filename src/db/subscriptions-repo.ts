import type { Pool } from 'pg';
import { inTransaction } from './transaction';
import type { SubscriptionSnapshot } from '../domain/subscription';

export interface SubscriptionRow {
  id: string;
  customer_key: string;
  plan_id: string;
  product: string;
  payment_method_id: string;
  status: string;
  entitled: boolean;
  time_zone: string;
  next_billing_at: Date | null;
  snapshot: SubscriptionSnapshot | null;
  created_at: Date;
}

/** The read model of subscriptions; the workflow is the source of truth and writes it through an activity. */
export class SubscriptionsRepo {
  constructor(private readonly pool: Pool) {}

  /** Registers a subscription before its workflow starts, and redeems its trial atomically. */
  async insertPending(
    s: { id: string; customerKey: string; planId: string; product: string; paymentMethodId: string; timeZone: string; withTrial: boolean },
  ): Promise<'ok' | 'trialAlreadyUsed'> {
    return inTransaction(this.pool, async (client) => {
      let result: 'ok' | 'trialAlreadyUsed' = 'ok';
      if (s.withTrial) {
        // Losing the race for the offer still creates the subscription, just without the offer.
        const trial = await client.query(
          `INSERT INTO trial_redemptions (customer_key, product, subscription_id) VALUES ($1, $2, $3)
           ON CONFLICT DO NOTHING`,
          [s.customerKey, s.product, s.id],
        );
        if (trial.rowCount === 0) result = 'trialAlreadyUsed';
      }
      await client.query(
        `INSERT INTO subscriptions (id, customer_key, plan_id, product, payment_method_id, status, entitled, time_zone)
         VALUES ($1, $2, $3, $4, $5, 'INCOMPLETE', false, $6)`,
        [s.id, s.customerKey, s.planId, s.product, s.paymentMethodId, s.timeZone],
      );
      return result;
    });
  }

  async hasUsedTrial(customerKey: string, product: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('SELECT 1 FROM trial_redemptions WHERE customer_key = $1 AND product = $2', [customerKey, product]);
    return (rowCount ?? 0) > 0;
  }

  /** Writes a snapshot unless a newer one is already there (activities may retry or overtake). */
  async project(s: SubscriptionSnapshot): Promise<void> {
    await this.pool.query(
      `UPDATE subscriptions SET status = $2, entitled = $3, plan_id = $4, product = $5, payment_method_id = $6,
              next_billing_at = $7, current_period_start = $8, current_period_end = $9, snapshot = $10,
              version = $11, updated_at = now()
        WHERE id = $1 AND version < $11`,
      [s.subscriptionId, s.status, s.entitled, s.planId, s.product, s.paymentMethodId, s.nextBillingAt,
        s.currentPeriod.start, s.currentPeriod.end, JSON.stringify(s), s.version],
    );
  }

  async get(id: string): Promise<SubscriptionRow | null> {
    const { rows } = await this.pool.query<SubscriptionRow>('SELECT * FROM subscriptions WHERE id = $1', [id]);
    return rows[0] ?? null;
  }

  async list(filter: { customerKey?: string; status?: string; limit: number }): Promise<SubscriptionRow[]> {
    const { rows } = await this.pool.query<SubscriptionRow>(
      `SELECT * FROM subscriptions
        WHERE ($1::text IS NULL OR customer_key = $1) AND ($2::text IS NULL OR status = $2)
        ORDER BY created_at DESC LIMIT $3`,
      [filter.customerKey ?? null, filter.status ?? null, filter.limit],
    );
    return rows;
  }
}
