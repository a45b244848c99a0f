-- Several gateways on one database. Each `serve` is an instance with a lease it renews on the
-- database's clock; `generation` grows each time the instance starts, and is the fencing
-- token every attempt records beside the instance. A lease whose expiry has passed is dead:
-- its open attempts are another instance's to finish. Kept beside
-- ../sqlite/0005_instances.sql.
CREATE TABLE instances (
    id TEXT PRIMARY KEY,
    generation BIGINT NOT NULL CHECK (generation >= 1),
    host TEXT NOT NULL,
    pid BIGINT NOT NULL,
    version TEXT NOT NULL,
    trunk TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    renewed_at BIGINT NOT NULL,
    lease_expires_at BIGINT NOT NULL,
    stopped_at BIGINT,
    taken_over_by TEXT,
    taken_over_at BIGINT
);

ALTER TABLE attempts ADD COLUMN instance_id TEXT;
ALTER TABLE attempts ADD COLUMN lease_generation BIGINT;
CREATE INDEX attempts_open ON attempts (instance_id, lease_generation) WHERE ended_at IS NULL;

-- The trunk's ledger, shared by every instance that uses it: when the next INVITE may go
-- out (max_cps), and the calls on the line (max_channels). A number, and a member, has at
-- most one call at a time across every instance and alert.
CREATE TABLE trunks (
    name TEXT PRIMARY KEY,
    next_invite_at BIGINT NOT NULL
);

CREATE TABLE calls_in_progress (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    trunk TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    lease_generation BIGINT NOT NULL,
    started_at BIGINT NOT NULL
);
CREATE INDEX calls_in_progress_trunk ON calls_in_progress (trunk);
CREATE INDEX calls_in_progress_instance ON calls_in_progress (instance_id, lease_generation);

CREATE TABLE members_on_the_line (
    member_id TEXT PRIMARY KEY,
    call_id TEXT NOT NULL REFERENCES calls_in_progress (id) ON DELETE CASCADE
);
CREATE INDEX members_on_the_line_call ON members_on_the_line (call_id);
