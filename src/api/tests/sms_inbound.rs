//! `POST /v1/sms/inbound`: signed replies and receipts reach the application as arrivals and
//! are answered 204 once kept; a wrong or stale signature, a wrong body, a body too large and
//! an arrival nobody keeps each get their own answer, and without a secret the route is off.

use super::{Answer, TestApi};
use crate::api::router;
use crate::api::sms_inbound::SmsInbound;
use crate::config::{ApiConfig, SmsConfig};
use crate::sms::{Arrival, Inbound, Receipt, ReceiptState, Reply};
use crate::telephony::clock;
use crate::webhooks::signature::{Secret, sign};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::json;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const PATH: &str = "/v1/sms/inbound";

/// The API with the route on, and what it hands to the application.
async fn api() -> (TestApi, mpsc::Receiver<Arrival>) {
    let mut api = TestApi::new().await;
    let (arrivals, received) = mpsc::channel(4);
    let secret = Secret::parse(SECRET).expect("secret");
    api.state = api
        .state
        .clone()
        .with_sms_inbound(SmsInbound::new(secret, arrivals));
    api.router = router(api.state.clone(), &ApiConfig::default());
    (api, received)
}

/// Keeps the next arrival, as the application does once it stored it.
fn keep_one(
    mut received: mpsc::Receiver<Arrival>,
) -> JoinHandle<(Inbound, mpsc::Receiver<Arrival>)> {
    tokio::spawn(async move {
        let arrival = received.recv().await.expect("an arrival");
        arrival.kept.send(()).expect("the route waits");
        (arrival.inbound, received)
    })
}

fn now_s() -> i64 {
    clock::unix_time().as_secs() as i64
}

/// `body` signed with `secret` as message `id` sent at `timestamp`.
async fn post(api: &TestApi, body: &str, id: &str, timestamp: i64, secret: &str) -> Answer {
    let secret = Secret::parse(secret).expect("secret");
    let signature = sign(&secret, id, timestamp, body.as_bytes());
    let request = Request::builder()
        .method(Method::POST)
        .uri(PATH)
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(Body::from(body.to_owned()))
        .expect("request");
    api.raw(request).await
}

async fn signed(api: &TestApi, body: &str, id: &str) -> Answer {
    post(api, body, id, now_s(), SECRET).await
}

fn reply() -> String {
    json!({"type": "reply", "from": "0470 00 00 01", "to": "+3233000000", "text": "1"}).to_string()
}

#[tokio::test]
async fn a_signed_reply_arrives_with_its_number_in_e164_and_is_answered_204() {
    let (api, received) = api().await;
    let keeper = keep_one(received);
    let answer = signed(&api, &reply(), "msg_1").await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{:?}", answer.body);
    let (inbound, mut received) = keeper.await.expect("keeper");
    assert_eq!(
        inbound,
        Inbound::Reply(Reply {
            from: "+32470000001".to_owned(),
            to: "+3233000000".to_owned(),
            text: "1".to_owned(),
        })
    );
    // The aggregator did not see the 204 and sends it again: answered, not handed on twice.
    let again = signed(&api, &reply(), "msg_1").await;
    assert_eq!(again.status, StatusCode::NO_CONTENT);
    assert!(received.try_recv().is_err());
}

#[tokio::test]
async fn a_receipt_arrives_with_its_state_and_error() {
    let (api, received) = api().await;
    let keeper = keep_one(received);
    let body = json!({"type": "receipt", "message_id": " m-42 ", "status": "undeliverable",
                      "error": "001", "extra": {"ignored": true}});
    let answer = signed(&api, &body.to_string(), "msg_2").await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{:?}", answer.body);
    let (inbound, _) = keeper.await.expect("keeper");
    assert_eq!(
        inbound,
        Inbound::Receipt(Receipt {
            message_id: "m-42".to_owned(),
            state: ReceiptState::Undeliverable,
            error: Some("001".to_owned()),
        })
    );
}

#[tokio::test]
async fn a_wrong_or_missing_signature_is_a_401_and_nothing_arrives() {
    let (api, mut received) = api().await;
    let other = "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    let wrong = post(&api, &reply(), "msg_3", now_s(), other).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.headers["content-type"], "application/problem+json");
    assert!(wrong.body["detail"].as_str().unwrap().contains("signature"));

    let unsigned = api
        .send(
            Method::POST,
            PATH,
            None,
            Some(json!({"type": "reply"})),
            &[],
        )
        .await;
    assert_eq!(unsigned.status, StatusCode::UNAUTHORIZED);
    assert!(received.try_recv().is_err());
}

#[tokio::test]
async fn a_stale_or_future_timestamp_is_a_401() {
    let (api, mut received) = api().await;
    for timestamp in [now_s() - 600, now_s() + 600] {
        let answer = post(&api, &reply(), "msg_4", timestamp, SECRET).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{timestamp}");
        let detail = answer.body["detail"].as_str().unwrap();
        assert!(detail.contains("too far"), "{detail}");
    }
    assert!(received.try_recv().is_err());
}

#[tokio::test]
async fn a_wrong_body_is_a_422_naming_the_field() {
    let (api, mut received) = api().await;
    let cases = [
        ("{\"type\": \"reply\",", "body"),
        (r#"{"type": "status"}"#, "type"),
        (r#"{"from": "+32470000001"}"#, "type"),
        (r#"{"type": "reply", "to": "8810", "text": "1"}"#, "from"),
        (
            r#"{"type": "reply", "from": "hallo", "to": "8810", "text": "1"}"#,
            "from",
        ),
        (
            r#"{"type": "reply", "from": "+32470000001", "to": "8810", "text": 1}"#,
            "text",
        ),
        (
            r#"{"type": "receipt", "message_id": "m", "status": "lost"}"#,
            "status",
        ),
        (
            r#"{"type": "receipt", "message_id": " ", "status": "delivered"}"#,
            "message_id",
        ),
    ];
    for (i, (body, field)) in cases.into_iter().enumerate() {
        let answer = signed(&api, body, &format!("msg_bad_{i}")).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(answer.headers["content-type"], "application/problem+json");
        assert_eq!(
            answer.body["errors"][0]["field"], field,
            "{body}: {:?}",
            answer.body
        );
    }
    assert!(received.try_recv().is_err());
}

#[tokio::test]
async fn an_arrival_nobody_keeps_is_a_503_to_be_sent_again() {
    let (api, mut received) = api().await;
    let dropper = tokio::spawn(async move {
        let arrival = received.recv().await.expect("an arrival");
        drop(arrival.kept);
        received
    });
    let answer = signed(&api, &reply(), "msg_5").await;
    assert_eq!(
        answer.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{:?}",
        answer.body
    );
    assert_eq!(answer.headers["retry-after"], "10");
    assert_eq!(answer.headers["content-type"], "application/problem+json");

    // Sent again, it is handed on again: it was never kept.
    let keeper = keep_one(dropper.await.expect("dropper"));
    let again = signed(&api, &reply(), "msg_5").await;
    assert_eq!(again.status, StatusCode::NO_CONTENT);
    let (inbound, received) = keeper.await.expect("keeper");
    assert!(matches!(inbound, Inbound::Reply(_)));

    // With the application gone, 503 at once.
    drop(received);
    let gone = signed(&api, &reply(), "msg_6").await;
    assert_eq!(gone.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn a_body_over_64_kib_is_a_413() {
    let (api, mut received) = api().await;
    let text = "a".repeat(64 * 1024);
    let body = json!({"type": "reply", "from": "+32470000001", "to": "8810", "text": text});
    let answer = signed(&api, &body.to_string(), "msg_6").await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(received.try_recv().is_err());
}

#[tokio::test]
async fn without_a_secret_the_route_is_not_there() {
    let api = TestApi::new().await;
    let answer = signed(&api, &reply(), "msg_7").await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(answer.headers["content-type"], "application/problem+json");
}

#[tokio::test]
async fn the_route_and_its_body_are_in_the_openapi_document() {
    let api = TestApi::new().await;
    let document = api.call(Method::GET, "/openapi.json", None, None).await;
    let operation = &document.body["paths"][PATH]["post"];
    assert!(operation["requestBody"].is_object(), "{operation}");
    for status in ["204", "401", "404", "413", "422", "503"] {
        assert!(operation["responses"][status].is_object(), "{status}");
    }
    let schemas = &document.body["components"]["schemas"];
    assert!(schemas["InboundMessage"].is_object());
    assert!(operation.get("security").is_none(), "no bearer token");
}

#[tokio::test]
async fn an_arrival_held_past_the_wait_is_a_503() {
    let (api, mut received) = api().await;
    let holder = tokio::spawn(async move {
        let arrival = received.recv().await.expect("an arrival");
        std::future::pending::<()>().await;
        drop(arrival);
    });
    // Virtual time from here: the wait for `kept` runs out as soon as nothing else is to do.
    tokio::time::pause();
    let answer = signed(&api, &reply(), "msg_8").await;
    assert_eq!(
        answer.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{:?}",
        answer.body
    );
    holder.abort();
}

#[test]
fn the_secret_comes_from_the_configuration_and_a_wrong_one_is_named() {
    let (arrivals, _received) = mpsc::channel(1);
    let none = SmsInbound::from_config(&SmsConfig::default(), arrivals.clone());
    assert!(none.expect("no secret").is_none());
    let config = SmsConfig {
        inbound_secret: Some(SECRET.to_owned()),
        ..SmsConfig::default()
    };
    let some = SmsInbound::from_config(&config, arrivals.clone());
    assert!(some.expect("a secret").is_some());
    let wrong = SmsConfig {
        inbound_secret: Some("whsec_not base64!".to_owned()),
        ..SmsConfig::default()
    };
    let error = SmsInbound::from_config(&wrong, arrivals).expect_err("wrong");
    assert!(
        error.to_string().starts_with("sms.inbound_secret:"),
        "{error}"
    );
}
