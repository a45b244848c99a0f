//! `GET /v1/networks/{id}/sms-replies`: what the network's members sent by SMS, newest
//! first: confirmations (and the alert each confirmed), STOP requests, confirmations no text
//! asked for, and anything else, which a coordinator reads and answers by phone.
//!
//! Members' numbers and texts are personal data: only tokens that may read the network's
//! members see them.

use super::ApiState;
use super::access::Action;
use super::auth::Operator;
use super::networks::visible;
use super::problem::{ApiError, Problem};
use super::views::time;
use crate::store::InboxMessage;
use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use utoipa::ToSchema;

/// Messages listed at most.
const LIMIT: u32 = 500;

/// A text a member sent.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SmsReplyView {
    /// Its id.
    pub id: String,
    /// The number it came from, E.164.
    pub number: String,
    /// The member with that number.
    pub member: Option<String>,
    /// The alert it confirmed.
    pub alert: Option<String>,
    /// What the member wrote.
    pub text: String,
    /// `confirm`, `unmatched` (a confirmation no text asked for), `stop` or `other`.
    pub meaning: String,
    /// When it arrived.
    pub received_at: String,
}

impl SmsReplyView {
    fn of(message: &InboxMessage) -> SmsReplyView {
        SmsReplyView {
            id: message.id.clone(),
            number: message.number.clone(),
            member: message.member_id.as_ref().map(ToString::to_string),
            alert: message.alert_id.as_ref().map(ToString::to_string),
            text: message.text.clone(),
            meaning: message.meaning.as_str().to_owned(),
            received_at: time(message.received_at),
        }
    }
}

/// The texts the network's members sent, newest first (at most 500).
#[utoipa::path(
    get, path = "/v1/networks/{id}/sms-replies", tag = "networks",
    params(("id" = String, Path, description = "The network's id or name")),
    responses(
        (status = 200, body = Vec<SmsReplyView>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    State(state): State<ApiState>,
    operator: Operator,
    Path(network): Path<String>,
) -> Result<Json<Vec<SmsReplyView>>, ApiError> {
    let network = visible(&state, &operator, &network, Action::ReadMembers).await?;
    let messages = state.store().inbox(Some(&network.id), LIMIT).await?;
    Ok(Json(messages.iter().map(SmsReplyView::of).collect()))
}
