//! `GET /v1/audit`: the audit log, newest first, for admins.

use super::ApiState;
use super::access::{Action, allows};
use super::auth::Operator;
use super::body::QueryArgs;
use super::problem::{ApiError, Problem};
use super::views::time;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The most entries one page holds.
const MAX_PAGE: u32 = 1000;

/// Which entries.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Entries before this moment (epoch ms; the `at_ms` of the last entry of the previous
    /// page).
    pub before: Option<i64>,
    /// How many, at most 1000 (default 100).
    pub limit: Option<u32>,
}

/// One thing someone did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditView {
    /// When.
    pub at: String,
    /// When, in epoch milliseconds (for `before`).
    pub at_ms: i64,
    /// Who: `token NAME (ID)` or `cli`.
    pub actor: String,
    /// What: `alert.send`, `alert.cancel`, `alert.deliveries.read`…
    pub action: String,
    /// The network concerned.
    pub network: Option<String>,
    /// What it acted on.
    pub subject: Option<String>,
    /// The client's address.
    pub address: Option<String>,
}

/// The audit log.
#[utoipa::path(
    get, path = "/v1/audit", tag = "operations",
    params(AuditQuery),
    responses(
        (status = 200, body = Vec<AuditView>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn log(
    State(state): State<ApiState>,
    operator: Operator,
    QueryArgs(query): QueryArgs<AuditQuery>,
) -> Result<Json<Vec<AuditView>>, ApiError> {
    if !allows(operator.token.role, Action::ReadAudit) {
        return Err(ApiError::forbidden(
            "only an admin token reads the audit log",
        ));
    }
    let limit = query.limit.unwrap_or(100).clamp(1, MAX_PAGE);
    let entries = state.store().audit_log(query.before, limit).await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|e| AuditView {
                at: time(e.at),
                at_ms: e.at,
                actor: e.actor,
                action: e.action,
                network: e.network.map(|n| n.0),
                subject: e.subject,
                address: e.address,
            })
            .collect(),
    ))
}
