-- The alert chain on PostgreSQL, kept line for line beside
-- ../sqlite/0001_alert_chain.sql. The two differ only in column types
-- (BIGINT, DOUBLE PRECISION, BYTEA here; INTEGER, REAL, BLOB there) and in STRICT, which only
-- SQLite has. Times are epoch milliseconds, ids text UUIDs, booleans 0/1. Enumerations are
-- plain text without CHECK lists: the Rust enums in src/store/model.rs are the one list, a
-- new value needs no table rebuild, and a reader refuses unknown text with an error naming
-- the column.

CREATE TABLE networks (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    police_zone TEXT NOT NULL,
    language TEXT NOT NULL,
    caller_id TEXT NOT NULL,
    ring_timeout_ms BIGINT CHECK (ring_timeout_ms > 0),
    retry_policy TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE members (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    language TEXT NOT NULL,
    channel TEXT NOT NULL,
    quiet_start BIGINT CHECK (quiet_start BETWEEN 0 AND 1439),
    quiet_end BIGINT CHECK (quiet_end BETWEEN 0 AND 1439),
    speech_rate DOUBLE PRECISION NOT NULL DEFAULT 1.0 CHECK (speech_rate > 0),
    status TEXT NOT NULL,
    consent_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK ((quiet_start IS NULL) = (quiet_end IS NULL))
);

-- A member's telephone numbers in the order they are tried. The first one identifies the
-- member: importing a member whose first number is already someone's first number updates
-- that member instead of creating a second one.
CREATE TABLE contact_points (
    member_id TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    position BIGINT NOT NULL CHECK (position >= 0),
    kind TEXT NOT NULL,
    number TEXT NOT NULL,
    PRIMARY KEY (member_id, position),
    UNIQUE (member_id, number)
);
CREATE UNIQUE INDEX contact_points_first_number ON contact_points (number) WHERE position = 0;

CREATE TABLE network_members (
    network_id TEXT NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    member_id TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    joined_at BIGINT NOT NULL,
    PRIMARY KEY (network_id, member_id)
);
CREATE INDEX network_members_member ON network_members (member_id);

CREATE TABLE alerts (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    activation_of TEXT REFERENCES alerts (id),
    created_by TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    expires_at BIGINT,
    drill BIGINT NOT NULL DEFAULT 0 CHECK (drill IN (0, 1)),
    idempotency_key TEXT UNIQUE
);
CREATE INDEX alerts_state ON alerts (state);

CREATE TABLE alert_networks (
    alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    network_id TEXT NOT NULL REFERENCES networks (id),
    PRIMARY KEY (alert_id, network_id)
);

-- Per language either a text to synthesise or a recorded WAV, never both, never neither.
CREATE TABLE alert_messages (
    alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    text TEXT,
    wav BYTEA,
    PRIMARY KEY (alert_id, language),
    CHECK ((text IS NULL) <> (wav IS NULL))
);

-- One per (alert, member). next_try_at NOT NULL means a try is scheduled (due when <= now);
-- priority is 0 for urgent alerts and 1 otherwise, copied from the alert so the due scan
-- reads one index in order and stops at its LIMIT.
CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,
    alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    member_id TEXT NOT NULL REFERENCES members (id),
    priority BIGINT NOT NULL CHECK (priority IN (0, 1)),
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    contact_index BIGINT NOT NULL DEFAULT 0 CHECK (contact_index >= 0),
    next_try_at BIGINT,
    last_sip_status BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (alert_id, member_id)
);
CREATE INDEX deliveries_due ON deliveries (priority, next_try_at, id)
    WHERE next_try_at IS NOT NULL;
CREATE INDEX deliveries_alert_state ON deliveries (alert_id, state);

-- One per call or SMS. ended_at NULL means in flight (or interrupted by a crash).
CREATE TABLE attempts (
    id TEXT PRIMARY KEY,
    delivery_id TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    seq BIGINT NOT NULL CHECK (seq >= 1),
    channel TEXT NOT NULL,
    number TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at BIGINT,
    sip_status BIGINT,
    outcome TEXT,
    ring_ms BIGINT,
    talk_ms BIGINT,
    digits TEXT,
    machine TEXT,
    sms_id TEXT,
    sms_receipt TEXT,
    UNIQUE (delivery_id, seq)
);
CREATE INDEX attempts_in_flight ON attempts (started_at) WHERE ended_at IS NULL;

CREATE TABLE acknowledgements (
    alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    member_id TEXT NOT NULL REFERENCES members (id),
    how TEXT NOT NULL,
    acknowledged_at BIGINT NOT NULL,
    PRIMARY KEY (alert_id, member_id)
);
