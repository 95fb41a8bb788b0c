import type { Pool } from 'pg';
import type { LifecycleEvent, LifecycleEventType } from '../domain/lifecycle-events';
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

/** A webhook delivery whose workflow is still to be started. */
export interface PendingDelivery {
  deliveryId: string;
  eventType: LifecycleEventType;
}

/** The read model of subscriptions; the workflow is the source of truth and writes it through an activity. */
export class SubscriptionsRepo {
  constructor(private readonly pool: Pool) {}

  /**
   * Takes the customer's one introductory offer for `product` for `subscriptionId`. True when the
   * offer is this subscription's: newly taken, or taken before by the same id (a retried create
   * with a derived id keeps its offer). A lost race means no offer.
   */
  async redeemOffer(customerKey: string, product: string, subscriptionId: string): Promise<boolean> {
    const inserted = await this.pool.query(
      'INSERT INTO trial_redemptions (customer_key, product, subscription_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [customerKey, product, subscriptionId],
    );
    if (inserted.rowCount === 1) return true;
    // A separate statement sees the row that won the conflict, even one committed a moment ago.
    const { rows } = await this.pool.query<{ subscription_id: string }>(
      'SELECT subscription_id FROM trial_redemptions WHERE customer_key = $1 AND product = $2',
      [customerKey, product],
    );
    return rows[0]?.subscription_id === subscriptionId;
  }

  /**
   * Lists a subscription whose workflow has started (never before: no row may exist without a
   * workflow). The workflow's first projection may have written the row already; it wins.
   */
  async registerStarted(
    s: { id: string; customerKey: string; planId: string; product: string; paymentMethodId: string; timeZone: string },
  ): Promise<void> {
    await this.pool.query(
      `INSERT INTO subscriptions (id, customer_key, plan_id, product, payment_method_id, status, entitled, time_zone)
       VALUES ($1, $2, $3, $4, $5, 'INCOMPLETE', false, $6)
       ON CONFLICT (id) DO NOTHING`,
      [s.id, s.customerKey, s.planId, s.product, s.paymentMethodId, s.timeZone],
    );
  }

  /**
   * Registers a subscription and redeems its trial in one go, before a workflow is started by hand
   * (test harnesses). The API uses `redeemOffer` and `registerStarted` around the start instead.
   */
  async insertPending(
    s: { id: string; customerKey: string; planId: string; product: string; paymentMethodId: string; timeZone: string; withTrial: boolean },
  ): Promise<'ok' | 'trialAlreadyUsed'> {
    const redeemed = s.withTrial ? await this.redeemOffer(s.customerKey, s.product, s.id) : true;
    await this.registerStarted(s);
    return redeemed ? 'ok' : 'trialAlreadyUsed';
  }

  async hasUsedTrial(customerKey: string, product: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('SELECT 1 FROM trial_redemptions WHERE customer_key = $1 AND product = $2', [customerKey, product]);
    return (rowCount ?? 0) > 0;
  }

  /**
   * Writes a snapshot unless a newer one is already there (activities may retry or overtake), and
   * the lifecycle events recorded with it, in one statement: an event exists exactly when the change
   * it tells was published (docs/events.md). Events already written (a retried projection) are kept
   * as they are. Each new event gets a webhook delivery per enabled endpoint that wants its type.
   * Answers the deliveries of these events whose workflows are still to be started (new ones, and
   * ones a failed try left behind). An upsert: if the API process died between starting the
   * workflow and listing it, the workflow's own projection creates the row.
   */
  async project(s: SubscriptionSnapshot, events: readonly LifecycleEvent[] = []): Promise<PendingDelivery[]> {
    const rows = events.map((e) => ({ id: e.id, subscription_id: e.subscriptionId, sequence: e.sequence, type: e.type, occurred_at: e.timestamp, body: e }));
    const result = await this.pool.query<{ id: string; event_id: string }>(
      `WITH snapshot AS (
         INSERT INTO subscriptions AS t (id, customer_key, plan_id, product, payment_method_id, status, entitled, time_zone,
                                         next_billing_at, current_period_start, current_period_end, snapshot, version)
         VALUES ($1, $12, $4, $5, $6, $2, $3, $13, $7, $8, $9, $10, $11)
         ON CONFLICT (id) DO UPDATE SET
                status = EXCLUDED.status, entitled = EXCLUDED.entitled, plan_id = EXCLUDED.plan_id, product = EXCLUDED.product,
                payment_method_id = EXCLUDED.payment_method_id, next_billing_at = EXCLUDED.next_billing_at,
                current_period_start = EXCLUDED.current_period_start, current_period_end = EXCLUDED.current_period_end,
                snapshot = EXCLUDED.snapshot, version = EXCLUDED.version, updated_at = now()
          WHERE t.version < EXCLUDED.version
         RETURNING 1
       ), inserted AS (
         INSERT INTO events (id, subscription_id, sequence, type, occurred_at, body)
         SELECT e.id, e.subscription_id, e.sequence, e.type, e.occurred_at, e.body
           FROM jsonb_to_recordset($14::jsonb) AS e(id text, subscription_id text, sequence integer, type text, occurred_at timestamptz, body jsonb)
         ON CONFLICT DO NOTHING
         RETURNING id, type
       ), deliveries AS (
         INSERT INTO webhook_deliveries (endpoint_id, event_id)
         SELECT w.id, i.id FROM inserted i
           JOIN webhook_endpoints w ON w.status = 'enabled' AND (cardinality(w.event_types) = 0 OR i.type = ANY (w.event_types))
         RETURNING id, event_id
       )
       SELECT id, event_id FROM deliveries
       UNION ALL
       SELECT id, event_id FROM webhook_deliveries WHERE event_id = ANY ($15::text[]) AND NOT dispatched`,
      [s.subscriptionId, s.status, s.entitled, s.planId, s.product, s.paymentMethodId, s.nextBillingAt,
        s.currentPeriod.start, s.currentPeriod.end, JSON.stringify(s), s.version, s.customerKey, s.timeZone, JSON.stringify(rows), events.map((e) => e.id)],
    );
    const typeOf = new Map(events.map((e) => [e.id, e.type]));
    return result.rows.map((r) => ({ deliveryId: r.id, eventType: typeOf.get(r.event_id)! }));
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
