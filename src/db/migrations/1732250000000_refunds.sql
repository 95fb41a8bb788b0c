-- Up Migration
-- Money given back through Toss's cancel API (docs/lifecycle.md §4.4), one row per cancel.
-- refund_id is the Idempotency-Key sent to Toss: a retried activity finds its row and never
-- refunds twice. The order's remaining balance and status live on its payments row.
CREATE TABLE refunds (
  refund_id       text PRIMARY KEY,
  order_id        text NOT NULL REFERENCES payments (order_id),
  subscription_id text NOT NULL,
  amount          bigint NOT NULL CHECK (amount > 0),
  currency        text NOT NULL,
  reason          text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('refund', 'revoke')),
  transaction_key text,
  refunded_at     timestamptz NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refunds_order ON refunds (order_id);

-- Down Migration
DROP TABLE refunds;
