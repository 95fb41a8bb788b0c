-- Up Migration
-- A `void` refund gives back a purchase whose outcome was unknown when its operation was refused
-- (the charge turned out to have gone through).
ALTER TABLE refunds DROP CONSTRAINT refunds_kind_check;
ALTER TABLE refunds ADD CONSTRAINT refunds_kind_check CHECK (kind IN ('refund', 'revoke', 'void'));

-- Down Migration
ALTER TABLE refunds DROP CONSTRAINT refunds_kind_check;
ALTER TABLE refunds ADD CONSTRAINT refunds_kind_check CHECK (kind IN ('refund', 'revoke'));
