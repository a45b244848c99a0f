//! The producer's side of the webhook outbox: what happened since a moment (alerts that
//! ended, members who confirmed), and writing the events for the webhooks that receive them.
//!
//! Writing is idempotent: an event is unique by (webhook, event, subject) and inserted with
//! `ON CONFLICT DO NOTHING`, so every gateway on a database may look and write the same
//! events, and one row results, with the body and id of whoever wrote it first. The events of
//! one alert are written in one transaction, confirmations before the alert's end: numbered in
//! that order, they are sent in that order. Two gateways writing the same events wait for each
//! other on the unique index (PostgreSQL) or take turns (SQLite), so the order holds across
//! gateways too.

use super::model::{AckHow, AlertId, AlertKind, AlertState, DeliveryId, MemberId, NetworkId};
use super::rows::{get, parse};
use super::webhooks::{EventState, WebhookEvent, WebhookId};
use super::{Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

/// A member's confirmation, as one network of the alert the member belongs to sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmationSeen {
    /// The alert.
    pub alert_id: AlertId,
    /// Its kind.
    pub alert_kind: AlertKind,
    /// Whether it is a drill.
    pub drill: bool,
    /// The member's delivery of the alert.
    pub delivery_id: DeliveryId,
    /// The member.
    pub member_id: MemberId,
    /// How they confirmed.
    pub how: AckHow,
    /// When (epoch ms).
    pub acknowledged_at: i64,
    /// The network (one of the alert's, with a webhook, and the member's).
    pub network_id: NetworkId,
    /// The coordinator's own id for the member in that network, if any.
    pub external_id: Option<String>,
}

/// One event to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEvent {
    /// The id the receiver will see.
    pub uid: String,
    /// The webhook.
    pub webhook_id: WebhookId,
    /// The alert it is about.
    pub alert_id: AlertId,
    /// What happened.
    pub event: WebhookEvent,
    /// The alert's id for an alert's end, the delivery's for a confirmation.
    pub subject: String,
    /// The JSON body.
    pub payload: String,
}

/// The confirmations seen through the networks that have a live webhook, with `$1` bound; in
/// no order (the producer orders them), so each planner may start from the condition's index.
const CONFIRMATIONS: &str = "SELECT k.alert_id, a.kind, a.drill, d.id AS delivery_id, \
     k.member_id, k.how, k.acknowledged_at, nm.network_id, nm.external_id \
     FROM acknowledgements k \
     JOIN alerts a ON a.id = k.alert_id \
     JOIN deliveries d ON d.alert_id = k.alert_id AND d.member_id = k.member_id \
     JOIN alert_networks an ON an.alert_id = k.alert_id \
     JOIN network_members nm ON nm.network_id = an.network_id AND nm.member_id = k.member_id \
     WHERE {condition} \
     AND an.network_id IN (SELECT w.network_id FROM webhooks w WHERE w.removed_at IS NULL)";

/// The states of an alert that ended.
const ENDED: [AlertState; 3] = [
    AlertState::Completed,
    AlertState::Cancelled,
    AlertState::Expired,
];

impl Store {
    /// Alerts that ended and changed at or after `since` (epoch ms), oldest change first.
    pub async fn alerts_ended_since(&self, since: i64) -> Result<Vec<AlertId>, StoreError> {
        let rows = sqlx::query(ENDED_SINCE)
            .bind(since)
            .bind(ENDED[0].as_str())
            .bind(ENDED[1].as_str())
            .bind(ENDED[2].as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| Ok(AlertId(get(row, "id")?)))
            .collect()
    }

    /// Confirmations given at or after `since` (epoch ms), once per network of the alert
    /// that the member belongs to and that has a live webhook.
    pub async fn confirmations_since(
        &self,
        since: i64,
    ) -> Result<Vec<ConfirmationSeen>, StoreError> {
        let sql = CONFIRMATIONS.replace("{condition}", "k.acknowledged_at >= $1");
        let rows = sqlx::query(&sql).bind(since).fetch_all(&self.pool).await?;
        rows.iter().map(confirmation_from).collect()
    }

    /// Every confirmation of one alert, as [`Store::confirmations_since`] gives them.
    pub async fn confirmations_of(
        &self,
        alert: &AlertId,
    ) -> Result<Vec<ConfirmationSeen>, StoreError> {
        let sql = CONFIRMATIONS.replace("{condition}", "k.alert_id = $1");
        let rows = sqlx::query(&sql)
            .bind(alert.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(confirmation_from).collect()
    }

    /// Writes `events` in this order in one transaction, each unless it exists or its webhook
    /// was removed, due at `now`; how many were new.
    pub async fn enqueue_webhook_events(
        &self,
        events: &[OutboxEvent],
        now: i64,
    ) -> Result<u64, StoreError> {
        if events.is_empty() {
            return Ok(0);
        }
        let mut tx = self.begin_write().await?;
        let mut written = 0;
        for event in events {
            let done = sqlx::query(
                "INSERT INTO webhook_events \
                 (uid, webhook_id, alert_id, event, subject, payload, state, tries, \
                 next_try_at, created_at) \
                 SELECT $1, w.id, $3, $4, $5, $6, $7, 0, $8, $8 FROM webhooks w \
                 WHERE w.id = $2 AND w.removed_at IS NULL \
                 ON CONFLICT (webhook_id, event, subject) DO NOTHING",
            )
            .bind(&event.uid)
            .bind(event.webhook_id.as_str())
            .bind(event.alert_id.as_str())
            .bind(event.event.as_str())
            .bind(&event.subject)
            .bind(&event.payload)
            .bind(EventState::Pending.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            written += done.rows_affected();
        }
        if written == 0 {
            tx.rollback().await?;
        } else {
            self.commit(tx).await?;
        }
        Ok(written)
    }
}

/// Removes an erased member's coordinator id from the bodies of their confirmations, sent
/// or not, in the erasure's transaction: what is still to be sent says no more of them than
/// the database does.
pub(super) async fn forget_external_id(
    tx: &mut Transaction<'static, Any>,
    member: &MemberId,
) -> Result<(), StoreError> {
    let rows = sqlx::query(
        "SELECT id, payload FROM webhook_events WHERE event = $2 \
         AND subject IN (SELECT id FROM deliveries WHERE member_id = $1)",
    )
    .bind(member.as_str())
    .bind(WebhookEvent::DeliveryAcknowledged.as_str())
    .fetch_all(&mut **tx)
    .await?;
    for row in &rows {
        let id: i64 = get(row, "id")?;
        let payload: String = get(row, "payload")?;
        let Ok(mut body) = serde_json::from_str::<serde_json::Value>(&payload) else {
            continue;
        };
        if let Some(delivery) = body.get_mut("delivery").and_then(|d| d.as_object_mut()) {
            delivery.insert("external_id".to_owned(), serde_json::Value::Null);
        }
        sqlx::query("UPDATE webhook_events SET payload = $2 WHERE id = $1")
            .bind(id)
            .bind(body.to_string())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// `(state || '')` keeps both planners off the state index, which holds every alert ever
/// ended, and on `alerts_updated`, which holds only what changed since.
const ENDED_SINCE: &str = "SELECT id FROM alerts \
     WHERE updated_at >= $1 AND (state || '') IN ($2, $3, $4) ORDER BY updated_at, id";

fn confirmation_from(row: &AnyRow) -> Result<ConfirmationSeen, StoreError> {
    let drill: i64 = get(row, "drill")?;
    Ok(ConfirmationSeen {
        alert_id: AlertId(get(row, "alert_id")?),
        alert_kind: parse(row, "alerts", "kind")?,
        drill: drill != 0,
        delivery_id: DeliveryId(get(row, "delivery_id")?),
        member_id: MemberId(get(row, "member_id")?),
        how: parse(row, "acknowledgements", "how")?,
        acknowledged_at: get(row, "acknowledged_at")?,
        network_id: NetworkId(get(row, "network_id")?),
        external_id: get(row, "external_id")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The outbox's looks go through the indexes of migration 0011, never through every alert
    /// or acknowledgement ever written.
    #[tokio::test]
    async fn looks_go_through_indexes() {
        let store = Store::open("sqlite::memory:").await.expect("store");
        let ended = plan(&store, ENDED_SINCE).await;
        assert!(ended.contains("alerts_updated"), "{ended}");
        let since = CONFIRMATIONS.replace("{condition}", "k.acknowledged_at >= $1");
        let since = plan(&store, &since).await;
        assert!(since.contains("acknowledgements_at"), "{since}");
        assert!(!since.contains("SCAN k"), "{since}");
        let of = CONFIRMATIONS.replace("{condition}", "k.alert_id = $1");
        let of = plan(&store, &of).await;
        assert!(!of.contains("SCAN k") && !of.contains("SCAN d"), "{of}");
    }

    async fn plan(store: &Store, sql: &str) -> String {
        let explain = format!("EXPLAIN QUERY PLAN {sql}");
        let rows = sqlx::query(&explain)
            .bind(0_i64)
            .bind("completed")
            .bind("cancelled")
            .bind("expired")
            .fetch_all(store.pool())
            .await
            .expect("plan");
        let details: Vec<String> = rows
            .iter()
            .map(|r| get(r, "detail").expect("detail"))
            .collect();
        details.join("\n")
    }
}
