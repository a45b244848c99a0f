//! Members over the API: who may touch them, every field checked as the member file checks
//! it (numbers as E.164), a network's list a page at a time, changes and consent, and an
//! audit row for each.

use super::TestApi;
use crate::store::Role;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU32, Ordering};

/// A new member of `BIN Noord` made by `admin`, with a number of their own; their id.
pub async fn member_of_north(api: &TestApi, admin: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let body = json!({
        "name": format!("Test Lid {n}"),
        "phones": [format!("050 04 {:02} {:02}", n / 100 % 100, n % 100)],
    });
    let path = format!("/v1/networks/{}/members", api.north);
    let answer = api.call(Method::POST, &path, Some(admin), Some(body)).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
    answer.body["id"].as_str().expect("id").to_owned()
}

fn fields(answer: &Value) -> Vec<String> {
    answer["errors"]
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
async fn a_member_is_added_read_and_added_again_as_the_same_member() {
    let api = TestApi::new().await;
    let coordinator = api.token(Role::Coordinator, &[&api.north]).await;
    let body = json!({
        "member_id": "A-1",
        "name": "Test Lid Nieuw",
        "phones": ["0470 00 00 11", "+3250000111"],
        "language": "fr",
        "channel": "voice_then_sms",
        "quiet_hours": {"start": "22:00", "end": "07:30"},
        "speech_rate": 0.8,
        "consent": "2026-05-01",
    });
    let path = format!("/v1/networks/{}/members", api.north);
    let made = api
        .call(Method::POST, &path, Some(&coordinator), Some(body.clone()))
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    assert_eq!(made.body["phones"], json!(["+32470000011", "+3250000111"]));
    assert_eq!(made.body["consent"], "2026-05-01");
    assert_eq!(made.body["quiet_hours"]["end"], "07:30");
    assert_eq!(made.body["networks"][0]["member_id"], "A-1");
    let id = made.body["id"].as_str().unwrap().to_owned();
    let again = api
        .call(Method::POST, &path, Some(&coordinator), Some(body))
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["id"], id.as_str());
    let read = api
        .call(
            Method::GET,
            &format!("/v1/members/{id}"),
            Some(&coordinator),
            None,
        )
        .await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.body["name"], "Test Lid Nieuw");
    assert_eq!(read.body["networks"][0]["name"], "BIN Noord");
    let audited = api.audited().await;
    for action in ["members.create", "members.read"] {
        assert!(
            audited.contains(&action.to_owned()),
            "{action}: {audited:?}"
        );
    }
}

#[tokio::test]
async fn every_wrong_field_is_named_and_a_bad_number_first_of_all() {
    let api = TestApi::new().await;
    let admin = api.token(Role::Admin, &[]).await;
    let path = format!("/v1/networks/{}/members", api.north);
    let bad_number = json!({"name": "Test Lid", "phones": ["0470 00 00 01", "12"]});
    let answer = api
        .call(Method::POST, &path, Some(&admin), Some(bad_number))
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&answer.body), ["phones[1]"]);
    let everything = json!({
        "name": "",
        "phones": [],
        "language": "xx",
        "channel": "fax",
        "quiet_hours": {"start": "25:00", "end": "07:00"},
        "speech_rate": 3.0,
        "consent": "1 mei",
    });
    let answer = api
        .call(Method::POST, &path, Some(&admin), Some(everything))
        .await;
    assert_eq!(
        fields(&answer.body),
        [
            "name",
            "phones",
            "language",
            "channel",
            "quiet_hours.start",
            "speech_rate",
            "consent"
        ]
    );
    let long_id =
        json!({"name": "Test Lid", "phones": ["0470000001"], "member_id": "x".repeat(65)});
    let answer = api
        .call(Method::POST, &path, Some(&admin), Some(long_id))
        .await;
    assert_eq!(fields(&answer.body), ["member_id"]);
    let typo = json!({"name": "Test Lid", "phone": ["0470000001"]});
    let answer = api
        .call(Method::POST, &path, Some(&admin), Some(typo))
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(api.store.members(&api.north).await.unwrap().len(), 1);
}

#[tokio::test]
async fn police_and_viewers_never_read_members_and_other_networks_see_none() {
    let api = TestApi::new().await;
    let admin = api.token(Role::Admin, &[]).await;
    let id = member_of_north(&api, &admin).await;
    let member = format!("/v1/members/{id}");
    let list = format!("/v1/networks/{}/members", api.north);
    let csv = format!("/v1/networks/{}/members.csv", api.north);
    for role in [Role::Police, Role::Viewer] {
        let token = api.token(role, &[]).await;
        for path in [&member, &list, &csv] {
            let answer = api.call(Method::GET, path, Some(&token), None).await;
            assert_eq!(answer.status, StatusCode::FORBIDDEN, "{role} {path}");
        }
        let patch = json!({"status": "suspended"});
        let answer = api
            .call(Method::PATCH, &member, Some(&token), Some(patch))
            .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{role}");
        let answer = api.call(Method::DELETE, &member, Some(&token), None).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{role}");
    }
    let south = api.token(Role::Coordinator, &[&api.south]).await;
    for path in [&member, &list, &csv] {
        let answer = api.call(Method::GET, path, Some(&south), None).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
    }
    let answer = api.call(Method::DELETE, &member, Some(&south), None).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_network_is_listed_a_page_at_a_time() {
    let api = TestApi::new().await;
    let admin = api.token(Role::Admin, &[]).await;
    for _ in 0..3 {
        member_of_north(&api, &admin).await;
    }
    let path = format!("/v1/networks/{}/members?limit=3", api.north);
    let first = api.call(Method::GET, &path, Some(&admin), None).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.body["total"], 4);
    assert_eq!(first.body["members"].as_array().unwrap().len(), 3);
    assert_eq!(first.body["next_offset"], 3);
    let path = "/v1/networks/BIN%20Noord/members?limit=3&offset=3";
    let last = api.call(Method::GET, path, Some(&admin), None).await;
    assert_eq!(last.body["members"].as_array().unwrap().len(), 1);
    assert_eq!(last.body["next_offset"], Value::Null);
    assert!(api.audited().await.contains(&"members.list".to_owned()));
}

#[tokio::test]
async fn a_change_touches_only_the_fields_sent_and_null_clears_consent() {
    let api = TestApi::new().await;
    let admin = api.token(Role::Admin, &[]).await;
    let coordinator = api.token(Role::Coordinator, &[&api.north]).await;
    let id = member_of_north(&api, &admin).await;
    let path = format!("/v1/members/{id}");
    let patch =
        json!({"consent": "2026-04-30", "status": "suspended", "phones": ["0470 00 00 99"]});
    let changed = api
        .call(Method::PATCH, &path, Some(&coordinator), Some(patch))
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    assert_eq!(changed.body["status"], "suspended");
    assert_eq!(changed.body["consent"], "2026-04-30");
    assert_eq!(changed.body["phones"], json!(["+32470000099"]));
    let name = changed.body["name"].clone();
    let withdrawn = api
        .call(
            Method::PATCH,
            &path,
            Some(&coordinator),
            Some(json!({"consent": null, "status": "active"})),
        )
        .await;
    assert_eq!(withdrawn.body["consent"], Value::Null);
    assert_eq!(withdrawn.body["status"], "active");
    assert_eq!(withdrawn.body["phones"], json!(["+32470000099"]));
    assert_eq!(withdrawn.body["name"], name);
    let bad = api
        .call(
            Method::PATCH,
            &path,
            Some(&coordinator),
            Some(json!({"phones": ["+1"], "status": "left"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&bad.body), ["status", "phones[0]"]);
    assert!(api.audited().await.contains(&"members.update".to_owned()));
    let nobody = api
        .call(
            Method::PATCH,
            "/v1/members/nobody",
            Some(&admin),
            Some(json!({"name": "X"})),
        )
        .await;
    assert_eq!(nobody.status, StatusCode::NOT_FOUND);
}
