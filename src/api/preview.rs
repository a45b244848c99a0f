//! `POST /v1/speech/preview`: a message as members will hear it, before it is sent — the text
//! as the engine reads it (plates, numbers and times written out, as `buurtbel say --dry-run`
//! shows them) and the rendering itself, so a dispatcher can listen and correct the text.
//!
//! The rendering is the one a call plays (same normalisation, engine, cache and repetitions),
//! made off the async threads. Nothing is stored but the speech cache's file, which the
//! dispatcher will find when the alert is sent.

use super::ApiState;
use super::access::{Action, allows};
use super::auth::Operator;
use super::body::{JsonBody, WavFile};
use super::problem::{ApiError, Problem};
use crate::speech::{Language, Rendered, SpeechError};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;

/// The speech rates a preview may ask for, as for a member.
const RATES: std::ops::RangeInclusive<f32> = 0.5..=2.0;

/// A message to hear.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    /// The message, as it would be sent in `texts`.
    pub text: String,
    /// `nl`, `fr`, `de` or `en` (default `nl`).
    #[serde(default = "dutch")]
    pub language: String,
    /// Speed: 1.0 normal, 0.85 slower (0.5 to 2.0; default 1.0).
    #[serde(default = "normal")]
    pub rate: f32,
}

/// The message as members will hear it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PreviewView {
    /// The language.
    pub language: String,
    /// The rate.
    pub rate: f32,
    /// The text as the engine reads it.
    pub spoken: String,
    /// How long it plays, repetitions included.
    pub duration_ms: u64,
    /// The rendering: an 8 kHz mono 16-bit WAV, base64.
    pub wav: String,
}

/// Renders a message without sending it.
#[utoipa::path(
    post, path = "/v1/speech/preview", tag = "speech",
    request_body = PreviewRequest,
    params(("Accept" = Option<String>, Header,
        description = "`audio/wav` for the WAV itself; JSON otherwise")),
    responses(
        (status = 200, description = "The text as read and its rendering", content(
            (PreviewView = "application/json"),
            (WavFile = "audio/wav"),
        )),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn preview(
    State(state): State<ApiState>,
    operator: Operator,
    headers: HeaderMap,
    JsonBody(request): JsonBody<PreviewRequest>,
) -> Result<Response, ApiError> {
    if !allows(operator.token.role, Action::Preview) {
        return Err(ApiError::forbidden(format!(
            "a {} token sends no alerts, so it previews none",
            operator.token.role
        )));
    }
    let language = language(&request.language)?;
    if !RATES.contains(&request.rate) {
        return Err(ApiError::field("rate", "must be from 0.5 to 2.0"));
    }
    let rendered = render(&state, request.text, language, request.rate).await?;
    let wav = wav(&rendered.samples)?;
    if wants_wav(&headers) {
        let mut response = (StatusCode::OK, wav).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("audio/wav"));
        return Ok(response);
    }
    let view = PreviewView {
        language: language.code().to_owned(),
        rate: request.rate,
        spoken: rendered.spoken,
        duration_ms: rendered.samples.len() as u64 * 1000 / u64::from(crate::speech::wav::RATE),
        wav: base64::engine::general_purpose::STANDARD.encode(&wav),
    };
    Ok(axum::Json(view).into_response())
}

/// A language the chain speaks, by its exact code.
pub fn language(code: &str) -> Result<Language, ApiError> {
    match code.parse::<Language>() {
        Ok(language) if language.code() == code => Ok(language),
        _ => Err(ApiError::field(
            "language",
            "not a language the chain speaks (nl, fr, de, en)",
        )),
    }
}

/// The rendering, made on a blocking thread; what the engine refuses is the text's fault.
async fn render(
    state: &ApiState,
    text: String,
    language: Language,
    rate: f32,
) -> Result<Rendered, ApiError> {
    let speech = Arc::clone(state.speech());
    let rendered = tokio::task::spawn_blocking(move || speech.message(&text, language, rate))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "rendering a preview failed");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the speech engine failed; it is logged",
            )
        })?;
    rendered.map_err(|e| match e {
        SpeechError::Rate(_) => ApiError::field("rate", e.to_string()),
        SpeechError::EmptyText | SpeechError::TooLong { .. } => {
            ApiError::field("text", e.to_string())
        }
        other => ApiError::field("text", format!("the speech engine cannot read it: {other}")),
    })
}

/// The samples as a WAV file.
fn wav(samples: &[i16]) -> Result<Vec<u8>, ApiError> {
    let mut out = std::io::Cursor::new(Vec::new());
    crate::speech::wav::write_8k_to(&mut out, samples, "(preview)").map_err(|e| {
        tracing::error!(error = %e, "writing a preview failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the preview could not be written; it is logged",
        )
    })?;
    Ok(out.into_inner())
}

/// Whether `Accept` asks for the WAV itself.
fn wants_wav(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|v| v.split(';').next())
        .map(str::trim)
        .any(|v| {
            ["audio/wav", "audio/wave", "audio/x-wav", "audio/*"]
                .iter()
                .any(|t| v.eq_ignore_ascii_case(t))
        })
}

fn dutch() -> String {
    "nl".to_owned()
}

fn normal() -> f32 {
    1.0
}
