import { randomBytes, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { LifecycleEvent, LifecycleEventType } from '../domain/lifecycle-events';
import type { SecretCipher } from './secret-cipher';

export type EndpointStatus = 'enabled' | 'disabled';

export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string | null;
  /** Empty: every event type. */
  eventTypes: LifecycleEventType[];
  status: EndpointStatus;
  disabledReason: string | null;
  failingSince: string | null;
  createdAt: string;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'canceled';

export interface WebhookDelivery {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: LifecycleEventType;
  subscriptionId: string;
  sequence: number;
  status: DeliveryStatus;
  attempts: number;
  redeliveries: number;
  lastAttemptAt: string | null;
  succeededAt: string | null;
  createdAt: string;
}

export interface WebhookAttempt {
  trigger: 'automatic' | 'manual';
  attempt: number;
  attemptedAt: string;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  responseBody: string | null;
}

/** What the sending activity needs: the event as delivered, where to, and the secret to sign with. */
export interface DeliveryToSend {
  delivery: { id: string; status: DeliveryStatus };
  endpoint: { id: string; url: string; status: EndpointStatus | 'deleted'; secret: string };
  event: LifecycleEvent;
}

interface EndpointRow {
  id: string;
  url: string;
  description: string | null;
  event_types: LifecycleEventType[];
  status: EndpointStatus;
  disabled_reason: string | null;
  failing_since: Date | null;
  created_at: Date;
}

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  type: LifecycleEventType;
  subscription_id: string;
  sequence: number;
  status: DeliveryStatus;
  attempts: number;
  redeliveries: number;
  last_attempt_at: Date | null;
  succeeded_at: Date | null;
  created_at: Date;
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

const endpointOf = (r: EndpointRow): WebhookEndpoint => ({
  id: r.id,
  url: r.url,
  description: r.description,
  eventTypes: r.event_types,
  status: r.status,
  disabledReason: r.disabled_reason,
  failingSince: iso(r.failing_since),
  createdAt: r.created_at.toISOString(),
});

const deliveryOf = (r: DeliveryRow): WebhookDelivery => ({
  id: r.id,
  endpointId: r.endpoint_id,
  eventId: r.event_id,
  eventType: r.type,
  subscriptionId: r.subscription_id,
  sequence: r.sequence,
  status: r.status,
  attempts: r.attempts,
  redeliveries: r.redeliveries,
  lastAttemptAt: iso(r.last_attempt_at),
  succeededAt: iso(r.succeeded_at),
  createdAt: r.created_at.toISOString(),
});

const DELIVERY_COLUMNS = `d.id, d.endpoint_id, d.event_id, e.type, e.subscription_id, e.sequence, d.status, d.attempts, d.redeliveries,
                          d.last_attempt_at, d.succeeded_at, d.created_at`;

/**
 * Webhook endpoints, their deliveries and attempts (docs/webhooks.md). Deliveries are created by the
 * projection's statement (subscriptions-repo.ts); everything after that happens here.
 */
export class WebhooksRepo {
  constructor(
    private readonly pool: Pool,
    private readonly cipher: SecretCipher,
  ) {}

  /**
   * A new endpoint and its signing secret, which the API shows once; it is kept sealed. With an `id`
   * (derived from an Idempotency-Key) a second create is the first one again, secret included.
   */
  async createEndpoint(input: { id?: string; url: string; description?: string; eventTypes: readonly LifecycleEventType[] }): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    // Standard Webhooks symmetric secrets: `whsec_` and base64 of 24 to 64 random bytes.
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const id = input.id ?? `we_${randomUUID()}`;
    await this.pool.query(
      `INSERT INTO webhook_endpoints (id, url, description, event_types, secret_sealed) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`,
      [id, input.url, input.description ?? null, input.eventTypes, this.cipher.encrypt(secret)],
    );
    const { rows } = await this.pool.query<EndpointRow & { secret_sealed: string }>('SELECT * FROM webhook_endpoints WHERE id = $1', [id]);
    const row = rows[0]!;
    return { endpoint: endpointOf(row), secret: this.cipher.decrypt(row.secret_sealed) };
  }

  /** Seals and opens a secret shown once, for an answer kept to replay (see `SealedField` in the API). */
  sealSecret = (plaintext: string): string => this.cipher.encrypt(plaintext);
  openSecret = (sealed: string): string => this.cipher.decrypt(sealed);

  async listEndpoints(): Promise<WebhookEndpoint[]> {
    const { rows } = await this.pool.query<EndpointRow>(`SELECT * FROM webhook_endpoints WHERE status <> 'deleted' ORDER BY created_at, id`);
    return rows.map(endpointOf);
  }

  async getEndpoint(id: string): Promise<WebhookEndpoint | null> {
    const { rows } = await this.pool.query<EndpointRow>(`SELECT * FROM webhook_endpoints WHERE id = $1 AND status <> 'deleted'`, [id]);
    return rows[0] ? endpointOf(rows[0]) : null;
  }

  /** Stops deliveries to it for good (pending ones end as canceled at their next attempt); its history stays. */
  async deleteEndpoint(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(`UPDATE webhook_endpoints SET status = 'deleted', updated_at = now() WHERE id = $1 AND status <> 'deleted'`, [id]);
    return (rowCount ?? 0) > 0;
  }

  /** Enables a disabled endpoint again; events from now on are delivered to it. */
  async enableEndpoint(id: string): Promise<WebhookEndpoint | null> {
    const { rows } = await this.pool.query<EndpointRow>(
      `UPDATE webhook_endpoints SET status = 'enabled', disabled_reason = NULL, failing_since = NULL, updated_at = now()
        WHERE id = $1 AND status <> 'deleted' RETURNING *`,
      [id],
    );
    return rows[0] ? endpointOf(rows[0]) : null;
  }

  async deliveries(endpointId: string, filter: { status?: DeliveryStatus; limit: number }): Promise<WebhookDelivery[]> {
    const { rows } = await this.pool.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
        WHERE d.endpoint_id = $1 AND ($2::text IS NULL OR d.status = $2)
        ORDER BY d.created_at DESC, d.id LIMIT $3`,
      [endpointId, filter.status ?? null, filter.limit],
    );
    return rows.map(deliveryOf);
  }

  async delivery(endpointId: string, deliveryId: string): Promise<(WebhookDelivery & { attemptLog: WebhookAttempt[] }) | null> {
    const { rows } = await this.pool.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN events e ON e.id = d.event_id WHERE d.endpoint_id = $1 AND d.id = $2`,
      [endpointId, deliveryId],
    );
    if (!rows[0]) return null;
    const attempts = await this.pool.query<{ trigger: 'automatic' | 'manual'; attempt: number; attempted_at: Date; duration_ms: number; status_code: number | null; error: string | null; response_body: string | null }>(
      'SELECT * FROM webhook_attempts WHERE delivery_id = $1 ORDER BY id',
      [deliveryId],
    );
    return {
      ...deliveryOf(rows[0]),
      attemptLog: attempts.rows.map((a) => ({
        trigger: a.trigger,
        attempt: a.attempt,
        attemptedAt: a.attempted_at.toISOString(),
        durationMs: a.duration_ms,
        statusCode: a.status_code,
        error: a.error,
        responseBody: a.response_body,
      })),
    };
  }

  /** Counts a manual redelivery and answers its number (it names the redelivery's workflow). */
  async countRedelivery(deliveryId: string): Promise<number> {
    const { rows } = await this.pool.query<{ redeliveries: number }>('UPDATE webhook_deliveries SET redeliveries = redeliveries + 1 WHERE id = $1 RETURNING redeliveries', [deliveryId]);
    return rows[0]!.redeliveries;
  }

  async markDispatched(deliveryIds: readonly string[]): Promise<void> {
    if (deliveryIds.length > 0) await this.pool.query('UPDATE webhook_deliveries SET dispatched = true WHERE id = ANY($1)', [deliveryIds]);
  }

  async toSend(deliveryId: string): Promise<DeliveryToSend | null> {
    const { rows } = await this.pool.query<{ id: string; status: DeliveryStatus; endpoint_id: string; url: string; endpoint_status: EndpointStatus | 'deleted'; secret_sealed: string; body: LifecycleEvent }>(
      `SELECT d.id, d.status, w.id AS endpoint_id, w.url, w.status AS endpoint_status, w.secret_sealed, e.body
         FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id JOIN events e ON e.id = d.event_id
        WHERE d.id = $1`,
      [deliveryId],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      delivery: { id: r.id, status: r.status },
      endpoint: { id: r.endpoint_id, url: r.url, status: r.endpoint_status, secret: this.cipher.decrypt(r.secret_sealed) },
      event: r.body,
    };
  }

  /**
   * Books one attempt: its log line, the delivery's counters and the endpoint's failing streak. A
   * success ends the delivery and the streak; a failure starts the streak at its first failure.
   */
  async recordAttempt(deliveryId: string, endpointId: string, attempt: WebhookAttempt, succeeded: boolean): Promise<void> {
    await this.pool.query(
      `WITH logged AS (
         INSERT INTO webhook_attempts (delivery_id, trigger, attempt, attempted_at, duration_ms, status_code, error, response_body)
         VALUES ($1, $3, $4, $5, $6, $7, $8, $9)
       ), delivery AS (
         UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at = $5,
                status = CASE WHEN $10 THEN 'succeeded' ELSE status END,
                succeeded_at = CASE WHEN $10 THEN coalesce(succeeded_at, $5) ELSE succeeded_at END
          WHERE id = $1
       )
       UPDATE webhook_endpoints SET failing_since = CASE WHEN $10 THEN NULL ELSE coalesce(failing_since, $5) END WHERE id = $2`,
      [deliveryId, endpointId, attempt.trigger, attempt.attempt, attempt.attemptedAt, attempt.durationMs, attempt.statusCode, attempt.error, attempt.responseBody, succeeded],
    );
  }

  async cancelDelivery(deliveryId: string): Promise<void> {
    await this.pool.query(`UPDATE webhook_deliveries SET status = 'canceled' WHERE id = $1 AND status = 'pending'`, [deliveryId]);
  }

  /**
   * A delivery whose retries ran out: failed (unless a redelivery got it through meanwhile). Its
   * endpoint is disabled when nothing got through to it since this delivery's first attempt: it
   * failed for the whole retry window. Answers whether the endpoint was disabled now.
   */
  async failDelivery(deliveryId: string): Promise<boolean> {
    const { rows } = await this.pool.query<{ endpoint_id: string }>(
      `UPDATE webhook_deliveries SET status = CASE WHEN status = 'pending' THEN 'failed' ELSE status END WHERE id = $1 RETURNING endpoint_id`,
      [deliveryId],
    );
    if (!rows[0]) return false;
    const { rowCount } = await this.pool.query(
      `UPDATE webhook_endpoints w SET status = 'disabled', updated_at = now(),
              disabled_reason = 'no delivery succeeded since ' || to_char(w.failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
        WHERE w.id = $1 AND w.status = 'enabled' AND w.failing_since IS NOT NULL
          AND w.failing_since <= (SELECT min(attempted_at) FROM webhook_attempts WHERE delivery_id = $2 AND trigger = 'automatic')`,
      [rows[0].endpoint_id, deliveryId],
    );
    return (rowCount ?? 0) > 0;
  }
}
