//! `/v1/networks/{id}/members.csv`: a network's members in and out as the member CSV of
//! [`crate::members`], by exactly the rules of `buurtbel members import` and `export`.
//!
//! An import is checked whole and written in one transaction, all rows or none; each problem
//! is named by its line, as the command line names it (`field` is `line 3`; the header's and
//! an empty file's are on line 1). An export lists the network's members who have not left,
//! by name, with the columns an import reads; it is personal data, so it is audited and never
//! cached.

use super::ApiState;
use super::access::Action;
use super::auth::Operator;
use super::body::too_large_or;
use super::networks::visible;
use super::problem::{ApiError, FieldProblem, Problem};
use crate::members::{ImportError, MemberFile, read_member_file, write_csv};
use crate::store::{ImportSummary, Member, NewMember, refused_row};
use crate::telephony::clock::epoch_ms;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// What an import did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportView {
    /// The network's name.
    pub network: String,
    /// Rows imported.
    pub members: usize,
    /// New members.
    pub created: usize,
    /// Members changed, or added to the network.
    pub updated: usize,
    /// Members in the network already, exactly as imported.
    pub unchanged: usize,
    /// Numbers through which more than one member of the file is reached.
    pub shared_numbers: usize,
    /// Members reached through such a number.
    pub members_sharing: usize,
    /// What separated the columns: `,` or `;`.
    pub separator: String,
}

/// Imports a member CSV into the network: all rows or none.
#[utoipa::path(
    post, path = "/v1/networks/{id}/members.csv", tag = "members",
    params(("id" = String, Path, description = "The network's id or name")),
    request_body(content = String, content_type = "text/csv",
        description = "A header row (name, phone required; member_id, phone2, language, \
                       channel, speech_rate, quiet_start, quiet_end, consent), one member a row"),
    responses(
        (status = 200, description = "Imported", body = ImportView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Each problem with its line; nothing imported",
            body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn import(
    State(state): State<ApiState>,
    operator: Operator,
    Path(id): Path<String>,
    CsvBody(body): CsvBody,
) -> Result<Json<ImportView>, ApiError> {
    let network = visible(&state, &operator, &id, Action::ImportMembers).await?;
    let MemberFile { separator, rows } = read_member_file(body.as_ref()).map_err(by_line)?;
    let members: Vec<NewMember> = rows
        .iter()
        .map(|(_, row)| NewMember::from_row(row))
        .collect();
    let summary: ImportSummary = match state
        .store()
        .import_members(&network.id, members, epoch_ms())
        .await
    {
        Ok(summary) => summary,
        Err(error) => return Err(refused_row(&rows, error).map_or_else(ApiError::from, by_line)),
    };
    let subject = format!("{} rows", rows.len());
    let entry = operator.audit("members.import", Some(&network.id), Some(&subject));
    state.store().audit(&entry).await?;
    Ok(Json(ImportView {
        network: network.name,
        members: summary.created + summary.updated + summary.unchanged,
        created: summary.created,
        updated: summary.updated,
        unchanged: summary.unchanged,
        shared_numbers: summary.shared_numbers,
        members_sharing: summary.members_sharing,
        separator: separator.to_string(),
    }))
}

/// The network's members who have not left, as a member CSV.
#[utoipa::path(
    get, path = "/v1/networks/{id}/members.csv", tag = "members",
    params(("id" = String, Path, description = "The network's id or name")),
    responses(
        (status = 200, description = "The member CSV", body = String, content_type = "text/csv"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn export(
    State(state): State<ApiState>,
    operator: Operator,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let network = visible(&state, &operator, &id, Action::ExportMembers).await?;
    let members = state
        .store()
        .members_to_export(std::slice::from_ref(&network))
        .await?;
    let rows = members
        .iter()
        .map(Member::to_row)
        .collect::<Result<Vec<_>, _>>()?;
    let mut csv = Vec::new();
    write_csv(&mut csv, &rows).map_err(|e| {
        tracing::error!(error = %e, "writing a member CSV in memory failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the export failed; it is logged",
        )
    })?;
    let subject = format!("{} members", rows.len());
    let entry = operator.audit("members.export", Some(&network.id), Some(&subject));
    state.store().audit(&entry).await?;
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        ),
        (
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment; filename=\"members.csv\""),
        ),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
    ];
    Ok((headers, csv).into_response())
}

/// A `text/csv` body: 415 for anything else, 413 over the limit.
#[derive(Debug, Clone)]
pub struct CsvBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for CsvBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<CsvBody, ApiError> {
        let csv = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("text/csv"));
        if !csv {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send the member file as CSV (Content-Type: text/csv)",
            ));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| too_large_or(rejection.status()))?;
        Ok(CsvBody(bytes))
    }
}

/// Every problem of a member file with its line; nothing was imported.
fn by_line(error: ImportError) -> ApiError {
    let errors: Vec<FieldProblem> = error
        .problems()
        .iter()
        .map(|p| FieldProblem {
            field: format!("line {}", p.line),
            reason: p.problem.to_string(),
        })
        .collect();
    let detail = format!(
        "{} problem(s) in the member file, nothing imported",
        errors.len()
    );
    ApiError::invalid(errors).with_detail(detail)
}
