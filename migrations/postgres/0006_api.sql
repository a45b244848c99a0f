-- The HTTP API: bearer tokens (only a hash of each secret is kept), the networks each token
-- may act on (none listed: every network), and the audit log of every change and every
-- export of personal data. Kept beside ../sqlite/0006_api.sql.
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    secret_sha256 TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE api_token_networks (
    token_id TEXT NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    network_id TEXT NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    PRIMARY KEY (token_id, network_id)
);

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    network_id TEXT,
    subject TEXT,
    address TEXT
);
CREATE INDEX audit_log_at ON audit_log (at, id);

-- The live event stream of an alert reads its deliveries changed since a moment.
CREATE INDEX deliveries_alert_changed ON deliveries (alert_id, updated_at, id);
