//! The retention purge: personal data older than its period goes, the counts stay.
//!
//! - Numbers dialled: an attempt's number becomes [`REMOVED_NUMBER`] once the attempt ended
//!   longer ago than `attempts` and its alert is over; the attempt, its outcome and times
//!   stay, so reports still add up.
//! - Messages: the texts and recordings of alerts over (completed, cancelled, expired) for
//!   longer than `alert_texts` are deleted, and so are uploaded recordings as old; an alert
//!   still sending keeps its messages however old.
//! - The audit log: rows older than `audit` are deleted.
//! - Webhooks: events sent or given up longer than `webhook_events` ago are deleted (an
//!   event still pending stays), and so are webhooks removed as long ago, with their events.
//!
//! Every statement takes `now` from the caller and is idempotent, so several gateways on one
//! database may purge at once.

use super::model::AlertState;
use super::rows::placeholders;
use super::webhooks::EventState;
use super::{Store, StoreError};
use std::time::Duration;

/// What a purged attempt's number reads; written literally in the partial index
/// `attempts_numbers_kept` (migration 0008), so the purge walks only numbers still kept.
pub const REMOVED_NUMBER: &str = "removed";

/// How long each kind of record is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPeriods {
    /// Numbers dialled, counted from the attempt's start.
    pub attempts: Duration,
    /// Alert texts and recordings, from the moment the alert ended (or the upload).
    pub alert_texts: Duration,
    /// Audit rows.
    pub audit: Duration,
    /// Webhook events sent or given up, and removed webhooks, from when they were written
    /// (or removed).
    pub webhook_events: Duration,
}

/// What one purge removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Attempts whose number was replaced.
    pub numbers: u64,
    /// Alert messages deleted.
    pub messages: u64,
    /// Uploaded recordings deleted.
    pub recordings: u64,
    /// Audit rows deleted.
    pub audit: u64,
    /// Webhook events deleted (removed webhooks' included).
    pub webhook_events: u64,
    /// Texts members sent, deleted (kept as long as the numbers dialled).
    pub sms_replies: u64,
}

/// The states of an alert that is over.
const OVER: [AlertState; 3] = [
    AlertState::Completed,
    AlertState::Cancelled,
    AlertState::Expired,
];

impl Store {
    /// Removes what `periods` no longer allow keeping at `now` (epoch ms).
    pub async fn purge(&self, periods: &RetentionPeriods, now: i64) -> Result<Purged, StoreError> {
        let before = |period: Duration| {
            now.saturating_sub(i64::try_from(period.as_millis()).unwrap_or(i64::MAX))
        };
        Ok(Purged {
            numbers: self.purge_numbers(before(periods.attempts)).await?,
            messages: self.purge_messages(before(periods.alert_texts)).await?,
            recordings: self.purge_uploads(before(periods.alert_texts)).await?,
            audit: self.purge_audit(before(periods.audit)).await?,
            webhook_events: self.purge_webhooks(before(periods.webhook_events)).await?,
            sms_replies: self.purge_inbox(before(periods.attempts)).await?,
        })
    }

    async fn purge_numbers(&self, before: i64) -> Result<u64, StoreError> {
        let sql = format!(
            "UPDATE attempts SET number = $1 WHERE id IN (SELECT t.id FROM attempts t \
             JOIN deliveries d ON d.id = t.delivery_id JOIN alerts a ON a.id = d.alert_id \
             WHERE t.number <> '{REMOVED_NUMBER}' AND t.started_at < $2 \
             AND t.ended_at IS NOT NULL AND a.state IN ({}))",
            placeholders(3, OVER.len())
        );
        let mut query = sqlx::query(&sql).bind(REMOVED_NUMBER).bind(before);
        for state in OVER {
            query = query.bind(state.as_str());
        }
        self.counted(query.execute(&self.pool).await?.rows_affected())
    }

    async fn purge_messages(&self, before: i64) -> Result<u64, StoreError> {
        let sql = format!(
            "DELETE FROM alert_messages WHERE alert_id IN (SELECT id FROM alerts \
             WHERE updated_at < $1 AND state IN ({}))",
            placeholders(2, OVER.len())
        );
        let mut query = sqlx::query(&sql).bind(before);
        for state in OVER {
            query = query.bind(state.as_str());
        }
        self.counted(query.execute(&self.pool).await?.rows_affected())
    }

    async fn purge_uploads(&self, before: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM recordings WHERE uploaded_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await?;
        self.counted(done.rows_affected())
    }

    async fn purge_inbox(&self, before: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sms_inbox WHERE received_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await?;
        self.counted(done.rows_affected())
    }

    async fn purge_audit(&self, before: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM audit_log WHERE at < $1")
            .bind(before)
            .execute(&self.pool)
            .await?;
        self.counted(done.rows_affected())
    }

    /// Events first, then the removed webhooks with what is left of theirs (the pending
    /// events a removal failed are counted with them).
    async fn purge_webhooks(&self, before: i64) -> Result<u64, StoreError> {
        let events =
            sqlx::query("DELETE FROM webhook_events WHERE created_at < $1 AND state <> $2")
                .bind(before)
                .bind(EventState::Pending.as_str())
                .execute(&self.pool)
                .await?
                .rows_affected();
        let orphans = sqlx::query(
            "DELETE FROM webhook_events WHERE webhook_id IN \
             (SELECT id FROM webhooks WHERE removed_at < $1)",
        )
        .bind(before)
        .execute(&self.pool)
        .await?
        .rows_affected();
        let webhooks = sqlx::query("DELETE FROM webhooks WHERE removed_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await?
            .rows_affected();
        if webhooks > 0 {
            self.count_write();
        }
        self.counted(events + orphans)
    }

    fn counted(&self, rows: u64) -> Result<u64, StoreError> {
        if rows > 0 {
            self.count_write();
        }
        Ok(rows)
    }
}
