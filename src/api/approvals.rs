//! A second person's approval of urgent alerts, for networks that ask for it
//! (`urgent_approval`): `POST /v1/alerts` holds such an alert as a draft (202) with the token
//! that sent it, and `POST /v1/alerts/{id}/approve` by another token that may send it starts
//! it. The store approves and moves the alert to `sending` in one guarded transaction, so two
//! approvals at once start it once; nobody is called before it is approved.

use super::ApiState;
use super::access::{Action, allows, first_outside};
use super::alerts::{sent, view, visible};
use super::auth::Operator;
use super::problem::{ApiError, Problem};
use super::views::AlertView;
use crate::chain::dispatcher::ChainError;
use crate::store::{Alert, AlertKind, Approved, NewAlert};
use crate::telephony::clock::epoch_ms;
use axum::Json;
use axum::extract::{Path, State};

/// Stores the alert as a draft held for approval (or finds it by its key); true when this
/// created it. An urgent alert's expiry runs from now, so one left unapproved is not sent
/// later than it would have stopped calling.
pub async fn hold(
    state: &ApiState,
    operator: &Operator,
    mut alert: NewAlert,
) -> Result<(Alert, bool), ApiError> {
    let now = epoch_ms();
    if alert.kind == AlertKind::Urgent && alert.expires_at.is_none() {
        let expiry = i64::try_from(state.chain().urgent_expiry.as_millis()).unwrap_or(i64::MAX);
        alert.expires_at = Some(now.saturating_add(expiry));
    }
    let (stored, created) = state
        .store()
        .create_alert(alert, now)
        .await
        .map_err(|e| sent(ChainError::Store(e)))?;
    if created {
        let token = &operator.token.id;
        state
            .store()
            .hold_for_approval(&stored.id, token, now)
            .await?;
    }
    Ok((stored, created))
}

/// Approves an alert held for approval: it starts sending.
#[utoipa::path(
    post, path = "/v1/alerts/{id}/approve", tag = "alerts",
    params(("id" = String, Path, description = "The alert's id")),
    responses(
        (status = 200, description = "Approved: it is sending", body = AlertView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token may not send it, or sent it itself",
            body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It is not waiting for approval, or its time ran out",
            body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn approve(
    State(state): State<ApiState>,
    operator: Operator,
    Path(id): Path<String>,
) -> Result<Json<AlertView>, ApiError> {
    let alert = visible(&state, &operator, &id).await?;
    if !allows(operator.token.role, Action::Send(alert.kind)) {
        return Err(ApiError::forbidden(format!(
            "a {} token may not approve {} alerts",
            operator.token.role, alert.kind
        )));
    }
    if let Some(outside) = first_outside(&operator.token, &alert.networks) {
        return Err(ApiError::forbidden(format!(
            "this alert also goes to network {outside}, which this token does not cover"
        )));
    }
    let now = epoch_ms();
    if alert.expires_at.is_some_and(|at| at <= now) {
        return Err(ApiError::conflict(format!(
            "alert {id} ran out of time before it was approved; send it again"
        )));
    }
    match state
        .store()
        .approve(&alert.id, &operator.token.id, now)
        .await?
    {
        Approved::Started => {}
        Approved::SamePerson => {
            return Err(ApiError::forbidden(
                "this token sent the alert: a second person approves it",
            ));
        }
        Approved::NotWaiting => {
            return Err(ApiError::conflict(format!(
                "alert {id} is {}, not waiting for approval",
                alert.state
            )));
        }
    }
    state.desk().started(&alert.id);
    for network in &alert.networks {
        let entry = operator.audit("alert.approve", Some(network), Some(alert.id.as_str()));
        state.store().audit(&entry).await?;
    }
    let alert = visible(&state, &operator, &id).await?;
    Ok(Json(view(&state, &alert).await?))
}
