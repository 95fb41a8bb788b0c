-- Up Migration
-- Daily reconciliation (docs/reconciliation.md): one run per local day, compared with the gateway.
-- Running a day again replaces its run: `pass` counts the runs of the day, and a mismatch not seen
-- again by a completed pass is marked resolved instead of being deleted.
CREATE TABLE reconciliation_runs (
  day               date PRIMARY KEY,
  time_zone         text NOT NULL,
  status            text NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
  pass              integer NOT NULL DEFAULT 1 CHECK (pass >= 1),
  workflow_id       text,
  -- The ledger rows of the day: approved (or declined) and refunded in [window_start, window_end).
  window_start      timestamptz NOT NULL,
  window_end        timestamptz NOT NULL CHECK (window_end > window_start),
  -- Charges still unconfirmed that were attempted before this instant are reported.
  unsettled_before  timestamptz NOT NULL,
  started_at        timestamptz NOT NULL DEFAULT now(),
  finished_at       timestamptz,
  checked_orders    integer NOT NULL DEFAULT 0,
  checked_unsettled integer NOT NULL DEFAULT 0,
  mismatch_count    integer NOT NULL DEFAULT 0,
  error             text
);

CREATE TABLE reconciliation_mismatches (
  id              bigserial PRIMARY KEY,
  day             date NOT NULL REFERENCES reconciliation_runs (day) ON DELETE CASCADE,
  order_id        text NOT NULL,
  subscription_id text,
  -- The gateway's paymentKey, when the ledger or the gateway knows one.
  payment_key     text,
  kind            text NOT NULL CHECK (kind IN ('amount', 'currency', 'status', 'missing-at-gateway', 'refund-amount', 'unsettled-order', 'missing-in-ledger')),
  ledger_value    text,
  gateway_value   text,
  detail          text NOT NULL,
  -- The pass of the run that last found it; a completed later pass that did not resolves it.
  seen_pass       integer NOT NULL,
  detected_at     timestamptz NOT NULL DEFAULT now(),
  last_seen_at    timestamptz NOT NULL DEFAULT now(),
  resolved_at     timestamptz,
  UNIQUE (day, order_id, kind)
);
CREATE INDEX reconciliation_mismatches_open ON reconciliation_mismatches (kind) WHERE resolved_at IS NULL;

-- A day's ledger rows by their time: approval for approved charges, the attempt for declines.
CREATE INDEX payments_ledger_time ON payments ((COALESCE(approved_at, attempted_at)));
CREATE INDEX refunds_refunded_at ON refunds (refunded_at);
-- The few subscriptions with charges the gateway has not confirmed (the predicate is the query's).
CREATE INDEX subscriptions_unsettled ON subscriptions (id)
  WHERE (snapshot -> 'unsettledOrders') <> '[]'::jsonb OR (snapshot -> 'unsettledPurchases') <> '[]'::jsonb;

-- Down Migration
DROP INDEX subscriptions_unsettled;
DROP INDEX refunds_refunded_at;
DROP INDEX payments_ledger_time;
DROP TABLE reconciliation_mismatches;
DROP TABLE reconciliation_runs;
