//! HTTPS served by `serve` itself: a certificate made for the test, a real TLS connection,
//! and each way the files can be wrong refused with the key to fix.

use super::TestApi;
use crate::api::server::{BoundApi, ServeError, TlsProblem};
use crate::config::ApiConfig;
use crate::store::Role;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

struct Files {
    _dir: tempfile::TempDir,
    cert: PathBuf,
    key: PathBuf,
    cert_pem: String,
}

/// A self-signed certificate for `localhost` and its key, as PEM files.
fn self_signed() -> Files {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("api.crt");
    let key = dir.path().join("api.key");
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
    Files {
        cert_pem: made.cert.pem(),
        _dir: dir,
        cert,
        key,
    }
}

fn config(cert: &Path, key: &Path) -> ApiConfig {
    ApiConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        tls_cert: Some(cert.to_owned()),
        tls_key: Some(key.to_owned()),
        ..ApiConfig::default()
    }
}

#[tokio::test]
async fn serve_answers_https_with_its_own_certificate() {
    let files = self_signed();
    let api = TestApi::new().await;
    let admin = api.token(Role::Admin, &[]).await;
    let settings = config(&files.cert, &files.key);
    let bound = BoundApi::bind(&settings).await.unwrap();
    assert!(bound.is_tls());
    let port = bound.address().port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let state = api.state.clone();
    let served = tokio::spawn(async move {
        let shutdown = async move {
            let _ = stopped.await;
        };
        bound.serve(state, &settings, shutdown).await
    });

    let root = reqwest::Certificate::from_pem(files.cert_pem.as_bytes()).unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(root)
        .build()
        .unwrap();
    let health = client
        .get(format!("https://localhost:{port}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let alerts = client
        .get(format!("https://localhost:{port}/v1/alerts"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(alerts.status(), 200);
    let plain = reqwest::Client::new()
        .get(format!("http://localhost:{port}/healthz"))
        .send()
        .await;
    assert!(
        plain.map_or(true, |r| !r.status().is_success()),
        "plain HTTP is not answered"
    );
    let _ = stop.send(());
    served.await.unwrap().unwrap();
}

#[tokio::test]
async fn unusable_files_name_the_key_to_fix() {
    let files = self_signed();
    let other = self_signed();
    let missing = files.cert.with_file_name("missing.crt");
    let cases: [(&Path, &Path, &str); 4] = [
        (&missing, &files.key, "tls_cert"),
        (&files.key, &files.key, "tls_cert"),
        (&files.cert, &files.cert, "tls_key"),
        (&files.cert, &other.key, "tls_key"),
    ];
    for (cert, key, named) in cases {
        let error = BoundApi::bind(&config(cert, key)).await.err().unwrap();
        let ServeError::Tls { key: which, .. } = &error else {
            panic!("{error}");
        };
        assert_eq!(*which, named, "{error}");
        let shown = error.to_string();
        assert!(shown.starts_with(&format!("[api] {named} = ")), "{shown}");
    }
    let error = BoundApi::bind(&config(&missing, &files.key))
        .await
        .err()
        .unwrap();
    assert!(matches!(
        error,
        ServeError::Tls {
            problem: TlsProblem::Read(_),
            ..
        }
    ));
}
