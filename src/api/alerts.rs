//! `/v1/alerts`: send an alert, list and read alerts with their live totals, cancel one, and
//! read its deliveries with their attempts.
//!
//! Sending checks everything before anything is stored: each network exists and is the
//! token's, the role may send this kind, each language is one the chain speaks, each text is
//! within `speech.max_chars`, there is a message in each language the networks need (422 on
//! `texts` naming the missing ones), and the speech engine reads it (it is rendered once now,
//! so the dispatcher finds it cached); each recording named is one this token uploaded
//! ([`super::recordings`]), for a language not given as text too. A retry with the same
//! `Idempotency-Key` and the same body returns the same alert and never starts a second
//! chain; the same key with another body is 409. Keys belong to the token that sent them.

use super::ApiState;
use super::access::{Action, allows, first_outside, sees_any};
use super::auth::Operator;
use super::body::{JsonBody, QueryArgs};
use super::problem::{ApiError, FieldProblem, Problem};
use super::views::{AlertView, AttemptView, DeliveryView};
use crate::chain::dispatcher::ChainError;
use crate::speech::Language;
use crate::store::{
    Alert, AlertId, AlertKind, AlertState, Message, MessageBody, NetworkId, NewAlert, StoreError,
};
use crate::telephony::clock::epoch_ms;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};

/// The longest idempotency key.
const MAX_KEY: usize = 200;

/// An alert to send.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertRequest {
    /// The networks, by name or id; a member of several is called once.
    pub networks: Vec<String>,
    /// `urgent` (calls now, day and night), `prevention` or `feedback` (wait out quiet
    /// hours).
    pub kind: KindName,
    /// The message per language (`nl`, `fr`, `de`, `en`), read by the speech engine.
    #[serde(default)]
    pub texts: BTreeMap<String, String>,
    /// Recorded messages per language: the id `POST /v1/recordings` gave; a language is
    /// given here or in `texts`, not both.
    #[serde(default)]
    pub recordings: BTreeMap<String, String>,
    /// An exercise: members hear it as a test.
    #[serde(default)]
    pub drill: bool,
    /// Stop calling after this long, e.g. `45m` (urgent default: `chain.urgent_expiry`).
    #[serde(default)]
    pub expires_in: Option<String>,
    /// For feedback: the alert it follows up.
    #[serde(default)]
    pub activation_of: Option<String>,
}

/// An alert's kind as a request names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum KindName {
    /// The police activate the network.
    Urgent,
    /// Advice.
    Prevention,
    /// The follow-up of an activation.
    Feedback,
}

impl From<KindName> for AlertKind {
    fn from(kind: KindName) -> AlertKind {
        match kind {
            KindName::Urgent => AlertKind::Urgent,
            KindName::Prevention => AlertKind::Prevention,
            KindName::Feedback => AlertKind::Feedback,
        }
    }
}

/// Which alerts to list.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only alerts sent in this last stretch, e.g. `7d` (default 30 days).
    pub since: Option<String>,
    /// Only alerts to this network (name or id).
    pub network: Option<String>,
}

/// Sends an alert.
#[utoipa::path(
    post, path = "/v1/alerts", tag = "alerts",
    request_body = AlertRequest,
    params(("Idempotency-Key" = Option<String>, Header,
        description = "Sending again with the same key and body returns the same alert")),
    responses(
        (status = 201, description = "Sent", body = AlertView),
        (status = 200, description = "Sent before with this key", body = AlertView),
        (status = 202, description = "Held as a draft until a second token approves it \
            (an urgent alert to a network with `urgent_approval`)", body = AlertView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The gateway is stopping", body = Problem,
            content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn send(
    State(state): State<ApiState>,
    operator: Operator,
    headers: HeaderMap,
    JsonBody(request): JsonBody<AlertRequest>,
) -> Result<Response, ApiError> {
    if state.is_stopping() {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "this gateway is stopping; send the alert to another (with the same Idempotency-Key)",
        ));
    }
    let kind = AlertKind::from(request.kind);
    if !allows(operator.token.role, Action::Send(kind)) {
        return Err(ApiError::forbidden(format!(
            "a {} token may not send {kind} alerts",
            operator.token.role
        )));
    }
    let key = idempotency_key(&headers)?;
    let networks = networks(&state, &request.networks).await?;
    if let Some(outside) = first_outside(&operator.token, &networks) {
        return Err(ApiError::forbidden(format!(
            "this token may not send to network {outside}"
        )));
    }
    let given: Vec<&str> = request
        .texts
        .keys()
        .chain(request.recordings.keys())
        .map(String::as_str)
        .collect();
    super::networks::needed_languages(&state, &networks, &given).await?;
    let expires_at = expiry(&state, request.expires_in.as_deref())?;
    let recorded = !request.recordings.is_empty();
    let mut messages = messages(&state, &request.texts, recorded).await?;
    let recordings = &request.recordings;
    messages
        .extend(super::recordings::recorded(&state, &operator, recordings, &request.texts).await?);
    let alert = NewAlert {
        kind,
        activation_of: request.activation_of.as_deref().map(AlertId::from),
        created_by: operator.token.name.clone(),
        networks,
        messages,
        expires_at,
        drill: request.drill,
        idempotency_key: key.map(|k| format!("{}:{k}", operator.token.id)),
    };
    let started = start(&state, &operator, alert).await?;
    let alert = &started.alert;
    let view = view(&state, alert).await?;
    let status = if started.waits_for_approval() {
        StatusCode::ACCEPTED
    } else if started.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let location = format!("/v1/alerts/{}", alert.id);
    Ok((status, [(header::LOCATION, location)], Json(view)).into_response())
}

/// An alert sent or held: what [`start`] did.
pub struct Started {
    /// The alert as stored.
    pub alert: Alert,
    /// False when its idempotency key had made it before.
    pub created: bool,
    /// Held for a second person's approval.
    pub held: bool,
}

impl Started {
    /// Whether it is a draft waiting for approval.
    pub fn waits_for_approval(&self) -> bool {
        self.held && self.alert.state == AlertState::Draft
    }
}

/// Sends a checked alert, or holds it for approval when it is urgent and one of its networks
/// asks for a second person; audits what it created.
pub async fn start(
    state: &ApiState,
    operator: &Operator,
    alert: NewAlert,
) -> Result<Started, ApiError> {
    let held =
        alert.kind == AlertKind::Urgent && state.store().needs_approval(&alert.networks).await?;
    let (alert, created) = if held {
        super::approvals::hold(state, operator, alert).await?
    } else {
        state.desk().send(alert).await.map_err(sent)?
    };
    if created {
        let action = if held { "alert.request" } else { "alert.send" };
        for network in &alert.networks {
            let entry = operator.audit(action, Some(network), Some(alert.id.as_str()));
            state.store().audit(&entry).await?;
        }
    }
    Ok(Started {
        alert,
        created,
        held,
    })
}

/// Lists alerts, newest first.
#[utoipa::path(
    get, path = "/v1/alerts", tag = "alerts",
    params(ListQuery),
    responses(
        (status = 200, body = Vec<AlertView>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    State(state): State<ApiState>,
    operator: Operator,
    QueryArgs(query): QueryArgs<ListQuery>,
) -> Result<Json<Vec<AlertView>>, ApiError> {
    let back = match query.since.as_deref() {
        Some(text) => humantime::parse_duration(text)
            .map_err(|e| ApiError::field("since", format!("not a duration like `7d`: {e}")))?,
        None => Duration::from_secs(30 * 24 * 3600),
    };
    let network = match &query.network {
        Some(name) => Some(one_network(&state, name, "network").await?),
        None => None,
    };
    let since = epoch_ms().saturating_sub(i64::try_from(back.as_millis()).unwrap_or(i64::MAX));
    let names = state.network_names().await?;
    let summaries = state.store().recent_alerts(since, network.as_ref()).await?;
    Ok(Json(
        summaries
            .iter()
            .filter(|s| sees_any(&operator.token, &s.alert.networks))
            .map(|s| AlertView::of(s, &names))
            .collect(),
    ))
}

/// One alert with its live totals.
#[utoipa::path(
    get, path = "/v1/alerts/{id}", tag = "alerts",
    params(("id" = String, Path, description = "The alert's id")),
    responses(
        (status = 200, body = AlertView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn get(
    State(state): State<ApiState>,
    operator: Operator,
    Path(id): Path<String>,
) -> Result<Json<AlertView>, ApiError> {
    let alert = visible(&state, &operator, &id).await?;
    Ok(Json(view(&state, &alert).await?))
}

/// Cancels an alert: no new calls, ringing calls end, calls being heard finish.
#[utoipa::path(
    post, path = "/v1/alerts/{id}/cancel", tag = "alerts",
    params(("id" = String, Path, description = "The alert's id")),
    responses(
        (status = 200, description = "Cancelled", body = AlertView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It was no longer sending", body = Problem,
            content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn cancel(
    State(state): State<ApiState>,
    operator: Operator,
    Path(id): Path<String>,
) -> Result<Json<AlertView>, ApiError> {
    let alert = visible(&state, &operator, &id).await?;
    if !allows(operator.token.role, Action::Cancel(alert.kind)) {
        return Err(ApiError::forbidden(format!(
            "a {} token may not cancel {} alerts",
            operator.token.role, alert.kind
        )));
    }
    if let Some(outside) = first_outside(&operator.token, &alert.networks) {
        return Err(ApiError::forbidden(format!(
            "this alert also goes to network {outside}, which this token does not cover"
        )));
    }
    let cancelled = state.desk().cancel(&alert.id).await.map_err(sent)?;
    let alert = state
        .store()
        .alert(&alert.id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no alert {id}")))?;
    if !cancelled {
        return Err(ApiError::conflict(format!(
            "alert {id} is {}, not sending; nothing to cancel",
            alert.state
        )));
    }
    for network in &alert.networks {
        let entry = operator.audit("alert.cancel", Some(network), Some(alert.id.as_str()));
        state.store().audit(&entry).await?;
    }
    Ok(Json(view(&state, &alert).await?))
}

/// Each member's delivery of the alert, with every call and SMS.
#[utoipa::path(
    get, path = "/v1/alerts/{id}/deliveries", tag = "alerts",
    params(("id" = String, Path, description = "The alert's id")),
    responses(
        (status = 200, body = Vec<DeliveryView>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn deliveries(
    State(state): State<ApiState>,
    operator: Operator,
    Path(id): Path<String>,
) -> Result<Json<Vec<DeliveryView>>, ApiError> {
    let alert = visible(&state, &operator, &id).await?;
    let lines = state.store().deliveries(&alert.id).await?;
    let mut attempts: HashMap<String, Vec<AttemptView>> = HashMap::new();
    for attempt in state.store().alert_attempts(&alert.id).await? {
        attempts
            .entry(attempt.delivery_id.to_string())
            .or_default()
            .push(AttemptView::of(&attempt));
    }
    let views = lines
        .iter()
        .map(|line| {
            let mut view = DeliveryView::of(line);
            view.attempts = Some(attempts.remove(&view.id).unwrap_or_default());
            view
        })
        .collect();
    let entry = operator.audit("alert.deliveries.read", None, Some(alert.id.as_str()));
    state.store().audit(&entry).await?;
    Ok(Json(views))
}

/// The alert if it exists and the token sees it; 404 alike for both, so a token learns
/// nothing of other networks' alerts.
pub async fn visible(state: &ApiState, operator: &Operator, id: &str) -> Result<Alert, ApiError> {
    if !allows(operator.token.role, Action::ReadAlerts) {
        return Err(ApiError::forbidden("this token may not read alerts"));
    }
    let alert = state.store().alert(&AlertId::from(id)).await?;
    match alert {
        Some(alert) if sees_any(&operator.token, &alert.networks) => Ok(alert),
        _ => Err(ApiError::not_found(format!("no alert {id}"))),
    }
}

/// The alert's view with its counts now.
pub async fn view(state: &ApiState, alert: &Alert) -> Result<AlertView, ApiError> {
    let names = state.network_names().await?;
    let mut view = AlertView::bare(alert, &names);
    view.totals = super::views::Totals::of(&state.store().delivery_counts(&alert.id).await?);
    let approval = state.store().approval(&alert.id).await?;
    view.approval = approval.as_ref().map(super::views::ApprovalView::of);
    Ok(view)
}

/// The `Idempotency-Key` header, if sent: printable, at most [`MAX_KEY`] characters.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= MAX_KEY && !k.chars().any(char::is_control))
        .ok_or_else(|| {
            ApiError::field(
                "Idempotency-Key",
                format!("must be 1 to {MAX_KEY} printable characters"),
            )
        })?;
    Ok(Some(key.to_owned()))
}

/// Each named network's id, or every name that is wrong.
async fn networks(state: &ApiState, names: &[String]) -> Result<Vec<NetworkId>, ApiError> {
    if names.is_empty() {
        return Err(ApiError::field("networks", "name at least one network"));
    }
    let mut ids = Vec::new();
    let mut errors = Vec::new();
    for (i, name) in names.iter().enumerate() {
        match one_network(state, name, &format!("networks[{i}]")).await {
            Ok(id) if !ids.contains(&id) => ids.push(id),
            Ok(_) => {}
            Err(e) => errors.extend(e.problem().errors),
        }
    }
    if errors.is_empty() {
        Ok(ids)
    } else {
        Err(ApiError::invalid(errors))
    }
}

/// A network by id or by name.
async fn one_network(state: &ApiState, name: &str, field: &str) -> Result<NetworkId, ApiError> {
    let store = state.store();
    if let Some(network) = store.network(&NetworkId(name.to_owned())).await? {
        return Ok(network.id);
    }
    match store.network_by_name(name).await? {
        Some(network) => Ok(network.id),
        None => Err(ApiError::field(field, format!("no network named `{name}`"))),
    }
}

/// When calling stops, from `expires_in`.
fn expiry(state: &ApiState, expires_in: Option<&str>) -> Result<Option<i64>, ApiError> {
    let Some(text) = expires_in else {
        return Ok(None);
    };
    let asked = humantime::parse_duration(text)
        .map_err(|e| ApiError::field("expires_in", format!("not a duration like `45m`: {e}")))?;
    let asked = state
        .chain()
        .expiry(asked)
        .map_err(|e| ApiError::field("expires_in", e.to_string()))?;
    let ms = i64::try_from(asked.as_millis()).unwrap_or(i64::MAX);
    Ok(Some(epoch_ms().saturating_add(ms)))
}

/// The messages, each checked and spoken once; none only when `recorded`.
async fn messages(
    state: &ApiState,
    texts: &BTreeMap<String, String>,
    recorded: bool,
) -> Result<Vec<Message>, ApiError> {
    if texts.is_empty() && !recorded {
        return Err(ApiError::field(
            "texts",
            "give the message in at least one language (or in recordings)",
        ));
    }
    let max_chars = state.speech_settings().max_chars;
    let mut errors = Vec::new();
    let mut checked = Vec::new();
    for (code, text) in texts {
        let field = format!("texts.{code}");
        match code.parse::<Language>() {
            Ok(language) if language.code() == code => {
                match crate::speech::render::check_text(text, max_chars) {
                    Ok(()) => checked.push((language, text.clone())),
                    Err(e) => errors.push(FieldProblem {
                        field,
                        reason: e.to_string(),
                    }),
                }
            }
            _ => errors.push(FieldProblem {
                field,
                reason: "not a language the chain speaks (nl, fr, de, en)".to_owned(),
            }),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    state.speak(&checked).await?;
    Ok(checked
        .into_iter()
        .map(|(language, text)| Message {
            language: language.code().to_owned(),
            body: MessageBody::Text(text),
        })
        .collect())
}

/// What the chain's refusal means to the client.
pub fn sent(error: ChainError) -> ApiError {
    match error {
        ChainError::Store(StoreError::KeyTaken {
            key,
            alert,
            differs,
        }) => {
            let key = key
                .split_once(':')
                .map_or(key.as_str(), |(_, k)| k)
                .to_owned();
            ApiError::conflict(format!(
                "the Idempotency-Key `{key}` already sent alert {alert}, which differs in {}; \
                 send the same alert again, or this one with a new key",
                differs.join(", ")
            ))
        }
        ChainError::Store(StoreError::InvalidAlert(problem)) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("the alert {problem}"),
        ),
        ChainError::Store(StoreError::UnknownAlert(id)) => {
            ApiError::field("activation_of", format!("no alert {id}"))
        }
        ChainError::Store(other) => ApiError::from(other),
        ChainError::LeaseLost => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "this gateway is stopping; send the alert again (same Idempotency-Key) to another",
        ),
    }
}

/// Whether an alert's state means it is over.
pub fn is_over(state: AlertState) -> bool {
    matches!(
        state,
        AlertState::Completed | AlertState::Cancelled | AlertState::Expired
    )
}
