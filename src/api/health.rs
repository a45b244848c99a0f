//! `/healthz` (the process answers) and `/readyz` (it can do its work: the database answers,
//! and the trunk accepted our registration when `trunk.register` is on). Neither needs a
//! token, and neither says more than what is wrong.

use super::ApiState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

/// How the gateway stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `unavailable`.
    pub status: String,
    /// What is wrong, when something is.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".to_owned(),
        problems: Vec::new(),
    })
}

/// The gateway can send alerts now.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn readyz(State(state): State<ApiState>) -> (StatusCode, Json<Health>) {
    let mut problems = Vec::new();
    if state.is_stopping() {
        problems.push("the gateway is stopping; its calls in progress finish".to_owned());
    }
    if let Err(e) = state.store().ping().await {
        tracing::warn!(error = %e, "readiness: the database does not answer");
        problems.push("the database does not answer".to_owned());
    }
    if state.desk().trunk_registered() == Some(false) {
        problems.push("the trunk has not accepted our registration".to_owned());
    }
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let word = if problems.is_empty() {
        "ok"
    } else {
        "unavailable"
    };
    (
        status,
        Json(Health {
            status: word.to_owned(),
            problems,
        }),
    )
}
