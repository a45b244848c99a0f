//! The HTTP provider against a local aggregator (axum on an ephemeral port): what it posts,
//! with which header, and how each kind of answer is read.

use super::{HttpSender, HttpSetupError};
use crate::config::{SmsConfig, SmsProvider};
use crate::sms::{Encoded, Encoding, OutgoingSms, SenderId, SmsError, SmsSender};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;

/// What the aggregator received: each request's headers and body.
type Received = Arc<Mutex<Vec<(HeaderMap, String)>>>;

/// An aggregator answering `POST /answer/{status}` with that status and `{"id": …}` (or an
/// empty object for `/plain/{status}`), and never answering `POST /silent`.
async fn aggregator() -> (String, Received) {
    let received = Received::default();
    let app = Router::new()
        .route("/answer/{status}", post(answer))
        .route("/plain/{status}", post(plain))
        .route("/silent", post(silent))
        .with_state(received.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}"), received)
}

async fn answer(
    State(received): State<Received>,
    Path(status): Path<u16>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let text = String::from_utf8_lossy(&body).into_owned();
    received.lock().expect("lock").push((headers, text));
    let status = StatusCode::from_u16(status).expect("status");
    (
        status,
        format!(r#"{{"id": "msg-{}", "status": "queued"}}"#, status.as_u16()),
    )
}

async fn plain(Path(status): Path<u16>) -> (StatusCode, &'static str) {
    let status = StatusCode::from_u16(status).expect("status");
    (status, r#"{"accepted": true}"#)
}

async fn silent() -> StatusCode {
    std::future::pending::<()>().await;
    StatusCode::OK
}

/// Whether an error is of the kind expected.
type Expected = fn(&SmsError) -> bool;

fn config(url: String) -> SmsConfig {
    SmsConfig {
        provider: SmsProvider::Http,
        url: Some(url),
        sender: Some("BIN-Kessel".to_owned()),
        authorization: Some("Authorization: Bearer test-key".to_owned()),
        per_second: 1000,
        ..SmsConfig::default()
    }
}

fn message(text: &str) -> OutgoingSms {
    OutgoingSms {
        to: "+32470000001".to_owned(),
        sender: SenderId::Alphanumeric("BIN-Kessel".to_owned()),
        message: Encoded {
            encoding: Encoding::Ucs2,
            text: text.to_owned(),
            parts: Vec::new(),
            shortened: false,
        },
        reference: "attempt-7".to_owned(),
    }
}

async fn send(config: &SmsConfig, text: &str) -> Result<Vec<String>, SmsError> {
    let sender = HttpSender::new(config).expect("sender");
    sender.send(message(text)).await.map(|s| s.message_ids)
}

#[tokio::test]
async fn the_message_is_posted_in_the_template_with_the_header_and_its_id_read() {
    let (base, received) = aggregator().await;
    let text = "Verdachte \"bestelwagen\" in de Teststraat.\nAntwoord 1 — merci 🚨 \\ {to}";
    let ids = send(&config(format!("{base}/answer/201")), text).await;
    assert_eq!(ids, Ok(vec!["msg-201".to_owned()]));
    let (headers, body) = received.lock().expect("lock").remove(0);
    assert_eq!(headers["authorization"], "Bearer test-key");
    assert_eq!(headers["content-type"], "application/json");
    let body: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(
        body,
        serde_json::json!({
            "to": "+32470000001",
            "from": "BIN-Kessel",
            "text": text,
            "reference": "attempt-7",
        })
    );
}

#[tokio::test]
async fn a_template_of_the_aggregators_shape_and_another_header_are_used() {
    let (base, received) = aggregator().await;
    let config = SmsConfig {
        body: Some(r#"{"messages": [{"destinations": [{"to": {to}}], "content": {"text": {text}}, "sender": {from}}]}"#.to_owned()),
        authorization: Some("X-Api-Key:  k-123 ".to_owned()),
        ..config(format!("{base}/answer/200"))
    };
    assert_eq!(send(&config, "één").await, Ok(vec!["msg-200".to_owned()]));
    let (headers, body) = received.lock().expect("lock").remove(0);
    assert_eq!(headers["x-api-key"], "k-123");
    assert!(headers.get("authorization").is_none());
    let body: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(body["messages"][0]["destinations"][0]["to"], "+32470000001");
    assert_eq!(body["messages"][0]["content"]["text"], "één");
    assert_eq!(body["messages"][0]["sender"], "BIN-Kessel");
}

#[tokio::test]
async fn each_kind_of_answer_has_its_meaning() {
    let (base, _) = aggregator().await;
    let id_field = SmsConfig {
        id_field: "status".to_owned(),
        ..config(format!("{base}/answer/202"))
    };
    assert_eq!(send(&id_field, "x").await, Ok(vec!["queued".to_owned()]));
    let cases: [(&str, Expected); 8] = [
        ("plain/200", |e| matches!(e, SmsError::Unconfirmed(_))),
        ("answer/429", |e| matches!(e, SmsError::Throttled(_))),
        ("answer/503", |e| matches!(e, SmsError::Throttled(_))),
        (
            "answer/400",
            |e| matches!(e, SmsError::Refused(r) if r.starts_with("HTTP 400: {\"id\": \"msg-400\"")),
        ),
        ("answer/401", |e| matches!(e, SmsError::Refused(_))),
        ("answer/302", |e| matches!(e, SmsError::Refused(_))),
        ("answer/500", |e| matches!(e, SmsError::Unavailable(_))),
        ("answer/504", |e| matches!(e, SmsError::Unconfirmed(_))),
    ];
    for (path, expected) in cases {
        let outcome = send(&config(format!("{base}/{path}")), "x").await;
        let error = outcome.expect_err(path);
        assert!(expected(&error), "{path}: {error:?}");
    }
}

#[tokio::test]
async fn no_connection_is_unavailable_and_no_answer_unconfirmed() {
    let closed = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = closed.local_addr().expect("address");
    drop(closed);
    let outcome = send(&config(format!("http://{address}/sms")), "x").await;
    assert!(
        matches!(outcome, Err(SmsError::Unavailable(_))),
        "{outcome:?}"
    );

    let (base, _) = aggregator().await;
    let impatient = SmsConfig {
        timeout: Duration::from_millis(200),
        ..config(format!("{base}/silent"))
    };
    let outcome = send(&impatient, "x").await;
    assert!(
        matches!(outcome, Err(SmsError::Unconfirmed(_))),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn a_connection_closed_before_the_answer_is_unconfirmed() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        use tokio::io::AsyncReadExt;
        let (mut socket, _) = listener.accept().await.expect("accept");
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request).await;
    });
    let outcome = send(&config(format!("http://{address}/sms")), "x").await;
    assert!(
        matches!(outcome, Err(SmsError::Unconfirmed(_))),
        "{outcome:?}"
    );
}

#[test]
fn wrong_keys_are_named_at_setup_and_secrets_not_repeated() {
    let base = config("https://sms.example.org/send".to_owned());
    assert!(HttpSender::new(&base).is_ok());
    let cases = [
        (
            SmsConfig {
                url: Some("ftp://sms.example.org".to_owned()),
                ..base.clone()
            },
            "sms.url",
        ),
        (
            SmsConfig {
                url: None,
                ..base.clone()
            },
            "sms.url",
        ),
        (
            SmsConfig {
                body: Some(r#"{"to": "{to}", "text": {text}}"#.to_owned()),
                ..base.clone()
            },
            "sms.body",
        ),
        (
            SmsConfig {
                authorization: Some("Bearer secret-key".to_owned()),
                ..base.clone()
            },
            "sms.authorization",
        ),
        (
            SmsConfig {
                authorization: Some("Authorization: secret\nkey".to_owned()),
                ..base.clone()
            },
            "sms.authorization",
        ),
        (
            SmsConfig {
                id_field: " ".to_owned(),
                ..base.clone()
            },
            "sms.id_field",
        ),
    ];
    for (config, key) in cases {
        let error: HttpSetupError = HttpSender::new(&config).expect_err(key);
        let text = error.to_string();
        assert!(text.starts_with(key), "{text}");
        assert!(!text.contains("secret"), "{text}");
    }
}
