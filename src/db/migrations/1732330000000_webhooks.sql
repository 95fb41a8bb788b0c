-- Up Migration
-- Webhooks (docs/webhooks.md). An endpoint receives the events of the types it names (none = all);
-- its signing secret is sealed like billing keys. A delivery is one event for one endpoint: written
-- in the projection's statement with the event, so a delivery exists exactly when its event does.
-- Its workflow does the sending and the retrying; attempts are kept for the API.
CREATE TABLE webhook_endpoints (
  id              text PRIMARY KEY,
  url             text NOT NULL,
  description     text,
  event_types     text[] NOT NULL DEFAULT '{}',
  secret_sealed   text NOT NULL,
  status          text NOT NULL DEFAULT 'enabled' CHECK (status IN ('enabled', 'disabled', 'deleted')),
  disabled_reason text,
  -- Server time of the first failed attempt since the last success; null while it succeeds.
  failing_since   timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_deliveries (
  id              text PRIMARY KEY DEFAULT ('whd_' || gen_random_uuid()),
  endpoint_id     text NOT NULL REFERENCES webhook_endpoints (id),
  event_id        text NOT NULL REFERENCES events (id),
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed', 'canceled')),
  -- Its workflow has been started (the projection starts it right after the statement).
  dispatched      boolean NOT NULL DEFAULT false,
  attempts        integer NOT NULL DEFAULT 0,
  -- Manual redeliveries asked for; each runs as its own workflow.
  redeliveries    integer NOT NULL DEFAULT 0,
  last_attempt_at timestamptz,
  succeeded_at    timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, created_at DESC);
CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries (event_id);

CREATE TABLE webhook_attempts (
  id              bigserial PRIMARY KEY,
  delivery_id     text NOT NULL REFERENCES webhook_deliveries (id),
  -- 'automatic' (the delivery's own retries) or 'manual' (a redelivery).
  trigger         text NOT NULL CHECK (trigger IN ('automatic', 'manual')),
  attempt         integer NOT NULL,
  -- Server time (the simulated clock under time skipping), and the wall-clock duration.
  attempted_at    timestamptz NOT NULL,
  duration_ms     integer NOT NULL,
  status_code     integer,
  error           text,
  response_body   text
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id, id);
