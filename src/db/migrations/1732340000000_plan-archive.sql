-- Up Migration
-- Plans through the API (docs/plans.md): an archived plan takes no new subscriptions or plan
-- changes; subscriptions already on it go on as before.
ALTER TABLE plans ADD COLUMN archived_at timestamptz;
ALTER TABLE plans ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
