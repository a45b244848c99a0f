-- Rounds a delivery has completed: a round tries every contact point of the member once, and
-- the retry policy allows a number of rounds after the first per outcome. Kept beside
-- ../sqlite/0002_delivery_rounds.sql.
ALTER TABLE deliveries ADD COLUMN rounds BIGINT NOT NULL DEFAULT 0 CHECK (rounds >= 0);
