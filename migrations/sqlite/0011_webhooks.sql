-- Signed webhooks out, per network: the URLs a network's systems receive events at, and the
-- outbox of events to send them. Kept beside ../postgres/0011_webhooks.sql.
--
-- A webhook is removed softly (removed_at, its secret blanked), so its events stay countable
-- until the purge. Its events are numbered in the order they were written: the courier sends
-- only the oldest pending event of each (webhook, alert), so one alert's events arrive in
-- order. (webhook_id, event, subject) is unique, so any number of gateways may write the same
-- event and one row results. A row is leased (lease_until, leased_by) while one gateway sends
-- it.
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    network_id TEXT NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    events TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    removed_at INTEGER
) STRICT;
CREATE INDEX webhooks_network ON webhooks (network_id);

CREATE TABLE webhook_events (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    webhook_id TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    subject TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    tries INTEGER NOT NULL DEFAULT 0 CHECK (tries >= 0),
    next_try_at INTEGER NOT NULL,
    lease_until INTEGER,
    leased_by TEXT,
    last_status INTEGER,
    last_error TEXT,
    last_try_at INTEGER,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER,
    UNIQUE (webhook_id, event, subject)
) STRICT;
-- The courier's scan of what is due, and its look for an older pending event of the same
-- webhook and alert (head of line).
CREATE INDEX webhook_events_due ON webhook_events (next_try_at, id) WHERE state = 'pending';
CREATE INDEX webhook_events_line ON webhook_events (webhook_id, alert_id, id)
    WHERE state = 'pending';
-- A webhook's events by state (the API's list and counts), its last try, and the purge by
-- age.
CREATE INDEX webhook_events_by_state ON webhook_events (webhook_id, state, id);
CREATE INDEX webhook_events_tried ON webhook_events (webhook_id, last_try_at);
CREATE INDEX webhook_events_created ON webhook_events (created_at);

-- The outbox's scans: acknowledgements and alerts that changed since a moment.
CREATE INDEX acknowledgements_at ON acknowledgements (acknowledged_at);
CREATE INDEX alerts_updated ON alerts (updated_at);
