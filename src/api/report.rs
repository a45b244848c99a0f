//! `GET /v1/alerts/{id}/report.csv`: one line per member of the alert, as `alert show
//! --members` prints them, for the police's file: name, number masked to its country code and
//! last two digits, final state, tries, confirmation, and the last try (a call, an SMS, or a
//! message the member heard on the call-back line). A report holds personal data; each one
//! is written to the audit log.

use super::ApiState;
use super::alerts::visible;
use super::auth::Operator;
use super::problem::{ApiError, Problem};
use super::views::time;
use crate::number::masked;
use crate::store::MemberResult;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

/// The columns, in order.
pub const HEADER: [&str; 10] = [
    "name",
    "number",
    "state",
    "tries",
    "confirmed_at",
    "confirmed_how",
    "last_try_at",
    "last_outcome",
    "last_sip_status",
    "last_channel",
];

/// The alert's report.
#[utoipa::path(
    get, path = "/v1/alerts/{id}/report.csv", tag = "alerts",
    params(("id" = String, Path, description = "The alert's id")),
    responses(
        (status = 200, description = "One line per member", body = String,
            content_type = "text/csv"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn csv(
    State(state): State<ApiState>,
    operator: Operator,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let alert = visible(&state, &operator, &id).await?;
    let members = state.store().member_results(&alert.id).await?;
    let text = write(&members).map_err(|e| {
        tracing::error!(error = %e, "writing a report failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the report could not be written",
        )
    })?;
    let entry = operator.audit("alert.report", None, Some(alert.id.as_str()));
    state.store().audit(&entry).await?;
    let file = format!("attachment; filename=\"alert-{}.csv\"", alert.id);
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (CONTENT_DISPOSITION, file),
        ],
        text,
    )
        .into_response())
}

/// The report's text.
fn write(members: &[MemberResult]) -> Result<String, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(HEADER)?;
    for member in members {
        let confirmation = member.confirmation.as_ref();
        let last = member.last_try.as_ref();
        out.write_record([
            member.name.clone(),
            member.number.as_deref().map(masked).unwrap_or_default(),
            member.state.as_str().to_owned(),
            member.tries.to_string(),
            confirmation.map(|c| time(c.at)).unwrap_or_default(),
            confirmation
                .map(|c| c.how.as_str().to_owned())
                .unwrap_or_default(),
            last.map(|t| time(t.started_at)).unwrap_or_default(),
            last.and_then(|t| t.outcome.clone()).unwrap_or_default(),
            last.and_then(|t| t.sip_status)
                .map(|s| s.to_string())
                .unwrap_or_default(),
            last.map(|t| t.channel.as_str().to_owned())
                .unwrap_or_default(),
        ])?;
    }
    let bytes = out.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
