//! `/v1/networks`: the networks (BIN) a token covers, and new ones for admins.
//!
//! A network is named by its id or its name wherever a path takes one. One a token does not
//! cover answers 404, as one that does not exist: a token learns nothing of other networks.
//! A network lists the languages its members need (bilingual Brussels, the municipalities
//! with language facilities): every alert to it must carry a text in each.

use super::ApiState;
use super::access::{Action, allows, sees_any};
use super::auth::Operator;
use super::body::JsonBody;
use super::problem::{ApiError, FieldProblem, Problem};
use super::views::time;
use crate::number::to_e164;
use crate::store::{
    AreaScheme, LANGUAGES, Network, NetworkArea, NetworkId, NetworkKind, NewNetwork, StoreError,
    missing_languages,
};
use crate::telephony::clock::epoch_ms;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The longest network name.
const MAX_NAME: usize = 100;

/// A network.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NetworkView {
    /// Its id.
    pub id: String,
    /// Its unique name, e.g. `BIN Teststraat`.
    pub name: String,
    /// `residential`, `business` or `rural`.
    pub kind: String,
    /// The police zone that activates it.
    pub police_zone: String,
    /// Its default language (`nl`, `fr`, `de`, `en`).
    pub language: String,
    /// The languages its members need: every alert to it carries a text in each.
    pub languages: Vec<String>,
    /// The number members see when called, E.164 (empty when not set).
    pub caller_id: String,
    /// Its urgent alerts wait for a second person's approval
    /// (`POST /v1/alerts/{id}/approve`).
    pub urgent_approval: bool,
    /// The NIS (INS) municipality codes it covers: a CAP alert with one of them in a
    /// `<geocode>` reaches it.
    pub nis_codes: Vec<String>,
    /// The postal codes it covers, likewise.
    pub postal_codes: Vec<String>,
    /// Who its texts are from when not the gateway's `[sms] sender`: a number or short code
    /// members can reply to, or an alphanumeric ID of at most 11 characters.
    pub sms_sender: Option<String>,
    /// When it was created.
    pub created_at: String,
}

impl NetworkView {
    /// The view of a stored network.
    pub fn of(network: &Network) -> NetworkView {
        NetworkView {
            id: network.id.to_string(),
            name: network.name.clone(),
            kind: network.kind.as_str().to_owned(),
            police_zone: network.police_zone.clone(),
            language: network.language.clone(),
            languages: network.languages.clone(),
            caller_id: network.caller_id.clone(),
            urgent_approval: network.urgent_approval,
            nis_codes: Vec::new(),
            postal_codes: Vec::new(),
            sms_sender: network.sms_sender.clone(),
            created_at: time(network.created_at),
        }
    }

    /// The view with the codes it covers.
    pub fn with_areas<'a>(mut self, areas: impl IntoIterator<Item = &'a NetworkArea>) -> Self {
        for area in areas {
            match area.scheme {
                AreaScheme::Nis => self.nis_codes.push(area.code.clone()),
                AreaScheme::Postal => self.postal_codes.push(area.code.clone()),
            }
        }
        self
    }
}

/// The codes a network covers, as a request gives them.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AreasRequest {
    /// NIS (INS) municipality codes, five digits, e.g. `["11002"]`.
    #[serde(default)]
    pub nis_codes: Vec<String>,
    /// Postal codes, four digits, e.g. `["2000", "2018"]`.
    #[serde(default)]
    pub postal_codes: Vec<String>,
}

impl AreasRequest {
    /// The codes, or each one that is not a code.
    fn checked(&self, errors: &mut Vec<FieldProblem>) -> Vec<NetworkArea> {
        let mut areas = Vec::new();
        let lists = [
            ("nis_codes", AreaScheme::Nis, 5, &self.nis_codes),
            ("postal_codes", AreaScheme::Postal, 4, &self.postal_codes),
        ];
        for (field, scheme, digits, codes) in lists {
            for (i, code) in codes.iter().enumerate() {
                let code = code.trim();
                if code.len() != digits || !code.bytes().all(|b| b.is_ascii_digit()) {
                    errors.push(FieldProblem {
                        field: format!("{field}[{i}]"),
                        reason: format!("`{code}` is not {digits} digits"),
                    });
                    continue;
                }
                let area = NetworkArea {
                    scheme,
                    code: code.to_owned(),
                };
                if !areas.contains(&area) {
                    areas.push(area);
                }
            }
        }
        areas
    }
}

/// A network to create.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkRequest {
    /// Its unique name.
    pub name: String,
    /// `residential` (default), `business` or `rural`.
    #[serde(default)]
    pub kind: Option<String>,
    /// The police zone that activates it.
    #[serde(default)]
    pub police_zone: String,
    /// Its default language (default `nl`).
    #[serde(default)]
    pub language: Option<String>,
    /// The languages its members need (default none), e.g. `["nl", "fr"]`.
    #[serde(default)]
    pub languages: Vec<String>,
    /// The number members see when called, e.g. `+3220000000`.
    #[serde(default)]
    pub caller_id: Option<String>,
    /// Its urgent alerts wait for a second person's approval (default no).
    #[serde(default)]
    pub urgent_approval: bool,
    /// The NIS municipality codes it covers (CAP `<geocode>`), e.g. `["11002"]`.
    #[serde(default)]
    pub nis_codes: Vec<String>,
    /// The postal codes it covers (CAP `<geocode>`), e.g. `["2000"]`.
    #[serde(default)]
    pub postal_codes: Vec<String>,
    /// Who its texts are from (default the gateway's `[sms] sender`): `+3233000000`, `8810`
    /// or `BIN-Kessel` (at most 11 letters, digits and `-._&`, to which nobody can reply).
    #[serde(default)]
    pub sms_sender: Option<String>,
}

/// The networks this token covers, by name.
#[utoipa::path(
    get, path = "/v1/networks", tag = "networks",
    responses(
        (status = 200, body = Vec<NetworkView>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    State(state): State<ApiState>,
    operator: Operator,
) -> Result<Json<Vec<NetworkView>>, ApiError> {
    if !allows(operator.token.role, Action::ReadNetworks) {
        return Err(ApiError::forbidden("this token may not read networks"));
    }
    let networks = state.store().networks().await?;
    let areas = state.store().all_network_areas().await?;
    Ok(Json(
        networks
            .iter()
            .filter(|n| sees_any(&operator.token, std::slice::from_ref(&n.id)))
            .map(|n| {
                let own = areas.iter().filter(|(id, _)| *id == n.id).map(|(_, a)| a);
                NetworkView::of(n).with_areas(own)
            })
            .collect(),
    ))
}

/// Creates a network (admin tokens only).
#[utoipa::path(
    post, path = "/v1/networks", tag = "networks",
    request_body = NetworkRequest,
    responses(
        (status = 201, description = "Created", body = NetworkView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A network has this name", body = Problem,
            content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn create(
    State(state): State<ApiState>,
    operator: Operator,
    JsonBody(request): JsonBody<NetworkRequest>,
) -> Result<Response, ApiError> {
    if !allows(operator.token.role, Action::CreateNetwork) {
        return Err(ApiError::forbidden("only an admin token creates networks"));
    }
    let approval = request.urgent_approval;
    let (network, languages, areas, sms_sender) = checked(request)?;
    let name = network.name.clone();
    let mut network = state
        .store()
        .create_network_speaking(network, languages, epoch_ms())
        .await
        .map_err(|e| match e {
            StoreError::NetworkNameTaken(_) => {
                ApiError::conflict(format!("a network named `{name}` exists"))
            }
            other => ApiError::from(other),
        })?;
    if approval {
        state.store().set_urgent_approval(&network.id, true).await?;
        network.urgent_approval = true;
    }
    state.store().set_network_areas(&network.id, &areas).await?;
    if let Some(sender) = sms_sender {
        state
            .store()
            .set_sms_sender(&network.id, Some(&sender))
            .await?;
        network.sms_sender = Some(sender);
    }
    let entry = operator.audit("networks.create", Some(&network.id), None);
    state.store().audit(&entry).await?;
    let location = format!("/v1/networks/{}", network.id);
    let view = NetworkView::of(&network).with_areas(&areas);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(view),
    )
        .into_response())
}

/// One network, by id or name.
#[utoipa::path(
    get, path = "/v1/networks/{id}", tag = "networks",
    params(("id" = String, Path, description = "The network's id or name")),
    responses(
        (status = 200, body = NetworkView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn get(
    State(state): State<ApiState>,
    operator: Operator,
    Path(id): Path<String>,
) -> Result<Json<NetworkView>, ApiError> {
    let network = visible(&state, &operator, &id, Action::ReadNetworks).await?;
    let areas = state.store().network_areas(&network.id).await?;
    Ok(Json(NetworkView::of(&network).with_areas(&areas)))
}

/// Sets the NIS and postal codes a network covers (admin tokens only): a CAP alert with one
/// of them in a `<geocode>` reaches it.
#[utoipa::path(
    put, path = "/v1/networks/{id}/areas", tag = "networks",
    params(("id" = String, Path, description = "The network's id or name")),
    request_body = AreasRequest,
    responses(
        (status = 200, description = "Set", body = NetworkView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn set_areas(
    State(state): State<ApiState>,
    operator: Operator,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<AreasRequest>,
) -> Result<Json<NetworkView>, ApiError> {
    let network = visible(&state, &operator, &id, Action::CreateNetwork).await?;
    let mut errors = Vec::new();
    let areas = request.checked(&mut errors);
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    state.store().set_network_areas(&network.id, &areas).await?;
    let entry = operator.audit("networks.areas", Some(&network.id), None);
    state.store().audit(&entry).await?;
    let areas = state.store().network_areas(&network.id).await?;
    Ok(Json(NetworkView::of(&network).with_areas(&areas)))
}

/// The network named `id` (an id or a name) if the role may do `action` and the token covers
/// it: 403 for the role, 404 alike for a network that does not exist and one not covered.
pub async fn visible(
    state: &ApiState,
    operator: &Operator,
    id: &str,
    action: Action,
) -> Result<Network, ApiError> {
    if !allows(operator.token.role, action) {
        return Err(ApiError::forbidden(format!(
            "a {} token may not do this",
            operator.token.role
        )));
    }
    let store = state.store();
    let network = match store.network(&NetworkId::from(id)).await? {
        Some(network) => Some(network),
        None => store.network_by_name(id).await?,
    };
    match network {
        Some(network) if sees_any(&operator.token, std::slice::from_ref(&network.id)) => {
            Ok(network)
        }
        _ => Err(ApiError::not_found(format!("no network {id}"))),
    }
}

/// 422 on `texts` naming each language the networks need that has no message (`given`: the
/// languages with a text or a recording).
pub async fn needed_languages(
    state: &ApiState,
    ids: &[NetworkId],
    given: &[&str],
) -> Result<(), ApiError> {
    let mut networks = Vec::new();
    for id in ids {
        networks.extend(state.store().network(id).await?);
    }
    let missing = missing_languages(&networks, given);
    if missing.is_empty() {
        return Ok(());
    }
    let needing: Vec<&str> = networks
        .iter()
        .filter(|n| n.languages.iter().any(|l| missing.contains(l)))
        .map(|n| n.name.as_str())
        .collect();
    Err(ApiError::field(
        "texts",
        format!(
            "no text in {}, which {} need(s): give the message in each",
            missing.join(", "),
            needing.join(", ")
        ),
    ))
}

/// A network to create, its languages, its areas and its own SMS sender.
type Checked = (NewNetwork, Vec<String>, Vec<NetworkArea>, Option<String>);

/// The network to create, its languages, its areas and its SMS sender, or every field that
/// is wrong.
fn checked(request: NetworkRequest) -> Result<Checked, ApiError> {
    let areas = AreasRequest {
        nis_codes: request.nis_codes.clone(),
        postal_codes: request.postal_codes.clone(),
    };
    let mut errors = Vec::new();
    let areas = areas.checked(&mut errors);
    let mut wrong = |field: &str, reason: String| {
        errors.push(FieldProblem {
            field: field.to_owned(),
            reason,
        });
    };
    let name = request.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        wrong("name", format!("give 1 to {MAX_NAME} printable characters"));
    }
    let kind = match request.kind.as_deref().unwrap_or("residential").parse() {
        Ok(kind) => kind,
        Err(_) => {
            wrong("kind", "residential, business or rural".to_owned());
            NetworkKind::Residential
        }
    };
    let language = request.language.unwrap_or_else(|| "nl".to_owned());
    if !LANGUAGES.contains(&language.as_str()) {
        wrong("language", unknown_language(&language));
    }
    for (i, code) in request.languages.iter().enumerate() {
        if !LANGUAGES.contains(&code.as_str()) {
            wrong(&format!("languages[{i}]"), unknown_language(code));
        } else if request.languages[..i].contains(code) {
            wrong(
                &format!("languages[{i}]"),
                format!("`{code}` is listed twice"),
            );
        }
    }
    let caller_id = match request.caller_id.as_deref().map(str::trim) {
        None | Some("") => String::new(),
        Some(number) => to_e164(number).unwrap_or_else(|e| {
            wrong("caller_id", e.to_string());
            String::new()
        }),
    };
    let sms_sender = match request.sms_sender.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => match crate::sms::sender::parse(text) {
            Ok(sender) => Some(sender.as_str().to_owned()),
            Err(e) => {
                wrong("sms_sender", e.to_string());
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let network = NewNetwork {
        name,
        kind,
        police_zone: request.police_zone.trim().to_owned(),
        language,
        caller_id,
        ring_timeout_ms: None,
        retry_policy: None,
    };
    Ok((network, request.languages, areas, sms_sender))
}

fn unknown_language(code: &str) -> String {
    format!("`{code}` is not a language the chain speaks (nl, fr, de, en)")
}
