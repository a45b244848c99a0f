//! Errors as `application/problem+json` (RFC 9457): the status, a sentence a person can act
//! on, and for invalid input every field with its reason. Never a stack trace, a SQL fragment
//! or a secret: a database failure is logged here in full and answered with a plain 500 (or
//! 503 while the database cannot be reached).

use crate::store::StoreError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status says what kind of problem it is.
    #[serde(rename = "type")]
    pub kind: String,
    /// The status's reason phrase.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong, and what to do.
    pub detail: String,
    /// For invalid input: each field and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// One invalid field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldProblem {
    /// Where, as a path: `texts.nl`, `networks[1]`, `kind`.
    pub field: String,
    /// Why.
    pub reason: String,
}

/// An answer that is not a success.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    status: StatusCode,
    detail: String,
    errors: Vec<FieldProblem>,
    retry_after: Option<u64>,
}

impl ApiError {
    /// An error with this status and explanation.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
        }
    }

    /// 422 for the fields named.
    pub fn invalid(errors: Vec<FieldProblem>) -> ApiError {
        let detail = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.reason),
            _ => format!("{} fields are invalid", errors.len()),
        };
        ApiError {
            errors,
            ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, detail)
        }
    }

    /// 422 for one field.
    pub fn field(field: impl Into<String>, reason: impl Into<String>) -> ApiError {
        ApiError::invalid(vec![FieldProblem {
            field: field.into(),
            reason: reason.into(),
        }])
    }

    /// The same error with another explanation.
    pub fn with_detail(self, detail: impl Into<String>) -> ApiError {
        ApiError {
            detail: detail.into(),
            ..self
        }
    }

    /// The same error with each field renamed by `rename` (the detail follows).
    pub fn map_fields(self, rename: impl Fn(&str) -> String) -> ApiError {
        let errors: Vec<FieldProblem> = self
            .errors
            .iter()
            .map(|e| FieldProblem {
                field: rename(&e.field),
                reason: e.reason.clone(),
            })
            .collect();
        if errors.is_empty() {
            return self;
        }
        ApiError {
            status: self.status,
            retry_after: self.retry_after,
            ..ApiError::invalid(errors)
        }
    }

    /// The same error with every field named `field`.
    pub fn with_field(self, field: &str) -> ApiError {
        self.map_fields(|_| field.to_owned())
    }

    /// The same error with `prefix` before its explanation.
    pub fn with_detail_prefix(self, prefix: &str) -> ApiError {
        let detail = format!("{prefix}: {}", self.detail);
        self.with_detail(detail)
    }

    /// 401: no token, or one that is not (or no longer) valid.
    pub fn unauthorized(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, detail)
    }

    /// 403: the token may not do this.
    pub fn forbidden(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, detail)
    }

    /// 404.
    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, detail)
    }

    /// 409.
    pub fn conflict(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, detail)
    }

    /// 429, to be tried again after `seconds`.
    pub fn too_many(seconds: u64) -> ApiError {
        ApiError {
            retry_after: Some(seconds.max(1)),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "this token made too many requests; wait and try again",
            )
        }
    }

    /// The same error, to be tried again after `seconds` (`Retry-After`).
    pub fn with_retry_after(self, seconds: u64) -> ApiError {
        ApiError {
            retry_after: Some(seconds.max(1)),
            ..self
        }
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The problem document.
    pub fn problem(&self) -> Problem {
        Problem {
            kind: "about:blank".to_owned(),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            errors: self.errors.clone(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error {
            StoreError::Unreachable { .. } | StoreError::Database(sqlx::Error::PoolTimedOut) => {
                tracing::warn!(error = %error, "the database is out of reach");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the database is out of reach; try again shortly",
                )
            }
            StoreError::LeaseExpired(_) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "this gateway is stopping; try again on another",
            ),
            other => {
                tracing::error!(error = %other, "a request failed on the database");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the gateway could not complete this request; it is logged",
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_failure_says_nothing_of_the_database() {
        let error = ApiError::from(StoreError::Database(sqlx::Error::Protocol(
            "SELECT secret FROM api_tokens".to_owned(),
        )));
        assert_eq!(error.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_string(&error.problem()).unwrap();
        assert!(!body.contains("SELECT"), "{body}");
        assert!(!body.contains("api_tokens"), "{body}");
    }

    #[test]
    fn one_invalid_field_is_named_in_the_detail() {
        let problem = ApiError::field("texts.xx", "unknown language").problem();
        assert_eq!(problem.status, 422);
        assert_eq!(problem.detail, "texts.xx: unknown language");
        assert_eq!(problem.title, "Unprocessable Entity");
    }
}
