//! `/v1/networks/{id}/webhooks` and `/v1/webhooks/{id}`: the URLs a network's systems
//! receive its events at (`alert.completed`, `alert.cancelled`, `delivery.acknowledged`),
//! signed with a secret shown once, when the webhook is added; what each sent and what failed.
//!
//! Admin, police and coordinator tokens manage the webhooks of their networks; a webhook of
//! a network the token does not cover answers 404, as one that does not exist. Every change
//! is audited.

use super::ApiState;
use super::access::{Action, allows, sees_any};
use super::auth::Operator;
use super::body::{JsonBody, QueryArgs};
use super::networks::visible;
use super::problem::{ApiError, FieldProblem, Problem};
use super::views::{NetworkRef, time};
use crate::store::{
    EventState, Network, NewWebhook, Webhook, WebhookEvent, WebhookEventRecord, WebhookId,
    WebhookTally,
};
use crate::telephony::clock::epoch_ms;
use crate::webhooks::target::check_url;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The most events one answer lists.
const MAX_EVENTS: u32 = 1000;

/// A webhook to add.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookRequest {
    /// Where events are posted: http or https, at most 2000 characters, no user name or
    /// password.
    pub url: String,
    /// What it receives (default all three): `alert.completed`, `alert.cancelled`,
    /// `delivery.acknowledged`.
    #[serde(default)]
    pub events: Option<Vec<String>>,
}

/// A webhook just added, with its secret: the only time the secret is shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AddedWebhook {
    /// Its id.
    pub id: String,
    /// Its network.
    pub network: NetworkRef,
    /// Where events are posted.
    pub url: String,
    /// What it receives.
    pub events: Vec<String>,
    /// The signing secret, `whsec_` and base64: keep it with the receiver.
    pub secret: String,
    /// When it was added.
    pub created_at: String,
}

/// A webhook and what it sent.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookView {
    /// Its id.
    pub id: String,
    /// Its network.
    pub network: NetworkRef,
    /// Where events are posted.
    pub url: String,
    /// What it receives.
    pub events: Vec<String>,
    /// When it was added.
    pub created_at: String,
    /// Events the receiver took (2xx).
    pub delivered: i64,
    /// Events still to be sent.
    pub pending: i64,
    /// Events given up.
    pub failed: i64,
    /// The HTTP status of the last try, if one came back.
    pub last_status: Option<u16>,
    /// Why the last try failed; absent when it succeeded.
    pub last_error: Option<String>,
    /// When an event was last delivered.
    pub last_delivered_at: Option<String>,
}

/// Which events.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    /// Only those `pending`, `delivered` or `failed`.
    pub state: Option<String>,
}

/// One event of a webhook.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookEventView {
    /// Its id, as the receiver saw it (`webhook-id`).
    pub id: String,
    /// `alert.completed`, `alert.cancelled` or `delivery.acknowledged`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The alert it is about.
    pub alert_id: String,
    /// The alert's id, or the delivery's for a confirmation.
    pub subject: String,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    /// Tries so far.
    pub tries: i64,
    /// When it is tried next, while pending.
    pub next_try_at: Option<String>,
    /// The HTTP status of the last try, if one came back.
    pub last_status: Option<u16>,
    /// Why the last try failed.
    pub last_error: Option<String>,
    /// When it was last tried.
    pub last_try_at: Option<String>,
    /// When it was written.
    pub created_at: String,
    /// When the receiver took it.
    pub delivered_at: Option<String>,
}

/// Adds a webhook to a network; the answer holds its secret, shown this once.
#[utoipa::path(
    post, path = "/v1/networks/{id}/webhooks", tag = "webhooks",
    params(("id" = String, Path, description = "The network's id or name")),
    request_body = WebhookRequest,
    responses(
        (status = 201, description = "Added", body = AddedWebhook),
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
pub async fn add(
    State(state): State<ApiState>,
    operator: Operator,
    Path(network): Path<String>,
    JsonBody(request): JsonBody<WebhookRequest>,
) -> Result<Response, ApiError> {
    let network = visible(&state, &operator, &network, Action::ManageWebhooks).await?;
    let (url, events) = checked(&request)?;
    let webhook = NewWebhook {
        network_id: network.id.clone(),
        url,
        events,
        created_by: operator.actor(),
    };
    let (webhook, secret) = state.store().add_webhook(webhook, epoch_ms()).await?;
    let entry = operator.audit("webhooks.add", Some(&network.id), Some(webhook.id.as_str()));
    state.store().audit(&entry).await?;
    let added = AddedWebhook {
        id: webhook.id.to_string(),
        network: network_ref(&network),
        url: webhook.url.clone(),
        events: words(&webhook),
        secret,
        created_at: time(webhook.created_at),
    };
    Ok((StatusCode::CREATED, Json(added)).into_response())
}

/// A network's webhooks with what each sent; never their secrets.
#[utoipa::path(
    get, path = "/v1/networks/{id}/webhooks", tag = "webhooks",
    params(("id" = String, Path, description = "The network's id or name")),
    responses(
        (status = 200, body = Vec<WebhookView>),
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
) -> Result<Json<Vec<WebhookView>>, ApiError> {
    let network = visible(&state, &operator, &network, Action::ManageWebhooks).await?;
    let webhooks = state.store().webhooks(Some(&network.id)).await?;
    let ids: Vec<WebhookId> = webhooks.iter().map(|w| w.id.clone()).collect();
    let mut tallies = state.store().webhook_tallies(&ids).await?;
    Ok(Json(
        webhooks
            .iter()
            .map(|w| {
                let tally = tallies.remove(&w.id).unwrap_or_default();
                view(w, &network, tally)
            })
            .collect(),
    ))
}

/// Removes a webhook: nothing more is sent to it, and its events not yet sent are given up.
#[utoipa::path(
    delete, path = "/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "The webhook's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn remove(
    State(state): State<ApiState>,
    operator: Operator,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let webhook = live_webhook(&state, &operator, &id).await?;
    if !state
        .store()
        .remove_webhook(&webhook.id, epoch_ms())
        .await?
    {
        return Err(ApiError::not_found(format!("no webhook {id}")));
    }
    let entry = operator.audit("webhooks.remove", Some(&webhook.network_id), Some(&id));
    state.store().audit(&entry).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A webhook's events, newest first (at most 1000): what was delivered, what waits for a
/// retry and why, what was given up.
#[utoipa::path(
    get, path = "/v1/webhooks/{id}/events", tag = "webhooks",
    params(("id" = String, Path, description = "The webhook's id"), EventsQuery),
    responses(
        (status = 200, body = Vec<WebhookEventView>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn events(
    State(state): State<ApiState>,
    operator: Operator,
    Path(id): Path<String>,
    QueryArgs(query): QueryArgs<EventsQuery>,
) -> Result<Json<Vec<WebhookEventView>>, ApiError> {
    let webhook = webhook_of(&state, &operator, &id).await?;
    let filter = match query.state.as_deref() {
        None => None,
        Some(text) => Some(
            text.parse::<EventState>()
                .map_err(|_| ApiError::field("state", "pending, delivered or failed"))?,
        ),
    };
    let records = state
        .store()
        .webhook_events(&webhook.id, filter, MAX_EVENTS)
        .await?;
    Ok(Json(records.iter().map(event_view).collect()))
}

/// The live webhook `id` if the token may manage it: 403 for the role, 404 alike for one that
/// does not exist, was removed, or is of a network the token does not cover.
async fn live_webhook(
    state: &ApiState,
    operator: &Operator,
    id: &str,
) -> Result<Webhook, ApiError> {
    let webhook = webhook_of(state, operator, id).await?;
    if webhook.removed_at.is_some() {
        return Err(ApiError::not_found(format!("no webhook {id}")));
    }
    Ok(webhook)
}

/// As [`live_webhook`], a removed webhook included (its events stay readable until the purge).
async fn webhook_of(state: &ApiState, operator: &Operator, id: &str) -> Result<Webhook, ApiError> {
    if !allows(operator.token.role, Action::ManageWebhooks) {
        return Err(ApiError::forbidden(format!(
            "a {} token may not manage webhooks",
            operator.token.role
        )));
    }
    match state.store().webhook(&WebhookId::from(id)).await? {
        Some(w) if sees_any(&operator.token, std::slice::from_ref(&w.network_id)) => Ok(w),
        _ => Err(ApiError::not_found(format!("no webhook {id}"))),
    }
}

/// The URL and events asked for, or every field that is wrong.
fn checked(request: &WebhookRequest) -> Result<(String, Vec<WebhookEvent>), ApiError> {
    let mut errors = Vec::new();
    let url = match check_url(&request.url) {
        Ok(url) => url.to_string(),
        Err(problem) => {
            errors.push(FieldProblem {
                field: "url".to_owned(),
                reason: problem.to_string(),
            });
            String::new()
        }
    };
    let events = match &request.events {
        None => WebhookEvent::ALL.to_vec(),
        Some(words) if words.is_empty() => {
            errors.push(FieldProblem {
                field: "events".to_owned(),
                reason: "name at least one event, or leave it out for all".to_owned(),
            });
            Vec::new()
        }
        Some(words) => {
            let mut events = Vec::new();
            for (i, word) in words.iter().enumerate() {
                match word.parse() {
                    Ok(event) => events.push(event),
                    Err(_) => errors.push(FieldProblem {
                        field: format!("events[{i}]"),
                        reason: format!("`{word}` is not an event; {}", known_events()),
                    }),
                }
            }
            events
        }
    };
    if errors.is_empty() {
        Ok((url, events))
    } else {
        Err(ApiError::invalid(errors))
    }
}

fn known_events() -> String {
    let words: Vec<&str> = WebhookEvent::ALL.iter().map(|e| e.as_str()).collect();
    format!("one of {}", words.join(", "))
}

fn network_ref(network: &Network) -> NetworkRef {
    NetworkRef {
        id: network.id.to_string(),
        name: network.name.clone(),
    }
}

fn words(webhook: &Webhook) -> Vec<String> {
    webhook
        .events
        .iter()
        .map(|e| e.as_str().to_owned())
        .collect()
}

fn view(webhook: &Webhook, network: &Network, tally: WebhookTally) -> WebhookView {
    WebhookView {
        id: webhook.id.to_string(),
        network: network_ref(network),
        url: webhook.url.clone(),
        events: words(webhook),
        created_at: time(webhook.created_at),
        delivered: tally.delivered,
        pending: tally.pending,
        failed: tally.failed,
        last_status: tally.last_status,
        last_error: tally.last_error,
        last_delivered_at: tally.last_delivered_at.map(time),
    }
}

fn event_view(record: &WebhookEventRecord) -> WebhookEventView {
    WebhookEventView {
        id: record.uid.clone(),
        kind: record.event.as_str().to_owned(),
        alert_id: record.alert_id.to_string(),
        subject: record.subject.clone(),
        state: record.state.as_str().to_owned(),
        tries: record.tries,
        next_try_at: record.next_try_at.map(time),
        last_status: record.last_status,
        last_error: record.last_error.clone(),
        last_try_at: record.last_try_at.map(time),
        created_at: time(record.created_at),
        delivered_at: record.delivered_at.map(time),
    }
}
