//! Router tests: the whole API in process (`tower::ServiceExt::oneshot`), over a private
//! SQLite database with two networks of fictional members, sending through a [`StoreDesk`].

mod matrix;
mod requests;
mod speech;

use super::desk::StoreDesk;
use super::{ApiState, router};
use crate::config::{ApiConfig, ChainConfig};
use crate::speech::{Speech, SpeechSettings};
use crate::store::{
    Channel, ContactKind, ContactPoint, MemberStatus, NetworkId, NetworkKind, NewMember,
    NewNetwork, NewToken, Role, Store,
};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

/// The API under test.
pub struct TestApi {
    pub router: Router,
    pub store: Store,
    /// `BIN Noord` and `BIN Zuid`.
    pub north: NetworkId,
    pub south: NetworkId,
    _cache: tempfile::TempDir,
}

/// What came back.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl TestApi {
    pub async fn new() -> TestApi {
        TestApi::with(ApiConfig::default()).await
    }

    pub async fn with(api: ApiConfig) -> TestApi {
        let store = Store::open("sqlite::memory:").await.expect("store");
        let north = network(&store, "BIN Noord", "+3250000101").await;
        let south = network(&store, "BIN Zuid", "+3250000201").await;
        let cache = tempfile::TempDir::with_prefix("buurtbel-api-speech-").expect("temp dir");
        let speech = SpeechSettings {
            cache_dir: cache.path().to_owned(),
            max_chars: 200,
            ..SpeechSettings::default()
        };
        let state = ApiState::new(
            store.clone(),
            Arc::new(StoreDesk::new(store.clone(), Duration::from_secs(1800))),
            None,
            Arc::new(Speech::new(speech).expect("speech")),
            ChainConfig::default(),
            &api,
        );
        TestApi {
            router: router(state, &api),
            store,
            north,
            south,
            _cache: cache,
        }
    }

    /// A token of `role` for `networks` (none: every network).
    pub async fn token(&self, role: Role, networks: &[&NetworkId]) -> String {
        let token = NewToken {
            name: format!("test {role}"),
            role,
            networks: networks.iter().map(|n| (*n).clone()).collect(),
            created_by: "test".to_owned(),
        };
        self.store.create_token(token, 1).await.expect("token").1
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        self.send(method, path, token, body, &[]).await
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = match body {
            Some(body) => request
                .header("content-type", "application/json")
                .body(Body::from(body.to_string())),
            None => request.body(Body::empty()),
        };
        self.raw(request.expect("request")).await
    }

    pub async fn raw(&self, request: Request<Body>) -> Answer {
        let response = self.router.clone().oneshot(request).await.expect("answer");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        Answer {
            status,
            headers,
            body,
        }
    }
}

/// An urgent alert to `networks`, in Dutch.
pub fn urgent(networks: &[&str]) -> Value {
    alert("urgent", networks)
}

/// An alert of `kind` to `networks`, in Dutch.
pub fn alert(kind: &str, networks: &[&str]) -> Value {
    serde_json::json!({
        "networks": networks,
        "kind": kind,
        "texts": {"nl": "Verdachte personen gezien in de Teststraat."},
        "drill": true,
    })
}

async fn network(store: &Store, name: &str, number: &str) -> NetworkId {
    let network = store
        .create_network(
            NewNetwork {
                name: name.to_owned(),
                kind: NetworkKind::Residential,
                police_zone: "Zone Test".to_owned(),
                language: "nl".to_owned(),
                caller_id: "+3220000000".to_owned(),
                ring_timeout_ms: None,
                retry_policy: None,
            },
            1,
        )
        .await
        .expect("network");
    let member = NewMember {
        name: format!("Test Lid {name}"),
        language: "nl".to_owned(),
        channel: Channel::Voice,
        quiet_hours: None,
        speech_rate: 1.0,
        status: MemberStatus::Active,
        consent_at: None,
        contact_points: vec![ContactPoint {
            kind: ContactKind::Landline,
            number: number.to_owned(),
        }],
        external_id: None,
    };
    store
        .import_members(&network.id, vec![member], 1)
        .await
        .expect("member");
    network.id
}
