//! Importing members into a network.
//!
//! # Who is the same member
//! A member is identified by their *first* contact point: the migrations make the number at
//! position 0 unique across all members. Importing a member whose first number is already
//! someone's first number updates that member (name, language, channel, quiet hours, speech
//! rate, status, contact points; consent only when the import gives one) and adds them to the
//! network, instead of creating a second member. So importing a corrected file again changes
//! nothing twice, a household on one landline is called once, and someone in two networks
//! is one member who gets one delivery per alert even when both networks are targeted.
//! Two inputs of one import with the same first number are one member: the later one wins.
//!
//! # All or nothing
//! [`Store::import_members`] checks and writes every member in one transaction; the first
//! invalid member rolls the whole import back, and the error says which one.

use super::error::MemberProblem;
use super::members::ContactPoint;
use super::model::{Channel, LANGUAGES, MemberId, MemberStatus, NetworkId, QuietHours};
use super::rows::{new_id, placeholders};
use super::{Backend, Store, StoreError};
use sqlx::{Any, Transaction};

/// A member to import.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMember {
    /// Their name.
    pub name: String,
    /// Their language.
    pub language: String,
    /// Their numbers in order; the first identifies them.
    pub contact_points: Vec<ContactPoint>,
    /// How they prefer to be reached.
    pub channel: Channel,
    /// Their own quiet hours, or `None` for the default.
    pub quiet_hours: Option<QuietHours>,
    /// Speech rate, 0.5–2.0.
    pub speech_rate: f64,
    /// Usually [`MemberStatus::Active`].
    pub status: MemberStatus,
    /// When they consented, if known.
    pub consent_at: Option<i64>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    /// The member each input became, in input order.
    pub members: Vec<MemberId>,
    /// How many were new.
    pub created: usize,
    /// How many updated an existing member with the same first number.
    pub updated: usize,
}

impl Store {
    /// Imports members into a network: all in one transaction, or none.
    pub async fn import_members(
        &self,
        network: &NetworkId,
        members: Vec<NewMember>,
        now: i64,
    ) -> Result<ImportSummary, StoreError> {
        let mut tx = self.begin_write().await?;
        self.require_network(&mut tx, network).await?;
        let mut summary = ImportSummary {
            members: Vec::new(),
            created: 0,
            updated: 0,
        };
        for (index, member) in members.iter().enumerate() {
            check(member).map_err(|problem| StoreError::InvalidMember { index, problem })?;
            let (id, created) = upsert(&mut tx, member, now).await?;
            join(&mut tx, network, &id, now).await?;
            summary.created += usize::from(created);
            summary.updated += usize::from(!created);
            summary.members.push(id);
        }
        self.commit(tx).await?;
        if self.backend() == Backend::Postgres {
            // The planner pages through a network's members well only when it knows how
            // many there are; autovacuum may be off or not yet round.
            let analysed = sqlx::query("ANALYZE members, network_members, contact_points")
                .execute(&self.pool)
                .await;
            if let Err(e) = analysed {
                tracing::warn!(error = %e, "the members are imported; gathering statistics failed");
            }
        }
        Ok(summary)
    }

    pub(super) async fn require_network(
        &self,
        tx: &mut Transaction<'static, Any>,
        network: &NetworkId,
    ) -> Result<(), StoreError> {
        let found: Option<String> = sqlx::query_scalar("SELECT id FROM networks WHERE id = $1")
            .bind(network.as_str())
            .fetch_optional(&mut **tx)
            .await?;
        found
            .map(|_| ())
            .ok_or_else(|| StoreError::UnknownNetwork(network.clone()))
    }
}

fn check(member: &NewMember) -> Result<(), MemberProblem> {
    if member.name.trim().is_empty() {
        return Err(MemberProblem::NoName);
    }
    if member.contact_points.is_empty() {
        return Err(MemberProblem::NoContactPoint);
    }
    for (i, point) in member.contact_points.iter().enumerate() {
        if !is_e164(&point.number) {
            return Err(MemberProblem::BadNumber(point.number.clone()));
        }
        if member.contact_points[..i]
            .iter()
            .any(|p| p.number == point.number)
        {
            return Err(MemberProblem::RepeatedNumber(point.number.clone()));
        }
    }
    if !LANGUAGES.contains(&member.language.as_str()) {
        return Err(MemberProblem::BadLanguage(member.language.clone()));
    }
    if !(0.5..=2.0).contains(&member.speech_rate) {
        return Err(MemberProblem::BadSpeechRate(member.speech_rate));
    }
    match member.quiet_hours {
        Some(QuietHours { start, end }) if start > 1439 || end > 1439 => {
            Err(MemberProblem::BadQuietHours(start, end))
        }
        _ => Ok(()),
    }
}

/// `+` and 8–15 digits, not starting with 0.
fn is_e164(number: &str) -> bool {
    number.strip_prefix('+').is_some_and(|digits| {
        (8..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0')
    })
}

/// Inserts the member, or updates the one whose first number matches; true when created.
async fn upsert(
    tx: &mut Transaction<'static, Any>,
    member: &NewMember,
    now: i64,
) -> Result<(MemberId, bool), StoreError> {
    let first = member.contact_points.first().map(|p| p.number.as_str());
    let existing: Option<String> = sqlx::query_scalar(
        "SELECT member_id FROM contact_points WHERE position = 0 AND number = $1",
    )
    .bind(first)
    .fetch_optional(&mut **tx)
    .await?;
    let created = existing.is_none();
    let id = match existing {
        Some(id) => update(tx, id, member, now).await?,
        None => insert(tx, member, now).await?,
    };
    replace_contact_points(tx, &id, &member.contact_points).await?;
    Ok((MemberId(id), created))
}

async fn insert(
    tx: &mut Transaction<'static, Any>,
    member: &NewMember,
    now: i64,
) -> Result<String, StoreError> {
    let id = new_id();
    let (start, end) = quiet_columns(member.quiet_hours);
    sqlx::query(
        "INSERT INTO members (id, name, language, channel, quiet_start, quiet_end, \
         speech_rate, status, consent_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
    )
    .bind(&id)
    .bind(&member.name)
    .bind(&member.language)
    .bind(member.channel.as_str())
    .bind(start)
    .bind(end)
    .bind(member.speech_rate)
    .bind(member.status.as_str())
    .bind(member.consent_at)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

async fn update(
    tx: &mut Transaction<'static, Any>,
    id: String,
    member: &NewMember,
    now: i64,
) -> Result<String, StoreError> {
    let (start, end) = quiet_columns(member.quiet_hours);
    sqlx::query(
        "UPDATE members SET name = $1, language = $2, channel = $3, quiet_start = $4, \
         quiet_end = $5, speech_rate = $6, status = $7, \
         consent_at = COALESCE($8, consent_at), updated_at = $9 WHERE id = $10",
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
    .bind(&id)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

fn quiet_columns(quiet: Option<QuietHours>) -> (Option<i64>, Option<i64>) {
    quiet.map_or((None, None), |q| (Some(q.start.into()), Some(q.end.into())))
}

async fn replace_contact_points(
    tx: &mut Transaction<'static, Any>,
    member: &str,
    points: &[ContactPoint],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM contact_points WHERE member_id = $1")
        .bind(member)
        .execute(&mut **tx)
        .await?;
    let rows: Vec<String> = (0..points.len())
        .map(|i| format!("($1, {})", placeholders(2 + 3 * i, 3)))
        .collect();
    let sql = format!(
        "INSERT INTO contact_points (member_id, position, kind, number) VALUES {}",
        rows.join(", ")
    );
    let mut query = sqlx::query(&sql).bind(member);
    for (position, point) in (0i64..).zip(points) {
        query = query
            .bind(position)
            .bind(point.kind.as_str())
            .bind(&point.number);
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

async fn join(
    tx: &mut Transaction<'static, Any>,
    network: &NetworkId,
    member: &MemberId,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO network_members (network_id, member_id, joined_at) VALUES ($1, $2, $3) \
         ON CONFLICT (network_id, member_id) DO NOTHING",
    )
    .bind(network.as_str())
    .bind(member.as_str())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
