//! The call-back line: a member phones the network's number to hear the alerts they have not
//! confirmed, and confirms them.
//!
//! # Who calls, what they hear
//! The telephony knows the caller's number (E.164) and how: vouched for by the trunk
//! (`asserted`) or only said by `From` (`from`). [`Store::callback_members`] finds the active
//! members with that number, the one whose language the household hears first;
//! [`Store::callback_alerts`] the alerts of a window that one of them has not acknowledged,
//! urgent first, newest first. An expired alert is still heard (a member phoning at 08:00
//! must hear what the 02:00 call said); a cancelled one, a draft and one held for approval
//! never are.
//!
//! # Nobody counts as informed who did not hear
//! A call-back is not a try: it leaves every delivery's state, tries and next try as they
//! were. Each message the line plays is an attempt of its own (channel `callback`, the
//! caller's number), numbered after the delivery's tries (`deliveries.callbacks` counts
//! them); [`Store::finish_callback`] ends it `acknowledged`, `answered_no_ack` (heard to its
//! end, not confirmed) or [`HUNG_UP`] (not heard). Only [`Store::acknowledge_identified`],
//! which the telephony calls for the caller of an item it confirmed, acknowledges anyone.
//!
//! # Nobody is called twice at once
//! [`Store::begin_callback`] puts the call on the trunk's line as a call out is (`ledger.rs`),
//! in one transaction under the trunk's lock: it holds the caller's number and members, so
//! the dispatcher dials neither while the member listens, and it takes one of the trunk's
//! channels across instances, never one of the `reserve` an urgent alert keeps while it
//! sends. A take-over of a dead instance frees its call-back lines and ends their attempts
//! `interrupted` (`instances.rs`); a restart never resumes one as a call.

use super::attempts::NewAttempt;
use super::ledger::{TrunkLedger, hang_up, member_on_line, on_the_line};
use super::model::{
    AlertId, AlertKind, AlertState, AttemptChannel, AttemptId, DeliveryId, DeliveryState,
    Identification, MemberId, MemberStatus,
};
use super::notices::{Notice, notify_on_commit};
use super::rows::{get, new_id, parse, placeholders};
use super::{Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};
use std::fmt::Write;

/// The outcome of a call-back attempt whose message the caller did not hear to its end.
pub const HUNG_UP: &str = "hung_up";

/// The outcome a take-over gives the call-back attempts of a dead instance: what the caller
/// heard is unknown, so nobody counts as having heard it.
pub(super) const INTERRUPTED: &str = "interrupted";

/// A member who may be calling, as the line speaks to them.
#[derive(Debug, Clone, PartialEq)]
pub struct CallbackMember {
    /// The member.
    pub id: MemberId,
    /// Their name.
    pub name: String,
    /// Their language, as stored (`nl`, `fr`, `de`, `en`).
    pub language: String,
    /// Their speech rate, as stored.
    pub speech_rate: f64,
}

/// An alert a caller has not confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackAlert {
    /// The alert.
    pub alert: AlertId,
    /// The network through which the caller got it: of the first member (in the order
    /// asked) with a delivery, the first of the alert's networks by name they belong to.
    pub network_name: String,
    /// Whether it is urgent.
    pub urgent: bool,
    /// Whether it is a drill.
    pub drill: bool,
    /// When it was created (epoch ms).
    pub created_at: i64,
    /// The deliveries of the caller's members not acknowledged, in the order the members
    /// were asked.
    pub deliveries: Vec<(DeliveryId, MemberId)>,
}

/// What [`Store::begin_callback`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackClaim {
    /// The call is on the line.
    Begun {
        /// Its row in `calls_in_progress`, for [`Store::finish_callback`].
        line: String,
        /// Each delivery given with its attempt, in the order given.
        attempts: Vec<(DeliveryId, AttemptId)>,
    },
    /// The trunk has no channel for it: `max_channels` calls are on the line, or an urgent
    /// alert is sending and only its reserve is left.
    TrunkFull,
}

/// How one message of a call-back ended, as the telephony saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackEnd {
    /// The attempt [`Store::begin_callback`] gave the message.
    pub attempt: AttemptId,
    /// The message played to its end at least once.
    pub heard: bool,
    /// The caller confirmed it.
    pub confirmed: bool,
    /// How long the caller was on the line, ms.
    pub talk_ms: i64,
    /// The keys the caller pressed while it played, as pressed.
    pub digits: String,
}

impl Store {
    /// Active members with this number among their contact points; the first is the one whose
    /// language the household hears (lowest contact-point position, then oldest member).
    pub async fn callback_members(&self, number: &str) -> Result<Vec<CallbackMember>, StoreError> {
        let rows = sqlx::query(
            "SELECT m.id, m.name, m.language, m.speech_rate FROM contact_points c \
             JOIN members m ON m.id = c.member_id WHERE c.number = $1 AND m.status = $2 \
             ORDER BY c.position, m.created_at, m.id",
        )
        .bind(number)
        .bind(MemberStatus::Active.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(CallbackMember {
                    id: MemberId(get(row, "id")?),
                    name: get(row, "name")?,
                    language: get(row, "language")?,
                    speech_rate: get(row, "speech_rate")?,
                })
            })
            .collect()
    }

    /// Alerts created at or after `since` that have an unacknowledged delivery for one of
    /// `members`: states sending, completed or expired (an expired urgent one must still be
    /// heard: a member phoning at 08:00 about a 02:00 call); never draft/cancelled/awaiting
    /// approval. Urgent before non-urgent, then newest first. The texts are read elsewhere.
    pub async fn callback_alerts(
        &self,
        members: &[MemberId],
        since: i64,
    ) -> Result<Vec<CallbackAlert>, StoreError> {
        if members.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "{UNCONFIRMED} AND d.member_id IN ({}) {BY_URGENCY}, {}",
            placeholders(8, members.len()),
            in_order_asked(8, members.len())
        );
        let mut query = sqlx::query(&sql)
            .bind(since)
            .bind(AlertState::Sending.as_str())
            .bind(AlertState::Completed.as_str())
            .bind(AlertState::Expired.as_str())
            .bind(AlertKind::Urgent.as_str())
            .bind(DeliveryState::Acknowledged.as_str())
            .bind(DeliveryState::SmsAcknowledged.as_str());
        for member in members {
            query = query.bind(member.as_str());
        }
        let rows = query.fetch_all(&self.pool).await?;
        gather(&rows)
    }

    /// Puts the call-back on the trunk's line and gives each delivery an attempt, in one
    /// transaction under the trunk's lock (as [`Store::begin_line_call`] takes it).
    ///
    /// Refused ([`CallbackClaim::TrunkFull`]) when `max_channels` calls are on the line, or
    /// when an urgent alert is sending and `max_channels - reserve` are: outbound urgent
    /// calls keep `reserve` channels. The call holds `number`, so no call out dials it (when
    /// another call has it already, the call-back begins all the same, on a line row that
    /// does not hold it), and each of `members` not on another call. Each delivery gets an
    /// attempt with channel `callback`, the caller's number, this store's lease and
    /// `identified_by` (a caller with a number has one; a withheld one none);
    /// its state, tries and next try stay as they were: a call-back is not a try. A delivery
    /// that does not exist is left out. No delivery at all is fine: a caller with nothing
    /// new still holds a channel.
    #[allow(clippy::too_many_arguments)] // the call, who it reaches, and the trunk's rules
    pub async fn begin_callback(
        &self,
        number: &str,
        members: &[MemberId],
        deliveries: &[DeliveryId],
        identified_by: Option<Identification>,
        trunk: &TrunkLedger,
        reserve: u32,
        now: i64,
    ) -> Result<CallbackClaim, StoreError> {
        let mut tx = self.begin_write().await?;
        self.lock_trunk(&mut tx, &trunk.name).await?;
        if !room_for_callback(&mut tx, trunk, reserve).await? {
            tx.rollback().await?;
            return Ok(CallbackClaim::TrunkFull);
        }
        let line = new_id();
        if !self.occupy(&mut tx, &line, number, trunk, now).await? {
            let key = format!("callback:{line}");
            self.occupy(&mut tx, &line, &key, trunk, now).await?;
        }
        for member in members {
            member_on_line(&mut tx, member, &line).await?;
        }
        let mut attempts = Vec::with_capacity(deliveries.len());
        for delivery in deliveries {
            let Some(seq) = count_callback(&mut tx, delivery).await? else {
                continue;
            };
            let id = AttemptId(new_id());
            let attempt = NewAttempt {
                id: &id,
                delivery,
                seq,
                channel: AttemptChannel::Callback,
                number,
                identified_by,
                now,
            };
            self.insert_attempt(&mut tx, &attempt).await?;
            attempts.push((delivery.clone(), id));
        }
        self.commit(tx).await?;
        Ok(CallbackClaim::Begun { line, attempts })
    }

    /// Ends the call-back's attempts (`acknowledged` when confirmed, `answered_no_ack` when
    /// heard without a 1, [`HUNG_UP`] otherwise) and takes the call off the line, in one
    /// transaction. Idempotent: an attempt already ended keeps its end, a line already freed
    /// stays free, and a call to a line with nothing left to end writes nothing. An attempt
    /// not of the call-back line is never ended here.
    pub async fn finish_callback(
        &self,
        line: &str,
        ends: &[CallbackEnd],
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let mut changed = false;
        for end in ends {
            changed |= end_attempt(&mut tx, end, now).await?;
        }
        if hang_up(&mut tx, &[line]).await? {
            notify_on_commit(&mut tx, self.backend, Notice::Line).await?;
            changed = true;
        }
        if changed {
            self.commit(tx).await?;
        } else {
            tx.rollback().await?;
        }
        Ok(())
    }
}

/// A call-back's alerts: each unacknowledged delivery to a member (`$8`…) of an alert created
/// since `$1` in state `$2`, `$3` or `$4`, `$5` the urgent kind, `$6` and `$7` the
/// acknowledged states. The network is the first by name of the alert's that the member
/// belongs to, else (they left it) the first of the alert's. `CROSS JOIN` keeps SQLite
/// walking the alerts (a few a day) and reaching each one's deliveries of these members
/// through `(alert_id, member_id)`, never every delivery ever made.
const UNCONFIRMED: &str = "SELECT a.id AS alert_id, a.kind, a.drill, a.created_at, \
     d.id AS delivery_id, d.member_id, COALESCE(\
     (SELECT MIN(n.name) FROM alert_networks an JOIN networks n ON n.id = an.network_id \
      JOIN network_members nm ON nm.network_id = an.network_id \
      WHERE an.alert_id = a.id AND nm.member_id = d.member_id), \
     (SELECT MIN(n.name) FROM alert_networks an JOIN networks n ON n.id = an.network_id \
      WHERE an.alert_id = a.id)) AS network_name \
     FROM alerts a CROSS JOIN deliveries d \
     WHERE d.alert_id = a.id AND a.created_at >= $1 AND a.state IN ($2, $3, $4) \
     AND d.state NOT IN ($6, $7)";

/// Urgent first, then newest; one alert's rows together.
const BY_URGENCY: &str = "ORDER BY CASE WHEN a.kind = $5 THEN 0 ELSE 1 END, \
     a.created_at DESC, a.id";

/// Orders rows by the position of their member among the `count` bound from `$first` on.
fn in_order_asked(first: usize, count: usize) -> String {
    let mut order = String::from("CASE d.member_id");
    for (position, n) in (first..first + count).enumerate() {
        let _ = write!(order, " WHEN ${n} THEN {position}");
    }
    order.push_str(" END");
    order
}

/// The rows of [`UNCONFIRMED`] as alerts, in their order; each alert's network is its first
/// row's.
fn gather(rows: &[AnyRow]) -> Result<Vec<CallbackAlert>, StoreError> {
    let mut alerts: Vec<CallbackAlert> = Vec::new();
    for row in rows {
        let alert = AlertId(get(row, "alert_id")?);
        let delivery = (
            DeliveryId(get(row, "delivery_id")?),
            MemberId(get(row, "member_id")?),
        );
        match alerts.last_mut() {
            Some(last) if last.alert == alert => last.deliveries.push(delivery),
            _ => {
                let kind: AlertKind = parse(row, "alerts", "kind")?;
                let network: Option<String> = get(row, "network_name")?;
                alerts.push(CallbackAlert {
                    alert,
                    network_name: network.unwrap_or_default(),
                    urgent: kind == AlertKind::Urgent,
                    drill: get::<i64>(row, "drill")? != 0,
                    created_at: get(row, "created_at")?,
                    deliveries: vec![delivery],
                });
            }
        }
    }
    Ok(alerts)
}

/// Whether the trunk has a channel for a call-back: fewer than `max_channels` calls on the
/// line, and fewer than `max_channels - reserve` while an urgent alert is sending.
async fn room_for_callback(
    tx: &mut Transaction<'static, Any>,
    trunk: &TrunkLedger,
    reserve: u32,
) -> Result<bool, StoreError> {
    let calls = on_the_line(tx, &trunk.name).await?;
    let channels = i64::from(trunk.max_channels);
    if calls >= channels {
        return Ok(false);
    }
    let urgent: Option<String> =
        sqlx::query_scalar("SELECT id FROM alerts WHERE state = $1 AND kind = $2 LIMIT 1")
            .bind(AlertState::Sending.as_str())
            .bind(AlertKind::Urgent.as_str())
            .fetch_optional(&mut **tx)
            .await?;
    Ok(urgent.is_none() || calls < channels - i64::from(reserve))
}

/// Counts a call-back of the delivery; the new attempt's `seq`, or `None` when there is no
/// such delivery. Its state, tries and next try stay as they are.
async fn count_callback(
    tx: &mut Transaction<'static, Any>,
    delivery: &DeliveryId,
) -> Result<Option<i64>, StoreError> {
    Ok(sqlx::query_scalar(
        "UPDATE deliveries SET callbacks = callbacks + 1 WHERE id = $1 \
         RETURNING attempts + callbacks",
    )
    .bind(delivery.as_str())
    .fetch_optional(&mut **tx)
    .await?)
}

/// Ends one call-back attempt still open; true when it did.
async fn end_attempt(
    tx: &mut Transaction<'static, Any>,
    end: &CallbackEnd,
    now: i64,
) -> Result<bool, StoreError> {
    let ended = sqlx::query(
        "UPDATE attempts SET ended_at = $1, outcome = $2, talk_ms = $3, digits = $4 \
         WHERE id = $5 AND channel = $6 AND ended_at IS NULL",
    )
    .bind(now)
    .bind(outcome(end))
    .bind(end.talk_ms)
    .bind((!end.digits.is_empty()).then_some(end.digits.as_str()))
    .bind(end.attempt.as_str())
    .bind(AttemptChannel::Callback.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(ended.rows_affected() == 1)
}

/// What a call-back attempt came to: a confirmation, a message heard, or neither.
fn outcome(end: &CallbackEnd) -> &'static str {
    if end.confirmed {
        DeliveryState::Acknowledged.as_str()
    } else if end.heard {
        DeliveryState::AnsweredNoAck.as_str()
    } else {
        HUNG_UP
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn end(heard: bool, confirmed: bool) -> CallbackEnd {
        CallbackEnd {
            attempt: AttemptId::from("a"),
            heard,
            confirmed,
            talk_ms: 1_000,
            digits: String::new(),
        }
    }

    /// The look-up reaches deliveries through `(alert_id, member_id)` only.
    #[tokio::test]
    async fn alerts_are_looked_up_through_an_index() {
        let store = Store::open("sqlite::memory:").await.expect("store");
        let sql = format!(
            "EXPLAIN QUERY PLAN {UNCONFIRMED} AND d.member_id IN ($8, $9) {BY_URGENCY}, {}",
            in_order_asked(8, 2)
        );
        let mut query = sqlx::query(&sql).bind(0_i64);
        for text in [
            "sending",
            "completed",
            "expired",
            "urgent",
            "acknowledged",
            "x",
            "m1",
        ] {
            query = query.bind(text);
        }
        let rows = query
            .bind("m2")
            .fetch_all(store.pool())
            .await
            .expect("plan");
        let plan: Vec<String> = rows
            .iter()
            .map(|r| get(r, "detail").expect("detail"))
            .collect();
        let plan = plan.join("\n");
        assert!(!plan.contains("SCAN d"), "{plan}");
        assert!(plan.contains("SEARCH d"), "{plan}");
    }

    #[test]
    fn only_a_message_heard_to_its_end_is_answered() {
        assert_eq!(outcome(&end(true, true)), "acknowledged");
        assert_eq!(outcome(&end(true, false)), "answered_no_ack");
        assert_eq!(outcome(&end(false, false)), HUNG_UP);
    }
}
