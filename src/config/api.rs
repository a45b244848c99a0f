//! `[api]`: where `buurtbel serve` answers HTTP, whether it speaks TLS itself, and the limits
//! it holds every client to.

use super::{BadValue, ValueProblem};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;

/// `[api]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiConfig {
    /// Address and port of the HTTP API (default `127.0.0.1:8080`).
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// A PEM certificate chain: with `tls_key`, `serve` speaks HTTPS itself.
    #[serde(default)]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of `tls_cert`.
    #[serde(default)]
    pub tls_key: Option<PathBuf>,
    /// Requests per minute one token may make (default 600); more are answered 429.
    #[serde(default = "default_rate_limit")]
    pub rate_limit: u32,
    /// The largest request body in bytes (default 16 MiB, room for a recorded message).
    #[serde(default = "default_max_body")]
    pub max_body: usize,
}

impl Default for ApiConfig {
    fn default() -> ApiConfig {
        ApiConfig {
            listen: default_listen(),
            tls_cert: None,
            tls_key: None,
            rate_limit: default_rate_limit(),
            max_body: default_max_body(),
        }
    }
}

impl ApiConfig {
    pub(super) fn check(&self) -> Result<(), BadValue> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(_), None) => {
                return Err(BadValue::new(
                    "api.tls_key",
                    ValueProblem::Paired("api.tls_cert"),
                ));
            }
            (None, Some(_)) => {
                return Err(BadValue::new(
                    "api.tls_cert",
                    ValueProblem::Paired("api.tls_key"),
                ));
            }
            _ => {}
        }
        if self.rate_limit == 0 {
            return Err(BadValue::new("api.rate_limit", ValueProblem::TooFew(1)));
        }
        if self.max_body < 1024 {
            return Err(BadValue::new("api.max_body", ValueProblem::TooFew(1024)));
        }
        Ok(())
    }
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

fn default_rate_limit() -> u32 {
    600
}

fn default_max_body() -> usize {
    16 * 1024 * 1024
}
