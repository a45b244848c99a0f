-- The alert chain on SQLite, kept line for line beside
-- ../postgres/0001_alert_chain.sql. The two differ only in column types
-- (INTEGER, REAL, BLOB here; BIGINT, DOUBLE PRECISION, BYTEA there) and in STRICT, which only
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
    ring_timeout_ms INTEGER CHECK (ring_timeout_ms > 0),
    retry_policy TEXT,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE members (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    language TEXT NOT NULL,
    channel TEXT NOT NULL,
    quiet_start INTEGER CHECK (quiet_start BETWEEN 0 AND 1439),
    quiet_end INTEGER CHECK (quiet_end BETWEEN 0 AND 1439),
    speech_rate REAL NOT NULL DEFAULT 1.0 CHECK (speech_rate > 0),
    status TEXT NOT NULL,
    consent_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CHECK ((quiet_start IS NULL) = (quiet_end IS NULL))
) STRICT;

-- A member's telephone numbers in the order they are tried. The first one identifies the
-- member: importing a member whose first number is already someone's first number updates
-- that member instead of creating a second one.
CREATE TABLE contact_points (
    member_id TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    position INTEGER NOT NULL CHECK (position >= 0),
    kind TEXT NOT NULL,
    number TEXT NOT NULL,
    PRIMARY KEY (member_id, position),
    UNIQUE (member_id, number)
) STRICT;
CREATE UNIQUE INDEX contact_points_first_number ON contact_points (number) WHERE position = 0;

CREATE TABLE network_members (
    network_id TEXT NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    member_id TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (network_id, member_id)
) STRICT;
CREATE INDEX network_members_member ON network_members (member_id);

CREATE TABLE alerts (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    activation_of TEXT REFERENCES alerts (id),
    created_by TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    expires_at INTEGER,
    drill INTEGER NOT NULL DEFAULT 0 CHECK (drill IN (0, 1)),
    idempotency_key TEXT UNIQUE
) STRICT;
CREATE INDEX alerts_state ON alerts (state);

CREATE TABLE alert_networks (
    alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    network_id TEXT NOT NULL REFERENCES networks (id),
    PRIMARY KEY (alert_id, network_id)
) STRICT;

-- Per language either a text to synthesise or a recorded WAV, never both, never neither.
CREATE TABLE alert_messages (
    alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    text TEXT,
    wav BLOB,
    PRIMARY KEY (alert_id, language),
    CHECK ((text IS NULL) <> (wav IS NULL))
) STRICT;

-- One per (alert, member). next_try_at NOT NULL means a try is scheduled (due when <= now);
-- priority is 0 for urgent alerts and 1 otherwise, copied from the alert so the due scan
-- reads one index in order and stops at its LIMIT.
CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,
    alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    member_id TEXT NOT NULL REFERENCES members (id),
    priority INTEGER NOT NULL CHECK (priority IN (0, 1)),
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    contact_index INTEGER NOT NULL DEFAULT 0 CHECK (contact_index >= 0),
    next_try_at INTEGER,
    last_sip_status INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (alert_id, member_id)
) STRICT;
CREATE INDEX deliveries_due ON deliveries (priority, next_try_at, id)
    WHERE next_try_at IS NOT NULL;
CREATE INDEX deliveries_alert_state ON deliveries (alert_id, state);

-- One per call or SMS. ended_at NULL means in flight (or interrupted by a crash).
CREATE TABLE attempts (
    id TEXT PRIMARY KEY,
    delivery_id TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL CHECK (seq >= 1),
    channel TEXT NOT NULL,
    number TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    sip_status INTEGER,
    outcome TEXT,
    ring_ms INTEGER,
    talk_ms INTEGER,
    digits TEXT,
    machine TEXT,
    sms_id TEXT,
    sms_receipt TEXT,
    UNIQUE (delivery_id, seq)
) STRICT;
CREATE INDEX attempts_in_flight ON attempts (started_at) WHERE ended_at IS NULL;

CREATE TABLE acknowledgements (
    alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    member_id TEXT NOT NULL REFERENCES members (id),
    how TEXT NOT NULL,
    acknowledged_at INTEGER NOT NULL,
    PRIMARY KEY (alert_id, member_id)
) STRICT;
