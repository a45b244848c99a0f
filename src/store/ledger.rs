//! The trunk's ledger, shared by every instance on the database: the calls on the line and
//! when the next INVITE may go out.
//!
//! [`Store::begin_line_call`] is [`Store::begin_call`] with the line taken in the same
//! transaction: it locks the trunk's row (so calls through one trunk are claimed one after
//! another, whichever instance claims them), refuses when `max_channels` calls are on the
//! line already, and refuses a number or a member already on a call (for any alert, from
//! any instance). [`Store::finish_call`] takes the call off the line in the transaction that
//! records its end; a take-over frees the lines of a dead lease. Right before each INVITE,
//! [`Store::next_invite_slot`] hands out the next slot `1/max_cps` after the last one, on the
//! database's clock.
//!
//! The call's row in `calls_in_progress` has the id of its first attempt. A member who
//! phones the call-back line is on the same line ([`Store::begin_callback`]): the call counts
//! against the trunk's channels, and holds the caller's number and members like a call out.

use super::attempts::{NewAttempt, claim};
use super::model::{AttemptChannel, AttemptId, DeliveryId, DeliveryState, MemberId};
use super::rows::{get, new_id, placeholders};
use super::{Store, StoreError};
use sqlx::{Any, Transaction};
use std::time::Duration;

/// The trunk as the ledger counts it: every instance that calls through it shares its
/// channels and its calls per second.
#[derive(Debug, Clone, PartialEq)]
pub struct TrunkLedger {
    /// Its name: the same for every instance using it.
    pub name: String,
    /// Calls on the line at once, across instances.
    pub max_channels: u32,
    /// New calls per second across instances; `None` for no spacing.
    pub max_cps: Option<f64>,
}

/// What [`Store::begin_line_call`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallClaim {
    /// The call is on the line: each claimed delivery with its attempt, in the order given.
    Begun(Vec<(DeliveryId, AttemptId)>),
    /// The number, or every member it would reach, is on another call.
    Busy,
    /// The trunk has `max_channels` calls on the line.
    TrunkFull,
    /// Nobody left to call: every delivery was acknowledged, stopped or taken meanwhile.
    Nobody,
}

/// One delivery a call would serve.
#[derive(Debug, Clone)]
pub struct LineClaim<'a> {
    /// The delivery.
    pub delivery: DeliveryId,
    /// Its member.
    pub member: MemberId,
    /// The states it may be claimed from.
    pub expected: &'a [DeliveryState],
}

impl Store {
    /// Claims the deliveries a call to `number` serves and puts the call on the trunk's
    /// line, in one transaction (see the module). A member already on another call is left
    /// out, as is a delivery no longer in an expected state.
    pub async fn begin_line_call(
        &self,
        claims: &[LineClaim<'_>],
        number: &str,
        trunk: &TrunkLedger,
        now: i64,
    ) -> Result<CallClaim, StoreError> {
        let mut tx = self.begin_write().await?;
        self.lock_trunk(&mut tx, &trunk.name).await?;
        if on_the_line(&mut tx, &trunk.name).await? >= i64::from(trunk.max_channels) {
            tx.rollback().await?;
            return Ok(CallClaim::TrunkFull);
        }
        let call = AttemptId(new_id());
        if !self
            .occupy(&mut tx, call.as_str(), number, trunk, now)
            .await?
        {
            tx.rollback().await?;
            return Ok(CallClaim::Busy);
        }
        let mut attempts = Vec::with_capacity(claims.len());
        let mut busy = 0;
        for line in claims {
            if line.expected.is_empty() {
                continue;
            }
            let id = if attempts.is_empty() {
                call.clone()
            } else {
                AttemptId(new_id())
            };
            if !member_on_line(&mut tx, &line.member, call.as_str()).await? {
                busy += 1;
                continue;
            }
            let Some(seq) = claim(&mut tx, &line.delivery, line.expected, now).await? else {
                member_off_line(&mut tx, &line.member).await?;
                continue;
            };
            let attempt = NewAttempt {
                id: &id,
                delivery: &line.delivery,
                seq,
                channel: AttemptChannel::Voice,
                number,
                identified_by: None,
                now,
            };
            self.insert_attempt(&mut tx, &attempt).await?;
            attempts.push((line.delivery.clone(), id));
        }
        if attempts.is_empty() {
            tx.rollback().await?;
            return Ok(if busy > 0 {
                CallClaim::Busy
            } else {
                CallClaim::Nobody
            });
        }
        self.commit(tx).await?;
        Ok(CallClaim::Begun(attempts))
    }

    /// Reserves the trunk's next INVITE slot, `spacing` after the last one and not before
    /// now on the database's clock; how long until it comes. Asked right before each INVITE,
    /// so the slots of every instance are `spacing` apart on the wire too.
    pub async fn next_invite_slot(
        &self,
        trunk: &str,
        spacing: Duration,
    ) -> Result<Duration, StoreError> {
        let clock = self.backend.clock();
        let sql = format!(
            "INSERT INTO trunks (name, next_invite_at) VALUES ($1, {clock} + $2) \
             ON CONFLICT (name) DO UPDATE SET next_invite_at = CASE \
             WHEN trunks.next_invite_at > {clock} THEN trunks.next_invite_at ELSE {clock} END + $2 \
             RETURNING next_invite_at - $2 - {clock} AS wait"
        );
        // Whole milliseconds, rounded up: never closer than asked.
        let spacing = i64::try_from(spacing.as_micros().div_ceil(1000)).unwrap_or(i64::MAX);
        let wait: i64 = sqlx::query_scalar(&sql)
            .bind(trunk)
            .bind(spacing)
            .fetch_one(&self.pool)
            .await?;
        Ok(Duration::from_millis(u64::try_from(wait).unwrap_or(0)))
    }

    /// The calls on each trunk's line, by instance: `(trunk, instance, calls)`.
    pub async fn calls_on_the_line(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT trunk, instance_id, COUNT(*) AS calls FROM calls_in_progress \
             GROUP BY trunk, instance_id ORDER BY trunk, instance_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    get(row, "trunk")?,
                    get(row, "instance_id")?,
                    get(row, "calls")?,
                ))
            })
            .collect()
    }

    /// Creates the trunk's row if needed and locks it for this transaction.
    pub(super) async fn lock_trunk(
        &self,
        tx: &mut Transaction<'static, Any>,
        trunk: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO trunks (name, next_invite_at) VALUES ($1, 0) \
             ON CONFLICT (name) DO UPDATE SET next_invite_at = trunks.next_invite_at",
        )
        .bind(trunk)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Puts the call on the line unless its number is on one; true when it did.
    pub(super) async fn occupy(
        &self,
        tx: &mut Transaction<'static, Any>,
        call: &str,
        number: &str,
        trunk: &TrunkLedger,
        now: i64,
    ) -> Result<bool, StoreError> {
        let lease = self.lease();
        let inserted = sqlx::query(
            "INSERT INTO calls_in_progress (id, number, trunk, instance_id, lease_generation, \
             started_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (number) DO NOTHING",
        )
        .bind(call)
        .bind(number)
        .bind(&trunk.name)
        .bind(lease.map_or("", |l| l.instance.as_str()))
        .bind(lease.map_or(0, |l| l.generation))
        .bind(now)
        .execute(&mut **tx)
        .await?;
        Ok(inserted.rows_affected() == 1)
    }
}

/// The calls on the trunk's line, read under its lock.
pub(super) async fn on_the_line(
    tx: &mut Transaction<'static, Any>,
    trunk: &str,
) -> Result<i64, StoreError> {
    let calls = sqlx::query_scalar("SELECT COUNT(*) FROM calls_in_progress WHERE trunk = $1")
        .bind(trunk)
        .fetch_one(&mut **tx)
        .await?;
    Ok(calls)
}

/// Puts the member on the call unless they are on another one; true when it did.
pub(super) async fn member_on_line(
    tx: &mut Transaction<'static, Any>,
    member: &MemberId,
    call: &str,
) -> Result<bool, StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO members_on_the_line (member_id, call_id) VALUES ($1, $2) \
         ON CONFLICT (member_id) DO NOTHING",
    )
    .bind(member.as_str())
    .bind(call)
    .execute(&mut **tx)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

async fn member_off_line(
    tx: &mut Transaction<'static, Any>,
    member: &MemberId,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM members_on_the_line WHERE member_id = $1")
        .bind(member.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Takes the call whose attempts these are off the line (with its members); false when it
/// was not on one.
pub(super) async fn hang_up(
    tx: &mut Transaction<'static, Any>,
    attempts: &[&str],
) -> Result<bool, StoreError> {
    if attempts.is_empty() {
        return Ok(false);
    }
    let sql = format!(
        "DELETE FROM calls_in_progress WHERE id IN ({})",
        placeholders(1, attempts.len())
    );
    let mut query = sqlx::query(&sql);
    for id in attempts {
        query = query.bind(*id);
    }
    Ok(query.execute(&mut **tx).await?.rows_affected() > 0)
}
