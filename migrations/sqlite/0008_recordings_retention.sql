-- Recorded messages uploaded over the HTTP API, and what the retention purge needs. Kept
-- beside ../postgres/0008_recordings_retention.sql.
--
-- An upload is kept until an alert names it (the alert stores its own copy in
-- alert_messages) and removed with alert texts by the purge; only the token that uploaded it
-- may use it.
CREATE TABLE recordings (
    id TEXT PRIMARY KEY,
    wav BLOB NOT NULL,
    duration_ms INTEGER NOT NULL CHECK (duration_ms > 0),
    uploaded_by TEXT NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    uploaded_at INTEGER NOT NULL
) STRICT;
CREATE INDEX recordings_uploaded_at ON recordings (uploaded_at);

-- The purge replaces numbers dialled by 'removed'; it walks only the attempts still holding
-- one, oldest first.
CREATE INDEX attempts_numbers_kept ON attempts (started_at) WHERE number <> 'removed';
