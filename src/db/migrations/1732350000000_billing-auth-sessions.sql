-- Up Migration
-- Card registration through the card window (docs/card-registration.md): a session an
-- authenticated POST opens, whose token authenticates the browser's return to the success or fail
-- URL. Only the token's SHA-256 is kept.
CREATE TABLE billing_auth_sessions (
  id text PRIMARY KEY,
  token_hash text NOT NULL UNIQUE,
  customer_key text NOT NULL,
  return_url text NOT NULL,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'completed', 'failed')),
  payment_method_id text REFERENCES payment_methods (id),
  error_code text,
  error_message text,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
