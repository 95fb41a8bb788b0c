-- Up Migration
CREATE TABLE plans (
  id             text PRIMARY KEY,
  product        text NOT NULL,
  name           text NOT NULL,
  price          bigint NOT NULL CHECK (price >= 0),
  currency       text NOT NULL,
  interval_unit  text NOT NULL CHECK (interval_unit IN ('day', 'week', 'month', 'year')),
  interval_count integer NOT NULL CHECK (interval_count >= 1),
  auto_renew     boolean NOT NULL DEFAULT true,
  trial_days     integer,
  dunning        jsonb NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);

-- The billing key is stored only encrypted (AES-256-GCM); Toss has no API to look it up again.
CREATE TABLE payment_methods (
  id                    text PRIMARY KEY,
  customer_key          text NOT NULL,
  billing_key_encrypted text NOT NULL,
  card_number_masked    text NOT NULL,
  card_company          text NOT NULL,
  card_type             text NOT NULL,
  owner_type            text NOT NULL,
  created_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_methods_customer ON payment_methods (customer_key);

-- A projection of each subscription workflow's state, written by an activity after every change.
CREATE TABLE subscriptions (
  id                   text PRIMARY KEY,
  customer_key         text NOT NULL,
  plan_id              text NOT NULL REFERENCES plans (id),
  product              text NOT NULL,
  payment_method_id    text NOT NULL REFERENCES payment_methods (id),
  status               text NOT NULL,
  entitled             boolean NOT NULL,
  time_zone            text NOT NULL,
  next_billing_at      timestamptz,
  current_period_start timestamptz,
  current_period_end   timestamptz,
  snapshot             jsonb,
  version              integer NOT NULL DEFAULT 0,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscriptions_customer ON subscriptions (customer_key);
CREATE INDEX subscriptions_status ON subscriptions (status);

-- One trial per customer and product (docs/lifecycle.md §2).
CREATE TABLE trial_redemptions (
  customer_key    text NOT NULL,
  product         text NOT NULL,
  subscription_id text NOT NULL,
  redeemed_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer_key, product)
);

-- Every charge attempt; orderId is the idempotency anchor shared with Toss.
CREATE TABLE payments (
  order_id        text PRIMARY KEY,
  subscription_id text NOT NULL,
  customer_key    text NOT NULL,
  cycle           integer NOT NULL,
  attempt         integer NOT NULL,
  amount          bigint NOT NULL,
  currency        text NOT NULL,
  status          text NOT NULL CHECK (status IN ('DONE', 'DECLINED', 'CANCELED', 'PARTIAL_CANCELED')),
  payment_key     text,
  balance_amount  bigint,
  failure_code    text,
  failure_message text,
  due_at          timestamptz,
  attempted_at    timestamptz NOT NULL,
  approved_at     timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payments_subscription ON payments (subscription_id, created_at);

-- Replays of API POSTs that create things, keyed by the client's Idempotency-Key.
CREATE TABLE api_idempotency (
  key           text NOT NULL,
  route         text NOT NULL,
  request_hash  text NOT NULL,
  status        integer NOT NULL,
  body          jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (key, route)
);

-- Down Migration
DROP TABLE api_idempotency;
DROP TABLE payments;
DROP TABLE trial_redemptions;
DROP TABLE subscriptions;
DROP TABLE payment_methods;
DROP TABLE plans;
