//! Every role against every action, with a token for the network (`BIN Noord`: its alerts,
//! its members) and one for another network: each request is allowed or refused exactly as
//! `access.rs` says.

use super::members::member_of_north;
use super::{TestApi, alert};
use crate::api::access::{Action, allows};
use crate::store::{AlertKind, Role};
use axum::http::{Method, StatusCode};
use serde_json::json;
use std::sync::atomic::{AtomicU32, Ordering};

#[tokio::test]
async fn each_role_may_do_exactly_what_the_matrix_says() {
    let api = TestApi::new().await;
    let admin = api.token(Role::Admin, &[]).await;
    let mut checked = 0;
    for role in Role::ALL.iter().copied() {
        let own = api.token(role, &[&api.north]).await;
        let other = api.token(role, &[&api.south]).await;
        for action in Action::ALL {
            let expected = allows(role, action);
            let status = attempt(&api, &admin, &own, action).await;
            let allowed = status.is_success();
            assert_eq!(
                allowed,
                expected,
                "{role} {action:?} answered {status}, expected {}",
                if expected { "success" } else { "refusal" }
            );
            if !expected {
                assert_eq!(status, StatusCode::FORBIDDEN, "{role} {action:?}");
            }
            if !matches!(
                action,
                Action::ReadAudit | Action::CreateNetwork | Action::Preview | Action::Upload
            ) {
                // A token of another network never reaches the alert.
                let status = attempt(&api, &admin, &other, action).await;
                assert!(
                    matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
                    "{role} {action:?} on another network answered {status}"
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, Role::ALL.len() * Action::ALL.len());
}

/// Does `action` with `token` on an alert of `BIN Noord` (made by `admin` where the action
/// needs one); the status.
async fn attempt(api: &TestApi, admin: &str, token: &str, action: Action) -> StatusCode {
    match action {
        Action::ReadAlerts => {
            let id = made(api, admin, AlertKind::Prevention).await;
            let path = format!("/v1/alerts/{id}");
            api.call(Method::GET, &path, Some(token), None).await.status
        }
        Action::Send(kind) => {
            let body = alert(kind.as_str(), &["BIN Noord"]);
            let answer = api
                .call(Method::POST, "/v1/alerts", Some(token), Some(body))
                .await;
            answer.status
        }
        Action::Cancel(kind) => {
            let id = made(api, admin, kind).await;
            let path = format!("/v1/alerts/{id}/cancel");
            api.call(Method::POST, &path, Some(token), None)
                .await
                .status
        }
        Action::ReadAudit => {
            api.call(Method::GET, "/v1/audit", Some(token), None)
                .await
                .status
        }
        Action::ReadNetworks => {
            let path = format!("/v1/networks/{}", api.north);
            api.call(Method::GET, &path, Some(token), None).await.status
        }
        Action::CreateNetwork => {
            static NEXT: AtomicU32 = AtomicU32::new(0);
            let name = format!("BIN Matrix {}", NEXT.fetch_add(1, Ordering::Relaxed));
            let body = json!({"name": name, "languages": ["nl"]});
            let answer = api
                .call(Method::POST, "/v1/networks", Some(token), Some(body))
                .await;
            answer.status
        }
        Action::ReadMembers | Action::ChangeMembers | Action::EraseMember => {
            let path = format!("/v1/members/{}", member_of_north(api, admin).await);
            let (method, body) = match action {
                Action::ReadMembers => (Method::GET, None),
                Action::ChangeMembers => (Method::PATCH, Some(json!({"speech_rate": 1.2}))),
                _ => (Method::DELETE, None),
            };
            api.call(method, &path, Some(token), body).await.status
        }
        Action::ImportMembers => {
            let path = format!("/v1/networks/{}/members.csv", api.north);
            let file = "name,phone\nTest Lid Matrix,0470 00 00 42\n";
            api.text(Method::POST, &path, token, "text/csv", file)
                .await
                .status
        }
        Action::ExportMembers => {
            let path = format!("/v1/networks/{}/members.csv", api.north);
            api.call(Method::GET, &path, Some(token), None).await.status
        }
        Action::Preview => {
            let body = json!({"text": "Een test.", "language": "nl"});
            let answer = api
                .call(Method::POST, "/v1/speech/preview", Some(token), Some(body))
                .await;
            answer.status
        }
        Action::Upload => {
            super::upload(api, token, super::tone_wav(8000, 1.0))
                .await
                .status
        }
        Action::ManageWebhooks => {
            let path = format!("/v1/networks/{}/webhooks", api.north);
            let body = json!({"url": "https://hooks.example.org/matrix"});
            let answer = api.call(Method::POST, &path, Some(token), Some(body)).await;
            answer.status
        }
    }
}

/// A new alert of `kind` to `BIN Noord`; its id.
async fn made(api: &TestApi, admin: &str, kind: AlertKind) -> String {
    let body = alert(kind.as_str(), &["BIN Noord"]);
    let answer = api
        .call(Method::POST, "/v1/alerts", Some(admin), Some(body))
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
    answer.body["id"].as_str().expect("id").to_owned()
}
