//! `/v1/networks`: seen per token, created by admins only and checked field by field, and the
//! languages a network needs refusing an alert without a text in each.

use super::{TestApi, urgent};
use crate::store::{InboxMeaning, InboxMessage, Role};
use axum::http::{Method, StatusCode};
use serde_json::json;

fn bilingual() -> serde_json::Value {
    json!({
        "name": "BIN Brussel Test",
        "kind": "business",
        "police_zone": "Zone Test",
        "language": "nl",
        "languages": ["nl", "fr"],
        "caller_id": "050 00 00 01",
    })
}

#[tokio::test]
async fn an_admin_creates_a_network_that_every_role_then_reads_by_id_or_name() {
    let api = TestApi::new().await;
    let admin = api.token(Role::Admin, &[]).await;
    let made = api
        .call(
            Method::POST,
            "/v1/networks",
            Some(&admin),
            Some(bilingual()),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    assert_eq!(made.body["languages"], json!(["nl", "fr"]));
    assert_eq!(made.body["caller_id"], "+3250000001");
    assert_eq!(made.body["kind"], "business");
    let id = made.body["id"].as_str().expect("id").to_owned();
    assert_eq!(
        made.headers["location"].to_str().unwrap(),
        format!("/v1/networks/{id}")
    );
    for role in Role::ALL.iter().copied() {
        let token = api.token(role, &[]).await;
        for path in [
            format!("/v1/networks/{id}"),
            "/v1/networks/BIN%20Brussel%20Test".into(),
        ] {
            let answer = api.call(Method::GET, &path, Some(&token), None).await;
            assert_eq!(answer.status, StatusCode::OK, "{role} {path}");
            assert_eq!(answer.body["name"], "BIN Brussel Test");
        }
    }
    assert!(api.audited().await.contains(&"networks.create".to_owned()));
    let again = api
        .call(
            Method::POST,
            "/v1/networks",
            Some(&admin),
            Some(bilingual()),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{:?}", again.body);
}

#[tokio::test]
async fn only_admins_create_networks() {
    let api = TestApi::new().await;
    for role in [Role::Police, Role::Coordinator, Role::Viewer] {
        let token = api.token(role, &[]).await;
        let answer = api
            .call(
                Method::POST,
                "/v1/networks",
                Some(&token),
                Some(bilingual()),
            )
            .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{role}");
    }
    assert!(
        api.store
            .network_by_name("BIN Brussel Test")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_token_sees_only_its_networks() {
    let api = TestApi::new().await;
    let north = api.token(Role::Viewer, &[&api.north]).await;
    let list = api
        .call(Method::GET, "/v1/networks", Some(&north), None)
        .await;
    assert_eq!(list.status, StatusCode::OK);
    let names: Vec<&str> = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["BIN Noord"]);
    let south = format!("/v1/networks/{}", api.south);
    let hidden = api.call(Method::GET, &south, Some(&north), None).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    let missing = api
        .call(Method::GET, "/v1/networks/nothing", Some(&north), None)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let anonymous = api.call(Method::GET, "/v1/networks", None, None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn every_wrong_field_of_a_new_network_is_named() {
    let api = TestApi::new().await;
    let admin = api.token(Role::Admin, &[]).await;
    let body = json!({
        "name": " ",
        "kind": "city",
        "language": "xx",
        "languages": ["nl", "es", "nl"],
        "caller_id": "12",
    });
    let answer = api
        .call(Method::POST, "/v1/networks", Some(&admin), Some(body))
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = answer.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "name",
            "kind",
            "language",
            "languages[1]",
            "languages[2]",
            "caller_id"
        ]
    );
    let unknown = api
        .call(
            Method::POST,
            "/v1/networks",
            Some(&admin),
            Some(json!({"name": "X", "colour": 1})),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn an_alert_without_a_text_in_a_needed_language_is_refused_naming_it() {
    let api = TestApi::new().await;
    let admin = api.token(Role::Admin, &[]).await;
    let made = api
        .call(
            Method::POST,
            "/v1/networks",
            Some(&admin),
            Some(bilingual()),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED);
    let only_dutch = urgent(&["BIN Brussel Test", "BIN Noord"]);
    let refused = api
        .call(
            Method::POST,
            "/v1/alerts",
            Some(&admin),
            Some(only_dutch.clone()),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        refused.body
    );
    let error = &refused.body["errors"][0];
    assert_eq!(error["field"], "texts");
    let reason = error["reason"].as_str().unwrap();
    assert!(
        reason.contains("fr") && reason.contains("BIN Brussel Test"),
        "{reason}"
    );
    assert!(!reason.contains("BIN Noord"), "{reason}");
    let mut both = only_dutch;
    both["texts"]["fr"] = json!("Personnes suspectes vues dans la rue de Test.");
    let sent = api
        .call(Method::POST, "/v1/alerts", Some(&admin), Some(both))
        .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
    let monolingual = api
        .call(
            Method::POST,
            "/v1/alerts",
            Some(&admin),
            Some(urgent(&["BIN Noord"])),
        )
        .await;
    assert_eq!(monolingual.status, StatusCode::CREATED);
}

#[tokio::test]
async fn the_openapi_document_describes_networks_and_members() {
    let api = TestApi::new().await;
    let document = api.call(Method::GET, "/openapi.json", None, None).await;
    let paths = document.body["paths"].as_object().unwrap();
    for (path, methods) in [
        ("/v1/networks", &["get", "post"][..]),
        ("/v1/networks/{id}", &["get"]),
        ("/v1/networks/{id}/members", &["get", "post"]),
        ("/v1/networks/{id}/members.csv", &["get", "post"]),
        ("/v1/members/{id}", &["get", "patch", "delete"]),
    ] {
        for method in methods {
            assert!(paths[path][method].is_object(), "{method} {path}");
        }
    }
    let import = &paths["/v1/networks/{id}/members.csv"]["post"];
    assert!(import["requestBody"]["content"]["text/csv"].is_object());
    let export = &paths["/v1/networks/{id}/members.csv"]["get"]["responses"]["200"];
    assert!(export["content"]["text/csv"].is_object());
    let schemas = document.body["components"]["schemas"].as_object().unwrap();
    for schema in [
        "NetworkView",
        "NetworkRequest",
        "MemberView",
        "MemberRequest",
        "MemberPatch",
    ] {
        assert!(schemas.contains_key(schema), "{schema}");
    }
    let consent = &schemas["MemberPatch"]["properties"]["consent"];
    assert!(consent.to_string().contains("null"), "{consent}");
}

#[tokio::test]
async fn a_network_lists_the_codes_it_covers_and_an_admin_sets_them() {
    let api = TestApi::new().await;
    let admin = api.token(Role::Admin, &[]).await;
    let mut request = bilingual();
    request["nis_codes"] = json!(["99001"]);
    request["postal_codes"] = json!(["9990", "9990", "9991"]);
    let made = api
        .call(Method::POST, "/v1/networks", Some(&admin), Some(request))
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    assert_eq!(made.body["nis_codes"], json!(["99001"]));
    assert_eq!(made.body["postal_codes"], json!(["9990", "9991"]));
    let path = "/v1/networks/BIN%20Brussel%20Test/areas";
    let set = json!({"postal_codes": ["9992"]});
    let answer = api
        .call(Method::PUT, path, Some(&admin), Some(set.clone()))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    assert_eq!(answer.body["nis_codes"], json!([]));
    assert_eq!(answer.body["postal_codes"], json!(["9992"]));
    let listed = api
        .call(Method::GET, "/v1/networks", Some(&admin), None)
        .await;
    let listed = listed.body.as_array().expect("list").clone();
    let ours = listed.iter().find(|n| n["name"] == "BIN Brussel Test");
    assert_eq!(ours.expect("listed")["postal_codes"], json!(["9992"]));
    assert!(api.audited().await.contains(&"networks.areas".to_owned()));
    // Codes are digits of the scheme's length; only an admin sets them.
    let wrong = json!({"nis_codes": ["1100"], "postal_codes": ["20OO"]});
    let answer = api.call(Method::PUT, path, Some(&admin), Some(wrong)).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = answer.body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["nis_codes[0]", "postal_codes[0]"]);
    let coordinator = api.token(Role::Coordinator, &[]).await;
    let answer = api
        .call(Method::PUT, path, Some(&coordinator), Some(set))
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_network_has_its_own_sms_sender_checked_against_the_providers_rules() {
    let api = TestApi::new().await;
    let admin = api.token(Role::Admin, &[]).await;
    let named = |sender: &str| json!({"name": format!("BIN {sender}"), "sms_sender": sender});
    let made = api
        .call(
            Method::POST,
            "/v1/networks",
            Some(&admin),
            Some(named("BIN-Kessel")),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    assert_eq!(made.body["sms_sender"], "BIN-Kessel");
    let id = made.body["id"].as_str().expect("id").to_owned();
    let read = api
        .call(
            Method::GET,
            &format!("/v1/networks/{id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(read.body["sms_sender"], "BIN-Kessel");
    for wrong in ["BIN-Kessel-Noord", "BIN Késsel", "0"] {
        let refused = api
            .call(
                Method::POST,
                "/v1/networks",
                Some(&admin),
                Some(named(wrong)),
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{wrong}");
        assert_eq!(refused.body["errors"][0]["field"], "sms_sender", "{wrong}");
    }
}

#[tokio::test]
async fn the_texts_members_sent_are_read_by_their_networks_coordinators_only() {
    let api = TestApi::new().await;
    let member = api
        .store
        .members_with_number("+3250000101")
        .await
        .expect("members")
        .into_iter()
        .next();
    let message = InboxMessage {
        id: "inbox-1".to_owned(),
        number: "+3250000101".to_owned(),
        member_id: member.clone(),
        alert_id: None,
        text: "Wie belt er?".to_owned(),
        meaning: InboxMeaning::Other,
        received_at: 1_000,
    };
    api.store.record_inbox(&message).await.expect("kept");
    let path = format!("/v1/networks/{}/sms-replies", api.north);
    let coordinator = api.token(Role::Coordinator, &[&api.north]).await;
    let read = api.call(Method::GET, &path, Some(&coordinator), None).await;
    assert_eq!(read.status, StatusCode::OK, "{:?}", read.body);
    assert_eq!(read.body[0]["text"], "Wie belt er?");
    assert_eq!(read.body[0]["meaning"], "other");
    assert_eq!(read.body[0]["member"], json!(member.map(|m| m.to_string())));
    for role in [Role::Police, Role::Viewer] {
        let token = api.token(role, &[&api.north]).await;
        let refused = api.call(Method::GET, &path, Some(&token), None).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{role}");
    }
}
