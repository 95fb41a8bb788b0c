-- Up Migration
-- Idempotency keys are claimed before any work (issue 8): a row is `in_progress` from the first
-- statement of a request, held by a short lease its owner renews, and `done` with the stored
-- answer once the request has answered. Rows written before this migration are finished answers.
ALTER TABLE api_idempotency
  ADD COLUMN state        text NOT NULL DEFAULT 'done' CHECK (state IN ('in_progress', 'done')),
  -- A random token of the request that holds the claim; only it may finish or release it.
  ADD COLUMN owner        text,
  -- An in-progress claim whose lease has passed belongs to a dead process and may be taken over.
  ADD COLUMN lease_until  timestamptz,
  -- After this the key is forgotten and may be used again with any request.
  ADD COLUMN expires_at   timestamptz NOT NULL DEFAULT now() + interval '24 hours',
  -- Headers of the stored answer that a replay repeats (content type, Location).
  ADD COLUMN headers      jsonb NOT NULL DEFAULT '{}'::jsonb,
  ALTER COLUMN status DROP NOT NULL,
  ALTER COLUMN body DROP NOT NULL;
UPDATE api_idempotency SET expires_at = created_at + interval '24 hours';
ALTER TABLE api_idempotency
  ADD CONSTRAINT api_idempotency_done_has_answer CHECK (state <> 'done' OR (status IS NOT NULL AND body IS NOT NULL)),
  ADD CONSTRAINT api_idempotency_claim_has_lease CHECK (state <> 'in_progress' OR (owner IS NOT NULL AND lease_until IS NOT NULL));
CREATE INDEX api_idempotency_expires ON api_idempotency (expires_at);

-- Down Migration
DROP INDEX api_idempotency_expires;
DELETE FROM api_idempotency WHERE state <> 'done';
ALTER TABLE api_idempotency
  DROP CONSTRAINT api_idempotency_claim_has_lease,
  DROP CONSTRAINT api_idempotency_done_has_answer,
  ALTER COLUMN body SET NOT NULL,
  ALTER COLUMN status SET NOT NULL,
  DROP COLUMN headers,
  DROP COLUMN expires_at,
  DROP COLUMN lease_until,
  DROP COLUMN owner,
  DROP COLUMN state;
