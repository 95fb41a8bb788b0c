-- Up Migration
-- An introductory price for the first N paid periods (docs/plans.md); both or neither.
ALTER TABLE plans
  ADD COLUMN intro_price   bigint CHECK (intro_price >= 0),
  ADD COLUMN intro_periods integer CHECK (intro_periods >= 1),
  ADD CONSTRAINT plans_intro_complete CHECK ((intro_price IS NULL) = (intro_periods IS NULL));
