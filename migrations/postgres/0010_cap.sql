-- Common Alerting Protocol (CAP 1.2) in: the areas each network covers (Belgian NIS
-- municipality codes and postal codes, matched against a CAP <geocode>), every CAP message
-- received (one per sender and identifier, so a repeated message changes nothing) with the
-- alert it made or acted on, and a revision per alert that a CAP Update raises when it
-- replaces the texts, so calls started after it speak the new ones.
-- Kept beside ../sqlite/0010_cap.sql.
CREATE TABLE network_areas (
    network_id TEXT NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    scheme TEXT NOT NULL,
    code TEXT NOT NULL,
    PRIMARY KEY (network_id, scheme, code)
);
CREATE INDEX network_areas_code ON network_areas (scheme, code);

CREATE TABLE cap_messages (
    id TEXT PRIMARY KEY,
    sender TEXT NOT NULL,
    identifier TEXT NOT NULL,
    sent TEXT NOT NULL,
    status TEXT NOT NULL,
    msg_type TEXT NOT NULL,
    references_text TEXT NOT NULL,
    document_sha256 TEXT NOT NULL,
    alert_id TEXT REFERENCES alerts (id) ON DELETE SET NULL,
    effect TEXT NOT NULL,
    received_by TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    UNIQUE (sender, identifier)
);
CREATE INDEX cap_messages_alert ON cap_messages (alert_id);

ALTER TABLE alerts ADD COLUMN revision BIGINT NOT NULL DEFAULT 0 CHECK (revision >= 0);
