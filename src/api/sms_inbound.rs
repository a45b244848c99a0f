//! `POST /v1/sms/inbound`: where an SMS aggregator posts members' replies and delivery
//! receipts, as the HTTP provider's counterpart of SMPP's `deliver_sm`.
//!
//! No bearer token: the aggregator signs each post as Standard Webhooks do (`webhook-id`,
//! `webhook-timestamp`, `webhook-signature`, an HMAC-SHA256 with `[sms] inbound_secret`), and
//! a timestamp more than five minutes from our clock is refused, so a recorded request cannot
//! be replayed later. A message sent again (a replay, or an aggregator that missed our 204 and
//! re-signs it) is recognised by its `webhook-id` ([`replays`]) and not handed on twice.
//! Without `inbound_secret` the route does not exist (404, as any unknown path).
//!
//! What arrives is handed to the application as an [`Arrival`] and answered 204 only once the
//! application says it has kept it; when it does not within [`KEEP_WITHIN`], the answer is 503
//! with `Retry-After`, so the aggregator sends it again and no reply is lost between the two.
//! Numbers and texts are never logged above debug.

pub mod replays;

use super::ApiState;
use super::body::{parse, too_large_or};
use super::problem::{ApiError, Problem};
use crate::config::SmsConfig;
use crate::number::{masked, to_e164};
use crate::sms::{Arrival, Arrivals, Inbound, Receipt, ReceiptState, Reply};
use crate::telephony::clock;
use crate::webhooks::signature::{BadSecret, Secret, TOLERANCE_S, verify};
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use replays::Replays;
use serde::Deserialize;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio_stream::StreamExt;
use utoipa::ToSchema;

/// The largest body the route reads.
pub const MAX_BODY: usize = 64 * 1024;

/// How long the application has to keep what arrived before the aggregator is asked to send
/// it again.
pub const KEEP_WITHIN: Duration = Duration::from_secs(10);

/// How long the `webhook-id` of a message kept is remembered, in seconds: an aggregator that
/// missed our 204 sends it again, re-signed, for hours.
pub const REMEMBER_S: i64 = 24 * 60 * 60;

/// The `Retry-After` of a 503, in seconds.
pub const RETRY_AFTER_S: u64 = 10;

/// The longest `message_id` of a receipt, and the most of its `error` kept.
pub const MAX_ID_CHARS: usize = 200;

/// What the route needs: the aggregator's secret, and where arrivals go.
#[derive(Debug)]
pub struct SmsInbound {
    secret: Secret,
    arrivals: Arrivals,
    replays: Mutex<Replays>,
}

impl SmsInbound {
    /// Posts signed with `secret` (`[sms] inbound_secret`, read with
    /// [`Secret::parse`]) are handed to `arrivals`.
    pub fn new(secret: Secret, arrivals: Arrivals) -> SmsInbound {
        SmsInbound {
            secret,
            arrivals,
            replays: Mutex::new(Replays::default()),
        }
    }

    /// The route as `[sms]` sets it: `None` without `inbound_secret` (the route stays off).
    pub fn from_config(
        config: &SmsConfig,
        arrivals: Arrivals,
    ) -> Result<Option<SmsInbound>, InboundSetupError> {
        let Some(text) = config.inbound_secret.as_deref() else {
            return Ok(None);
        };
        let secret = Secret::parse(text.trim()).map_err(InboundSetupError)?;
        Ok(Some(SmsInbound::new(secret, arrivals)))
    }

    fn replays(&self) -> std::sync::MutexGuard<'_, Replays> {
        self.replays.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `[sms] inbound_secret` is not a Standard Webhooks secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sms.inbound_secret: {0}")]
pub struct InboundSetupError(#[source] pub BadSecret);

/// A member's reply, or a delivery receipt. Other fields are ignored.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum InboundMessage {
    /// A member's message to us.
    Reply(InboundReply),
    /// What became of a message sent.
    Receipt(InboundReceipt),
}

/// `"type": "reply"`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct InboundReply {
    /// The member's number: E.164 (`+32470000001`), or national Belgian.
    #[schema(example = "+32470000001")]
    pub from: String,
    /// Our number it was sent to.
    pub to: String,
    /// What the member wrote.
    #[schema(example = "1")]
    pub text: String,
}

/// `"type": "receipt"`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct InboundReceipt {
    /// The id the aggregator gave the message when it took it (at most 200 characters).
    pub message_id: String,
    /// Where the message is.
    pub status: ReceiptStatus,
    /// The network's error code, if it gave one (kept to 200 characters).
    #[serde(default)]
    pub error: Option<String>,
}

/// Where a message is, as a receipt says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReceiptStatus {
    /// On the handset.
    Delivered,
    /// Its validity ran out.
    Expired,
    /// It cannot reach the handset.
    Undeliverable,
    /// The network refused it.
    Rejected,
    /// Deleted before delivery.
    Deleted,
    /// Still on its way.
    Enroute,
    /// Accepted on the member's behalf.
    Accepted,
    /// The network does not know.
    Unknown,
}

/// Receives a member's reply or a delivery receipt from the SMS aggregator, signed as
/// Standard Webhooks sign (`[sms] inbound_secret`); 204 once it is kept.
#[utoipa::path(
    post, path = "/v1/sms/inbound", tag = "sms",
    params(
        ("webhook-id" = String, Header, description = "The message's id; the same on a retry"),
        ("webhook-timestamp" = String, Header, description = "Unix seconds, within five minutes of the gateway's clock"),
        ("webhook-signature" = String, Header, description = "`v1,` and the base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`, keyed with the secret"),
    ),
    request_body = InboundMessage,
    responses(
        (status = 204, description = "Kept (or already kept: a message sent again)"),
        (status = 401, body = Problem, content_type = "application/problem+json",
            description = "No signature, a wrong one, or a timestamp out of tolerance"),
        (status = 404, body = Problem, content_type = "application/problem+json",
            description = "No `[sms] inbound_secret`: the route is off"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json",
            description = "Not kept in time; send it again",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
pub async fn receive(
    State(state): State<ApiState>,
    headers: HeaderMap,
    body: Body,
) -> Result<StatusCode, ApiError> {
    let inbound = state
        .sms_inbound()
        .ok_or_else(|| ApiError::not_found("no such path"))?;
    let bytes = read(&headers, body).await?;
    let now_s = i64::try_from(clock::unix_time().as_secs()).unwrap_or(i64::MAX);
    let id = signed(inbound, &headers, &bytes, now_s)?;
    if inbound.replays().was_kept(&id, now_s) {
        tracing::debug!("an inbound SMS message sent again was already kept");
        return Ok(StatusCode::NO_CONTENT);
    }
    let message = message(&bytes)?;
    log(&message);
    if !hand_over(&inbound.arrivals, message).await {
        tracing::warn!(
            "an inbound SMS message was not kept in time; the aggregator will resend it"
        );
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the gateway could not keep this message now; send it again",
        )
        .with_retry_after(RETRY_AFTER_S));
    }
    inbound
        .replays()
        .keep(&id, now_s.saturating_add(REMEMBER_S), now_s);
    Ok(StatusCode::NO_CONTENT)
}

/// The body, up to [`MAX_BODY`] bytes.
async fn read(headers: &HeaderMap, body: Body) -> Result<Vec<u8>, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is larger than {MAX_BODY} bytes"),
        )
    };
    if declared.is_some_and(|length| length > MAX_BODY) {
        return Err(too_large());
    }
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| too_large_or(StatusCode::BAD_REQUEST))?;
        if bytes.len().saturating_add(chunk.len()) > MAX_BODY {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// The message's `webhook-id`, once its signature and timestamp are right.
fn signed(
    inbound: &SmsInbound,
    headers: &HeaderMap,
    body: &[u8],
    now_s: i64,
) -> Result<String, ApiError> {
    let field = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(id), Some(timestamp), Some(signature)) = (
        field("webhook-id"),
        field("webhook-timestamp"),
        field("webhook-signature"),
    ) else {
        return Err(ApiError::unauthorized(
            "sign the request: webhook-id, webhook-timestamp and webhook-signature \
             (Standard Webhooks, with [sms] inbound_secret)",
        ));
    };
    verify(
        &inbound.secret,
        id,
        timestamp,
        signature,
        body,
        now_s,
        TOLERANCE_S,
    )
    .map_err(|refusal| {
        tracing::info!(reason = %refusal, "an inbound SMS post was refused");
        ApiError::unauthorized(refusal.to_string())
    })?;
    Ok(id.to_owned())
}

/// What the body says, checked: the reply's number in E.164, the receipt's id and status.
fn message(bytes: &[u8]) -> Result<Inbound, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Kind {
        Reply,
        Receipt,
    }
    #[derive(Deserialize)]
    struct Tagged {
        #[serde(rename = "type")]
        kind: Kind,
    }
    let tagged: Tagged = parse(bytes).map_err(name_missing)?;
    match tagged.kind {
        Kind::Reply => {
            let reply: InboundReply = parse(bytes).map_err(name_missing)?;
            let from = to_e164(&reply.from).map_err(|e| ApiError::field("from", e.to_string()))?;
            Ok(Inbound::Reply(Reply {
                from,
                to: reply.to,
                text: reply.text,
            }))
        }
        Kind::Receipt => {
            let receipt: InboundReceipt = parse(bytes).map_err(name_missing)?;
            let message_id = receipt.message_id.trim().to_owned();
            if message_id.is_empty() || message_id.chars().count() > MAX_ID_CHARS {
                return Err(ApiError::field(
                    "message_id",
                    format!("must be 1 to {MAX_ID_CHARS} characters"),
                ));
            }
            let error = receipt
                .error
                .map(|e| e.trim().chars().take(MAX_ID_CHARS).collect::<String>())
                .filter(|e| !e.is_empty());
            Ok(Inbound::Receipt(Receipt {
                message_id,
                state: receipt.status.state(),
                error,
            }))
        }
    }
}

impl ReceiptStatus {
    /// The state the store keeps.
    pub fn state(self) -> ReceiptState {
        match self {
            ReceiptStatus::Delivered => ReceiptState::Delivered,
            ReceiptStatus::Expired => ReceiptState::Expired,
            ReceiptStatus::Undeliverable => ReceiptState::Undeliverable,
            ReceiptStatus::Rejected => ReceiptState::Rejected,
            ReceiptStatus::Deleted => ReceiptState::Deleted,
            ReceiptStatus::Enroute => ReceiptState::Enroute,
            ReceiptStatus::Accepted => ReceiptState::Accepted,
            ReceiptStatus::Unknown => ReceiptState::Unknown,
        }
    }
}

/// A missing field is reported at the object holding it (`body`): name the field itself;
/// JSON that breaks off has no path (`?`): name the body.
fn name_missing(error: ApiError) -> ApiError {
    let problem = error.problem();
    let missing = match problem.errors.as_slice() {
        [one] if one.field == "?" => Some(("body".to_owned(), one.reason.clone())),
        [one] if one.field == "body" => one
            .reason
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split_once('`'))
            .map(|(name, _)| (name.to_owned(), one.reason.clone())),
        _ => None,
    };
    match missing {
        Some((field, reason)) => ApiError::field(field, reason),
        None => error,
    }
}

/// Hands `inbound` to the application; whether it was kept within [`KEEP_WITHIN`].
async fn hand_over(arrivals: &Arrivals, inbound: Inbound) -> bool {
    let (kept, answer) = oneshot::channel();
    let handed =
        async { arrivals.send(Arrival { inbound, kept }).await.is_ok() && answer.await.is_ok() };
    tokio::time::timeout(KEEP_WITHIN, handed)
        .await
        .unwrap_or(false)
}

fn log(inbound: &Inbound) {
    match inbound {
        Inbound::Reply(reply) => {
            tracing::info!("an SMS reply arrived");
            tracing::debug!(from = %masked(&reply.from), "the SMS reply's sender");
        }
        Inbound::Receipt(receipt) => {
            tracing::info!(message_id = %receipt.message_id, state = %receipt.state, "an SMS receipt arrived");
        }
    }
}
