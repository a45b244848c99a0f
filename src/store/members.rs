//! Members, their contact points in order, and the networks they belong to: reading them,
//! and changing a member's status. Importing lives in `import.rs`.

use super::model::{Channel, ContactKind, MemberId, MemberStatus, NetworkId, QuietHours};
use super::rows::{get, narrow, parse};
use super::{Store, StoreError};
use sqlx::any::AnyRow;
use std::collections::HashMap;

/// A member as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// Their id.
    pub id: MemberId,
    /// The coordinator's own id for them in the network they were listed from
    /// ([`Store::members`]); `None` when read alone ([`Store::member`]) or when not given.
    pub external_id: Option<String>,
    /// Their name.
    pub name: String,
    /// Their language (`nl`, `fr`, `de`, `en`).
    pub language: String,
    /// Their numbers, in the order they are tried.
    pub contact_points: Vec<ContactPoint>,
    /// How they prefer to be reached.
    pub channel: Channel,
    /// Their own quiet hours for non-urgent messages; `None` means the default.
    pub quiet_hours: Option<QuietHours>,
    /// Speech rate, 1.0 normal.
    pub speech_rate: f64,
    /// Whether they are called.
    pub status: MemberStatus,
    /// When they consented to be called (epoch ms), if recorded.
    pub consent_at: Option<i64>,
    /// When they were first imported.
    pub created_at: i64,
    /// When they were last changed.
    pub updated_at: i64,
}

/// One telephone number of a member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactPoint {
    /// Landline or mobile.
    pub kind: ContactKind,
    /// E.164, e.g. `+32470000001`.
    pub number: String,
}

pub(super) const COLUMNS: &str = "m.id, m.name, m.language, m.channel, m.quiet_start, m.quiet_end, \
                       m.speech_rate, m.status, m.consent_at, m.created_at, m.updated_at";

impl Store {
    /// Every member of a network, by name.
    pub async fn members(&self, network: &NetworkId) -> Result<Vec<Member>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS}, nm.external_id FROM members m \
             JOIN network_members nm ON nm.member_id = m.id \
             WHERE nm.network_id = $1 ORDER BY m.name, m.id"
        );
        let rows: Vec<AnyRow> = sqlx::query(&sql)
            .bind(network.as_str())
            .fetch_all(&self.pool)
            .await?;
        let mut numbers = self.network_contact_points(network).await?;
        rows.iter()
            .map(|row| member_from(row, &mut numbers))
            .collect()
    }

    /// A page of a network's members by name (`limit` from `offset`), and how many members
    /// the network has in all.
    pub async fn member_page(
        &self,
        network: &NetworkId,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<Member>, u64), StoreError> {
        let total: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM network_members WHERE network_id = $1")
                .bind(network.as_str())
                .fetch_one(&self.pool)
                .await?;
        let sql = format!(
            "SELECT {COLUMNS}, nm.external_id FROM members m \
             JOIN network_members nm ON nm.member_id = m.id \
             WHERE nm.network_id = $1 ORDER BY m.name, m.id LIMIT $2 OFFSET $3"
        );
        let rows: Vec<AnyRow> = sqlx::query(&sql)
            .bind(network.as_str())
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .bind(i64::try_from(offset).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await?;
        let ids = rows
            .iter()
            .map(|row| get::<String>(row, "id"))
            .collect::<Result<Vec<_>, _>>()?;
        let mut numbers = self.contact_points_of(&ids).await?;
        let members = rows
            .iter()
            .map(|row| member_from(row, &mut numbers))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((members, u64::try_from(total).unwrap_or(0)))
    }

    /// One member, if they exist.
    pub async fn member(&self, id: &MemberId) -> Result<Option<Member>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS}, CAST(NULL AS TEXT) AS external_id FROM members m WHERE m.id = $1"
        );
        let Some(row) = sqlx::query(&sql)
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let rows: Vec<AnyRow> = sqlx::query(
            "SELECT member_id, kind, number FROM contact_points WHERE member_id = $1 \
             ORDER BY position",
        )
        .bind(id.as_str())
        .fetch_all(&self.pool)
        .await?;
        let mut numbers = group_contact_points(&rows)?;
        member_from(&row, &mut numbers).map(Some)
    }

    /// Suspends, reactivates or retires a member; false when there is no such member.
    pub async fn set_member_status(
        &self,
        id: &MemberId,
        status: MemberStatus,
        now: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE members SET status = $1, updated_at = $2 WHERE id = $3")
            .bind(status.as_str())
            .bind(now)
            .bind(id.as_str())
            .execute(&self.pool)
            .await?;
        let changed = done.rows_affected() == 1;
        if changed {
            self.count_write();
        }
        Ok(changed)
    }

    async fn network_contact_points(
        &self,
        network: &NetworkId,
    ) -> Result<HashMap<String, Vec<ContactPoint>>, StoreError> {
        let rows: Vec<AnyRow> = sqlx::query(
            "SELECT cp.member_id, cp.kind, cp.number FROM contact_points cp \
             JOIN network_members nm ON nm.member_id = cp.member_id \
             WHERE nm.network_id = $1 ORDER BY cp.member_id, cp.position",
        )
        .bind(network.as_str())
        .fetch_all(&self.pool)
        .await?;
        group_contact_points(&rows)
    }
}

/// Contact points of rows `(member_id, kind, number)` in position order, by member.
pub(super) fn group_contact_points(
    rows: &[AnyRow],
) -> Result<HashMap<String, Vec<ContactPoint>>, StoreError> {
    let mut by_member: HashMap<String, Vec<ContactPoint>> = HashMap::new();
    for row in rows {
        let point = ContactPoint {
            kind: parse(row, "contact_points", "kind")?,
            number: get(row, "number")?,
        };
        by_member
            .entry(get(row, "member_id")?)
            .or_default()
            .push(point);
    }
    Ok(by_member)
}

/// Reads the quiet hours pair of columns `quiet_start`, `quiet_end`.
pub(super) fn quiet_hours_from(row: &AnyRow) -> Result<Option<QuietHours>, StoreError> {
    let start: Option<u16> = narrow(row, "members", "quiet_start")?;
    let end: Option<u16> = narrow(row, "members", "quiet_end")?;
    Ok(start.zip(end).map(|(start, end)| QuietHours { start, end }))
}

/// A member from a row of [`COLUMNS`] and `external_id`, taking their contact points.
pub(super) fn member_from(
    row: &AnyRow,
    numbers: &mut HashMap<String, Vec<ContactPoint>>,
) -> Result<Member, StoreError> {
    let id: String = get(row, "id")?;
    Ok(Member {
        contact_points: numbers.remove(&id).unwrap_or_default(),
        id: MemberId(id),
        external_id: get(row, "external_id")?,
        name: get(row, "name")?,
        language: get(row, "language")?,
        channel: parse(row, "members", "channel")?,
        quiet_hours: quiet_hours_from(row)?,
        speech_rate: get(row, "speech_rate")?,
        status: parse(row, "members", "status")?,
        consent_at: get(row, "consent_at")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
    })
}
