-- The call-back line: a member phones the network's number and hears the alerts they have not
-- confirmed. Kept beside ../sqlite/0013_callback.sql.
--
-- Each message the line plays to a caller is an attempt of the caller's delivery with channel
-- 'callback' and the caller's number, but it is not a try: the delivery's state, tries
-- (attempts) and next try stay as they are. callbacks counts those attempts, so a delivery's
-- attempts are numbered 1 to attempts + callbacks in the order they began, whichever kind.
-- identified_by says how the line knew the caller's number: 'asserted' (the trunk vouched for
-- it) or 'from' (only the From header said it); an acknowledgement given on the line keeps it
-- too, NULL for every other way.
ALTER TABLE deliveries ADD COLUMN callbacks BIGINT NOT NULL DEFAULT 0 CHECK (callbacks >= 0);
ALTER TABLE attempts ADD COLUMN identified_by TEXT;
ALTER TABLE acknowledgements ADD COLUMN identified_by TEXT;
