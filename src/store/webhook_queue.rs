//! The courier's side of the webhook outbox: which events are due, claiming one so that a
//! single gateway sends it, recording how the try went, and reading a webhook's events back.
//!
//! # One line per webhook and alert
//! Events are numbered in the order they were written. Only the oldest pending event of a
//! (webhook, alert) is ever due ([`Store::due_webhook_events`]): the next one waits until it
//! is delivered or given up, so a receiver gets one alert's events in order while other
//! alerts and webhooks go on beside it.
//!
//! # One sender at a time
//! [`Store::claim_webhook_events`] leases an event with an update guarded on its being
//! pending, due and not leased (or its lease run out): of two gateways only one changes the
//! row. The result is recorded only under that same lease ([`EventClaim`]), so a gateway
//! whose lease ran out and was taken over cannot overwrite what the other recorded. A gateway
//! that dies while sending leaves the lease to run out, and the event is sent again
//! (at least once).

use super::model::AlertId;
use super::rows::{get, narrow, parse};
use super::webhooks::{EventState, WebhookEvent, WebhookId};
use super::{Store, StoreError};
use sqlx::any::AnyRow;

/// An event due to be sent: the oldest pending one of its webhook and alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueWebhookEvent {
    /// Its place in the order of events.
    pub id: i64,
    /// The id the receiver sees (`webhook-id`, and `id` in the body).
    pub uid: String,
    /// The webhook.
    pub webhook_id: WebhookId,
    /// The alert it is about.
    pub alert_id: AlertId,
    /// What happened.
    pub event: WebhookEvent,
    /// The JSON body, fixed when the event was written.
    pub payload: String,
    /// Tries so far.
    pub tries: i64,
    /// When it was written (epoch ms); it is given up a while after.
    pub created_at: i64,
    /// Where it goes.
    pub url: String,
    /// The webhook's secret (`whsec_…`).
    pub secret: String,
}

/// An event leased to one sender until a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventClaim {
    /// The event.
    pub id: i64,
    /// Who holds it: the instance's name.
    pub by: String,
    /// Until when (epoch ms).
    pub until: i64,
}

/// How one try went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TryOutcome {
    /// The receiver answered 2xx.
    Delivered {
        /// The status.
        status: u16,
    },
    /// Anything else: another status, a time-out, no connection.
    Failed {
        /// The status, if an answer came.
        status: Option<u16>,
        /// What went wrong, in words (never the URL).
        error: String,
        /// When to try again; `None` gives the event up.
        retry_at: Option<i64>,
    },
}

/// One event of a webhook, as the API and the command line show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEventRecord {
    /// The id the receiver saw.
    pub uid: String,
    /// The alert it is about.
    pub alert_id: AlertId,
    /// What happened.
    pub event: WebhookEvent,
    /// The alert or the delivery it concerns.
    pub subject: String,
    /// Where it is.
    pub state: EventState,
    /// Tries so far.
    pub tries: i64,
    /// When it is tried next, while pending.
    pub next_try_at: Option<i64>,
    /// The HTTP status of the last try, if one came back.
    pub last_status: Option<u16>,
    /// Why the last try failed; `None` when it succeeded.
    pub last_error: Option<String>,
    /// When it was last tried.
    pub last_try_at: Option<i64>,
    /// When it was written.
    pub created_at: i64,
    /// When the receiver took it.
    pub delivered_at: Option<i64>,
}

/// The pending state as written in the partial indexes of migration 0011: a bound parameter
/// would keep the planners from using them.
const PENDING: &str = "'pending'";

impl Store {
    /// At most `limit` events due at `now` and not leased, each the oldest pending event of
    /// its webhook and alert, the longest waiting first.
    pub async fn due_webhook_events(
        &self,
        now: i64,
        limit: u32,
    ) -> Result<Vec<DueWebhookEvent>, StoreError> {
        let sql = due_scan();
        let rows = sqlx::query(&sql)
            .bind(now)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(due_from).collect()
    }

    /// The earliest retry scheduled after `now`, if any.
    pub async fn next_webhook_try(&self, now: i64) -> Result<Option<i64>, StoreError> {
        let sql = format!(
            "SELECT MIN(next_try_at) FROM webhook_events \
             WHERE state = {PENDING} AND next_try_at > $1"
        );
        Ok(sqlx::query_scalar(&sql)
            .bind(now)
            .fetch_one(&self.pool)
            .await?)
    }

    /// Leases these events to `by` until `until`, in one transaction, each only if it is
    /// still pending, due at `now` and not leased; the claims that held.
    pub async fn claim_webhook_events(
        &self,
        ids: &[i64],
        by: &str,
        now: i64,
        until: i64,
    ) -> Result<Vec<EventClaim>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "UPDATE webhook_events SET lease_until = $3, leased_by = $2 \
             WHERE id = $1 AND state = {PENDING} AND next_try_at <= $4 \
             AND (lease_until IS NULL OR lease_until < $4)"
        );
        let mut tx = self.begin_write().await?;
        let mut claims = Vec::new();
        for id in ids {
            let done = sqlx::query(&sql)
                .bind(*id)
                .bind(by)
                .bind(until)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 1 {
                claims.push(EventClaim {
                    id: *id,
                    by: by.to_owned(),
                    until,
                });
            }
        }
        if claims.is_empty() {
            tx.rollback().await?;
        } else {
            self.commit(tx).await?;
        }
        Ok(claims)
    }

    /// Records a try of a claimed event at `now`; false when the claim no longer holds (the
    /// webhook was removed, or the lease ran out and another sender took the event).
    pub async fn record_webhook_try(
        &self,
        claim: &EventClaim,
        outcome: &TryOutcome,
        now: i64,
    ) -> Result<bool, StoreError> {
        let (state, status, error, next_try_at, delivered_at) = match outcome {
            TryOutcome::Delivered { status } => {
                (EventState::Delivered, Some(*status), None, now, Some(now))
            }
            TryOutcome::Failed {
                status,
                error,
                retry_at,
            } => match retry_at {
                Some(at) => (EventState::Pending, *status, Some(error), *at, None),
                None => (EventState::Failed, *status, Some(error), now, None),
            },
        };
        let sql = format!(
            "UPDATE webhook_events SET state = $4, tries = tries + 1, last_status = $5, \
             last_error = $6, last_try_at = $7, next_try_at = $8, delivered_at = $9, \
             lease_until = NULL, leased_by = NULL \
             WHERE id = $1 AND leased_by = $2 AND lease_until = $3 AND state = {PENDING}"
        );
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(&sql)
            .bind(claim.id)
            .bind(&claim.by)
            .bind(claim.until)
            .bind(state.as_str())
            .bind(status.map(i64::from))
            .bind(error)
            .bind(now)
            .bind(next_try_at)
            .bind(delivered_at)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        self.commit(tx).await?;
        Ok(true)
    }

    /// A webhook's events, newest first, only those in `state` if given, at most `limit`.
    pub async fn webhook_events(
        &self,
        webhook: &WebhookId,
        state: Option<EventState>,
        limit: u32,
    ) -> Result<Vec<WebhookEventRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT uid, alert_id, event, subject, state, tries, next_try_at, last_status, \
             last_error, last_try_at, created_at, delivered_at FROM webhook_events \
             WHERE webhook_id = $1 AND ($2 = '' OR state = $2) ORDER BY id DESC LIMIT $3",
        )
        .bind(webhook.as_str())
        .bind(state.map_or("", EventState::as_str))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record_from).collect()
    }
}

/// The due scan, `$1` now and `$2` the limit: walks `webhook_events_due` in order and looks
/// for an older pending event of the line in `webhook_events_line`.
fn due_scan() -> String {
    format!(
        "SELECT e.id, e.uid, e.webhook_id, e.alert_id, e.event, e.payload, e.tries, \
         e.created_at, w.url, w.secret \
         FROM webhook_events e JOIN webhooks w ON w.id = e.webhook_id \
         WHERE e.state = {PENDING} AND e.next_try_at <= $1 \
         AND (e.lease_until IS NULL OR e.lease_until < $1) AND w.removed_at IS NULL \
         AND NOT EXISTS (SELECT 1 FROM webhook_events o WHERE o.webhook_id = e.webhook_id \
         AND o.alert_id = e.alert_id AND o.state = {PENDING} AND o.id < e.id) \
         ORDER BY e.next_try_at, e.id LIMIT $2"
    )
}

fn due_from(row: &AnyRow) -> Result<DueWebhookEvent, StoreError> {
    Ok(DueWebhookEvent {
        id: get(row, "id")?,
        uid: get(row, "uid")?,
        webhook_id: WebhookId(get(row, "webhook_id")?),
        alert_id: AlertId(get(row, "alert_id")?),
        event: parse(row, "webhook_events", "event")?,
        payload: get(row, "payload")?,
        tries: get(row, "tries")?,
        created_at: get(row, "created_at")?,
        url: get(row, "url")?,
        secret: get(row, "secret")?,
    })
}

fn record_from(row: &AnyRow) -> Result<WebhookEventRecord, StoreError> {
    let state: EventState = parse(row, "webhook_events", "state")?;
    let next_try_at: i64 = get(row, "next_try_at")?;
    Ok(WebhookEventRecord {
        uid: get(row, "uid")?,
        alert_id: AlertId(get(row, "alert_id")?),
        event: parse(row, "webhook_events", "event")?,
        subject: get(row, "subject")?,
        state,
        tries: get(row, "tries")?,
        next_try_at: (state == EventState::Pending).then_some(next_try_at),
        last_status: narrow(row, "webhook_events", "last_status")?,
        last_error: get(row, "last_error")?,
        last_try_at: get(row, "last_try_at")?,
        created_at: get(row, "created_at")?,
        delivered_at: get(row, "delivered_at")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The courier's look reads only pending events, through the partial indexes, however
    /// many events were ever sent.
    #[tokio::test]
    async fn the_due_scan_goes_through_the_pending_indexes() {
        let store = Store::open("sqlite::memory:").await.expect("store");
        let explain = format!("EXPLAIN QUERY PLAN {}", due_scan());
        let rows = sqlx::query(&explain)
            .bind(0_i64)
            .bind(10_i64)
            .fetch_all(store.pool())
            .await
            .expect("plan");
        let plan: Vec<String> = rows
            .iter()
            .map(|r| get(r, "detail").expect("detail"))
            .collect();
        let plan = plan.join("\n");
        assert!(plan.contains("webhook_events_due"), "{plan}");
        assert!(plan.contains("webhook_events_line"), "{plan}");
        assert!(
            !plan.contains("SCAN o") && !plan.contains("SCAN w"),
            "{plan}"
        );
    }
}
