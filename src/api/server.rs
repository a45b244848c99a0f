//! Serving the API: binds `[api] listen` and answers until told to stop, keeping each
//! connection's address for the audit log.
//!
//! With `[api] tls_cert` and `tls_key` (PEM) it speaks HTTPS itself, with rustls and the
//! ring provider (TLS 1.2 and 1.3, HTTP/1.1 and HTTP/2 by ALPN); without them it speaks plain
//! HTTP, for a reverse proxy in front to terminate TLS. Both files are read and checked
//! against each other before anything listens, so a wrong path or a key of another
//! certificate stops `serve` at once, naming the key to fix.

use super::{ApiState, router};
use crate::config::ApiConfig;
use axum_server::tls_rustls::RustlsConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
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
    /// The certificate or its key cannot be used.
    #[error("[api] {key} = \"{}\": {problem}", .path.display())]
    Tls {
        /// `tls_cert` or `tls_key`.
        key: &'static str,
        /// The file it names.
        path: PathBuf,
        /// What is wrong.
        #[source]
        problem: TlsProblem,
    },
}

/// What is wrong with a certificate or key file.
#[derive(Debug, thiserror::Error)]
pub enum TlsProblem {
    /// The file cannot be read.
    #[error("cannot read: {0}")]
    Read(#[source] std::io::Error),
    /// Not PEM, or PEM of something else.
    #[error("not a PEM {what}: {source}")]
    Pem {
        /// `certificate` or `private key`.
        what: &'static str,
        /// What the parser said.
        #[source]
        source: rustls::pki_types::pem::Error,
    },
    /// A PEM file without a certificate.
    #[error("holds no certificate (-----BEGIN CERTIFICATE-----)")]
    NoCertificate,
    /// rustls refused the pair (a key of another certificate, an unsupported key type).
    #[error("refused with api.tls_cert: {0}")]
    Refused(#[source] rustls::Error),
}

/// A bound API, not yet answering.
pub struct BoundApi {
    listener: TcpListener,
    address: SocketAddr,
    tls: Option<RustlsConfig>,
}

impl BoundApi {
    /// Reads the certificate and key, if configured, and binds `[api] listen`.
    pub async fn bind(api: &ApiConfig) -> Result<BoundApi, ServeError> {
        let tls = match (&api.tls_cert, &api.tls_key) {
            (Some(cert), Some(key)) => Some(RustlsConfig::from_config(Arc::new(server_config(
                cert, key,
            )?))),
            _ => None,
        };
        let listener = TcpListener::bind(api.listen)
            .await
            .map_err(|source| ServeError::Bind {
                address: api.listen,
                source,
            })?;
        let address = listener.local_addr().unwrap_or(api.listen);
        Ok(BoundApi {
            listener,
            address,
            tls,
        })
    }

    /// The address it answers on (the real port when `listen` asked for port 0).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Whether it speaks HTTPS.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Answers until `shutdown` completes; requests under way finish first.
    pub async fn serve(
        self,
        state: ApiState,
        api: &ApiConfig,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let app = router(state, api).into_make_service_with_connect_info::<SocketAddr>();
        let Some(tls) = self.tls else {
            return axum::serve(self.listener, app)
                .with_graceful_shutdown(shutdown)
                .await;
        };
        let handle = axum_server::Handle::new();
        let stopper = handle.clone();
        tokio::spawn(async move {
            shutdown.await;
            stopper.graceful_shutdown(None);
        });
        axum_server::from_tcp_rustls(self.listener.into_std()?, tls)?
            .handle(handle)
            .serve(app)
            .await
    }
}

/// The server's TLS configuration from a PEM certificate chain and its private key.
fn server_config(cert: &Path, key: &Path) -> Result<rustls::ServerConfig, ServeError> {
    let chain = certificates(cert).map_err(|problem| ServeError::Tls {
        key: "tls_cert",
        path: cert.to_owned(),
        problem,
    })?;
    let key_error = |problem| ServeError::Tls {
        key: "tls_key",
        path: key.to_owned(),
        problem,
    };
    let private = private_key(key).map_err(key_error)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| {
            builder
                .with_no_client_auth()
                .with_single_cert(chain, private)
        })
        .map_err(|e| key_error(TlsProblem::Refused(e)))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsProblem> {
    let text = std::fs::read(path).map_err(TlsProblem::Read)?;
    let chain = CertificateDer::pem_slice_iter(&text)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| TlsProblem::Pem {
            what: "certificate",
            source,
        })?;
    if chain.is_empty() {
        return Err(TlsProblem::NoCertificate);
    }
    Ok(chain)
}

fn private_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsProblem> {
    let text = std::fs::read(path).map_err(TlsProblem::Read)?;
    PrivateKeyDer::from_pem_slice(&text).map_err(|source| TlsProblem::Pem {
        what: "private key",
        source,
    })
}
