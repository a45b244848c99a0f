//! Who is asking: the bearer token of every `/v1` request, looked up by the hash of its
//! secret, held to its rate, and remembered with the client's address for the audit log.

use super::ApiState;
use super::problem::ApiError;
use crate::store::{AuditEntry, NetworkId, Token};
use crate::telephony::clock;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use std::net::SocketAddr;

/// The token a request came with, and where from.
#[derive(Debug, Clone)]
pub struct Operator {
    /// The token.
    pub token: Token,
    /// The client's address, when the connection has one.
    pub address: Option<SocketAddr>,
}

impl Operator {
    /// How the audit log names this operator.
    pub fn actor(&self) -> String {
        format!("token {} ({})", self.token.name, self.token.id)
    }

    /// An audit entry of `action` on `subject` by this operator, now.
    pub fn audit(
        &self,
        action: &str,
        network: Option<&NetworkId>,
        subject: Option<&str>,
    ) -> AuditEntry {
        AuditEntry {
            at: clock::epoch_ms(),
            actor: self.actor(),
            action: action.to_owned(),
            network: network.cloned(),
            subject: subject.map(str::to_owned),
            address: self.address.map(|a| a.ip().to_string()),
        }
    }
}

impl FromRequestParts<ApiState> for Operator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Operator, ApiError> {
        let secret = bearer(parts)?;
        let token = state
            .store()
            .token_by_secret(secret)
            .await?
            .ok_or_else(|| ApiError::unauthorized("this token is unknown or was revoked"))?;
        state
            .limiter()
            .take(&token.id, clock::now())
            .map_err(|wait| ApiError::too_many(wait.as_secs_f64().ceil() as u64))?;
        let address = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0);
        Ok(Operator { token, address })
    }
}

/// The secret of `Authorization: Bearer SECRET`.
fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let header = parts
        .headers
        .get(AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("send a token: Authorization: Bearer TOKEN"))?;
    let text = header
        .to_str()
        .map_err(|_| ApiError::unauthorized("the Authorization header is not readable text"))?;
    let (scheme, secret) = text
        .split_once(' ')
        .ok_or_else(|| ApiError::unauthorized("the Authorization header must be `Bearer TOKEN`"))?;
    if !scheme.eq_ignore_ascii_case("bearer") || secret.trim().is_empty() {
        return Err(ApiError::unauthorized(
            "the Authorization header must be `Bearer TOKEN`",
        ));
    }
    Ok(secret.trim())
}
