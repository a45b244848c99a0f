//! Which networks a CAP alert reaches: those named with `buurtbel:networks` (by name or id)
//! and those covering a NIS or postal code of one of its `<area>`s. `<areaDesc>` is only a
//! description. When no network is named, an area whose codes no network covers, or that
//! has none a network can cover, is refused: an alert must never silently reach nobody.
//! Named networks stand for the area (its codes may be meant for other systems).

use super::ApiState;
use super::cap_reading::{Reading, label};
use super::problem::{ApiError, FieldProblem};
use crate::store::{LANGUAGES, NetworkId, missing_languages};
use serde::Serialize;
use utoipa::ToSchema;

/// What an `Actual` message would do (the answer to `Test` and `Draft`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Rehearsal {
    /// Always false: nobody was called.
    pub called: bool,
    /// `urgent` or `prevention`.
    pub kind: String,
    /// Members would hear it as an exercise.
    pub drill: bool,
    /// Each network with the members it would call.
    pub networks: Vec<NetworkReach>,
    /// Languages with a message (`nl`, `fr`, `de`, `en`).
    pub languages_present: Vec<String>,
    /// Languages the networks need that have none: an `Actual` message would be refused.
    pub languages_missing: Vec<String>,
}

/// A network and its active members.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NetworkReach {
    /// The network's name.
    pub name: String,
    /// Its members who would be called.
    pub members: i64,
}

/// The networks, each once: 422 naming each parameter or area that reaches none.
pub async fn targets(state: &ApiState, reading: &Reading) -> Result<Vec<NetworkId>, ApiError> {
    let store = state.store();
    let mut networks: Vec<NetworkId> = Vec::new();
    let mut problems = Vec::new();
    for (name, element) in &reading.named {
        let network = match store.network_by_name(name).await? {
            Some(network) => Some(network),
            None => store.network(&NetworkId::from(name.as_str())).await?,
        };
        match network {
            Some(network) if !networks.contains(&network.id) => networks.push(network.id),
            Some(_) => {}
            None => problems.push(FieldProblem {
                field: element.clone(),
                reason: format!("no network is named `{name}`"),
            }),
        }
    }
    for area in &reading.areas {
        if area.codes.is_empty() {
            if reading.named.is_empty() {
                problems.push(FieldProblem {
                    field: area.element.clone(),
                    reason: "has no NIS or postal <geocode> a network covers, and no network \
                             is named with buurtbel:networks"
                        .to_owned(),
                });
            }
            continue;
        }
        let mut covered = false;
        for code in &area.codes {
            for id in store.networks_covering(code).await? {
                covered = true;
                if !networks.contains(&id) {
                    networks.push(id);
                }
            }
        }
        if !covered && reading.named.is_empty() {
            let codes: Vec<String> = area
                .codes
                .iter()
                .map(|c| format!("{} {}", label(c.scheme), c.code))
                .collect();
            problems.push(FieldProblem {
                field: area.element.clone(),
                reason: format!("no network covers {}", codes.join(", ")),
            });
        }
    }
    if networks.is_empty() && problems.is_empty() {
        problems.push(FieldProblem {
            field: "alert/info".to_owned(),
            reason: "names no network: give an <area> with a NIS or postal <geocode>, or a \
                     <parameter> buurtbel:networks"
                .to_owned(),
        });
    }
    if problems.is_empty() {
        Ok(networks)
    } else {
        Err(ApiError::invalid(problems))
    }
}

/// What sending would do, read from the store; nothing is written.
pub async fn rehearse(
    state: &ApiState,
    reading: &Reading,
    networks: &[NetworkId],
) -> Result<Rehearsal, ApiError> {
    let store = state.store();
    let counts = store.active_members(networks).await?;
    let mut reach = Vec::new();
    let mut stored = Vec::new();
    for id in networks {
        let Some(network) = store.network(id).await? else {
            continue;
        };
        let members = counts
            .iter()
            .find(|(n, _)| n == id)
            .map_or(0, |(_, count)| *count);
        reach.push(NetworkReach {
            name: network.name.clone(),
            members,
        });
        stored.push(network);
    }
    let present: Vec<&str> = LANGUAGES
        .iter()
        .copied()
        .filter(|code| reading.texts.iter().any(|t| t.language.code() == *code))
        .collect();
    Ok(Rehearsal {
        called: false,
        kind: reading.kind.as_str().to_owned(),
        drill: reading.drill,
        networks: reach,
        languages_present: present.iter().map(|c| (*c).to_owned()).collect(),
        languages_missing: missing_languages(&stored, &present),
    })
}
