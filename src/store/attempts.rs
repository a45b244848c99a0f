//! Attempts: one row per call or SMS and delivery served, and the two transactions that
//! bracket a call. A call to a number several members share serves each of their deliveries,
//! so [`Store::begin_call`] claims them all and gives each an attempt in one transaction, and
//! [`Store::finish_call`] completes them all in one; a call costs two writes however many
//! members it reaches. [`Store::begin_attempt`] and [`Store::finish_attempt`] are the same
//! for one delivery.
//!
//! [`Store::begin_attempt`] is committed before the INVITE goes out, so a crash can leave an
//! attempt without `ended_at` but never a call the database does not know about. At start-up
//! [`Store::in_flight`] lists those; the dispatcher finishes each as failed and lets the
//! retry policy decide the next try, so nobody is left waiting and nobody is called twice
//! at once.
//!
//! [`Store::finish_attempt`] always completes the attempt row (what happened on the line is
//! a fact), but moves the delivery only if it is still `calling`: an acknowledgement or a
//! cancellation committed during the call wins. When the alert stopped sending meanwhile the
//! outcome is recorded without a next try.
//!
//! A delivery's attempts are numbered (`seq`) 1, 2, … in the order they began: its tries
//! (`deliveries.attempts`) and the messages the call-back line played to the member
//! (`deliveries.callbacks`, see `callback.rs`) together. A call-back is not a try, so it
//! never appears among the calls in flight a restart finishes as failed.

use super::deliveries::Delivery;
use super::model::{
    AlertId, AlertState, AttemptChannel, AttemptId, DeliveryId, DeliveryState, Identification,
    MemberId,
};
use super::rows::{get, narrow, new_id, parse, placeholders};
use super::{Backend, Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

/// One call or SMS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// Its id.
    pub id: AttemptId,
    /// The delivery it serves.
    pub delivery_id: DeliveryId,
    /// 1 for the delivery's first attempt, and so on.
    pub seq: i64,
    /// Call, SMS, or a message played on the call-back line.
    pub channel: AttemptChannel,
    /// The number dialled, E.164 (on the call-back line the caller's);
    /// [`super::REMOVED_NUMBER`] once the retention purge removed it.
    pub number: String,
    /// On the call-back line, how the caller's number was known; `None` for calls and
    /// texts out.
    pub identified_by: Option<Identification>,
    /// When it began.
    pub started_at: i64,
    /// How it ended; `None` while in flight (or when a crash interrupted it).
    pub result: Option<AttemptResult>,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttemptResult {
    /// When it ended.
    pub ended_at: i64,
    /// The SIP final status, for calls.
    pub sip_status: Option<u16>,
    /// What happened, in the dispatcher's words (`answered`, `no_answer`, `interrupted`…).
    pub outcome: String,
    /// Ringing time.
    pub ring_ms: Option<i64>,
    /// Talk time.
    pub talk_ms: Option<i64>,
    /// DTMF digits the member pressed.
    pub digits: Option<String>,
    /// The answering-machine detector's verdict, if it ran.
    pub machine: Option<String>,
    /// The SMS provider's message id.
    pub sms_id: Option<String>,
    /// The SMS delivery receipt.
    pub sms_receipt: Option<String>,
}

/// Where a delivery goes after an attempt, as the retry policy decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryStep {
    /// The new state: an outcome (`no_answer`, `busy`, …, `sms_sent`) or `given_up`.
    pub state: DeliveryState,
    /// When to try again; `None` for no further try.
    pub next_try_at: Option<i64>,
    /// Which contact point the next try uses.
    pub contact_index: i64,
    /// Rounds completed (every contact point tried once is one round).
    pub rounds: i64,
}

/// An attempt a crash interrupted, with its delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InFlight {
    /// The attempt (no result).
    pub attempt: Attempt,
    /// The delivery, normally still `calling`.
    pub delivery: Delivery,
}

pub(super) const COLUMNS: &str = "t.id, t.delivery_id, t.seq, t.channel, t.number, t.started_at, \
                       t.ended_at, t.sip_status, t.outcome, t.ring_ms, t.talk_ms, t.digits, \
                       t.machine, t.sms_id, t.sms_receipt, t.identified_by";

impl Store {
    /// Moves the delivery to `calling` and records a new attempt, in one transaction, if the
    /// delivery is in one of `expected` with a try scheduled and its alert is still sending;
    /// `None` otherwise (acknowledged or cancelled meanwhile, or another worker took it).
    pub async fn begin_attempt(
        &self,
        delivery: &DeliveryId,
        expected: &[DeliveryState],
        channel: AttemptChannel,
        number: &str,
        now: i64,
    ) -> Result<Option<AttemptId>, StoreError> {
        let claims = [(delivery.clone(), expected)];
        let begun = self.begin_call(&claims, channel, number, now).await?;
        Ok(begun.into_iter().next().map(|(_, attempt)| attempt))
    }

    /// [`Store::begin_attempt`] for every delivery one call serves (the members sharing the
    /// number dialled), in one transaction: each delivery in one of its expected states is
    /// moved to `calling` and gets an attempt of its own; the others are left out. Returns
    /// the deliveries claimed with their attempts, none when nobody could be.
    pub async fn begin_call(
        &self,
        claims: &[(DeliveryId, &[DeliveryState])],
        channel: AttemptChannel,
        number: &str,
        now: i64,
    ) -> Result<Vec<(DeliveryId, AttemptId)>, StoreError> {
        let never = |s: &&DeliveryState| **s == DeliveryState::Calling || s.is_final();
        let refused = claims
            .iter()
            .find_map(|(_, expected)| expected.iter().find(never));
        if let Some(&to) = refused {
            return Err(StoreError::InvalidTransition {
                to,
                scheduled: false,
            });
        }
        let mut tx = self.begin_write().await?;
        let mut begun = Vec::with_capacity(claims.len());
        for (delivery, expected) in claims {
            if expected.is_empty() {
                continue;
            }
            let Some(seq) = claim(&mut tx, delivery, expected, now).await? else {
                continue;
            };
            let id = AttemptId(new_id());
            let attempt = NewAttempt {
                id: &id,
                delivery,
                seq,
                channel,
                number,
                identified_by: None,
                now,
            };
            self.insert_attempt(&mut tx, &attempt).await?;
            begun.push((delivery.clone(), id));
        }
        if begun.is_empty() {
            tx.rollback().await?;
        } else {
            self.commit(tx).await?;
        }
        Ok(begun)
    }

    /// Completes the attempt and, if its delivery is still `calling`, moves it on; true when
    /// the delivery moved. One transaction.
    pub async fn finish_attempt(
        &self,
        attempt: &AttemptId,
        result: &AttemptResult,
        step: DeliveryStep,
    ) -> Result<bool, StoreError> {
        let moved = self.finish_call(&[(attempt.clone(), step)], result).await?;
        Ok(moved.first().copied().unwrap_or(false))
    }

    /// [`Store::finish_attempt`] for every attempt of one call, each with the step the retry
    /// policy chose for its member, in one transaction: all complete, or none (an unknown or
    /// finished attempt is an error). Says for each whether its delivery moved.
    pub async fn finish_call(
        &self,
        attempts: &[(AttemptId, DeliveryStep)],
        result: &AttemptResult,
    ) -> Result<Vec<bool>, StoreError> {
        let mut tx = self.begin_write().await?;
        let moved = self.finish_call_in(&mut tx, attempts, result).await?;
        self.commit(tx).await?;
        Ok(moved)
    }

    /// [`Store::finish_call`] inside `tx`; on an error `tx` is to be dropped.
    pub(super) async fn finish_call_in(
        &self,
        tx: &mut Transaction<'static, Any>,
        attempts: &[(AttemptId, DeliveryStep)],
        result: &AttemptResult,
    ) -> Result<Vec<bool>, StoreError> {
        for (_, step) in attempts {
            check(*step)?;
        }
        let mut moved = Vec::with_capacity(attempts.len());
        for (attempt, step) in attempts {
            let Some(delivery) = complete(tx, attempt, result).await? else {
                return Err(self.why_not_open(attempt).await?);
            };
            moved.push(move_on(tx, self.backend, &delivery, *step, result).await?);
        }
        let ids: Vec<&str> = attempts.iter().map(|(a, _)| a.as_str()).collect();
        if super::ledger::hang_up(tx, &ids).await? {
            super::notices::notify_on_commit(tx, self.backend, super::Notice::Line).await?;
        }
        Ok(moved)
    }

    /// Attempts without an end, oldest first, whoever placed them: the calls and texts in
    /// flight, or after a crash those it interrupted. Not the call-back line's: those are
    /// no tries to finish.
    pub async fn in_flight(&self) -> Result<Vec<InFlight>, StoreError> {
        let sql = format!(
            "SELECT {} FROM attempts t JOIN deliveries d ON d.id = t.delivery_id \
             WHERE t.ended_at IS NULL AND t.channel <> $1 ORDER BY t.started_at, t.id",
            in_flight_columns()
        );
        let rows = sqlx::query(&sql)
            .bind(AttemptChannel::Callback.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(in_flight_from).collect()
    }

    /// A delivery's attempts, first to last.
    pub async fn attempts(&self, delivery: &DeliveryId) -> Result<Vec<Attempt>, StoreError> {
        let sql =
            format!("SELECT {COLUMNS} FROM attempts t WHERE t.delivery_id = $1 ORDER BY t.seq");
        let rows = sqlx::query(&sql)
            .bind(delivery.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(attempt_from).collect()
    }

    async fn why_not_open(&self, attempt: &AttemptId) -> Result<StoreError, StoreError> {
        let found: Option<String> = sqlx::query_scalar("SELECT id FROM attempts WHERE id = $1")
            .bind(attempt.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(match found {
            Some(_) => StoreError::AttemptFinished(attempt.clone()),
            None => StoreError::UnknownAttempt(attempt.clone()),
        })
    }
}

/// A new attempt's row.
pub(super) struct NewAttempt<'a> {
    pub id: &'a AttemptId,
    pub delivery: &'a DeliveryId,
    pub seq: i64,
    pub channel: AttemptChannel,
    pub number: &'a str,
    pub identified_by: Option<Identification>,
    pub now: i64,
}

impl Store {
    /// Inserts the attempt, with the lease this store writes under (none without one).
    pub(super) async fn insert_attempt(
        &self,
        tx: &mut Transaction<'static, Any>,
        attempt: &NewAttempt<'_>,
    ) -> Result<(), StoreError> {
        let lease = self.lease();
        sqlx::query(
            "INSERT INTO attempts (id, delivery_id, seq, channel, number, started_at, \
             instance_id, lease_generation, identified_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(attempt.id.as_str())
        .bind(attempt.delivery.as_str())
        .bind(attempt.seq)
        .bind(attempt.channel.as_str())
        .bind(attempt.number)
        .bind(attempt.now)
        .bind(lease.map(|l| l.instance.as_str()))
        .bind(lease.map(|l| l.generation))
        .bind(attempt.identified_by.map(Identification::as_str))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

/// The columns [`in_flight_from`] reads: the attempt `t` and its delivery `d`.
pub(super) fn in_flight_columns() -> String {
    format!(
        "{COLUMNS}, d.alert_id, d.member_id, d.state, d.attempts, d.contact_index, \
         d.rounds, d.next_try_at, d.last_sip_status, d.created_at, d.updated_at"
    )
}

/// Only outcomes and `given_up`/`cancelled`/`expired` follow an attempt, and a final state
/// schedules nothing.
fn check(step: DeliveryStep) -> Result<(), StoreError> {
    let to = step.state;
    let scheduled = step.next_try_at.is_some();
    let refused = matches!(to, DeliveryState::Pending | DeliveryState::Calling)
        || to.is_acknowledged()
        || (to.is_final() && scheduled);
    if refused {
        return Err(StoreError::InvalidTransition { to, scheduled });
    }
    Ok(())
}

/// The guarded half of `begin_attempt`: the new attempt's `seq` (tries and call-backs so
/// far, this try counted), or `None` when the guard refused.
pub(super) async fn claim(
    tx: &mut Transaction<'static, Any>,
    delivery: &DeliveryId,
    expected: &[DeliveryState],
    now: i64,
) -> Result<Option<i64>, StoreError> {
    let sql = format!(
        "UPDATE deliveries SET state = $1, next_try_at = NULL, attempts = attempts + 1, \
         updated_at = $2 WHERE id = $3 AND next_try_at IS NOT NULL \
         AND alert_id IN (SELECT id FROM alerts WHERE state = $4) \
         AND state IN ({}) RETURNING attempts + callbacks",
        placeholders(5, expected.len())
    );
    let mut query = sqlx::query_scalar(&sql)
        .bind(DeliveryState::Calling.as_str())
        .bind(now)
        .bind(delivery.as_str())
        .bind(AlertState::Sending.as_str());
    for state in expected {
        query = query.bind(state.as_str());
    }
    Ok(query.fetch_optional(&mut **tx).await?)
}

/// Moves a delivery still `calling` to the step's state; true when it moved. Without a next
/// try when the alert stopped sending meanwhile; `sms_sent` when no try follows and a text
/// reached the member already (after a voicemail).
async fn move_on(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    delivery: &str,
    step: DeliveryStep,
    result: &AttemptResult,
) -> Result<bool, StoreError> {
    if let Some(lock) = backend.lock_alert_of_delivery() {
        sqlx::query(lock)
            .bind(delivery)
            .fetch_all(&mut **tx)
            .await?;
    }
    let moved = sqlx::query(
        "UPDATE deliveries SET state = CASE WHEN sms_sent_at IS NOT NULL AND ($3 IS NULL OR \
         (SELECT state FROM alerts WHERE id = deliveries.alert_id) <> $2) THEN $10 ELSE $1 END, \
         next_try_at = CASE WHEN \
         (SELECT state FROM alerts WHERE id = deliveries.alert_id) = $2 THEN $3 ELSE NULL END, \
         contact_index = $4, last_sip_status = $5, updated_at = $6, rounds = $9 \
         WHERE id = $7 AND state = $8",
    )
    .bind(step.state.as_str())
    .bind(AlertState::Sending.as_str())
    .bind(step.next_try_at)
    .bind(step.contact_index)
    .bind(result.sip_status.map(i64::from))
    .bind(result.ended_at)
    .bind(delivery)
    .bind(DeliveryState::Calling.as_str())
    .bind(step.rounds)
    .bind(DeliveryState::SmsSent.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(moved.rows_affected() == 1)
}

/// Fills in the attempt's end; the delivery id, or `None` if it was unknown or finished.
pub(super) async fn complete(
    tx: &mut Transaction<'static, Any>,
    attempt: &AttemptId,
    result: &AttemptResult,
) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "UPDATE attempts SET ended_at = $1, sip_status = $2, outcome = $3, ring_ms = $4, \
         talk_ms = $5, digits = $6, machine = $7, sms_id = $8, sms_receipt = $9 \
         WHERE id = $10 AND ended_at IS NULL RETURNING delivery_id",
    )
    .bind(result.ended_at)
    .bind(result.sip_status.map(i64::from))
    .bind(&result.outcome)
    .bind(result.ring_ms)
    .bind(result.talk_ms)
    .bind(&result.digits)
    .bind(&result.machine)
    .bind(&result.sms_id)
    .bind(&result.sms_receipt)
    .bind(attempt.as_str())
    .fetch_optional(&mut **tx)
    .await?)
}

pub(super) fn attempt_from(row: &AnyRow) -> Result<Attempt, StoreError> {
    let ended_at: Option<i64> = get(row, "ended_at")?;
    let result = match ended_at {
        Some(ended_at) => Some(result_from(row, ended_at)?),
        None => None,
    };
    Ok(Attempt {
        id: AttemptId(get(row, "id")?),
        delivery_id: DeliveryId(get(row, "delivery_id")?),
        seq: get(row, "seq")?,
        channel: parse(row, "attempts", "channel")?,
        number: get(row, "number")?,
        identified_by: identification_from(row)?,
        started_at: get(row, "started_at")?,
        result,
    })
}

fn identification_from(row: &AnyRow) -> Result<Option<Identification>, StoreError> {
    let text: Option<String> = get(row, "identified_by")?;
    text.map(|text| {
        text.parse().map_err(|_| StoreError::BadValue {
            table: "attempts",
            column: "identified_by",
            value: text,
        })
    })
    .transpose()
}

fn result_from(row: &AnyRow, ended_at: i64) -> Result<AttemptResult, StoreError> {
    let outcome: Option<String> = get(row, "outcome")?;
    let outcome = outcome.ok_or(StoreError::BadValue {
        table: "attempts",
        column: "outcome",
        value: "NULL on a finished attempt".to_owned(),
    })?;
    Ok(AttemptResult {
        ended_at,
        sip_status: narrow(row, "attempts", "sip_status")?,
        outcome,
        ring_ms: get(row, "ring_ms")?,
        talk_ms: get(row, "talk_ms")?,
        digits: get(row, "digits")?,
        machine: get(row, "machine")?,
        sms_id: get(row, "sms_id")?,
        sms_receipt: get(row, "sms_receipt")?,
    })
}

pub(super) fn in_flight_from(row: &AnyRow) -> Result<InFlight, StoreError> {
    let attempt = attempt_from(row)?;
    let delivery = Delivery {
        id: attempt.delivery_id.clone(),
        alert_id: AlertId(get(row, "alert_id")?),
        member_id: MemberId(get(row, "member_id")?),
        state: parse(row, "deliveries", "state")?,
        attempts: get(row, "attempts")?,
        contact_index: get(row, "contact_index")?,
        rounds: get(row, "rounds")?,
        next_try_at: get(row, "next_try_at")?,
        last_sip_status: narrow(row, "deliveries", "last_sip_status")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
    };
    Ok(InFlight { attempt, delivery })
}
