//! Changing one member by hand (the API's `PATCH` and `DELETE`), rather than by a list: their
//! details, numbers, status and consent; and erasing them.
//!
//! # Erasing keeps the counts
//! A person may ask for their data to be erased, but the reports of past alerts must still
//! add up. So erasing pseudonymises instead of deleting: the member row stays, named
//! [`ERASED_NAME`], with status `left`, no consent, no own quiet hours or speech rate; their
//! numbers leave `contact_points`; the numbers their calls dialled become [`ERASED_NUMBER`];
//! their coordinator's ids leave the networks and the webhook events about them. Deliveries, attempts and acknowledgements stay
//! as they are, so every alert's counts are unchanged. A number shared with another member (a
//! household landline) is still that member's, in their own rows.
//!
//! A member with a call in flight or a try scheduled on an alert that is sending is not
//! erased ([`StoreError::MemberBeingCalled`]): the dispatcher holds their number right now.

use super::import::{NewMember, check, quiet_columns, replace_contact_points};
use super::model::{
    AlertId, AlertState, Channel, DeliveryState, MemberId, MemberStatus, NetworkId,
};
use super::rows::get;
use super::{Store, StoreError};
use sqlx::{Any, Transaction};

/// The name an erased member keeps.
pub const ERASED_NAME: &str = "erased member";

/// The number an erased member's calls keep in place of the one dialled.
pub const ERASED_NUMBER: &str = "erased";

impl Store {
    /// Replaces a member's details, numbers, status and consent with `member`'s (its
    /// `external_id` is ignored: that is the network's); checked as an import checks it.
    pub async fn update_member(
        &self,
        id: &MemberId,
        member: &NewMember,
        now: i64,
    ) -> Result<(), StoreError> {
        check(member).map_err(|problem| StoreError::InvalidMember { index: 0, problem })?;
        let mut tx = self.begin_write().await?;
        let (start, end) = quiet_columns(member.quiet_hours);
        let updated = sqlx::query(
            "UPDATE members SET name = $1, language = $2, channel = $3, quiet_start = $4, \
             quiet_end = $5, speech_rate = $6, status = $7, consent_at = $8, updated_at = $9 \
             WHERE id = $10",
        )
        .bind(&member.name)
        .bind(&member.language)
        .bind(member.channel.as_str())
        .bind(start)
        .bind(end)
        .bind(member.speech_rate)
        .bind(member.status.as_str())
        .bind(member.consent_at)
        .bind(now)
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::UnknownMember(id.clone()));
        }
        replace_contact_points(&mut tx, id.as_str(), &member.contact_points).await?;
        self.commit(tx).await
    }

    /// Erases a member's personal data and keeps their history counted (see the module).
    pub async fn erase_member(&self, id: &MemberId, now: i64) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let exists: Option<String> = sqlx::query_scalar("SELECT id FROM members WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(StoreError::UnknownMember(id.clone()));
        }
        if let Some(alert) = open_delivery(&mut tx, id).await? {
            return Err(StoreError::MemberBeingCalled {
                member: id.clone(),
                alert,
            });
        }
        sqlx::query(
            "UPDATE attempts SET number = $1 WHERE delivery_id IN \
             (SELECT id FROM deliveries WHERE member_id = $2)",
        )
        .bind(ERASED_NUMBER)
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?;
        for statement in [
            "DELETE FROM contact_points WHERE member_id = $1",
            "UPDATE network_members SET external_id = NULL WHERE member_id = $1",
        ] {
            sqlx::query(statement)
                .bind(id.as_str())
                .execute(&mut *tx)
                .await?;
        }
        super::webhook_outbox::forget_external_id(&mut tx, id).await?;
        sqlx::query(
            "UPDATE members SET name = $1, status = $2, consent_at = NULL, quiet_start = NULL, \
             quiet_end = NULL, speech_rate = 1.0, channel = $3, updated_at = $4 WHERE id = $5",
        )
        .bind(ERASED_NAME)
        .bind(MemberStatus::Left.as_str())
        .bind(Channel::Voice.as_str())
        .bind(now)
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?;
        self.commit(tx).await
    }

    /// The networks a member belongs to, each with the coordinator's id for them there.
    pub async fn member_networks(
        &self,
        id: &MemberId,
    ) -> Result<Vec<(NetworkId, Option<String>)>, StoreError> {
        let rows = sqlx::query(
            "SELECT network_id, external_id FROM network_members WHERE member_id = $1 \
             ORDER BY network_id",
        )
        .bind(id.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((NetworkId(get(row, "network_id")?), get(row, "external_id")?)))
            .collect()
    }
}

/// A sending alert that has a call in flight to the member or a try scheduled.
async fn open_delivery(
    tx: &mut Transaction<'static, Any>,
    member: &MemberId,
) -> Result<Option<AlertId>, StoreError> {
    let alert: Option<String> = sqlx::query_scalar(
        "SELECT d.alert_id FROM deliveries d JOIN alerts a ON a.id = d.alert_id \
         WHERE d.member_id = $1 AND a.state = $2 \
         AND (d.state = $3 OR d.next_try_at IS NOT NULL) LIMIT 1",
    )
    .bind(member.as_str())
    .bind(AlertState::Sending.as_str())
    .bind(DeliveryState::Calling.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    Ok(alert.map(AlertId))
}
