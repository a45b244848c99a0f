//! Webhooks: per network, the URLs its systems receive events at, with the secret that signs
//! them, and what each webhook sent. The events themselves are written by the outbox
//! (`webhook_outbox.rs`) and sent through the queue (`webhook_queue.rs`).
//!
//! The secret is kept as given to the user (`whsec_` and base64): the gateway signs with it,
//! so unlike an API token's it cannot be kept as a hash. Removing a webhook is soft: its row
//! stays (with `removed_at` and the secret blanked) so what it sent stays countable until the
//! retention purge, and in the same transaction its pending events fail, so nothing more is
//! sent to it.

use super::model::NetworkId;
use super::rows::{get, new_id, parse, placeholders};
use super::{Store, StoreError};
use base64::Engine as _;
use sqlx::any::AnyRow;
use std::collections::HashMap;

/// What every webhook secret starts with (the Standard Webhooks convention).
pub const WEBHOOK_SECRET_PREFIX: &str = "whsec_";

/// What a pending event of a removed webhook reads as its last error.
pub const REMOVED_BEFORE_SENT: &str = "the webhook was removed before this was sent";

pub use super::model::{EventState, WebhookEvent, WebhookId};

/// A webhook as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// Its id.
    pub id: WebhookId,
    /// The network whose events it receives.
    pub network_id: NetworkId,
    /// Where events are posted.
    pub url: String,
    /// What it receives, in [`WebhookEvent`] order.
    pub events: Vec<WebhookEvent>,
    /// Who added it.
    pub created_by: String,
    /// When (epoch ms); it receives what happens from then on.
    pub created_at: i64,
    /// When it was removed, if it was.
    pub removed_at: Option<i64>,
}

impl Webhook {
    /// Whether it receives `event`.
    pub fn receives(&self, event: WebhookEvent) -> bool {
        self.removed_at.is_none() && self.events.contains(&event)
    }
}

/// A webhook to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebhook {
    /// The network.
    pub network_id: NetworkId,
    /// Where events are posted (checked by the caller: `webhooks::target`).
    pub url: String,
    /// What it receives; at least one.
    pub events: Vec<WebhookEvent>,
    /// Who adds it.
    pub created_by: String,
}

/// What a webhook sent so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookTally {
    /// Events the receiver took (2xx).
    pub delivered: i64,
    /// Events still to be sent.
    pub pending: i64,
    /// Events given up.
    pub failed: i64,
    /// The HTTP status of the last try, if one came back.
    pub last_status: Option<u16>,
    /// Why the last try failed, in words; `None` when it succeeded.
    pub last_error: Option<String>,
    /// When an event was last delivered.
    pub last_delivered_at: Option<i64>,
}

const COLUMNS: &str = "id, network_id, url, events, created_by, created_at, removed_at";

impl Store {
    /// Adds a webhook; returns it with its secret (which only [`Store::due_webhook_events`]
    /// reads again).
    pub async fn add_webhook(
        &self,
        webhook: NewWebhook,
        now: i64,
    ) -> Result<(Webhook, String), StoreError> {
        let secret = new_secret();
        let id = WebhookId(new_id());
        let mut events = webhook.events;
        events.sort();
        events.dedup();
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "INSERT INTO webhooks (id, network_id, url, secret, events, created_by, created_at) \
             SELECT $1, id, $3, $4, $5, $6, $7 FROM networks WHERE id = $2",
        )
        .bind(id.as_str())
        .bind(webhook.network_id.as_str())
        .bind(&webhook.url)
        .bind(&secret)
        .bind(event_list(&events))
        .bind(&webhook.created_by)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Err(StoreError::UnknownNetwork(webhook.network_id));
        }
        self.commit(tx).await?;
        let stored = Webhook {
            id,
            network_id: webhook.network_id,
            url: webhook.url,
            events,
            created_by: webhook.created_by,
            created_at: now,
            removed_at: None,
        };
        Ok((stored, secret))
    }

    /// One webhook, removed or not.
    pub async fn webhook(&self, id: &WebhookId) -> Result<Option<Webhook>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM webhooks WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(webhook_from).transpose()
    }

    /// The webhooks not removed, of one network or of all, oldest first.
    pub async fn webhooks(&self, network: Option<&NetworkId>) -> Result<Vec<Webhook>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM webhooks WHERE removed_at IS NULL \
             AND ($1 = '' OR network_id = $1) ORDER BY created_at, id"
        );
        let rows = sqlx::query(&sql)
            .bind(network.map_or("", NetworkId::as_str))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(webhook_from).collect()
    }

    /// Removes a webhook: nothing more is sent to it, its pending events fail and its secret
    /// is blanked. False when no webhook with this id is live.
    pub async fn remove_webhook(&self, id: &WebhookId, now: i64) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE webhooks SET removed_at = $2, secret = '' WHERE id = $1 AND removed_at IS NULL",
        )
        .bind(id.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query(
            "UPDATE webhook_events SET state = $2, last_error = $3, next_try_at = $4, \
             lease_until = NULL, leased_by = NULL WHERE webhook_id = $1 AND state = $5",
        )
        .bind(id.as_str())
        .bind(EventState::Failed.as_str())
        .bind(REMOVED_BEFORE_SENT)
        .bind(now)
        .bind(EventState::Pending.as_str())
        .execute(&mut *tx)
        .await?;
        self.commit(tx).await?;
        Ok(true)
    }

    /// What each of these webhooks sent: two statements however many webhooks.
    pub async fn webhook_tallies(
        &self,
        ids: &[WebhookId],
    ) -> Result<HashMap<WebhookId, WebhookTally>, StoreError> {
        let mut tallies: HashMap<WebhookId, WebhookTally> = ids
            .iter()
            .map(|id| (id.clone(), WebhookTally::default()))
            .collect();
        if ids.is_empty() {
            return Ok(tallies);
        }
        let list = placeholders(1, ids.len());
        let counts = format!(
            "SELECT webhook_id, state, COUNT(*) AS n, MAX(delivered_at) AS last_delivered_at \
             FROM webhook_events WHERE webhook_id IN ({list}) GROUP BY webhook_id, state"
        );
        for row in bind_ids(&counts, ids).fetch_all(&self.pool).await? {
            let Some(tally) = tallies.get_mut(&WebhookId(get(&row, "webhook_id")?)) else {
                continue;
            };
            let n: i64 = get(&row, "n")?;
            match parse(&row, "webhook_events", "state")? {
                EventState::Pending => tally.pending = n,
                EventState::Failed => tally.failed = n,
                EventState::Delivered => {
                    tally.delivered = n;
                    tally.last_delivered_at = get(&row, "last_delivered_at")?;
                }
            }
        }
        let last = format!(
            "SELECT e.webhook_id, e.last_status, e.last_error FROM webhook_events e \
             WHERE e.webhook_id IN ({list}) \
             AND e.last_try_at = (SELECT MAX(o.last_try_at) FROM webhook_events o \
             WHERE o.webhook_id = e.webhook_id)"
        );
        for row in bind_ids(&last, ids).fetch_all(&self.pool).await? {
            if let Some(tally) = tallies.get_mut(&WebhookId(get(&row, "webhook_id")?)) {
                tally.last_status = super::rows::narrow(&row, "webhook_events", "last_status")?;
                tally.last_error = get(&row, "last_error")?;
            }
        }
        Ok(tallies)
    }
}

fn bind_ids<'q>(
    sql: &'q str,
    ids: &'q [WebhookId],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    let mut query = sqlx::query(sql);
    for id in ids {
        query = query.bind(id.as_str());
    }
    query
}

/// `alert.completed,delivery.acknowledged`: how a list of events is stored.
pub(super) fn event_list(events: &[WebhookEvent]) -> String {
    let words: Vec<&str> = events.iter().map(|e| e.as_str()).collect();
    words.join(",")
}

pub(super) fn webhook_from(row: &AnyRow) -> Result<Webhook, StoreError> {
    let listed: String = get(row, "events")?;
    let events = listed
        .split(',')
        .filter(|word| !word.is_empty())
        .map(|word| {
            word.parse().map_err(|_| StoreError::BadValue {
                table: "webhooks",
                column: "events",
                value: listed.clone(),
            })
        })
        .collect::<Result<Vec<WebhookEvent>, StoreError>>()?;
    Ok(Webhook {
        id: WebhookId(get(row, "id")?),
        network_id: NetworkId(get(row, "network_id")?),
        url: get(row, "url")?,
        events,
        created_by: get(row, "created_by")?,
        created_at: get(row, "created_at")?,
        removed_at: get(row, "removed_at")?,
    })
}

/// A new secret: the prefix and 32 bytes from a cryptographic generator seeded by the
/// operating system, in standard base64 (what Standard Webhooks libraries read).
fn new_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    format!("{WEBHOOK_SECRET_PREFIX}{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_prefixed_base64_of_32_bytes() {
        let secret = new_secret();
        let encoded = secret.strip_prefix(WEBHOOK_SECRET_PREFIX).expect("prefix");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .expect("base64");
        assert_eq!(bytes.len(), 32);
        assert_ne!(secret, new_secret());
    }

    #[test]
    fn every_word_reads_back() {
        for event in WebhookEvent::ALL {
            assert_eq!(event.as_str().parse::<WebhookEvent>(), Ok(*event));
        }
        for state in EventState::ALL {
            assert_eq!(state.as_str().parse::<EventState>(), Ok(*state));
        }
        assert!("alert.started".parse::<WebhookEvent>().is_err());
        assert_eq!(
            event_list(&[
                WebhookEvent::DeliveryAcknowledged,
                WebhookEvent::AlertCompleted
            ]),
            "delivery.acknowledged,alert.completed"
        );
    }
}
