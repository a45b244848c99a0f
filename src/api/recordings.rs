//! `POST /v1/recordings`: a recorded message uploaded as a WAV, to be named in an alert's
//! `recordings` beside (or instead of) its `texts`.
//!
//! An upload is held to the command line's rules for `--wav-nl`: its header is judged as the
//! first bytes arrive (format, channels, rate, and the length the `data` chunk announces
//! against `speech.max_recording` and `[api] max_body`), so a file claiming hours or
//! gigabytes is refused before the rest is read; the body never exceeds `[api] max_body`
//! (413); an accepted one is decoded once, off
//! the async threads, so a file that does not play is refused now (422), not when the calls
//! start. Only the token that uploaded a recording may send it.

use super::ApiState;
use super::access::{Action, allows};
use super::auth::Operator;
use super::body::{WavFile, too_large_or};
use super::problem::{ApiError, FieldProblem, Problem};
use crate::speech::wav::{HeaderProblem, Recording, WavError, check_header};
use crate::store::{Message, MessageBody};
use crate::telephony::clock::epoch_ms;
use axum::Json;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio_stream::StreamExt;
use utoipa::ToSchema;

/// Bytes of a body read before its header is judged: room for a few metadata chunks.
const HEADER_PREFIX: usize = 4096;

/// An upload kept.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordingView {
    /// The id to name in an alert's `recordings`.
    pub id: String,
    /// How long it plays.
    pub duration_ms: u64,
}

/// Uploads a recorded message.
#[utoipa::path(
    post, path = "/v1/recordings", tag = "speech",
    request_body(content = WavFile, content_type = "audio/wav",
        description = "A WAV: PCM (8 to 32 bits) or 32-bit float, mono or stereo, 8 to 96 kHz, \
                       at most `speech.max_recording` long"),
    responses(
        (status = 201, description = "Kept", body = RecordingView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a usable WAV, or too long", body = Problem,
            content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn upload(
    State(state): State<ApiState>,
    operator: Operator,
    request: Request,
) -> Result<(StatusCode, Json<RecordingView>), ApiError> {
    if !allows(operator.token.role, Action::Upload) {
        return Err(ApiError::forbidden(format!(
            "a {} token sends no alerts, so it uploads no recordings",
            operator.token.role
        )));
    }
    if !is_wav(request.headers()) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the recording as a WAV file (Content-Type: audio/wav)",
        ));
    }
    let longest = state.speech_settings().max_recording;
    let bytes = read(request, state.max_body(), longest).await?;
    let (wav, duration) = decode(bytes, longest).await?;
    let duration_ms = u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1);
    let stored_ms = i64::try_from(duration_ms).unwrap_or(i64::MAX);
    let id = state
        .store()
        .create_recording(&wav, stored_ms, &operator.token.id, epoch_ms())
        .await?;
    let entry = operator.audit("recording.upload", None, Some(&id));
    state.store().audit(&entry).await?;
    Ok((StatusCode::CREATED, Json(RecordingView { id, duration_ms })))
}

/// The alert's recorded messages: each id one this token uploaded, each language one the
/// chain speaks and not given in `texts` as well.
pub async fn recorded(
    state: &ApiState,
    operator: &Operator,
    recordings: &BTreeMap<String, String>,
    texts: &BTreeMap<String, String>,
) -> Result<Vec<Message>, ApiError> {
    let mut errors = Vec::new();
    let mut messages = Vec::new();
    for (code, id) in recordings {
        let field = format!("recordings.{code}");
        let mut refuse = |reason: String| {
            errors.push(FieldProblem {
                field: field.clone(),
                reason,
            })
        };
        if super::preview::language(code).is_err() {
            refuse("not a language the chain speaks (nl, fr, de, en)".to_owned());
        } else if texts.contains_key(code) {
            refuse(format!(
                "texts.{code} gives this language already; give one or the other"
            ));
        } else {
            match state.store().recording(id, &operator.token.id).await? {
                Some(recording) => messages.push(Message {
                    language: code.clone(),
                    body: MessageBody::Recording(recording.wav),
                }),
                None => refuse(format!("no recording {id} uploaded with this token")),
            }
        }
    }
    if errors.is_empty() {
        Ok(messages)
    } else {
        Err(ApiError::invalid(errors))
    }
}

/// Whether the body is declared a WAV.
fn is_wav(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim)
        .is_some_and(|v| {
            ["audio/wav", "audio/wave", "audio/x-wav", "audio/vnd.wave"]
                .iter()
                .any(|t| v.eq_ignore_ascii_case(t))
        })
}

/// The body, at most `limit` bytes, its header judged as soon as it has arrived.
async fn read(request: Request, limit: usize, longest: Duration) -> Result<Vec<u8>, ApiError> {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(too_large_or(StatusCode::PAYLOAD_TOO_LARGE));
    }
    let mut stream = Body::into_data_stream(request.into_body());
    let mut bytes = Vec::new();
    let mut judged = false;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| too_large_or(StatusCode::BAD_REQUEST))?;
        if bytes.len() + chunk.len() > limit {
            return Err(too_large_or(StatusCode::PAYLOAD_TOO_LARGE));
        }
        bytes.extend_from_slice(&chunk);
        if !judged && bytes.len() >= HEADER_PREFIX {
            judged = prejudge(&bytes, declared, limit, longest)?;
        }
    }
    Ok(bytes)
}

/// Judges the header from the first bytes: true when it is acceptable, false when it needs
/// more bytes than have come (the whole body is judged again at the end). Samples announced
/// beyond `limit` are refused as too large before they arrive.
fn prejudge(
    prefix: &[u8],
    declared: Option<u64>,
    limit: usize,
    longest: Duration,
) -> Result<bool, ApiError> {
    let len = declared.unwrap_or(u64::MAX);
    match check_header(&mut std::io::Cursor::new(prefix), len, longest) {
        Ok(header) if header.data_start.saturating_add(header.data_len) > limit as u64 => {
            Err(too_large_or(StatusCode::PAYLOAD_TOO_LARGE))
        }
        Ok(_) => Ok(true),
        Err(HeaderProblem::Truncated | HeaderProblem::NoData | HeaderProblem::Io(_)) => Ok(false),
        Err(problem) => Err(refused(&problem.to_string())),
    }
}

/// The canonical WAV and its length, judged and decoded once on a blocking thread.
async fn decode(bytes: Vec<u8>, longest: Duration) -> Result<(Vec<u8>, Duration), ApiError> {
    let decoded = tokio::task::spawn_blocking(move || -> Result<_, WavError> {
        let recording = Recording::from_bytes(&bytes, longest, "the upload")?;
        recording.mono()?;
        let duration = recording.duration();
        Ok((recording.into_bytes(), duration))
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "decoding an upload failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the recording could not be read; it is logged",
        )
    })?;
    decoded.map_err(|e| match e.header_problem() {
        Some(problem) => refused(&problem.to_string()),
        None => refused(&e.to_string()),
    })
}

/// 422 for the body.
fn refused(reason: &str) -> ApiError {
    ApiError::field("body", reason)
}
