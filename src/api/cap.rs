//! `POST /v1/cap`: an OASIS CAP 1.2 `<alert>` from an alerting authority's system, under the
//! same tokens and roles as `POST /v1/alerts`.
//!
//! - `<status>`: `Actual` calls; `Exercise` calls as a drill; `Test` and `Draft` are checked
//!   and answered with what would happen, and call nobody; `System` is refused.
//! - `<msgType>`: `Alert` creates an alert, `Update` replaces the messages of the alert its
//!   `<references>` name (calls from then on speak the new text; who confirmed is not called
//!   again), `Cancel` cancels it, `Ack` and `Error` are recorded.
//! - A message is recorded once per `<sender>` and `<identifier>`: the same message again is
//!   answered as the first time and changes nothing; another message under a used identifier
//!   is 409.
//!
//! Which networks: those named with `buurtbel:networks` and those covering a NIS or postal
//! code of an `<area>` (see [`super::cap_targets`]).

use super::ApiState;
use super::access::{Action, allows, first_outside};
use super::alerts::{Started, is_over, start, view};
use super::auth::Operator;
use super::body::XmlBody;
use super::cap_reading::{Reading, read};
use super::cap_targets::{Rehearsal, rehearse, targets};
use super::problem::{ApiError, FieldProblem, Problem};
use super::views::AlertView;
use crate::cap::{CapAlert, CapInvalid, MsgType, Status};
use crate::speech::Language;
use crate::store::{Alert, AlertId, AlertKind, CapRecord, Message, MessageBody, NewAlert};
use crate::telephony::clock::epoch_ms;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// What a CAP message did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CapAnswer {
    /// `<sender>`.
    pub sender: String,
    /// `<identifier>`.
    pub identifier: String,
    /// `<status>`.
    pub status: String,
    /// `<msgType>`.
    pub msg_type: String,
    /// `created`, `held` (waits for a second person's approval), `updated`, `cancelled`,
    /// `already_over` (a Cancel of an alert no longer sending), `recorded` (Ack, Error) or
    /// `rehearsed` (Test, Draft: nobody called).
    pub effect: String,
    /// True when this message had been received before: nothing was done again.
    pub repeated: bool,
    /// The alerts it made or acted on, as they are now.
    pub alerts: Vec<AlertView>,
    /// For `Test` and `Draft`: what an `Actual` message would do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub would: Option<Rehearsal>,
    /// `<language>`s of `<info>` blocks left out: the chain speaks nl, fr, de and en.
    pub ignored_languages: Vec<String>,
}

/// Receives a CAP 1.2 alert message.
#[utoipa::path(
    post, path = "/v1/cap", tag = "alerts",
    request_body(content = String, content_type = "application/cap+xml",
        description = "A CAP 1.2 `<alert>`; networks by `<geocode>` (NIS or postal code) or \
            `<parameter><valueName>buurtbel:networks</valueName><value>BIN A, BIN B</value></parameter>`"),
    responses(
        (status = 201, description = "An alert was created", body = CapAnswer),
        (status = 202, description = "Held until a second token approves it", body = CapAnswer),
        (status = 200, description = "Updated, cancelled, recorded, rehearsed, or received before",
            body = CapAnswer),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The identifier was used for another message, or the \
            alert referenced is over", body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not valid CAP 1.2, or not what the chain can do; each \
            error names the element", body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn receive(
    State(state): State<ApiState>,
    operator: Operator,
    XmlBody(body): XmlBody,
) -> Result<Response, ApiError> {
    let cap = crate::cap::parse(&body).map_err(invalid)?;
    if cap.status == Status::System {
        return Err(ApiError::field(
            "alert/status",
            "`System` messages are for the senders' own systems: buurtbel acts on Actual, \
             Exercise, Test and Draft",
        ));
    }
    let digest = hex::encode(Sha256::digest(&body));
    if let Some(record) = state
        .store()
        .cap_message(&cap.sender, &cap.identifier)
        .await?
    {
        return repeated(&state, &operator, &cap, &record, &digest).await;
    }
    let mut received = Received::new(&cap, &operator, digest);
    let answer = match cap.msg_type {
        MsgType::Alert => create(&state, &operator, &cap, &mut received).await?,
        MsgType::Update => update(&state, &operator, &cap, &mut received).await?,
        MsgType::Cancel => cancel(&state, &operator, &cap, &mut received).await?,
        MsgType::Ack | MsgType::Error => {
            require_sender(&operator)?;
            received.effect = "recorded";
            received.answer(Vec::new())
        }
    };
    let record = received.record();
    state.store().record_cap_message(&record).await?;
    let entry = operator.audit(
        &format!("cap.{}", cap.msg_type.as_str().to_ascii_lowercase()),
        None,
        Some(&format!("{} {}", cap.sender, cap.identifier)),
    );
    state.store().audit(&entry).await?;
    let status = match answer.effect.as_str() {
        "created" => StatusCode::CREATED,
        "held" => StatusCode::ACCEPTED,
        _ => StatusCode::OK,
    };
    let mut response = (status, Json(&answer)).into_response();
    if let Some(alert) = answer.alerts.first().filter(|_| status != StatusCode::OK) {
        if let Ok(location) = format!("/v1/alerts/{}", alert.id).parse() {
            response.headers_mut().insert(header::LOCATION, location);
        }
    }
    Ok(response)
}

/// A message being handled: what will be recorded of it.
struct Received {
    record: CapRecord,
    effect: &'static str,
    alerts: Vec<AlertId>,
    would: Option<Rehearsal>,
    ignored: Vec<String>,
}

impl Received {
    fn new(cap: &CapAlert, operator: &Operator, digest: String) -> Received {
        let references = cap
            .references
            .iter()
            .map(|r| format!("{},{},{}", r.sender, r.identifier, r.sent))
            .collect::<Vec<_>>()
            .join(" ");
        Received {
            record: CapRecord {
                id: String::new(),
                sender: cap.sender.clone(),
                identifier: cap.identifier.clone(),
                sent: cap.sent.text.clone(),
                status: cap.status.as_str().to_owned(),
                msg_type: cap.msg_type.as_str().to_owned(),
                references,
                document_sha256: digest,
                alert: None,
                effect: String::new(),
                received_by: operator.token.name.clone(),
                received_at: epoch_ms(),
            },
            effect: "recorded",
            alerts: Vec::new(),
            would: None,
            ignored: Vec::new(),
        }
    }

    fn answer(&self, alerts: Vec<AlertView>) -> CapAnswer {
        CapAnswer {
            sender: self.record.sender.clone(),
            identifier: self.record.identifier.clone(),
            status: self.record.status.clone(),
            msg_type: self.record.msg_type.clone(),
            effect: self.effect.to_owned(),
            repeated: false,
            alerts,
            would: self.would.clone(),
            ignored_languages: self.ignored.clone(),
        }
    }

    fn record(self) -> CapRecord {
        CapRecord {
            alert: self.alerts.into_iter().next(),
            effect: self.effect.to_owned(),
            ..self.record
        }
    }
}

/// `Alert`: creates one (or, for Test and Draft, says what it would do).
async fn create(
    state: &ApiState,
    operator: &Operator,
    cap: &CapAlert,
    received: &mut Received,
) -> Result<CapAnswer, ApiError> {
    let reading = reading(state, cap)?;
    received.ignored = reading.ignored_languages.clone();
    if !allows(operator.token.role, Action::Send(reading.kind)) {
        return Err(ApiError::forbidden(format!(
            "a {} token may not send {} alerts (from <urgency>)",
            operator.token.role, reading.kind
        )));
    }
    let networks = targets(state, &reading).await?;
    if let Some(outside) = first_outside(&operator.token, &networks) {
        return Err(ApiError::forbidden(format!(
            "this token may not send to network {outside}"
        )));
    }
    if matches!(cap.status, Status::Test | Status::Draft) {
        received.effect = "rehearsed";
        received.would = Some(rehearse(state, &reading, &networks).await?);
        return Ok(received.answer(Vec::new()));
    }
    if state.is_stopping() {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "this gateway is stopping; send the message to another",
        ));
    }
    let given: Vec<&str> = reading.texts.iter().map(|t| t.language.code()).collect();
    super::networks::needed_languages(state, &networks, &given)
        .await
        .map_err(|e| e.with_field("alert/info"))?;
    let messages = spoken(state, &reading).await?;
    let alert = NewAlert {
        kind: reading.kind,
        activation_of: None,
        created_by: operator.token.name.clone(),
        networks,
        messages,
        expires_at: expiry(state, &reading)?,
        drill: reading.drill,
        idempotency_key: Some(format!("cap:{}:{}", cap.sender, cap.identifier)),
    };
    let started: Started = start(state, operator, alert).await?;
    received.effect = if started.waits_for_approval() {
        "held"
    } else {
        "created"
    };
    received.alerts.push(started.alert.id.clone());
    Ok(received.answer(vec![view(state, &started.alert).await?]))
}

/// `Update`: new messages for the alerts referenced.
async fn update(
    state: &ApiState,
    operator: &Operator,
    cap: &CapAlert,
    received: &mut Received,
) -> Result<CapAnswer, ApiError> {
    let reading = reading(state, cap)?;
    received.ignored = reading.ignored_languages.clone();
    let alerts = referenced(state, cap).await?;
    let named = targets(state, &reading).await.unwrap_or_default();
    for alert in &alerts {
        may_act(operator, alert, Action::Send(alert.kind))?;
        if is_over(alert.state) {
            return Err(ApiError::conflict(format!(
                "alert {} is {}: there is nothing to update; send a new Alert",
                alert.id, alert.state
            )));
        }
        if let Some(new) = named.iter().find(|n| !alert.networks.contains(n)) {
            return Err(ApiError::field(
                "alert/info",
                format!(
                    "an Update cannot add network {new} to alert {}: send a new Alert for it",
                    alert.id
                ),
            ));
        }
        let given: Vec<&str> = reading.texts.iter().map(|t| t.language.code()).collect();
        super::networks::needed_languages(state, &alert.networks, &given)
            .await
            .map_err(|e| e.with_field("alert/info"))?;
    }
    if matches!(cap.status, Status::Test | Status::Draft) {
        received.effect = "rehearsed";
        let networks: Vec<_> = alerts.iter().flat_map(|a| a.networks.clone()).collect();
        received.would = Some(rehearse(state, &reading, &networks).await?);
        return Ok(received.answer(views(state, &alerts).await?));
    }
    let messages = spoken(state, &reading).await?;
    let expires_at = expiry(state, &reading)?;
    for alert in &alerts {
        let replaced = state
            .store()
            .replace_messages(&alert.id, &messages, expires_at)
            .await?;
        if !replaced {
            return Err(ApiError::conflict(format!(
                "alert {} ended while it was being updated",
                alert.id
            )));
        }
        for network in &alert.networks {
            let entry = operator.audit("alert.update", Some(network), Some(alert.id.as_str()));
            state.store().audit(&entry).await?;
        }
        received.alerts.push(alert.id.clone());
    }
    received.effect = "updated";
    Ok(received.answer(views(state, &alerts).await?))
}

/// `Cancel`: cancels the alerts referenced.
async fn cancel(
    state: &ApiState,
    operator: &Operator,
    cap: &CapAlert,
    received: &mut Received,
) -> Result<CapAnswer, ApiError> {
    let alerts = referenced(state, cap).await?;
    for alert in &alerts {
        may_act(operator, alert, Action::Cancel(alert.kind))?;
    }
    if matches!(cap.status, Status::Test | Status::Draft) {
        received.effect = "rehearsed";
        return Ok(received.answer(views(state, &alerts).await?));
    }
    let mut any = false;
    for alert in &alerts {
        let cancelled = state
            .desk()
            .cancel(&alert.id)
            .await
            .map_err(super::alerts::sent)?;
        if cancelled {
            any = true;
            for network in &alert.networks {
                let entry = operator.audit("alert.cancel", Some(network), Some(alert.id.as_str()));
                state.store().audit(&entry).await?;
            }
        }
        received.alerts.push(alert.id.clone());
    }
    received.effect = if any { "cancelled" } else { "already_over" };
    Ok(received.answer(views(state, &alerts).await?))
}

/// The message again: the same answer, nothing done; another message under its identifier
/// is refused.
async fn repeated(
    state: &ApiState,
    operator: &Operator,
    cap: &CapAlert,
    record: &CapRecord,
    digest: &str,
) -> Result<Response, ApiError> {
    if record.document_sha256 != digest {
        return Err(ApiError::conflict(format!(
            "{} already sent another message with the identifier `{}` (received {}); CAP \
             identifiers are unique per sender: give this one a new identifier",
            cap.sender,
            cap.identifier,
            super::views::time(record.received_at)
        )));
    }
    let mut alerts = Vec::new();
    if let Some(id) = &record.alert {
        if let Some(alert) = state.store().alert(id).await? {
            if super::access::sees_any(&operator.token, &alert.networks) {
                alerts.push(view(state, &alert).await?);
            }
        }
    }
    let answer = CapAnswer {
        sender: record.sender.clone(),
        identifier: record.identifier.clone(),
        status: record.status.clone(),
        msg_type: record.msg_type.clone(),
        effect: record.effect.clone(),
        repeated: true,
        alerts,
        would: None,
        ignored_languages: Vec::new(),
    };
    Ok((StatusCode::OK, Json(answer)).into_response())
}

/// The alerts the message's `<references>` name, each once, in order.
async fn referenced(state: &ApiState, cap: &CapAlert) -> Result<Vec<Alert>, ApiError> {
    let mut alerts: Vec<Alert> = Vec::new();
    for reference in &cap.references {
        let record = state
            .store()
            .cap_message(&reference.sender, &reference.identifier)
            .await?;
        let Some(id) = record.and_then(|r| r.alert) else {
            continue;
        };
        if alerts.iter().any(|a| a.id == id) {
            continue;
        }
        if let Some(alert) = state.store().alert(&id).await? {
            alerts.push(alert);
        }
    }
    if alerts.is_empty() {
        return Err(ApiError::field(
            "alert/references",
            "names no alert this gateway made: reference the sender, identifier and sent of \
             the Alert message",
        ));
    }
    Ok(alerts)
}

/// 404 for an alert out of the token's sight (as the alert routes answer), 403 for one the
/// role may not act on or that reaches beyond the token's networks.
fn may_act(operator: &Operator, alert: &Alert, action: Action) -> Result<(), ApiError> {
    if !super::access::sees_any(&operator.token, &alert.networks) {
        return Err(ApiError::field(
            "alert/references",
            "names no alert this gateway made: reference the sender, identifier and sent of \
             the Alert message",
        ));
    }
    if !allows(operator.token.role, action) {
        return Err(ApiError::forbidden(format!(
            "a {} token may not do this to {} alerts",
            operator.token.role, alert.kind
        )));
    }
    if let Some(outside) = first_outside(&operator.token, &alert.networks) {
        return Err(ApiError::forbidden(format!(
            "alert {} also goes to network {outside}, which this token does not cover",
            alert.id
        )));
    }
    Ok(())
}

/// Ack and Error come from systems that send: a role that may send some alert.
fn require_sender(operator: &Operator) -> Result<(), ApiError> {
    let sends = [
        AlertKind::Urgent,
        AlertKind::Prevention,
        AlertKind::Feedback,
    ]
    .into_iter()
    .any(|kind| allows(operator.token.role, Action::Send(kind)));
    if sends {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "a {} token may not post CAP messages",
            operator.token.role
        )))
    }
}

/// The message's reading, or 422 naming each element at fault.
fn reading(state: &ApiState, cap: &CapAlert) -> Result<Reading, ApiError> {
    let reading = read(cap, state.speech_settings().max_chars).map_err(ApiError::invalid)?;
    if reading.texts.is_empty() {
        return Err(ApiError::field(
            "alert/info",
            "no <info> in a language the chain speaks (nl, fr, de, en; e.g. nl-BE)",
        ));
    }
    Ok(reading)
}

/// The messages, each spoken once now (so the first calls find them rendered); a text the
/// engine refuses names its `<info>`.
async fn spoken(state: &ApiState, reading: &Reading) -> Result<Vec<Message>, ApiError> {
    let texts: Vec<(Language, String)> = reading
        .texts
        .iter()
        .map(|t| (t.language, t.text.clone()))
        .collect();
    state.speak(&texts).await.map_err(|e| {
        e.map_fields(|field| {
            reading
                .texts
                .iter()
                .find(|t| field == format!("texts.{}", t.language.code()))
                .map_or_else(|| field.to_owned(), |t| t.element.clone())
        })
    })?;
    Ok(texts
        .into_iter()
        .map(|(language, text)| Message {
            language: language.code().to_owned(),
            body: MessageBody::Text(text),
        })
        .collect())
}

/// The earliest `<expires>`, and never later than `chain.max_expiry` from now (a message may
/// stay valid longer than calls go on); one already passed is 422.
fn expiry(state: &ApiState, reading: &Reading) -> Result<Option<i64>, ApiError> {
    let Some((at, element)) = &reading.expires else {
        return Ok(None);
    };
    let now = epoch_ms();
    if *at <= now {
        return Err(ApiError::field(element.as_str(), "this moment has passed"));
    }
    let longest = i64::try_from(state.chain().max_expiry.as_millis()).unwrap_or(i64::MAX);
    Ok(Some((*at).min(now.saturating_add(longest))))
}

async fn views(state: &ApiState, alerts: &[Alert]) -> Result<Vec<AlertView>, ApiError> {
    let mut views = Vec::with_capacity(alerts.len());
    for alert in alerts {
        if let Some(now) = state.store().alert(&alert.id).await? {
            views.push(view(state, &now).await?);
        }
    }
    Ok(views)
}

/// 422 with each problem of the document, named by its element.
fn invalid(invalid: CapInvalid) -> ApiError {
    let problems: Vec<FieldProblem> = invalid
        .problems
        .into_iter()
        .map(|p| FieldProblem {
            field: p.element,
            reason: p.reason,
        })
        .collect();
    ApiError::invalid(problems).with_detail_prefix("not a valid CAP 1.2 alert")
}
