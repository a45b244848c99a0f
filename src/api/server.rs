//! Serving the API: binds `[api] listen` and answers until told to stop, keeping each
//! connection's address for the audit log.

use super::{ApiState, router};
use crate::config::ApiConfig;
use std::future::Future;
use std::net::SocketAddr;
use tokio::net::TcpListener;

/// Why the API could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address is taken or not ours.
    #[error("cannot listen on {address} ([api] listen): {source}")]
    Bind {
        /// The configured address.
        address: SocketAddr,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// HTTPS needs what this build does not do yet.
    #[error("[api] tls_cert and tls_key: {0}")]
    Tls(String),
}

/// A bound API, not yet answering.
pub struct BoundApi {
    listener: TcpListener,
    address: SocketAddr,
}

impl BoundApi {
    /// Binds `[api] listen`.
    pub async fn bind(api: &ApiConfig) -> Result<BoundApi, ServeError> {
        if api.tls_cert.is_some() {
            return Err(ServeError::Tls(
                "HTTPS is served by a reverse proxy in this version; leave them out".to_owned(),
            ));
        }
        let listener = TcpListener::bind(api.listen)
            .await
            .map_err(|source| ServeError::Bind {
                address: api.listen,
                source,
            })?;
        let address = listener.local_addr().unwrap_or(api.listen);
        Ok(BoundApi { listener, address })
    }

    /// The address it answers on (the real port when `listen` asked for port 0).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Answers until `shutdown` completes; requests under way finish first.
    pub async fn serve(
        self,
        state: ApiState,
        api: &ApiConfig,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let app = router(state, api).into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await
    }
}
