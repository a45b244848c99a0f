-- A second person's approval of urgent alerts, per network: an urgent alert to a network with
-- urgent_approval = 1 is kept as a draft, with the token that asked for it, until another
-- token approves it. Kept beside ../sqlite/0009_urgent_approval.sql.
ALTER TABLE networks ADD COLUMN urgent_approval BIGINT NOT NULL DEFAULT 0
    CHECK (urgent_approval IN (0, 1));

CREATE TABLE alert_approvals (
    alert_id TEXT PRIMARY KEY REFERENCES alerts (id) ON DELETE CASCADE,
    requested_by TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    approved_by TEXT,
    approved_at BIGINT,
    CHECK ((approved_by IS NULL) = (approved_at IS NULL))
);
