-- Text messages. Kept beside ../sqlite/0012_sms.sql.
--
-- A delivery's SMS has a schedule of its own beside the calls' (next_try_at): sms_due_at is
-- when a text is due, and while one is being sent it holds the moment another gateway may
-- take it over (a claim). sms_tries counts the texts begun, sms_sent_at is when the provider
-- accepted one. A delivery is open while either schedule is set. Each part a provider accepted
-- is kept by its id (sms_parts), so its receipt finds the attempt. What members send is kept
-- in sms_inbox: replies that confirmed, stop requests, and anything else for the coordinators.
ALTER TABLE deliveries ADD COLUMN sms_due_at BIGINT;
ALTER TABLE deliveries ADD COLUMN sms_tries BIGINT NOT NULL DEFAULT 0 CHECK (sms_tries >= 0);
ALTER TABLE deliveries ADD COLUMN sms_sent_at BIGINT;
CREATE INDEX deliveries_sms_due ON deliveries (sms_due_at) WHERE sms_due_at IS NOT NULL;

ALTER TABLE networks ADD COLUMN sms_sender TEXT;
ALTER TABLE members ADD COLUMN sms_stopped_at BIGINT;

CREATE TABLE sms_parts (
    message_id TEXT PRIMARY KEY,
    attempt_id TEXT NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
    part BIGINT NOT NULL CHECK (part >= 1)
);
CREATE INDEX sms_parts_attempt ON sms_parts (attempt_id);

CREATE TABLE sms_inbox (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL,
    member_id TEXT REFERENCES members (id) ON DELETE SET NULL,
    alert_id TEXT REFERENCES alerts (id) ON DELETE SET NULL,
    text TEXT NOT NULL,
    meaning TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX sms_inbox_received ON sms_inbox (received_at);
CREATE INDEX sms_inbox_member ON sms_inbox (member_id);
