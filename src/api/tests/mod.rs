//! Router tests: the whole API in process (`tower::ServiceExt::oneshot`), over a private
//! SQLite database with two networks of fictional members, sending through a [`StoreDesk`].

mod approvals;
mod cap;
mod cap_documents;
mod erasure;
mod matrix;
mod member_files;
mod members;
mod networks;
mod recordings;
mod requests;
mod retention;
mod sms_inbound;
mod speech;
mod tls;
mod webhooks;

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
    pub state: ApiState,
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
        TestApi::with_speech(api, |_| {}).await
    }

    /// With `[api]` as given and the speech settings changed by `speech`.
    pub async fn with_speech(api: ApiConfig, speech: impl FnOnce(&mut SpeechSettings)) -> TestApi {
        let store = Store::open("sqlite::memory:").await.expect("store");
        let north = network(&store, "BIN Noord", "+3250000101").await;
        let south = network(&store, "BIN Zuid", "+3250000201").await;
        let cache = tempfile::TempDir::with_prefix("buurtbel-api-speech-").expect("temp dir");
        let mut settings = SpeechSettings {
            cache_dir: cache.path().to_owned(),
            max_chars: 200,
            ..SpeechSettings::default()
        };
        speech(&mut settings);
        let state = ApiState::new(
            store.clone(),
            Arc::new(StoreDesk::new(store.clone(), Duration::from_secs(1800))),
            None,
            Arc::new(Speech::new(settings).expect("speech")),
            ChainConfig::default(),
            &api,
        );
        TestApi {
            router: router(state.clone(), &api),
            state,
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

    /// `body` sent as `content_type` (a member CSV).
    pub async fn text(
        &self,
        method: Method,
        path: &str,
        token: &str,
        content_type: &str,
        body: &str,
    ) -> Answer {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", content_type)
            .body(Body::from(body.to_owned()))
            .expect("request");
        self.raw(request).await
    }

    /// The audit log's actions, oldest first.
    pub async fn audited(&self) -> Vec<String> {
        let mut entries = self.store.audit_log(None, 1000).await.expect("audit log");
        entries.reverse();
        entries.into_iter().map(|e| e.action).collect()
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

/// Uploads `wav` as a recording with `token`.
pub async fn upload(api: &TestApi, token: &str, wav: Vec<u8>) -> Answer {
    let request = Request::builder()
        .method(Method::POST)
        .uri("/v1/recordings")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "audio/wav")
        .body(Body::from(wav))
        .expect("request");
    api.raw(request).await
}

/// A mono 16-bit WAV of a 440 Hz tone, `seconds` long at `rate`.
pub fn tone_wav(rate: u32, seconds: f64) -> Vec<u8> {
    let frames = (f64::from(rate) * seconds) as usize;
    let samples: Vec<i16> = (0..frames)
        .map(|i| {
            let t = i as f64 / f64::from(rate);
            ((t * 440.0 * std::f64::consts::TAU).sin() * 8000.0) as i16
        })
        .collect();
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut out = std::io::Cursor::new(Vec::new());
    let mut writer = hound::WavWriter::new(&mut out, spec).expect("writer");
    for sample in samples {
        writer.write_sample(sample).expect("sample");
    }
    writer.finalize().expect("finalize");
    out.into_inner()
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
