-- Up Migration
-- API keys (README "Authentication"). The key itself is `sk_<id>_<secret>`; only sha256(secret)
-- is stored, so a leaked table grants nothing. A revoked key keeps its row for the audit trail.
CREATE TABLE api_keys (
  id           text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{16}$'),
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  access_right text NOT NULL CHECK (access_right IN ('full', 'read')),
  secret_hash  bytea NOT NULL CHECK (length(secret_hash) = 32),
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz
);

-- Down Migration
DROP TABLE api_keys;
