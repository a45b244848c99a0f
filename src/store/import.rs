//! Importing members into a network.
//!
//! # Who is the same member
//! A number may be shared by several members (a household landline), so a number alone does
//! not say who someone is (the rule is [`crate::members::identity`]). Each member imported
//! is, in this order:
//! 1. the member of the network with the same `external_id` (the coordinator's own id, unique
//!    within the network), when it has one;
//! 2. else the member with the same name (without case and spacing) and first number, in any
//!    network, unless they have another `external_id` in this network;
//! 3. else, for a member without `external_id` whose first number is the first number of
//!    exactly one member of the network and of no other member of this import, that member:
//!    a corrected name updates, as it did when the first number alone identified a member;
//! 4. else a new member.
//!
//! A found member is updated (name, language, channel, quiet hours, speech rate, status,
//! contact points; consent only when the import gives one; their `external_id` when given)
//! and added to the network. So importing a corrected file again changes nothing twice, a
//! household is several members sharing one contact point, and someone in two networks is
//! one member who gets one delivery per alert. Two members of one import that are the same
//! member, or that both come to the same stored member, are refused
//! ([`MemberProblem::SameMember`]): the later would silently overwrite the earlier.
//!
//! # All or nothing
//! [`Store::import_members`] checks and writes every member in one transaction; the first
//! invalid member rolls the whole import back, and the error says which one.

use super::error::MemberProblem;
use super::identify::{self, Found};
use super::members::ContactPoint;
use super::model::{Channel, LANGUAGES, MemberId, MemberStatus, NetworkId, QuietHours};
use super::rows::{new_id, placeholders};
use super::{Backend, Store, StoreError};
use crate::members::MAX_MEMBER_ID;
use crate::members::identity::{self, Identity};
use sqlx::{Any, Transaction};
use std::collections::{BTreeSet, HashMap};

/// A member to import.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMember {
    /// The coordinator's own id for them in the network imported into, if any.
    pub external_id: Option<String>,
    /// Their name.
    pub name: String,
    /// Their language.
    pub language: String,
    /// Their numbers in order; with the name, the first identifies them when there is no
    /// `external_id`.
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
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// The member each input became, in input order.
    pub members: Vec<MemberId>,
    /// How many were new.
    pub created: usize,
    /// How many changed an existing member, or added one to the network.
    pub updated: usize,
    /// How many were in the network already, exactly as imported.
    pub unchanged: usize,
    /// Numbers through which more than one member of this import is reached.
    pub shared_numbers: usize,
    /// Members of this import reached through such a number.
    pub members_sharing: usize,
}

impl Store {
    /// Imports members into a network: all in one transaction, or none. A member found
    /// unchanged and already in the network is not written again.
    pub async fn import_members(
        &self,
        network: &NetworkId,
        members: Vec<NewMember>,
        now: i64,
    ) -> Result<ImportSummary, StoreError> {
        for (index, member) in members.iter().enumerate() {
            check(member).map_err(|problem| StoreError::InvalidMember { index, problem })?;
        }
        if let Some(repeat) = identity::repeats(members.iter().map(identity_of)).first() {
            return Err(same_member(repeat.index, repeat.earlier));
        }
        let mut tx = self.begin_write().await?;
        self.require_network(&mut tx, network).await?;
        let found = match identify::find_members(&mut tx, network, &members).await? {
            Ok(found) => found,
            Err((index, earlier)) => return Err(same_member(index, earlier)),
        };
        let ids: Vec<&str> = found.iter().flatten().map(String::as_str).collect();
        let before = identify::stored(&mut tx, network, &ids).await?;
        let mut summary = ImportSummary::default();
        for (member, existing) in members.iter().zip(&found) {
            let existing = existing.as_ref().and_then(|id| before.get(id));
            let id = write(&mut tx, network, member, existing, now).await?;
            match existing {
                None => summary.created += 1,
                Some(found) if unchanged(found, member) => summary.unchanged += 1,
                Some(_) => summary.updated += 1,
            }
            summary.members.push(id);
        }
        self.commit(tx).await?;
        self.gather_statistics().await;
        (summary.shared_numbers, summary.members_sharing) = sharing(&members, &summary.members);
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

    /// The planner pages through a network's members well on PostgreSQL only when it knows
    /// how many there are; autovacuum may be off or not yet round.
    async fn gather_statistics(&self) {
        if self.backend() != Backend::Postgres {
            return;
        }
        let analysed = sqlx::query("ANALYZE members, network_members, contact_points")
            .execute(&self.pool)
            .await;
        if let Err(e) = analysed {
            tracing::warn!(error = %e, "the members are imported; gathering statistics failed");
        }
    }
}

fn identity_of(member: &NewMember) -> Identity<'_> {
    Identity {
        member_id: member.external_id.as_deref(),
        name: &member.name,
        first_number: member
            .contact_points
            .first()
            .map_or("", |p| p.number.as_str()),
    }
}

fn same_member(index: usize, earlier: usize) -> StoreError {
    StoreError::InvalidMember {
        index,
        problem: MemberProblem::SameMember(earlier),
    }
}

pub(super) fn check(member: &NewMember) -> Result<(), MemberProblem> {
    if member.name.trim().is_empty() {
        return Err(MemberProblem::NoName);
    }
    if let Some(id) = &member.external_id {
        let printable = !id.trim().is_empty() && !id.chars().any(char::is_control);
        if !printable || id.chars().count() > MAX_MEMBER_ID {
            return Err(MemberProblem::BadExternalId);
        }
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

/// Numbers with more than one member of the import, and how many members they reach.
fn sharing(members: &[NewMember], ids: &[MemberId]) -> (usize, usize) {
    let mut by_number: HashMap<&str, BTreeSet<&MemberId>> = HashMap::new();
    for (member, id) in members.iter().zip(ids) {
        for point in &member.contact_points {
            by_number
                .entry(point.number.as_str())
                .or_default()
                .insert(id);
        }
    }
    let shared: Vec<&BTreeSet<&MemberId>> = by_number
        .values()
        .filter(|reached| reached.len() > 1)
        .collect();
    let reached: BTreeSet<&MemberId> = shared.iter().flat_map(|s| s.iter().copied()).collect();
    (shared.len(), reached.len())
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
    id: &MemberId,
    member: &NewMember,
    status: MemberStatus,
    now: i64,
) -> Result<(), StoreError> {
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
    .bind(status.as_str())
    .bind(member.consent_at)
    .bind(now)
    .bind(id.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Inserts, updates or leaves the member; their id.
async fn write(
    tx: &mut Transaction<'static, Any>,
    network: &NetworkId,
    member: &NewMember,
    existing: Option<&Found>,
    now: i64,
) -> Result<MemberId, StoreError> {
    let id = match existing {
        Some(found) if unchanged(found, member) => return Ok(found.member.id.clone()),
        Some(found) => {
            let status = status_after(found.member.status, member.status);
            update(tx, &found.member.id, member, status, now).await?;
            found.member.id.clone()
        }
        None => MemberId(insert(tx, member, now).await?),
    };
    replace_contact_points(tx, id.as_str(), &member.contact_points).await?;
    join(tx, network, &id, member.external_id.as_deref(), now).await?;
    Ok(id)
}

/// A list does not know about suspensions (they are set by hand), so importing an active
/// member keeps a suspension; someone who had left and is imported again is back.
fn status_after(stored: MemberStatus, imported: MemberStatus) -> MemberStatus {
    match (stored, imported) {
        (MemberStatus::Suspended, MemberStatus::Active) => MemberStatus::Suspended,
        (_, imported) => imported,
    }
}

/// In the network already, and the import would change nothing.
fn unchanged(found: &Found, new: &NewMember) -> bool {
    let stored = &found.member;
    found.in_network
        && stored.name == new.name
        && stored.language == new.language
        && stored.contact_points == new.contact_points
        && stored.channel == new.channel
        && stored.quiet_hours == new.quiet_hours
        && stored.speech_rate == new.speech_rate
        && stored.status == status_after(stored.status, new.status)
        && new
            .consent_at
            .is_none_or(|at| stored.consent_at == Some(at))
        && new
            .external_id
            .as_ref()
            .is_none_or(|id| stored.external_id.as_ref() == Some(id))
}

pub(super) fn quiet_columns(quiet: Option<QuietHours>) -> (Option<i64>, Option<i64>) {
    quiet.map_or((None, None), |q| (Some(q.start.into()), Some(q.end.into())))
}

pub(super) async fn replace_contact_points(
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

/// Adds the member to the network; an `external_id` given replaces the one stored, none
/// keeps it (a file without the column does not forget the ids).
async fn join(
    tx: &mut Transaction<'static, Any>,
    network: &NetworkId,
    member: &MemberId,
    external_id: Option<&str>,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO network_members (network_id, member_id, joined_at, external_id) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (network_id, member_id) \
         DO UPDATE SET external_id = COALESCE(excluded.external_id, network_members.external_id)",
    )
    .bind(network.as_str())
    .bind(member.as_str())
    .bind(now)
    .bind(external_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
