//! What each route answers: invalid input named field by field, safe retries, cancelling,
//! bounds, tokens, operations routes and the OpenAPI document.

use super::{TestApi, alert, urgent};
use crate::config::ApiConfig;
use crate::store::{AlertId, Role, TokenId};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::json;

fn fields(body: &serde_json::Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn an_alert_is_sent_and_read_back_with_its_totals() {
    let api = TestApi::new().await;
    let police = api.token(Role::Police, &[]).await;
    let sent = api
        .call(
            Method::POST,
            "/v1/alerts",
            Some(&police),
            Some(urgent(&["BIN Noord", "BIN Zuid"])),
        )
        .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
    let id = sent.body["id"].as_str().unwrap().to_owned();
    assert_eq!(sent.headers["location"], format!("/v1/alerts/{id}"));
    assert_eq!(sent.body["state"], "sending");
    assert_eq!(sent.body["drill"], true);
    assert!(
        sent.body["expires_at"].is_string(),
        "urgent alerts expire by default"
    );
    let names: Vec<_> = sent.body["networks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["BIN Noord", "BIN Zuid"]);

    let read = api
        .call(
            Method::GET,
            &format!("/v1/alerts/{id}"),
            Some(&police),
            None,
        )
        .await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.body["id"], id.as_str());
    let listed = api
        .call(Method::GET, "/v1/alerts", Some(&police), None)
        .await;
    assert_eq!(listed.body.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn invalid_input_names_every_wrong_field() {
    let api = TestApi::new().await;
    let admin = api.token(Role::Admin, &[]).await;
    let body = json!({
        "networks": ["BIN Noord", "BIN Nergens"],
        "kind": "urgent",
        "texts": {"nl": "   ", "xx": "Bonjour", "fr": "x".repeat(201)},
    });
    let answer = api
        .call(Method::POST, "/v1/alerts", Some(&admin), Some(body))
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.headers["content-type"], "application/problem+json");
    assert_eq!(fields(&answer.body), ["networks[1]"]);

    let body = json!({"networks": ["BIN Noord"], "kind": "urgent",
        "texts": {"nl": "   ", "xx": "Bonjour", "fr": "x".repeat(201)}});
    let answer = api
        .call(Method::POST, "/v1/alerts", Some(&admin), Some(body))
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&answer.body), ["texts.fr", "texts.nl", "texts.xx"]);

    for (body, field) in [
        (
            json!({"networks": ["BIN Noord"], "kind": "loud", "texts": {"nl": "a"}}),
            "kind",
        ),
        (
            json!({"networks": [], "kind": "urgent", "texts": {"nl": "a"}}),
            "networks",
        ),
        (
            json!({"networks": ["BIN Noord"], "kind": "urgent", "texts": {}}),
            "texts",
        ),
        (
            json!({"networks": ["BIN Noord"], "kind": "urgent", "texts": {"nl": 1}}),
            "texts.nl",
        ),
        (
            json!({"networks": ["BIN Noord"], "kind": "urgent", "texts": {"nl": "a"},
            "expires_in": "8d"}),
            "expires_in",
        ),
        (
            json!({"networks": ["BIN Noord"], "kind": "urgent", "texts": {"nl": "a"},
            "colour": "red"}),
            "colour",
        ),
        (
            json!({"networks": ["BIN Noord"], "kind": "feedback", "texts": {"nl": "a"},
            "activation_of": "no-such-alert"}),
            "activation_of",
        ),
    ] {
        let answer = api
            .call(Method::POST, "/v1/alerts", Some(&admin), Some(body.clone()))
            .await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {:?}",
            answer.body
        );
        assert_eq!(fields(&answer.body), [field], "{body}: {:?}", answer.body);
    }
    let listed = api
        .call(Method::GET, "/v1/alerts", Some(&admin), None)
        .await;
    assert_eq!(listed.body, json!([]), "nothing invalid was stored");
}

#[tokio::test]
async fn the_same_key_and_body_return_the_same_alert_and_another_body_is_a_conflict() {
    let api = TestApi::new().await;
    let police = api.token(Role::Police, &[]).await;
    let key = [("idempotency-key", "melding-42")];
    let post = |body| api.send(Method::POST, "/v1/alerts", Some(&police), Some(body), &key);
    let first = post(urgent(&["BIN Noord"])).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let again = post(urgent(&["BIN Noord"])).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["id"], first.body["id"]);
    let other = post(urgent(&["BIN Zuid"])).await;
    assert_eq!(other.status, StatusCode::CONFLICT, "{:?}", other.body);
    assert!(other.body["detail"].as_str().unwrap().contains("networks"));
    let sending = api
        .store
        .alerts_in_state(crate::store::AlertState::Sending)
        .await
        .unwrap();
    assert_eq!(sending.len(), 1, "one chain, however often it was sent");

    // Keys belong to their token: another token's same key is another alert.
    let other_police = api.token(Role::Police, &[]).await;
    let theirs = api
        .send(
            Method::POST,
            "/v1/alerts",
            Some(&other_police),
            Some(urgent(&["BIN Noord"])),
            &key,
        )
        .await;
    assert_eq!(theirs.status, StatusCode::CREATED);
    assert_ne!(theirs.body["id"], first.body["id"]);
}

#[tokio::test]
async fn cancelling_stops_an_alert_once_and_is_audited() {
    let api = TestApi::new().await;
    let police = api.token(Role::Police, &[&api.north]).await;
    let sent = api
        .call(
            Method::POST,
            "/v1/alerts",
            Some(&police),
            Some(urgent(&["BIN Noord"])),
        )
        .await;
    let id = sent.body["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/alerts/{id}/cancel");
    let cancelled = api.call(Method::POST, &path, Some(&police), None).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{:?}", cancelled.body);
    assert_eq!(cancelled.body["state"], "cancelled");
    let again = api.call(Method::POST, &path, Some(&police), None).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let missing = api
        .call(Method::POST, "/v1/alerts/nope/cancel", Some(&police), None)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    let admin = api.token(Role::Admin, &[]).await;
    let log = api.call(Method::GET, "/v1/audit", Some(&admin), None).await;
    let actions: Vec<_> = log
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["subject"].clone(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("alert.cancel".to_owned(), json!(id)),
            ("alert.send".to_owned(), json!(id)),
        ]
    );
    assert_eq!(
        log.body[0]["actor"].as_str().unwrap().split(' ').nth(1),
        Some("test")
    );
}

#[tokio::test]
async fn deliveries_list_every_member_with_their_attempts() {
    let api = TestApi::new().await;
    let coordinator = api.token(Role::Coordinator, &[&api.north]).await;
    let sent = api
        .call(
            Method::POST,
            "/v1/alerts",
            Some(&coordinator),
            Some(alert("prevention", &["BIN Noord"])),
        )
        .await;
    let id = AlertId::from(sent.body["id"].as_str().unwrap());
    let members = api.store.targeted_members(&id, None, 10).await.unwrap();
    api.store.create_deliveries(&id, &members, 5).await.unwrap();
    let path = format!("/v1/alerts/{id}/deliveries");
    let answer = api.call(Method::GET, &path, Some(&coordinator), None).await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    let lines = answer.body.as_array().unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["member_name"], "Test Lid BIN Noord");
    assert_eq!(lines[0]["state"], "pending");
    assert_eq!(lines[0]["attempts"], json!([]));

    let path = format!("/v1/alerts/{id}/report.csv");
    let report = api.call(Method::GET, &path, Some(&coordinator), None).await;
    assert_eq!(report.status, StatusCode::OK);
    assert_eq!(report.headers["content-type"], "text/csv; charset=utf-8");
    let text = report.body.as_str().unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(crate::api::report::HEADER.join(",").as_str())
    );
    let line = lines.next().unwrap();
    assert!(line.starts_with("Test Lid BIN Noord,+32"), "{line}");
    assert!(!line.contains("50000101"), "a whole number: {line}");
    assert!(line.contains(",pending,0,"), "{line}");
    let admin = api.token(Role::Admin, &[]).await;
    let log = api.call(Method::GET, "/v1/audit", Some(&admin), None).await;
    let actions: Vec<_> = log
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(actions[..2], ["alert.report", "alert.deliveries.read"]);
}

#[tokio::test]
async fn tokens_must_be_sent_known_and_live() {
    let api = TestApi::new().await;
    let none = api.call(Method::GET, "/v1/alerts", None, None).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(none.headers["content-type"], "application/problem+json");
    let wrong = api
        .call(Method::GET, "/v1/alerts", Some("bbt_00"), None)
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let viewer = api.token(Role::Viewer, &[]).await;
    assert_eq!(
        api.call(Method::GET, "/v1/alerts", Some(&viewer), None)
            .await
            .status,
        StatusCode::OK
    );
    let id = api
        .store
        .tokens()
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.role == Role::Viewer)
        .unwrap()
        .id;
    assert!(
        api.store
            .revoke_token(&TokenId(id.0.clone()), 2)
            .await
            .unwrap()
    );
    let revoked = api
        .call(Method::GET, "/v1/alerts", Some(&viewer), None)
        .await;
    assert_eq!(revoked.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bodies_over_the_limit_or_not_json_are_refused_before_reading() {
    let api = TestApi::with(ApiConfig {
        max_body: 2048,
        ..ApiConfig::default()
    })
    .await;
    let admin = api.token(Role::Admin, &[]).await;
    let mut big = urgent(&["BIN Noord"]);
    big["texts"]["nl"] = json!("a".repeat(4000));
    let answer = api
        .call(Method::POST, "/v1/alerts", Some(&admin), Some(big))
        .await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.headers["content-type"], "application/problem+json");
    let request = Request::post("/v1/alerts")
        .header("authorization", format!("Bearer {admin}"))
        .header("content-type", "text/plain")
        .body(Body::from("urgent!"))
        .unwrap();
    assert_eq!(
        api.raw(request).await.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    let request = Request::post("/v1/alerts")
        .header("authorization", format!("Bearer {admin}"))
        .header("content-type", "application/json")
        .body(Body::from("{\"networks\": [\"BIN"))
        .unwrap();
    let broken = api.raw(request).await;
    assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&broken.body), ["networks[0]"]);
}

#[tokio::test]
async fn a_token_over_its_rate_is_told_when_to_come_back() {
    let api = TestApi::with(ApiConfig {
        rate_limit: 3,
        ..ApiConfig::default()
    })
    .await;
    let viewer = api.token(Role::Viewer, &[]).await;
    for _ in 0..3 {
        assert_eq!(
            api.call(Method::GET, "/v1/alerts", Some(&viewer), None)
                .await
                .status,
            StatusCode::OK
        );
    }
    let refused = api
        .call(Method::GET, "/v1/alerts", Some(&viewer), None)
        .await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.headers["retry-after"], "20");
    let admin = api.token(Role::Admin, &[]).await;
    assert_eq!(
        api.call(Method::GET, "/v1/alerts", Some(&admin), None)
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn operations_routes_answer_without_a_token() {
    let api = TestApi::new().await;
    let health = api.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.body["status"], "ok");
    let ready = api.call(Method::GET, "/readyz", None, None).await;
    assert_eq!(ready.status, StatusCode::OK);
    let _ = api.call(Method::GET, "/v1/alerts", None, None).await;
    let metrics = api.call(Method::GET, "/metrics", None, None).await;
    assert_eq!(metrics.status, StatusCode::OK);
    let text = metrics.body.as_str().unwrap();
    assert!(text.contains("buurtbel_deliveries_pending 0"), "{text}");
    assert!(text.contains("buurtbel_calls_in_progress 0"), "{text}");
    assert!(
        text.contains(
            r#"buurtbel_http_requests_total{route="/v1/alerts",method="GET",status="401"} 1"#
        ),
        "{text}"
    );
    let missing = api.call(Method::GET, "/v2/nothing", None, None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.headers["content-type"], "application/problem+json");
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let api = TestApi::new().await;
    let document = api.call(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(document.status, StatusCode::OK);
    assert!(
        document.body["openapi"]
            .as_str()
            .unwrap()
            .starts_with("3.1")
    );
    let paths = document.body["paths"].as_object().unwrap();
    for path in [
        "/v1/alerts",
        "/v1/alerts/{id}",
        "/v1/alerts/{id}/cancel",
        "/v1/alerts/{id}/deliveries",
        "/v1/alerts/{id}/report.csv",
        "/v1/alerts/{id}/events",
        "/v1/audit",
        "/healthz",
        "/readyz",
        "/metrics",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} missing from {:?}",
            paths.keys()
        );
    }
    let schemas = document.body["components"]["schemas"].as_object().unwrap();
    for schema in ["AlertRequest", "AlertView", "Problem", "DeliveryView"] {
        assert!(schemas.contains_key(schema), "{schema}");
    }
    assert!(document.body["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test]
async fn a_stopping_gateway_is_not_ready_and_takes_no_new_alert() {
    let api = TestApi::new().await;
    let police = api.token(Role::Police, &[]).await;
    api.state.set_stopping();
    let ready = api.call(Method::GET, "/readyz", None, None).await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.body["status"], "unavailable");
    let sent = api
        .call(
            Method::POST,
            "/v1/alerts",
            Some(&police),
            Some(urgent(&["BIN Noord"])),
        )
        .await;
    assert_eq!(sent.status, StatusCode::SERVICE_UNAVAILABLE);
    let listed = api
        .call(Method::GET, "/v1/alerts", Some(&police), None)
        .await;
    assert_eq!(listed.status, StatusCode::OK, "reads go on");
}
