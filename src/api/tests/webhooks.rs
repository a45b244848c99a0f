//! `/v1/networks/{id}/webhooks` and `/v1/webhooks/{id}`: added with a secret shown once,
//! checked field by field, listed with what each sent and never with the secret, removed,
//! and seen only by tokens of the network; every change audited.

use super::{TestApi, urgent};
use crate::store::{AlertId, AlertState, Role, TryOutcome};
use crate::telephony::clock::epoch_ms;
use crate::webhooks::outbox::Outbox;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

fn hooks(api: &TestApi) -> String {
    format!("/v1/networks/{}/webhooks", api.north)
}

async fn add(api: &TestApi, token: &str, body: Value) -> super::Answer {
    api.call(Method::POST, &hooks(api), Some(token), Some(body))
        .await
}

#[tokio::test]
async fn a_webhook_is_added_with_its_secret_once_and_listed_without_it() {
    let api = TestApi::new().await;
    let police = api.token(Role::Police, &[&api.north]).await;
    let added = add(
        &api,
        &police,
        json!({"url": "https://hooks.example.org/bin?key=k"}),
    )
    .await;
    assert_eq!(added.status, StatusCode::CREATED, "{:?}", added.body);
    let secret = added.body["secret"].as_str().expect("a secret");
    assert!(secret.starts_with("whsec_"), "{secret}");
    assert_eq!(
        added.body["events"],
        json!([
            "delivery.acknowledged",
            "alert.completed",
            "alert.cancelled"
        ])
    );
    assert_eq!(added.body["network"]["name"], "BIN Noord");
    let by_name = "/v1/networks/BIN%20Noord/webhooks";
    let listed = api.call(Method::GET, by_name, Some(&police), None).await;
    assert_eq!(listed.status, StatusCode::OK, "{:?}", listed.body);
    let one = &listed.body[0];
    assert_eq!(one["id"], added.body["id"]);
    assert_eq!(one["url"], "https://hooks.example.org/bin?key=k");
    assert_eq!(
        (&one["delivered"], &one["pending"], &one["failed"]),
        (&json!(0), &json!(0), &json!(0))
    );
    assert!(one.get("secret").is_none(), "{one}");
    assert!(!listed.body.to_string().contains(secret));
    assert!(api.audited().await.contains(&"webhooks.add".to_owned()));

    let some = json!({"url": "http://127.0.0.1:9/x", "events": ["alert.cancelled"]});
    let added = add(&api, &police, some).await;
    assert_eq!(added.body["events"], json!(["alert.cancelled"]));
}

#[tokio::test]
async fn a_wrong_url_or_event_is_a_422_naming_each_field() {
    let api = TestApi::new().await;
    let admin = api.token(Role::Admin, &[]).await;
    let cases = [
        (json!({"url": "ftp://example.org/x"}), vec!["url"]),
        (json!({"url": "https://user:pw@example.org/x"}), vec!["url"]),
        (
            json!({"url": format!("https://example.org/{}", "a".repeat(2000))}),
            vec!["url"],
        ),
        (
            json!({"url": "example", "events": ["alert.completed", "alert.started"]}),
            vec!["url", "events[1]"],
        ),
        (
            json!({"url": "https://example.org/x", "events": []}),
            vec!["events"],
        ),
        (
            json!({"url": "https://example.org/x", "secret": "mine"}),
            vec!["secret"],
        ),
    ];
    for (body, expected) in cases {
        let answer = add(&api, &admin, body.clone()).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let fields: Vec<&str> = answer.body["errors"]
            .as_array()
            .map(|e| e.iter().filter_map(|e| e["field"].as_str()).collect())
            .unwrap_or_default();
        let named = if fields.is_empty() {
            vec![answer.body["detail"].as_str().unwrap_or_default()]
        } else {
            fields
        };
        for field in expected {
            assert!(
                named.iter().any(|n| n.contains(field)),
                "{body}: {:?}",
                answer.body
            );
        }
    }
    let listed = api
        .call(Method::GET, &hooks(&api), Some(&admin), None)
        .await;
    assert_eq!(listed.body, json!([]));
}

#[tokio::test]
async fn only_tokens_of_the_network_see_its_webhooks_and_viewers_none() {
    let api = TestApi::new().await;
    let admin = api.token(Role::Admin, &[]).await;
    let added = add(&api, &admin, json!({"url": "https://example.org/x"})).await;
    let id = added.body["id"].as_str().expect("id").to_owned();
    let south = api.token(Role::Coordinator, &[&api.south]).await;
    let viewer = api.token(Role::Viewer, &[&api.north]).await;
    let paths = [
        (Method::GET, hooks(&api)),
        (Method::GET, format!("/v1/webhooks/{id}/events")),
        (Method::DELETE, format!("/v1/webhooks/{id}")),
    ];
    for (method, path) in &paths {
        let answer = api.call(method.clone(), path, Some(&south), None).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{method} {path}");
        let answer = api.call(method.clone(), path, Some(&viewer), None).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{method} {path}");
    }
    let other = add(&api, &south, json!({"url": "https://example.org/x"})).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_removed_webhook_is_gone_from_the_list_and_its_events_stay_readable() {
    let api = TestApi::new().await;
    let coordinator = api.token(Role::Coordinator, &[&api.north]).await;
    let added = add(&api, &coordinator, json!({"url": "https://example.org/x"})).await;
    let id = added.body["id"].as_str().expect("id").to_owned();
    let path = format!("/v1/webhooks/{id}");
    let removed = api
        .call(Method::DELETE, &path, Some(&coordinator), None)
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{:?}", removed.body);
    let again = api
        .call(Method::DELETE, &path, Some(&coordinator), None)
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    let listed = api
        .call(Method::GET, &hooks(&api), Some(&coordinator), None)
        .await;
    assert_eq!(listed.body, json!([]));
    let events = format!("{path}/events");
    let read = api
        .call(Method::GET, &events, Some(&coordinator), None)
        .await;
    assert_eq!(read.status, StatusCode::OK);
    assert!(api.audited().await.contains(&"webhooks.remove".to_owned()));
}

#[tokio::test]
async fn the_events_and_the_counts_say_what_was_sent_and_what_failed() {
    let api = TestApi::new().await;
    let admin = api.token(Role::Admin, &[]).await;
    let added = add(&api, &admin, json!({"url": "https://example.org/x"})).await;
    let id = added.body["id"].as_str().expect("id").to_owned();
    let sent = api
        .call(
            Method::POST,
            "/v1/alerts",
            Some(&admin),
            Some(urgent(&["BIN Noord"])),
        )
        .await;
    let alert = AlertId(sent.body["id"].as_str().expect("alert").to_owned());
    let now = epoch_ms();
    let stopped = api.store.cancel_alert(&alert, now).await;
    assert!(stopped.is_ok());
    let state = api
        .store
        .alert(&alert)
        .await
        .expect("read")
        .map(|a| a.state);
    assert_eq!(state, Some(AlertState::Cancelled));
    let written = Outbox::new(api.store.clone(), now)
        .pass(now)
        .await
        .expect("pass");
    assert_eq!(written, 1);

    let due = api
        .store
        .due_webhook_events(now + 1, 10)
        .await
        .expect("due");
    let claims = api
        .store
        .claim_webhook_events(&[due[0].id], "test", now + 1, now + 60_000)
        .await
        .expect("claim");
    let failed = TryOutcome::Failed {
        status: Some(503),
        error: "answered 503 Service Unavailable".into(),
        retry_at: Some(now + 5_000),
    };
    let recorded = api
        .store
        .record_webhook_try(&claims[0], &failed, now + 2)
        .await;
    assert!(recorded.expect("record"));

    let listed = api
        .call(Method::GET, &hooks(&api), Some(&admin), None)
        .await;
    let one = &listed.body[0];
    assert_eq!(
        (&one["pending"], &one["last_status"]),
        (&json!(1), &json!(503))
    );
    assert_eq!(one["last_error"], "answered 503 Service Unavailable");
    let path = format!("/v1/webhooks/{id}/events?state=pending");
    let events = api.call(Method::GET, &path, Some(&admin), None).await;
    assert_eq!(events.status, StatusCode::OK, "{:?}", events.body);
    let event = &events.body[0];
    assert_eq!(event["type"], "alert.cancelled");
    assert_eq!(event["alert_id"], alert.0.as_str());
    assert_eq!(
        (&event["tries"], &event["state"]),
        (&json!(1), &json!("pending"))
    );
    assert!(event["next_try_at"].is_string());
    let path = format!("/v1/webhooks/{id}/events?state=delivered");
    let none = api.call(Method::GET, &path, Some(&admin), None).await;
    assert_eq!(none.body, json!([]));
    let path = format!("/v1/webhooks/{id}/events?state=lost");
    let wrong = api.call(Method::GET, &path, Some(&admin), None).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
}
