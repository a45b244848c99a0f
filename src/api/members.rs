//! Members: a network's list (paged) and new members under `/v1/networks/{id}/members`; one
//! member read, changed (details, numbers, status, consent) or erased under
//! `/v1/members/{id}`.
//!
//! Only admin and coordinator tokens touch members; police and viewer tokens get 403. A
//! member is seen and changed through any of their networks the token covers, and erased
//! only by a token that covers all of them (erasing takes them out of every network). Every
//! read and change writes an audit row naming the member by id, never by name. Erasing
//! pseudonymises (see `store::member_changes`): the alerts' counts stay as they were.

use super::ApiState;
use super::access::{Action, allows, first_outside, sees_any};
use super::auth::Operator;
use super::body::{JsonBody, QueryArgs};
use super::member_views::{MemberPatch, MemberRequest, MemberView, MembershipView};
use super::networks::visible;
use super::problem::{ApiError, Problem};
use crate::store::{Member, MemberId, MemberProblem, MemberStatus, NetworkId, StoreError};
use crate::telephony::clock::epoch_ms;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The most members one page holds.
const MAX_PAGE: u64 = 1000;

/// Which page of members.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Members to skip (the `next_offset` of the previous page).
    pub offset: Option<u64>,
    /// How many, at most 1000 (default 100).
    pub limit: Option<u64>,
}

/// One page of a network's members, by name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberPage {
    /// The members on this page.
    pub members: Vec<MemberView>,
    /// Members in the network, every status.
    pub total: u64,
    /// The `offset` of the next page; absent on the last.
    pub next_offset: Option<u64>,
}

/// A network's members, by name, a page at a time.
#[utoipa::path(
    get, path = "/v1/networks/{id}/members", tag = "members",
    params(("id" = String, Path, description = "The network's id or name"), PageQuery),
    responses(
        (status = 200, body = MemberPage),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    State(state): State<ApiState>,
    operator: Operator,
    Path(id): Path<String>,
    QueryArgs(page): QueryArgs<PageQuery>,
) -> Result<Json<MemberPage>, ApiError> {
    let network = visible(&state, &operator, &id, Action::ReadMembers).await?;
    let offset = page.offset.unwrap_or(0);
    let limit = page.limit.unwrap_or(100).clamp(1, MAX_PAGE);
    let (members, total) = state
        .store()
        .member_page(&network.id, offset, limit)
        .await?;
    let next = offset.saturating_add(members.len() as u64);
    let entry = operator.audit("members.list", Some(&network.id), None);
    state.store().audit(&entry).await?;
    Ok(Json(MemberPage {
        next_offset: (next < total && !members.is_empty()).then_some(next),
        total,
        members: members.iter().map(MemberView::of).collect(),
    }))
}

/// Adds a member to a network; someone already known is updated and added instead.
#[utoipa::path(
    post, path = "/v1/networks/{id}/members", tag = "members",
    params(("id" = String, Path, description = "The network's id or name")),
    request_body = MemberRequest,
    responses(
        (status = 201, description = "A new member", body = MemberView),
        (status = 200, description = "A member already known, updated and in the network",
            body = MemberView),
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
pub async fn create(
    State(state): State<ApiState>,
    operator: Operator,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<MemberRequest>,
) -> Result<Response, ApiError> {
    let network = visible(&state, &operator, &id, Action::ChangeMembers).await?;
    let member = request.checked()?;
    let summary = state
        .store()
        .import_members(&network.id, vec![member], epoch_ms())
        .await
        .map_err(refused)?;
    let Some(member_id) = summary.members.first() else {
        return Err(ApiError::from(StoreError::UnknownNetwork(network.id)));
    };
    let entry = operator.audit(
        "members.create",
        Some(&network.id),
        Some(member_id.as_str()),
    );
    state.store().audit(&entry).await?;
    let view = one_view(&state, member_id).await?;
    let status = if summary.created == 1 {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let location = format!("/v1/members/{member_id}");
    Ok((status, [(header::LOCATION, location)], Json(view)).into_response())
}

/// One member with their networks.
#[utoipa::path(
    get, path = "/v1/members/{id}", tag = "members",
    params(("id" = String, Path, description = "The member's id")),
    responses(
        (status = 200, body = MemberView),
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
) -> Result<Json<MemberView>, ApiError> {
    let (member, networks) = member(&state, &operator, &id, Action::ReadMembers).await?;
    let entry = operator.audit("members.read", networks.first(), Some(member.id.as_str()));
    state.store().audit(&entry).await?;
    Ok(Json(one_view(&state, &member.id).await?))
}

/// Changes a member: only the fields sent; `status` suspends or resumes them.
#[utoipa::path(
    patch, path = "/v1/members/{id}", tag = "members",
    params(("id" = String, Path, description = "The member's id")),
    request_body = MemberPatch,
    responses(
        (status = 200, description = "Changed", body = MemberView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The member has left or was erased", body = Problem,
            content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn update(
    State(state): State<ApiState>,
    operator: Operator,
    Path(id): Path<String>,
    JsonBody(patch): JsonBody<MemberPatch>,
) -> Result<Json<MemberView>, ApiError> {
    let (member, networks) = member(&state, &operator, &id, Action::ChangeMembers).await?;
    if member.status == MemberStatus::Left {
        return Err(ApiError::conflict(format!(
            "member {id} has left or was erased; add them to a network again instead"
        )));
    }
    let changed = patch.applied(&member)?;
    state
        .store()
        .update_member(&member.id, &changed, epoch_ms())
        .await
        .map_err(refused)?;
    for network in &networks {
        let entry = operator.audit("members.update", Some(network), Some(member.id.as_str()));
        state.store().audit(&entry).await?;
    }
    Ok(Json(one_view(&state, &member.id).await?))
}

/// Erases a member's personal data: their name and numbers go everywhere, their deliveries
/// stay counted under a placeholder.
#[utoipa::path(
    delete, path = "/v1/members/{id}", tag = "members",
    params(("id" = String, Path, description = "The member's id")),
    responses(
        (status = 204, description = "Erased"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "An alert is calling them; erase them once it is over",
            body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn erase(
    State(state): State<ApiState>,
    operator: Operator,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let (member, networks) = member(&state, &operator, &id, Action::EraseMember).await?;
    if let Some(outside) = first_outside(&operator.token, &networks) {
        return Err(ApiError::forbidden(format!(
            "member {id} is also in network {outside}, which this token does not cover"
        )));
    }
    state
        .store()
        .erase_member(&member.id, epoch_ms())
        .await
        .map_err(|e| match e {
            StoreError::MemberBeingCalled { alert, .. } => ApiError::conflict(format!(
                "alert {alert} is calling member {id} or will try again; erase them once it \
                 is over, or cancel it"
            )),
            other => ApiError::from(other),
        })?;
    for network in &networks {
        let entry = operator.audit("members.erase", Some(network), Some(member.id.as_str()));
        state.store().audit(&entry).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The member if the role may do `action` and the token covers one of their networks, with
/// those networks: 404 alike for a member who does not exist and one not covered.
async fn member(
    state: &ApiState,
    operator: &Operator,
    id: &str,
    action: Action,
) -> Result<(Member, Vec<NetworkId>), ApiError> {
    if !allows(operator.token.role, action) {
        return Err(ApiError::forbidden(format!(
            "a {} token may not read or change members",
            operator.token.role
        )));
    }
    let id = MemberId::from(id);
    let member = state.store().member(&id).await?;
    let networks: Vec<NetworkId> = state
        .store()
        .member_networks(&id)
        .await?
        .into_iter()
        .map(|(network, _)| network)
        .collect();
    match member {
        Some(member) if sees_any(&operator.token, &networks) => Ok((member, networks)),
        _ => Err(ApiError::not_found(format!("no member {id}"))),
    }
}

/// The member's view with their networks.
async fn one_view(state: &ApiState, id: &MemberId) -> Result<MemberView, ApiError> {
    let member = state
        .store()
        .member(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no member {id}")))?;
    let names = state.network_names().await?;
    let mut view = MemberView::of(&member);
    view.networks = Some(
        state
            .store()
            .member_networks(id)
            .await?
            .into_iter()
            .map(|(network, member_id)| MembershipView {
                name: names.get(network.as_str()).cloned().unwrap_or_default(),
                id: network.0,
                member_id,
            })
            .collect(),
    );
    Ok(view)
}

/// A member the store refused, as the field that is wrong.
fn refused(error: StoreError) -> ApiError {
    let StoreError::InvalidMember { problem, .. } = error else {
        return ApiError::from(error);
    };
    let field = match problem {
        MemberProblem::NoName => "name",
        MemberProblem::BadExternalId => "member_id",
        MemberProblem::NoContactPoint
        | MemberProblem::BadNumber(_)
        | MemberProblem::RepeatedNumber(_) => "phones",
        MemberProblem::BadLanguage(_) => "language",
        MemberProblem::BadSpeechRate(_) => "speech_rate",
        MemberProblem::BadQuietHours(..) => "quiet_hours",
        MemberProblem::SameMember(_) => "body",
    };
    ApiError::field(field, problem.to_string())
}
