//! Text messages out: each delivery's SMS, on a schedule of its own beside the calls'.
//!
//! `deliveries.sms_due_at` is when a text is due. [`Store::begin_text`] claims it in one
//! transaction with its attempt row (channel `sms`), guarded by the due time, so two gateways
//! on one database never send the same text twice at once; while it is being sent,
//! `sms_due_at` holds the moment the claim lapses (a gateway that stopped mid-send leaves it
//! to be taken up again, as an interrupted call is). [`Store::finish_text`] records what the
//! provider answered: accepted (the parts' ids are kept for their receipts), to be tried again,
//! or failed. A delivery stays open while a text is due or being sent, so its alert completes
//! only after its texts went out.
//!
//! Who gets a text is the chain's decision: members who chose `sms` get one instead of calls
//! ([`Store::create_deliveries`] schedules it), and `voice_then_sms` members get one when
//! their calls reached a voicemail or ran out of tries ([`Store::finish_call_texting`]).

use super::attempts::{AttemptResult, DeliveryStep, NewAttempt};
use super::deliveries::{COLUMNS, Delivery, delivery_from, delivery_in};
use super::members::quiet_hours_from;
use super::model::{
    AlertId, AlertKind, AlertState, AttemptChannel, AttemptId, Channel, ContactKind, DeliveryId,
    DeliveryState, MemberId, NetworkId, QuietHours,
};
use super::rows::{get, parse};
use super::{Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

/// A delivery whose text is due, with what the text needs.
#[derive(Debug, Clone, PartialEq)]
pub struct DueText {
    /// The delivery.
    pub delivery: Delivery,
    /// Texts begun for it so far.
    pub sms_tries: i64,
    /// The alert's kind (urgent texts ignore quiet hours, the daily ceiling and STOP).
    pub alert_kind: AlertKind,
    /// Whether the alert is a drill.
    pub drill: bool,
    /// The member's language.
    pub language: String,
    /// The member's channel preference.
    pub channel: Channel,
    /// The member's own quiet hours, if any.
    pub quiet_hours: Option<QuietHours>,
    /// When the member asked for no more non-urgent texts (STOP).
    pub stopped_at: Option<i64>,
    /// The member's mobile numbers, E.164, in their order.
    pub mobiles: Vec<String>,
}

/// The network a member's text speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextNetwork {
    /// Its id.
    pub id: NetworkId,
    /// Its name, which the text opens with.
    pub name: String,
    /// Its caller ID, the number members call back.
    pub caller_id: String,
    /// Its own SMS sender, if it has one.
    pub sms_sender: Option<String>,
}

/// What became of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextEnd {
    /// The provider accepted it: each part's id, in order.
    Sent(Vec<String>),
    /// Not accepted now; try again at this moment (if the alert is still sending).
    Again {
        /// Why, as recorded on the attempt.
        outcome: String,
        /// When, epoch ms.
        at: i64,
    },
    /// Not sent and not to be tried again.
    Failed {
        /// Why, as recorded on the attempt.
        outcome: String,
    },
}

impl Store {
    /// Deliveries of `sending` alerts whose text is due at `now`: urgent first, then by due
    /// time and id; at most `limit`.
    pub async fn due_texts(&self, now: i64, limit: u32) -> Result<Vec<DueText>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS}, d.sms_tries, a.kind, a.drill, m.language, m.channel, \
             m.quiet_start, m.quiet_end, m.sms_stopped_at \
             FROM deliveries d JOIN alerts a ON a.id = d.alert_id \
             JOIN members m ON m.id = d.member_id \
             WHERE d.sms_due_at IS NOT NULL AND d.sms_due_at <= $1 AND a.state = $2 \
             ORDER BY d.priority, d.sms_due_at, d.id LIMIT $3"
        );
        let rows = sqlx::query(&sql)
            .bind(now)
            .bind(AlertState::Sending.as_str())
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        let members: Vec<String> = rows
            .iter()
            .map(|row| get(row, "member_id"))
            .collect::<Result<_, _>>()?;
        let numbers = self.contact_points_of(&members).await?;
        rows.iter()
            .map(|row| {
                let delivery = delivery_from(row)?;
                let mobiles = numbers
                    .get(delivery.member_id.as_str())
                    .into_iter()
                    .flatten()
                    .filter(|p| p.kind == ContactKind::Mobile)
                    .map(|p| p.number.clone())
                    .collect();
                due_text_from(row, delivery, mobiles)
            })
            .collect()
    }

    /// The earliest text due of a `sending` alert, if any.
    pub async fn next_text_due(&self) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT MIN(d.sms_due_at) FROM deliveries d JOIN alerts a ON a.id = d.alert_id \
             WHERE d.sms_due_at IS NOT NULL AND a.state = $1",
        )
        .bind(AlertState::Sending.as_str())
        .fetch_one(&self.pool)
        .await?)
    }

    /// Claims the delivery's due text and records its attempt to `number`, in one
    /// transaction: `None` when it is not due at `now` any more (sent or taken by another
    /// gateway, acknowledged, the alert stopped). Until it is finished, the text is held until
    /// `hold_until`.
    pub async fn begin_text(
        &self,
        delivery: &DeliveryId,
        number: &str,
        now: i64,
        hold_until: i64,
    ) -> Result<Option<AttemptId>, StoreError> {
        let mut tx = self.begin_write().await?;
        let seq: Option<i64> = sqlx::query_scalar(
            "UPDATE deliveries SET sms_due_at = $1, sms_tries = sms_tries + 1, \
             attempts = attempts + 1, updated_at = $2 \
             WHERE id = $3 AND sms_due_at IS NOT NULL AND sms_due_at <= $2 \
             AND alert_id IN (SELECT id FROM alerts WHERE state = $4) \
             RETURNING attempts + callbacks",
        )
        .bind(hold_until)
        .bind(now)
        .bind(delivery.as_str())
        .bind(AlertState::Sending.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(seq) = seq else {
            tx.rollback().await?;
            return Ok(None);
        };
        let id = AttemptId(super::rows::new_id());
        let attempt = NewAttempt {
            id: &id,
            delivery,
            seq,
            channel: AttemptChannel::Sms,
            number,
            identified_by: None,
            now,
        };
        self.insert_attempt(&mut tx, &attempt).await?;
        self.commit(tx).await?;
        Ok(Some(id))
    }

    /// Records how the text `attempt` ended and moves its delivery, in one transaction; the
    /// delivery, or `None` when the attempt was finished already (by a take-over).
    ///
    /// Sent: the delivery is `sms_sent` unless calls are still to come or it settled
    /// otherwise; failed: a member who was never called is `failed`, a member whose calls
    /// were over keeps their outcome.
    pub async fn finish_text(
        &self,
        attempt: &AttemptId,
        end: &TextEnd,
        now: i64,
    ) -> Result<Option<Delivery>, StoreError> {
        let (outcome, sms_id) = match end {
            TextEnd::Sent(ids) => ("sms_sent".to_owned(), ids.first().cloned()),
            TextEnd::Again { outcome, .. } | TextEnd::Failed { outcome } => (outcome.clone(), None),
        };
        let result = AttemptResult {
            ended_at: now,
            outcome,
            sms_id,
            ..AttemptResult::default()
        };
        let mut tx = self.begin_write().await?;
        let Some(delivery) = super::attempts::complete(&mut tx, attempt, &result).await? else {
            tx.rollback().await?;
            return Ok(None);
        };
        match end {
            TextEnd::Sent(ids) => {
                for (part, id) in (1i64..).zip(ids) {
                    sqlx::query(
                        "INSERT INTO sms_parts (message_id, attempt_id, part) VALUES ($1, $2, $3) \
                         ON CONFLICT (message_id) DO NOTHING",
                    )
                    .bind(id)
                    .bind(attempt.as_str())
                    .bind(part)
                    .execute(&mut *tx)
                    .await?;
                }
                settle_text(&mut tx, &delivery, Settled::Sent, now).await?;
            }
            TextEnd::Again { at, .. } => {
                sqlx::query(
                    "UPDATE deliveries SET sms_due_at = CASE WHEN (SELECT state FROM alerts \
                     WHERE id = deliveries.alert_id) = $1 THEN $2 ELSE NULL END, updated_at = $3 \
                     WHERE id = $4",
                )
                .bind(AlertState::Sending.as_str())
                .bind(at)
                .bind(now)
                .bind(&delivery)
                .execute(&mut *tx)
                .await?;
            }
            TextEnd::Failed { .. } => {
                settle_text(
                    &mut tx,
                    &delivery,
                    Settled::Unsent(DeliveryState::Failed),
                    now,
                )
                .await?;
            }
        }
        let moved = delivery_in(&mut tx, &delivery).await?;
        self.commit(tx).await?;
        Ok(Some(moved))
    }

    /// Moves a due text to `at` (quiet hours, the daily ceiling); true when it was due.
    pub async fn postpone_text(
        &self,
        delivery: &DeliveryId,
        at: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        let moved = sqlx::query(
            "UPDATE deliveries SET sms_due_at = $1, updated_at = $2 \
             WHERE id = $3 AND sms_due_at IS NOT NULL AND sms_due_at <= $2",
        )
        .bind(at)
        .bind(now)
        .bind(delivery.as_str())
        .execute(&self.pool)
        .await?;
        Ok(moved.rows_affected() == 1)
    }

    /// Drops a due text that cannot be sent (no mobile number, the member said STOP, no SMS
    /// provider): a member who was never called ends `state`; true when it was due.
    pub async fn drop_text(
        &self,
        delivery: &DeliveryId,
        state: DeliveryState,
        now: i64,
    ) -> Result<bool, StoreError> {
        if !state.is_final() || state.is_acknowledged() {
            return Err(StoreError::InvalidTransition {
                to: state,
                scheduled: false,
            });
        }
        let mut tx = self.begin_write().await?;
        let due: Option<i64> = sqlx::query_scalar(
            "UPDATE deliveries SET sms_due_at = NULL, updated_at = $1 \
             WHERE id = $2 AND sms_due_at IS NOT NULL AND sms_due_at <= $1 RETURNING attempts",
        )
        .bind(now)
        .bind(delivery.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        if due.is_none() {
            tx.rollback().await?;
            return Ok(false);
        }
        settle_text(&mut tx, delivery.as_str(), Settled::Unsent(state), now).await?;
        self.commit(tx).await?;
        Ok(true)
    }

    /// The network the member's text of `alert` speaks for: the first of the alert's
    /// networks (by name) the member belongs to.
    pub async fn text_network(
        &self,
        alert: &AlertId,
        member: &MemberId,
    ) -> Result<Option<TextNetwork>, StoreError> {
        let row = sqlx::query(
            "SELECT n.id, n.name, n.caller_id, n.sms_sender FROM alert_networks an \
             JOIN networks n ON n.id = an.network_id \
             JOIN network_members nm ON nm.network_id = n.id AND nm.member_id = $2 \
             WHERE an.alert_id = $1 ORDER BY n.name LIMIT 1",
        )
        .bind(alert.as_str())
        .bind(member.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(TextNetwork {
                id: NetworkId(get(&row, "id")?),
                name: get(&row, "name")?,
                caller_id: get(&row, "caller_id")?,
                sms_sender: get(&row, "sms_sender")?,
            })
        })
        .transpose()
    }

    /// Texts begun since `since` for non-urgent alerts of the network: what its daily
    /// ceiling counts.
    pub async fn texts_since(&self, network: &NetworkId, since: i64) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM attempts t JOIN deliveries d ON d.id = t.delivery_id \
             JOIN alerts a ON a.id = d.alert_id \
             WHERE t.channel = $1 AND t.started_at >= $2 AND a.kind <> $3 \
             AND EXISTS (SELECT 1 FROM alert_networks an WHERE an.alert_id = a.id \
                         AND an.network_id = $4)",
        )
        .bind(AttemptChannel::Sms.as_str())
        .bind(since)
        .bind(AlertKind::Urgent.as_str())
        .bind(network.as_str())
        .fetch_one(&self.pool)
        .await?)
    }

    /// Sets a network's own SMS sender (`None`: the configured one).
    pub async fn set_sms_sender(
        &self,
        network: &NetworkId,
        sender: Option<&str>,
    ) -> Result<bool, StoreError> {
        let moved = sqlx::query("UPDATE networks SET sms_sender = $1 WHERE id = $2")
            .bind(sender)
            .bind(network.as_str())
            .execute(&self.pool)
            .await?;
        Ok(moved.rows_affected() == 1)
    }
}

impl Store {
    /// [`Store::finish_call`], and a text due at once for each delivery of `texts` that moved
    /// on and has had none (a `voice_then_sms` member whose calls reached a voicemail or ran
    /// out), in the same transaction.
    pub async fn finish_call_texting(
        &self,
        attempts: &[(AttemptId, DeliveryStep)],
        texts: &[AttemptId],
        result: &AttemptResult,
    ) -> Result<Vec<bool>, StoreError> {
        let mut tx = self.begin_write().await?;
        let moved = self.finish_call_in(&mut tx, attempts, result).await?;
        for ((attempt, _), moved) in attempts.iter().zip(&moved) {
            if *moved && texts.contains(attempt) {
                schedule_fallback(&mut tx, attempt, result.ended_at).await?;
            }
        }
        self.commit(tx).await?;
        Ok(moved)
    }
}

/// A text due at `now` for the delivery of `attempt`, unless it had one or settled.
async fn schedule_fallback(
    tx: &mut Transaction<'static, Any>,
    attempt: &AttemptId,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE deliveries SET sms_due_at = $1 WHERE id = \
         (SELECT delivery_id FROM attempts WHERE id = $2) \
         AND sms_due_at IS NULL AND sms_tries = 0 AND state NOT IN ($3, $4) \
         AND alert_id IN (SELECT id FROM alerts WHERE state = $5)",
    )
    .bind(now)
    .bind(attempt.as_str())
    .bind(DeliveryState::Acknowledged.as_str())
    .bind(DeliveryState::SmsAcknowledged.as_str())
    .bind(AlertState::Sending.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// How a delivery's text ended.
enum Settled {
    /// The provider took it.
    Sent,
    /// None went out, and none will: a member who was never called ends in this state.
    Unsent(DeliveryState),
}

/// Moves the delivery after its text: unsent, to the given state when it had no calls (only
/// from `pending`); sent, to `sms_sent` when its calls are over (nothing scheduled, not on a
/// call, not settled otherwise), marking the text sent.
async fn settle_text(
    tx: &mut Transaction<'static, Any>,
    delivery: &str,
    settled: Settled,
    now: i64,
) -> Result<(), StoreError> {
    let query = if let Settled::Unsent(state) = settled {
        sqlx::query(
            "UPDATE deliveries SET sms_due_at = NULL, updated_at = $2, \
             state = CASE WHEN state = $3 THEN $1 ELSE state END WHERE id = $4",
        )
        .bind(state.as_str())
        .bind(now)
        .bind(DeliveryState::Pending.as_str())
        .bind(delivery.to_owned())
    } else {
        sent(delivery, now)
    };
    query.execute(&mut **tx).await?;
    Ok(())
}

/// The statement that marks a text sent; see [`settle_text`].
fn sent(
    delivery: &str,
    now: i64,
) -> sqlx::query::Query<'static, Any, sqlx::any::AnyArguments<'static>> {
    sqlx::query(
        "UPDATE deliveries SET sms_due_at = NULL, sms_sent_at = $2, updated_at = $2, \
         state = CASE WHEN state = $3 OR (next_try_at IS NULL AND state IN ($5, $6, $7, $8, \
         $9, $10)) THEN $1 ELSE state END WHERE id = $4",
    )
    .bind(DeliveryState::SmsSent.as_str())
    .bind(now)
    .bind(DeliveryState::Pending.as_str())
    .bind(delivery.to_owned())
    .bind(DeliveryState::AnsweredNoAck.as_str())
    .bind(DeliveryState::Voicemail.as_str())
    .bind(DeliveryState::NoAnswer.as_str())
    .bind(DeliveryState::Busy.as_str())
    .bind(DeliveryState::Unavailable.as_str())
    .bind(DeliveryState::Failed.as_str())
}

fn due_text_from(
    row: &AnyRow,
    delivery: Delivery,
    mobiles: Vec<String>,
) -> Result<DueText, StoreError> {
    Ok(DueText {
        delivery,
        sms_tries: get(row, "sms_tries")?,
        alert_kind: parse(row, "alerts", "kind")?,
        drill: get::<i64>(row, "drill")? != 0,
        language: get(row, "language")?,
        channel: parse(row, "members", "channel")?,
        quiet_hours: quiet_hours_from(row)?,
        stopped_at: get(row, "sms_stopped_at")?,
        mobiles,
    })
}
