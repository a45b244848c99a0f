//! `DELETE /v1/members/{id}`: the person's name and numbers leave every table, their
//! deliveries, attempts and acknowledgement stay, so the alert's counts are what they were.

use super::{TestApi, urgent};
use crate::store::{
    AckHow, AlertId, AttemptChannel, AttemptResult, DeliveryState, DeliveryStep, ERASED_NAME,
    MemberId, Role,
};
use crate::telephony::clock::epoch_ms;
use axum::http::{Method, StatusCode};
use serde_json::json;

const NAME: &str = "Test Wis Voorbeeld";
const NUMBER: &str = "+32470000777";

/// Every text column of every table, joined: where a name or number could hide.
async fn everything(api: &TestApi) -> String {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name <> '_sqlx_migrations'",
    )
    .fetch_all(api.store.pool())
    .await
    .expect("tables");
    let mut all = String::new();
    for table in tables {
        let columns: Vec<String> =
            sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .fetch_all(api.store.pool())
                .await
                .expect("columns");
        for column in columns {
            let sql = format!("SELECT CAST({column} AS TEXT) FROM {table}");
            let values: Vec<Option<String>> = sqlx::query_scalar(&sql)
                .fetch_all(api.store.pool())
                .await
                .expect("values");
            for value in values.into_iter().flatten() {
                all.push_str(&value);
                all.push('\n');
            }
        }
    }
    all
}

/// A member called once for an urgent alert to `BIN Noord`, who confirmed; the member and
/// the alert.
async fn called_member(api: &TestApi, admin: &str) -> (MemberId, AlertId) {
    let path = format!("/v1/networks/{}/members", api.north);
    let body =
        json!({"member_id": "W-1", "name": NAME, "phones": [NUMBER], "consent": "2026-05-01"});
    let made = api.call(Method::POST, &path, Some(admin), Some(body)).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    let member = MemberId::from(made.body["id"].as_str().unwrap());
    let sent = api
        .call(
            Method::POST,
            "/v1/alerts",
            Some(admin),
            Some(urgent(&["BIN Noord"])),
        )
        .await;
    let alert = AlertId::from(sent.body["id"].as_str().unwrap());
    let store = &api.store;
    let now = epoch_ms();
    store
        .create_deliveries(&alert, std::slice::from_ref(&member), now)
        .await
        .expect("deliveries");
    let lines = store.deliveries(&alert).await.expect("deliveries");
    let delivery = &lines
        .iter()
        .find(|l| l.delivery.member_id == member)
        .unwrap()
        .delivery;
    let attempt = store
        .begin_attempt(
            &delivery.id,
            &[DeliveryState::Pending],
            AttemptChannel::Voice,
            NUMBER,
            now,
        )
        .await
        .expect("attempt")
        .expect("begun");
    let result = AttemptResult {
        ended_at: now + 20_000,
        sip_status: Some(200),
        outcome: "acknowledged".to_owned(),
        ring_ms: Some(4000),
        talk_ms: Some(15_000),
        digits: Some("1".to_owned()),
        machine: None,
        sms_id: None,
        sms_receipt: None,
    };
    let step = DeliveryStep {
        state: DeliveryState::AnsweredNoAck,
        next_try_at: None,
        contact_index: 0,
        rounds: 1,
    };
    store
        .finish_attempt(&attempt, &result, step)
        .await
        .expect("finished");
    store
        .acknowledge(&alert, &member, AckHow::Dtmf, now + 20_000)
        .await
        .expect("acknowledged");
    (member, alert)
}

#[tokio::test]
async fn an_erased_member_is_nowhere_and_the_alert_still_adds_up() {
    let api = TestApi::new().await;
    let admin = api.token(Role::Admin, &[]).await;
    let coordinator = api.token(Role::Coordinator, &[&api.north]).await;
    let (member, alert) = called_member(&api, &admin).await;
    let before = everything(&api).await;
    assert!(before.contains(NAME) && before.contains(NUMBER));
    let counts = api.store.delivery_counts(&alert).await.unwrap();
    let totals = api
        .call(
            Method::GET,
            &format!("/v1/alerts/{alert}"),
            Some(&admin),
            None,
        )
        .await
        .body["totals"]
        .clone();

    let path = format!("/v1/members/{member}");
    let erased = api
        .call(Method::DELETE, &path, Some(&coordinator), None)
        .await;
    assert_eq!(erased.status, StatusCode::NO_CONTENT, "{:?}", erased.body);

    let after = everything(&api).await;
    for personal in [NAME, NUMBER, "470000777", "W-1"] {
        assert!(!after.contains(personal), "{personal} is still stored");
    }
    assert_eq!(api.store.delivery_counts(&alert).await.unwrap(), counts);
    let now = api
        .call(
            Method::GET,
            &format!("/v1/alerts/{alert}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(now.body["totals"], totals);
    assert_eq!(now.body["totals"]["confirmed"], 1);
    let read = api.call(Method::GET, &path, Some(&admin), None).await;
    assert_eq!(read.body["name"], ERASED_NAME);
    assert_eq!(read.body["status"], "left");
    assert_eq!(read.body["phones"], json!([]));
    assert_eq!(read.body["consent"], serde_json::Value::Null);
    let deliveries = api
        .call(
            Method::GET,
            &format!("/v1/alerts/{alert}/deliveries"),
            Some(&admin),
            None,
        )
        .await;
    let line = deliveries
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["member_id"] == member.as_str())
        .unwrap()
        .clone();
    assert_eq!(line["member_name"], ERASED_NAME);
    assert_eq!(line["attempts"][0]["number"], crate::store::ERASED_NUMBER);
    let audited = api.store.audit_log(None, 100).await.unwrap();
    assert!(
        audited
            .iter()
            .any(|e| e.action == "members.erase" && e.subject.as_deref() == Some(member.as_str()))
    );
    let changed = api
        .call(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(json!({"name": NAME})),
        )
        .await;
    assert_eq!(changed.status, StatusCode::CONFLICT);
    let csv = format!("/v1/networks/{}/members.csv", api.north);
    let export = api.call(Method::GET, &csv, Some(&admin), None).await;
    assert!(!export.body.as_str().unwrap().contains(ERASED_NAME));
}

#[tokio::test]
async fn a_member_still_being_called_is_not_erased() {
    let api = TestApi::new().await;
    let admin = api.token(Role::Admin, &[]).await;
    let member = api.store.members(&api.north).await.unwrap().remove(0).id;
    let sent = api
        .call(
            Method::POST,
            "/v1/alerts",
            Some(&admin),
            Some(urgent(&["BIN Noord"])),
        )
        .await;
    let alert = AlertId::from(sent.body["id"].as_str().unwrap());
    api.store
        .create_deliveries(&alert, std::slice::from_ref(&member), epoch_ms())
        .await
        .unwrap();
    let path = format!("/v1/members/{member}");
    let refused = api.call(Method::DELETE, &path, Some(&admin), None).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{:?}", refused.body);
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .contains(alert.as_str())
    );
    let cancelled = api
        .call(
            Method::POST,
            &format!("/v1/alerts/{alert}/cancel"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK);
    let erased = api.call(Method::DELETE, &path, Some(&admin), None).await;
    assert_eq!(erased.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_token_must_cover_every_network_of_the_member_it_erases() {
    let api = TestApi::new().await;
    let admin = api.token(Role::Admin, &[]).await;
    let body = json!({"name": "Test Lid Beide", "phones": ["0470 00 00 55"]});
    for network in [&api.north, &api.south] {
        let path = format!("/v1/networks/{network}/members");
        let answer = api
            .call(Method::POST, &path, Some(&admin), Some(body.clone()))
            .await;
        assert!(answer.status.is_success(), "{:?}", answer.body);
    }
    let member = api.store.members(&api.south).await.unwrap();
    let both = member.iter().find(|m| m.name == "Test Lid Beide").unwrap();
    let north = api.token(Role::Coordinator, &[&api.north]).await;
    let path = format!("/v1/members/{}", both.id);
    let refused = api.call(Method::DELETE, &path, Some(&north), None).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let read = api.call(Method::GET, &path, Some(&north), None).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.body["networks"].as_array().unwrap().len(), 2);
}
