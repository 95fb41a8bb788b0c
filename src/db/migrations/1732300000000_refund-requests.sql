-- Up Migration
-- The API request a refund answered (a digest of the payment and the request's Idempotency-Key),
-- so a request retried through another path — the workflow, or directly after the subscription
-- ended — finds the refund it already made instead of making a second one.
ALTER TABLE refunds ADD COLUMN request_key text UNIQUE;

-- A refund of an ended subscription's payment, written before the gateway is asked and removed once
-- it answered: a refund whose answer was lost stays here, is sent again (same refund id, so the
-- gateway answers the first cancel) before anything else is refunded from that payment, and is
-- listed by GET /v1/payments/{id} meanwhile.
CREATE TABLE refund_intents (
  refund_id       text PRIMARY KEY,
  order_id        text NOT NULL REFERENCES payments (order_id),
  subscription_id text NOT NULL,
  amount          bigint CHECK (amount > 0),
  reason          text NOT NULL,
  request_key     text UNIQUE,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refund_intents_order ON refund_intents (order_id);

-- Down Migration
DROP TABLE refund_intents;
ALTER TABLE refunds DROP COLUMN request_key;
