//! A second person's approval of urgent alerts: held as a draft, never started by the token
//! that sent it, started once however many approve at once, and nobody called before.

use super::{TestApi, alert, urgent};
use crate::store::{AlertId, AlertState, Role};
use axum::http::{Method, StatusCode};

async fn held(api: &TestApi, token: &str) -> String {
    let sent = api
        .call(
            Method::POST,
            "/v1/alerts",
            Some(token),
            Some(urgent(&["BIN Noord"])),
        )
        .await;
    assert_eq!(sent.status, StatusCode::ACCEPTED, "{:?}", sent.body);
    assert_eq!(sent.body["state"], "draft");
    assert!(sent.body["approval"]["approved_by"].is_null());
    sent.body["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_urgent_alert_waits_for_a_second_person_and_starts_once_approved() {
    let api = TestApi::new().await;
    assert!(
        api.store
            .set_urgent_approval(&api.north, true)
            .await
            .unwrap()
    );
    let first = api.token(Role::Police, &[&api.north]).await;
    let second = api.token(Role::Police, &[&api.north]).await;
    let id = held(&api, &first).await;
    let targeted = api
        .store
        .targeted_members(&AlertId::from(id.as_str()), None, 10)
        .await;
    assert_eq!(targeted.unwrap().len(), 1);
    let stored = api
        .store
        .alert(&AlertId::from(id.as_str()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.state,
        AlertState::Draft,
        "nobody is called before approval"
    );

    let path = format!("/v1/alerts/{id}/approve");
    let own = api.call(Method::POST, &path, Some(&first), None).await;
    assert_eq!(own.status, StatusCode::FORBIDDEN, "{:?}", own.body);
    let coordinator = api.token(Role::Coordinator, &[&api.north]).await;
    let refused = api
        .call(Method::POST, &path, Some(&coordinator), None)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let approved = api.call(Method::POST, &path, Some(&second), None).await;
    assert_eq!(approved.status, StatusCode::OK, "{:?}", approved.body);
    assert_eq!(approved.body["state"], "sending");
    assert!(approved.body["approval"]["approved_by"].is_string());
    let again = api.call(Method::POST, &path, Some(&second), None).await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    // Other kinds, and networks that do not ask, go out at once.
    let tip = api
        .call(
            Method::POST,
            "/v1/alerts",
            Some(&coordinator),
            Some(alert("prevention", &["BIN Noord"])),
        )
        .await;
    assert_eq!(tip.status, StatusCode::CREATED);
    let admin = api.token(Role::Admin, &[]).await;
    let south = api
        .call(
            Method::POST,
            "/v1/alerts",
            Some(&admin),
            Some(urgent(&["BIN Zuid"])),
        )
        .await;
    assert_eq!(south.status, StatusCode::CREATED);
}

#[tokio::test]
async fn two_approvals_at_once_start_the_alert_once() {
    let api = TestApi::new().await;
    api.store
        .set_urgent_approval(&api.north, true)
        .await
        .unwrap();
    let asker = api.token(Role::Police, &[]).await;
    let id = held(&api, &asker).await;
    let a = api.token(Role::Police, &[]).await;
    let b = api.token(Role::Admin, &[]).await;
    let path = format!("/v1/alerts/{id}/approve");
    let (one, two) = tokio::join!(
        api.call(Method::POST, &path, Some(&a), None),
        api.call(Method::POST, &path, Some(&b), None),
    );
    let mut statuses = [one.status, two.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
}

#[tokio::test]
async fn a_held_alert_can_be_cancelled_and_then_not_approved() {
    let api = TestApi::new().await;
    api.store
        .set_urgent_approval(&api.north, true)
        .await
        .unwrap();
    let asker = api.token(Role::Police, &[]).await;
    let id = held(&api, &asker).await;
    let cancelled = api
        .call(
            Method::POST,
            &format!("/v1/alerts/{id}/cancel"),
            Some(&asker),
            None,
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{:?}", cancelled.body);
    let other = api.token(Role::Police, &[]).await;
    let approve = api
        .call(
            Method::POST,
            &format!("/v1/alerts/{id}/approve"),
            Some(&other),
            None,
        )
        .await;
    assert_eq!(approve.status, StatusCode::CONFLICT);
    let stored = api
        .store
        .alert(&AlertId::from(id.as_str()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.state, AlertState::Cancelled);
}
