//! Text messages in: delivery receipts, and what members send.
//!
//! Every message a member sends is kept in `sms_inbox` with what it meant (`confirm`, `stop`,
//! `other`), the member it came from (matched by number) and the alert it concerned, before
//! the provider is told it arrived: a reply is never lost between the two. Receipts are
//! written on the attempt whose part they name.

use super::deliveries::{COLUMNS, Delivery, delivery_from, delivery_in};
use super::model::{
    AlertId, AlertState, DeliveryState, InboxMeaning, MemberId, NetworkId, ReceiptState,
};
use super::rows::{get, new_id, parse};
use super::{Store, StoreError};

/// A message a member sent, as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxMessage {
    /// Its id.
    pub id: String,
    /// The number it came from, E.164.
    pub number: String,
    /// The member with that number, if one is known.
    pub member_id: Option<MemberId>,
    /// The alert it concerned, if any.
    pub alert_id: Option<AlertId>,
    /// The text.
    pub text: String,
    /// What it meant.
    pub meaning: InboxMeaning,
    /// When it arrived (epoch ms).
    pub received_at: i64,
}

impl Store {
    /// Keeps a message a member sent.
    pub async fn record_inbox(&self, message: &InboxMessage) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sms_inbox (id, number, member_id, alert_id, text, meaning, received_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&message.id)
        .bind(&message.number)
        .bind(message.member_id.as_ref().map(MemberId::as_str))
        .bind(message.alert_id.as_ref().map(AlertId::as_str))
        .bind(&message.text)
        .bind(message.meaning.as_str())
        .bind(message.received_at)
        .execute(&self.pool)
        .await?;
        self.count_write();
        Ok(())
    }

    /// Messages members of the network sent (or, without a network, every message, those from
    /// unknown numbers too), newest first, at most `limit`.
    pub async fn inbox(
        &self,
        network: Option<&NetworkId>,
        limit: u32,
    ) -> Result<Vec<InboxMessage>, StoreError> {
        let columns = "i.id, i.number, i.member_id, i.alert_id, i.text, i.meaning, i.received_at";
        let rows =
            match network {
                Some(network) => {
                    sqlx::query(&format!(
                        "SELECT {columns} FROM sms_inbox i JOIN network_members nm \
                     ON nm.member_id = i.member_id WHERE nm.network_id = $1 \
                     ORDER BY i.received_at DESC, i.id LIMIT $2"
                    ))
                    .bind(network.as_str())
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?
                }
                None => sqlx::query(&format!(
                    "SELECT {columns} FROM sms_inbox i ORDER BY i.received_at DESC, i.id LIMIT $1"
                ))
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?,
            };
        rows.iter()
            .map(|row| {
                Ok(InboxMessage {
                    id: get(row, "id")?,
                    number: get(row, "number")?,
                    member_id: get::<Option<String>>(row, "member_id")?.map(MemberId),
                    alert_id: get::<Option<String>>(row, "alert_id")?.map(AlertId),
                    text: get(row, "text")?,
                    meaning: parse(row, "sms_inbox", "meaning")?,
                    received_at: get(row, "received_at")?,
                })
            })
            .collect()
    }

    /// The members any of whose numbers is `number` (E.164): on a shared line, every one.
    pub async fn members_with_number(&self, number: &str) -> Result<Vec<MemberId>, StoreError> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT member_id FROM contact_points WHERE number = $1 ORDER BY member_id",
        )
        .bind(number)
        .fetch_all(&self.pool)
        .await?;
        Ok(ids.into_iter().map(MemberId).collect())
    }

    /// The member's newest delivery since `since` that a text reached and that is not
    /// acknowledged, of an alert not cancelled: what a reply `1` confirms.
    pub async fn newest_texted(
        &self,
        member: &MemberId,
        since: i64,
    ) -> Result<Option<Delivery>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM deliveries d JOIN alerts a ON a.id = d.alert_id \
             WHERE d.member_id = $1 AND d.sms_sent_at IS NOT NULL AND d.sms_sent_at >= $2 \
             AND d.state NOT IN ($3, $4) AND a.state <> $5 \
             ORDER BY d.sms_sent_at DESC, d.id LIMIT 1"
        );
        let row = sqlx::query(&sql)
            .bind(member.as_str())
            .bind(since)
            .bind(DeliveryState::Acknowledged.as_str())
            .bind(DeliveryState::SmsAcknowledged.as_str())
            .bind(AlertState::Cancelled.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(delivery_from).transpose()
    }

    /// The member asked for no more non-urgent texts; true the first time.
    pub async fn stop_texts(&self, member: &MemberId, now: i64) -> Result<bool, StoreError> {
        let moved = sqlx::query(
            "UPDATE members SET sms_stopped_at = $1 WHERE id = $2 AND sms_stopped_at IS NULL",
        )
        .bind(now)
        .bind(member.as_str())
        .execute(&self.pool)
        .await?;
        Ok(moved.rows_affected() == 1)
    }

    /// Writes a receipt on the attempt whose part it names: a failure is kept over any later
    /// news of another part; a text that will not arrive leaves a delivery that was only
    /// `sms_sent` `failed`. The delivery, or `None` for a part nobody sent.
    pub async fn record_receipt(
        &self,
        message_id: &str,
        state: ReceiptState,
        now: i64,
    ) -> Result<Option<Delivery>, StoreError> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT t.id, t.delivery_id, t.sms_receipt FROM sms_parts p \
             JOIN attempts t ON t.id = p.attempt_id WHERE p.message_id = $1",
        )
        .bind(message_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Ok(None);
        };
        let attempt: String = get(&row, "id")?;
        let delivery: String = get(&row, "delivery_id")?;
        let before: Option<String> = get(&row, "sms_receipt")?;
        let failed_before = before
            .as_deref()
            .and_then(|s| s.parse::<ReceiptState>().ok())
            .is_some_and(ReceiptState::is_failure);
        if !failed_before {
            sqlx::query("UPDATE attempts SET sms_receipt = $1 WHERE id = $2")
                .bind(state.as_str())
                .bind(&attempt)
                .execute(&mut *tx)
                .await?;
        }
        if state.is_failure() {
            sqlx::query(
                "UPDATE deliveries SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4",
            )
            .bind(DeliveryState::Failed.as_str())
            .bind(now)
            .bind(&delivery)
            .bind(DeliveryState::SmsSent.as_str())
            .execute(&mut *tx)
            .await?;
        }
        let moved = delivery_in(&mut tx, &delivery).await?;
        self.commit(tx).await?;
        Ok(Some(moved))
    }
}

/// A new inbox id.
pub fn inbox_id() -> String {
    new_id()
}
