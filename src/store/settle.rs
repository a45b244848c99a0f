//! What settles deliveries from outside a call: acknowledgements, cancellation and expiry.
//!
//! # Acknowledgements
//! An acknowledgement may arrive by DTMF during a call, by SMS reply, by a callback or the
//! API, before, during or after the attempt that prompted it, and more than once.
//! [`Store::acknowledge`] inserts it with `ON CONFLICT DO NOTHING` on (alert, member) and, in
//! the same transaction, marks the delivery acknowledged whatever state it was in, so it is
//! never lost and never doubled. A confirmed call on a number several members share
//! acknowledges each of them at once ([`Store::acknowledge_all`]): one row and one
//! acknowledged delivery per member, all in one transaction. If the delivery does not exist yet (a large alert still
//! being created), [`Store::create_deliveries`] applies it when the row is inserted. One
//! given on the call-back line keeps how the caller's number was known
//! ([`Store::acknowledge_identified`]): vouched for by the trunk, or only said by `From`.
//!
//! # Cancellation and expiry
//! Stopping an alert cancels (or expires) every delivery that has a try scheduled, in one
//! transaction with the alert's state change, and drops every text message still due (a
//! delivery whose calls were over keeps their outcome); it returns the deliveries still
//! `calling`:
//! the caller hangs those calls up, and their `finish_attempt` records the outcome with no
//! next try because the alert is no longer sending.

use super::model::{
    AckHow, AlertId, AlertState, DeliveryId, DeliveryState, Identification, MemberId,
};
use super::rows::{get, parse};
use super::{Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

/// An acknowledgement as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acknowledgement {
    /// The alert.
    pub alert_id: AlertId,
    /// The member.
    pub member_id: MemberId,
    /// How.
    pub how: AckHow,
    /// When (epoch ms).
    pub acknowledged_at: i64,
    /// On the call-back line, how the caller's number was known; `None` for every other way.
    pub identified_by: Option<Identification>,
}

impl Store {
    /// Records that the member acknowledged the alert; true when this is the first time.
    pub async fn acknowledge(
        &self,
        alert: &AlertId,
        member: &MemberId,
        how: AckHow,
        now: i64,
    ) -> Result<bool, StoreError> {
        self.acknowledge_identified(alert, member, how, None, now)
            .await
    }

    /// [`Store::acknowledge`], keeping how the caller was identified (`asserted` or `from`,
    /// an [`Identification`]) for an acknowledgement given on the call-back line; `None` for
    /// every other way.
    pub async fn acknowledge_identified(
        &self,
        alert: &AlertId,
        member: &MemberId,
        how: AckHow,
        identified_by: Option<Identification>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let members = std::slice::from_ref(member);
        let first = self
            .acknowledge_all_identified(alert, members, how, identified_by, now)
            .await?;
        Ok(!first.is_empty())
    }

    /// Records that each of these members acknowledged the alert, in one transaction: the
    /// members a confirmed call on a shared number reached. Returns those for whom it is the
    /// first time; the others keep the acknowledgement they had.
    pub async fn acknowledge_all(
        &self,
        alert: &AlertId,
        members: &[MemberId],
        how: AckHow,
        now: i64,
    ) -> Result<Vec<MemberId>, StoreError> {
        self.acknowledge_all_identified(alert, members, how, None, now)
            .await
    }

    /// [`Store::acknowledge_all`] with how the caller was identified, as
    /// [`Store::acknowledge_identified`] keeps it.
    pub async fn acknowledge_all_identified(
        &self,
        alert: &AlertId,
        members: &[MemberId],
        how: AckHow,
        identified_by: Option<Identification>,
        now: i64,
    ) -> Result<Vec<MemberId>, StoreError> {
        let mut tx = self.begin_write().await?;
        if !require(&mut tx, "alerts", alert.as_str()).await? {
            return Err(StoreError::UnknownAlert(alert.clone()));
        }
        let mut first = Vec::new();
        for member in members {
            if !require(&mut tx, "members", member.as_str()).await? {
                return Err(StoreError::UnknownMember(member.clone()));
            }
            let acknowledgement = Acknowledgement {
                alert_id: alert.clone(),
                member_id: member.clone(),
                how,
                acknowledged_at: now,
                identified_by,
            };
            if record(&mut tx, &acknowledgement).await? {
                first.push(member.clone());
            }
        }
        if first.is_empty() {
            tx.rollback().await?;
        } else {
            self.commit(tx).await?;
        }
        Ok(first)
    }

    /// The alert's acknowledgements, in the order they came.
    pub async fn acknowledgements(
        &self,
        alert: &AlertId,
    ) -> Result<Vec<Acknowledgement>, StoreError> {
        let rows = sqlx::query(
            "SELECT alert_id, member_id, how, acknowledged_at, identified_by \
             FROM acknowledgements WHERE alert_id = $1 ORDER BY acknowledged_at, member_id",
        )
        .bind(alert.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(acknowledgement_from).collect()
    }

    /// Cancels the alert and every delivery with a try scheduled; returns the deliveries
    /// still `calling`, whose calls the caller must end.
    pub async fn cancel_alert(
        &self,
        alert: &AlertId,
        now: i64,
    ) -> Result<Vec<DeliveryId>, StoreError> {
        self.stop(alert, AlertState::Cancelled, DeliveryState::Cancelled, now)
            .await
    }

    /// Like [`Store::cancel_alert`], for an alert whose expiry has passed.
    pub async fn expire_alert(
        &self,
        alert: &AlertId,
        now: i64,
    ) -> Result<Vec<DeliveryId>, StoreError> {
        self.stop(alert, AlertState::Expired, DeliveryState::Expired, now)
            .await
    }

    async fn stop(
        &self,
        alert: &AlertId,
        to: AlertState,
        deliveries_to: DeliveryState,
        now: i64,
    ) -> Result<Vec<DeliveryId>, StoreError> {
        let mut tx = self.begin_write().await?;
        if !require(&mut tx, "alerts", alert.as_str()).await? {
            return Err(StoreError::UnknownAlert(alert.clone()));
        }
        sqlx::query(
            "UPDATE alerts SET state = $1, updated_at = $2 WHERE id = $3 AND state IN ($4, $5)",
        )
        .bind(to.as_str())
        .bind(now)
        .bind(alert.as_str())
        .bind(AlertState::Draft.as_str())
        .bind(AlertState::Sending.as_str())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE deliveries SET state = CASE WHEN state = $4 THEN state \
             WHEN next_try_at IS NULL AND state <> $5 THEN state ELSE $1 END, \
             next_try_at = NULL, sms_due_at = NULL, \
             updated_at = $2 \
             WHERE alert_id = $3 AND (next_try_at IS NOT NULL OR sms_due_at IS NOT NULL)",
        )
        .bind(deliveries_to.as_str())
        .bind(now)
        .bind(alert.as_str())
        .bind(DeliveryState::Calling.as_str())
        .bind(DeliveryState::Pending.as_str())
        .execute(&mut *tx)
        .await?;
        let calling = calling(&mut tx, alert).await?;
        super::notices::notify_on_commit(&mut tx, self.backend, super::Notice::Alerts).await?;
        self.commit(tx).await?;
        if self.backend == super::Backend::Sqlite {
            self.notify(super::Notice::Alerts).await?;
        }
        Ok(calling)
    }
}

/// Inserts the acknowledgement and marks the delivery; false when there was one already.
async fn record(
    tx: &mut Transaction<'static, Any>,
    acknowledgement: &Acknowledgement,
) -> Result<bool, StoreError> {
    let Acknowledgement {
        alert_id: alert,
        member_id: member,
        how,
        acknowledged_at: now,
        identified_by,
    } = acknowledgement;
    let inserted = sqlx::query(
        "INSERT INTO acknowledgements (alert_id, member_id, how, acknowledged_at, \
         identified_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (alert_id, member_id) DO NOTHING",
    )
    .bind(alert.as_str())
    .bind(member.as_str())
    .bind(how.as_str())
    .bind(*now)
    .bind(identified_by.map(Identification::as_str))
    .execute(&mut **tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE deliveries SET state = $1, next_try_at = NULL, sms_due_at = NULL, \
         updated_at = $2 WHERE alert_id = $3 AND member_id = $4",
    )
    .bind(how.delivery_state().as_str())
    .bind(*now)
    .bind(alert.as_str())
    .bind(member.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(true)
}

async fn calling(
    tx: &mut Transaction<'static, Any>,
    alert: &AlertId,
) -> Result<Vec<DeliveryId>, StoreError> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM deliveries WHERE alert_id = $1 AND state = $2 ORDER BY id",
    )
    .bind(alert.as_str())
    .bind(DeliveryState::Calling.as_str())
    .fetch_all(&mut **tx)
    .await?;
    Ok(ids.into_iter().map(DeliveryId).collect())
}

/// Whether a row with this id exists in `table` (one of the store's own table names).
async fn require(
    tx: &mut Transaction<'static, Any>,
    table: &'static str,
    id: &str,
) -> Result<bool, StoreError> {
    let sql = format!("SELECT id FROM {table} WHERE id = $1");
    let found: Option<String> = sqlx::query_scalar(&sql)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(found.is_some())
}

fn acknowledgement_from(row: &AnyRow) -> Result<Acknowledgement, StoreError> {
    Ok(Acknowledgement {
        alert_id: AlertId(get(row, "alert_id")?),
        member_id: MemberId(get(row, "member_id")?),
        how: parse(row, "acknowledgements", "how")?,
        acknowledged_at: get(row, "acknowledged_at")?,
        identified_by: get::<Option<String>>(row, "identified_by")?
            .map(|text| {
                text.parse().map_err(|_| StoreError::BadValue {
                    table: "acknowledgements",
                    column: "identified_by",
                    value: text,
                })
            })
            .transpose()?,
    })
}
