-- Up Migration
-- Lifecycle events (docs/events.md): written by the workflow's projection in the same statement as
-- the subscription's row, so an event exists exactly when its change was published. Immutable.
--
-- The feed is read in (tx, position) order, and only below the oldest transaction still running
-- (pg_snapshot_xmin): a transaction that commits late with a smaller position can never appear
-- behind a reader's cursor, because every later commit has a larger tx than what was visible.
CREATE TABLE events (
  id              text PRIMARY KEY,
  position        bigserial NOT NULL,
  tx              xid8 NOT NULL DEFAULT pg_current_xact_id(),
  subscription_id text NOT NULL,
  sequence        integer NOT NULL CHECK (sequence >= 1),
  type            text NOT NULL,
  occurred_at     timestamptz NOT NULL,
  -- The event as delivered: {id, type, timestamp, subscriptionId, sequence, data}.
  body            jsonb NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (subscription_id, sequence)
);
CREATE UNIQUE INDEX events_feed_order ON events (tx, position);
CREATE INDEX events_by_type ON events (type, tx, position);
