//! Which stored member each member of an import is, by the rules of `import.rs` (the
//! coordinator's id in the network, else name and first number, else a corrected name), and
//! what those members look like now, so an import can leave an unchanged member untouched and
//! count it. Reads only, inside the import's transaction.

use super::StoreError;
use super::import::NewMember;
use super::members::{Member, group_contact_points, member_from};
use super::model::NetworkId;
use super::rows::{get, placeholders};
use crate::members::identity::name_key;
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};
use std::collections::{HashMap, HashSet};

/// A stored member as an import finds them.
#[derive(Debug, Clone)]
pub(super) struct Found {
    /// As stored, with their `external_id` in the network imported into.
    pub member: Member,
    /// Whether they are in that network already.
    pub in_network: bool,
}

/// Bound parameters per statement, far below both databases' limits.
const CHUNK: usize = 1000;

/// The stored member each input is, if any (rules 1 to 3 of `import.rs`), or the input that
/// comes to a stored member an earlier input came to, as `(later, earlier)`.
pub(super) async fn find_members(
    tx: &mut Transaction<'static, Any>,
    network: &NetworkId,
    members: &[NewMember],
) -> Result<Result<Vec<Option<String>>, (usize, usize)>, StoreError> {
    let mut found = Vec::with_capacity(members.len());
    let mut holders = Vec::with_capacity(members.len());
    for member in members {
        let of_first = first_number_holders(tx, network, first_number(member)).await?;
        found.push(same_identity(tx, network, member, &of_first).await?);
        holders.push(of_first);
    }
    let mut firsts: HashMap<&str, usize> = HashMap::new();
    for member in members {
        *firsts.entry(first_number(member)).or_default() += 1;
    }
    let mut taken: HashSet<String> = found.iter().flatten().cloned().collect();
    for ((member, slot), of_first) in members.iter().zip(found.iter_mut()).zip(&holders) {
        let first = first_number(member);
        if slot.is_some() || member.external_id.is_some() || firsts.get(first) != Some(&1) {
            continue;
        }
        if let Some(id) = renamed(of_first, &taken) {
            taken.insert(id.clone());
            *slot = Some(id);
        }
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (index, id) in found.iter().enumerate() {
        if let Some(id) = id {
            if let Some(&earlier) = seen.get(id.as_str()) {
                return Ok(Err((index, earlier)));
            }
            seen.insert(id, index);
        }
    }
    Ok(Ok(found))
}

/// These members as stored now, by id, each with their `external_id` in the network.
pub(super) async fn stored(
    tx: &mut Transaction<'static, Any>,
    network: &NetworkId,
    ids: &[&str],
) -> Result<HashMap<String, Found>, StoreError> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let list = placeholders(2, chunk.len());
        let sql = format!(
            "SELECT {}, nm.external_id, nm.member_id AS in_network FROM members m \
             LEFT JOIN network_members nm ON nm.member_id = m.id AND nm.network_id = $1 \
             WHERE m.id IN ({list})",
            super::members::COLUMNS
        );
        let points = format!(
            "SELECT member_id, kind, number FROM contact_points WHERE member_id IN ({}) \
             ORDER BY member_id, position",
            placeholders(1, chunk.len())
        );
        let mut query = sqlx::query(&sql).bind(network.as_str());
        let mut points_query = sqlx::query(&points);
        for id in chunk {
            query = query.bind(*id);
            points_query = points_query.bind(*id);
        }
        let rows = query.fetch_all(&mut **tx).await?;
        let mut numbers = group_contact_points(&points_query.fetch_all(&mut **tx).await?)?;
        for row in &rows {
            let in_network: Option<String> = get(row, "in_network")?;
            let member = member_from(row, &mut numbers)?;
            let in_network = in_network.is_some();
            found.insert(member.id.0.clone(), Found { member, in_network });
        }
    }
    Ok(found)
}

fn first_number(member: &NewMember) -> &str {
    member
        .contact_points
        .first()
        .map_or("", |p| p.number.as_str())
}

/// Rules 1 and 2: the member with this `external_id` in the network, else the one with this
/// name and first number who has no other `external_id` there.
async fn same_identity(
    tx: &mut Transaction<'static, Any>,
    network: &NetworkId,
    member: &NewMember,
    holders: &[Holder],
) -> Result<Option<String>, StoreError> {
    if let Some(external) = &member.external_id {
        let found: Option<String> = sqlx::query_scalar(
            "SELECT member_id FROM network_members WHERE network_id = $1 AND external_id = $2",
        )
        .bind(network.as_str())
        .bind(external)
        .fetch_optional(&mut **tx)
        .await?;
        if found.is_some() {
            return Ok(found);
        }
    }
    let key = name_key(&member.name);
    Ok(holders
        .iter()
        .find(|h| {
            name_key(&h.name) == key && (h.external_id.is_none() || member.external_id.is_none())
        })
        .map(|h| h.id.clone()))
}

/// Rule 3: the one member of the network whose first number this is, if no other input is
/// that member already.
fn renamed(holders: &[Holder], taken: &HashSet<String>) -> Option<String> {
    let in_network: Vec<&Holder> = holders.iter().filter(|h| h.in_network).collect();
    match in_network.as_slice() {
        [only] if !taken.contains(&only.id) => Some(only.id.clone()),
        _ => None,
    }
}

/// A stored member whose first number is the one looked for.
struct Holder {
    id: String,
    name: String,
    in_network: bool,
    /// Their `external_id` in the network imported into.
    external_id: Option<String>,
}

async fn first_number_holders(
    tx: &mut Transaction<'static, Any>,
    network: &NetworkId,
    first: &str,
) -> Result<Vec<Holder>, StoreError> {
    let rows: Vec<AnyRow> = sqlx::query(
        "SELECT m.id, m.name, nm.member_id AS in_network, nm.external_id \
         FROM contact_points cp JOIN members m ON m.id = cp.member_id \
         LEFT JOIN network_members nm ON nm.member_id = m.id AND nm.network_id = $1 \
         WHERE cp.number = $2 AND cp.position = 0 ORDER BY m.created_at, m.id",
    )
    .bind(network.as_str())
    .bind(first)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|row| {
            let in_network: Option<String> = get(row, "in_network")?;
            Ok(Holder {
                id: get(row, "id")?,
                name: get(row, "name")?,
                in_network: in_network.is_some(),
                external_id: get(row, "external_id")?,
            })
        })
        .collect()
}
