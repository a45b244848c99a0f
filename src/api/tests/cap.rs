//! `POST /v1/cap`: CAP 1.2 alerts in four languages, each status and message type, networks
//! by geocode or by name, idempotent identifiers, updates and cancels by reference, and the
//! same roles as `POST /v1/alerts`.

use super::cap_documents::{Cap, Info};
use super::{Answer, TestApi};
use crate::store::{AlertId, AlertState, AreaScheme, MessageBody, NetworkArea, Role};
use axum::http::{Method, StatusCode};
use serde_json::json;

async fn post(api: &TestApi, token: &str, cap: &Cap) -> Answer {
    post_xml(api, token, &cap.xml()).await
}

async fn post_xml(api: &TestApi, token: &str, xml: &str) -> Answer {
    api.text(Method::POST, "/v1/cap", token, "application/cap+xml", xml)
        .await
}

fn fields(answer: &Answer) -> Vec<String> {
    answer.body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn alert_id(answer: &Answer) -> AlertId {
    AlertId::from(answer.body["alerts"][0]["id"].as_str().expect("an alert"))
}

async fn texts(api: &TestApi, alert: &AlertId) -> Vec<(String, String)> {
    let mut texts: Vec<(String, String)> = api
        .store
        .alert_messages(alert)
        .await
        .expect("messages")
        .into_iter()
        .filter_map(|m| match m.body {
            MessageBody::Text(text) => Some((m.language, text)),
            MessageBody::Recording(_) => None,
        })
        .collect();
    texts.sort();
    texts
}

#[tokio::test]
async fn an_alert_in_four_languages_becomes_one_alert_with_a_text_in_each() {
    let api = TestApi::new().await;
    let police = api.token(Role::Police, &[]).await;
    let infos = ["nl-BE", "fr-BE", "de-BE", "en"]
        .into_iter()
        .map(|language| Info::to(language, "BIN Noord, BIN Zuid"))
        .collect();
    let answer = post(&api, &police, &Cap::alert("PZ-TEST-1", infos)).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
    assert_eq!(answer.body["effect"], "created");
    assert_eq!(answer.body["alerts"][0]["kind"], "urgent");
    assert_eq!(answer.body["alerts"][0]["drill"], false);
    let networks = &answer.body["alerts"][0]["networks"];
    assert_eq!(networks.as_array().map(Vec::len), Some(2), "{networks}");
    let id = alert_id(&answer);
    assert_eq!(
        answer.headers["location"].to_str().unwrap(),
        format!("/v1/alerts/{id}")
    );
    let texts = texts(&api, &id).await;
    let languages: Vec<&str> = texts.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(languages, ["de", "en", "fr", "nl"]);
    assert_eq!(
        texts[3].1,
        "Verdachte personen in de Teststraat. Doe niet open en bel 101."
    );
    assert!(api.audited().await.contains(&"cap.alert".to_owned()));
}

#[tokio::test]
async fn each_status_does_what_it_says() {
    let api = TestApi::new().await;
    let police = api.token(Role::Police, &[]).await;
    let with = |identifier: &str, status: &'static str| Cap {
        status,
        ..Cap::alert(identifier, vec![Info::to("nl-BE", "BIN Noord")])
    };
    let actual = post(&api, &police, &with("S-1", "Actual")).await;
    assert_eq!(actual.status, StatusCode::CREATED);
    assert_eq!(actual.body["alerts"][0]["drill"], false);
    let exercise = post(&api, &police, &with("S-2", "Exercise")).await;
    assert_eq!(exercise.status, StatusCode::CREATED);
    assert_eq!(
        exercise.body["alerts"][0]["drill"], true,
        "announced as one"
    );
    for (identifier, status) in [("S-3", "Test"), ("S-4", "Draft")] {
        let before = api
            .store
            .recent_alerts(0, None)
            .await
            .expect("alerts")
            .len();
        let answer = post(&api, &police, &with(identifier, status)).await;
        assert_eq!(answer.status, StatusCode::OK, "{status}: {:?}", answer.body);
        assert_eq!(answer.body["effect"], "rehearsed");
        assert_eq!(answer.body["alerts"], json!([]));
        let would = &answer.body["would"];
        assert_eq!(would["called"], false);
        assert_eq!(would["kind"], "urgent");
        assert_eq!(
            would["networks"],
            json!([{"name": "BIN Noord", "members": 1}])
        );
        assert_eq!(would["languages_present"], json!(["nl"]));
        let after = api
            .store
            .recent_alerts(0, None)
            .await
            .expect("alerts")
            .len();
        assert_eq!(before, after, "{status} calls nobody");
    }
    let system = post(&api, &police, &with("S-5", "System")).await;
    assert_eq!(system.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&system), ["alert/status"]);
}

#[tokio::test]
async fn a_test_names_the_languages_a_network_needs_that_are_missing() {
    let api = TestApi::new().await;
    let store = &api.store;
    let network = store
        .network(&api.north)
        .await
        .expect("read")
        .expect("north");
    sqlx::query("UPDATE networks SET languages = 'nl,fr' WHERE id = $1")
        .bind(network.id.as_str())
        .execute(store.pool())
        .await
        .expect("languages");
    let police = api.token(Role::Police, &[]).await;
    let test = Cap {
        status: "Test",
        ..Cap::alert(
            "L-1",
            vec![
                Info::to("nl-BE", "BIN Noord"),
                Info::to("es-ES", "BIN Noord"),
            ],
        )
    };
    let answer = post(&api, &police, &test).await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    assert_eq!(answer.body["would"]["languages_missing"], json!(["fr"]));
    assert_eq!(answer.body["ignored_languages"], json!(["es-ES"]));
    let actual = post(
        &api,
        &police,
        &Cap::alert("L-2", vec![Info::to("nl-BE", "BIN Noord")]),
    )
    .await;
    assert_eq!(actual.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&actual), ["alert/info"]);
}

#[tokio::test]
async fn geocodes_reach_the_networks_that_cover_them() {
    let api = TestApi::new().await;
    let area = |scheme, code: &str| NetworkArea {
        scheme,
        code: code.to_owned(),
    };
    let store = &api.store;
    store
        .set_network_areas(&api.north, &[area(AreaScheme::Nis, "99001")])
        .await
        .expect("north");
    store
        .set_network_areas(&api.south, &[area(AreaScheme::Postal, "9990")])
        .await
        .expect("south");
    let police = api.token(Role::Police, &[]).await;
    let names = |answer: &Answer| -> Vec<String> {
        let networks = answer.body["alerts"][0]["networks"].as_array().cloned();
        networks
            .unwrap_or_default()
            .iter()
            .filter_map(|n| n["name"].as_str().map(str::to_owned))
            .collect()
    };
    let by_nis = post(
        &api,
        &police,
        &Cap::alert("G-1", vec![Info::at("nl-BE", "NIS", "99001")]),
    )
    .await;
    assert_eq!(by_nis.status, StatusCode::CREATED, "{:?}", by_nis.body);
    assert_eq!(names(&by_nis), ["BIN Noord"]);
    let by_postal = post(
        &api,
        &police,
        &Cap::alert("G-2", vec![Info::at("nl-BE", "postcode", "9990")]),
    )
    .await;
    assert_eq!(by_postal.status, StatusCode::CREATED);
    assert_eq!(names(&by_postal), ["BIN Zuid"]);
    // A code no network covers, a malformed one, and an area that names nothing.
    let nowhere = post(
        &api,
        &police,
        &Cap::alert("G-3", vec![Info::at("nl-BE", "NIS", "99999")]),
    )
    .await;
    assert_eq!(nowhere.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&nowhere), ["alert/info[1]/area[1]"]);
    let malformed = post(
        &api,
        &police,
        &Cap::alert("G-4", vec![Info::at("nl-BE", "NIS", "9900")]),
    )
    .await;
    assert_eq!(
        fields(&malformed),
        ["alert/info[1]/area[1]/geocode[1]/value"]
    );
    let other = post(
        &api,
        &police,
        &Cap::alert("G-5", vec![Info::at("nl-BE", "FIPS6", "006113")]),
    )
    .await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&other), ["alert/info[1]/area[1]"]);
    let unknown = post(
        &api,
        &police,
        &Cap::alert("G-6", vec![Info::to("nl-BE", "BIN Nergens")]),
    )
    .await;
    assert_eq!(fields(&unknown), ["alert/info[1]/parameter[1]/value"]);
}

#[tokio::test]
async fn the_same_identifier_from_the_same_sender_makes_one_alert() {
    let api = TestApi::new().await;
    let police = api.token(Role::Police, &[]).await;
    let cap = Cap::alert("I-1", vec![Info::to("nl-BE", "BIN Noord")]);
    let first = post(&api, &police, &cap).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let again = post(&api, &police, &cap).await;
    assert_eq!(again.status, StatusCode::OK, "{:?}", again.body);
    assert_eq!(again.body["repeated"], true);
    assert_eq!(again.body["alerts"][0]["id"], first.body["alerts"][0]["id"]);
    let alerts = api.store.recent_alerts(0, None).await.expect("alerts");
    assert_eq!(alerts.len(), 1);
    // Another token of the same sender's system posting it again changes nothing either.
    let other = api.token(Role::Admin, &[]).await;
    let third = post(&api, &other, &cap).await;
    assert_eq!(third.body["alerts"][0]["id"], first.body["alerts"][0]["id"]);
    // The identifier used for another message is refused.
    let changed = Cap::alert("I-1", vec![Info::to("fr-BE", "BIN Noord")]);
    let refused = post(&api, &police, &changed).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{:?}", refused.body);
}

#[tokio::test]
async fn an_update_replaces_the_texts_and_a_cancel_stops_the_alert_it_references() {
    let api = TestApi::new().await;
    let police = api.token(Role::Police, &[]).await;
    let first = post(
        &api,
        &police,
        &Cap::alert("U-1", vec![Info::to("nl-BE", "BIN Noord")]),
    )
    .await;
    let id = alert_id(&first);
    let mut info = Info::to("nl-BE", "BIN Noord");
    info.headline = "De verdachten zijn gevat".to_owned();
    let update = post(
        &api,
        &police,
        &Cap::about("U-2", "Update", "U-1", vec![info]),
    )
    .await;
    assert_eq!(update.status, StatusCode::OK, "{:?}", update.body);
    assert_eq!(update.body["effect"], "updated");
    assert_eq!(alert_id(&update), id);
    assert_eq!(
        texts(&api, &id).await,
        [(
            "nl".to_owned(),
            "De verdachten zijn gevat. Doe niet open en bel 101.".to_owned()
        )]
    );
    assert_eq!(api.store.alert_revision(&id).await.unwrap(), Some(1));
    // An update cannot widen the alert.
    let wider = post(
        &api,
        &police,
        &Cap::about(
            "U-3",
            "Update",
            "U-1",
            vec![Info::to("nl-BE", "BIN Noord, BIN Zuid")],
        ),
    )
    .await;
    assert_eq!(wider.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Referencing the update cancels the same alert.
    let cancel = post(
        &api,
        &police,
        &Cap::about("U-4", "Cancel", "U-2", Vec::new()),
    )
    .await;
    assert_eq!(cancel.status, StatusCode::OK, "{:?}", cancel.body);
    assert_eq!(cancel.body["effect"], "cancelled");
    let alert = api.store.alert(&id).await.unwrap().expect("alert");
    assert_eq!(alert.state, AlertState::Cancelled);
    let late = post(
        &api,
        &police,
        &Cap::about("U-5", "Update", "U-1", vec![Info::to("nl-BE", "BIN Noord")]),
    )
    .await;
    assert_eq!(late.status, StatusCode::CONFLICT, "over: {:?}", late.body);
    let again = post(
        &api,
        &police,
        &Cap::about("U-6", "Cancel", "U-1", Vec::new()),
    )
    .await;
    assert_eq!(again.body["effect"], "already_over");
    let nothing = post(
        &api,
        &police,
        &Cap::about("U-7", "Cancel", "NO-SUCH", Vec::new()),
    )
    .await;
    assert_eq!(nothing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&nothing), ["alert/references"]);
}

#[tokio::test]
async fn ack_and_error_are_recorded() {
    let api = TestApi::new().await;
    let police = api.token(Role::Police, &[]).await;
    post(
        &api,
        &police,
        &Cap::alert("A-1", vec![Info::to("nl-BE", "BIN Noord")]),
    )
    .await;
    for (identifier, kind) in [("A-2", "Ack"), ("A-3", "Error")] {
        let answer = post(
            &api,
            &police,
            &Cap::about(identifier, kind, "A-1", Vec::new()),
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK, "{kind}: {:?}", answer.body);
        assert_eq!(answer.body["effect"], "recorded");
        let stored = api
            .store
            .cap_message(super::cap_documents::SENDER, identifier)
            .await
            .expect("read")
            .expect("recorded");
        assert_eq!(stored.msg_type, kind);
    }
}

#[tokio::test]
async fn roles_and_networks_limit_cap_as_they_limit_alerts() {
    let api = TestApi::new().await;
    let viewer = api.token(Role::Viewer, &[]).await;
    let cap = Cap::alert("R-1", vec![Info::to("nl-BE", "BIN Noord")]);
    assert_eq!(
        post(&api, &viewer, &cap).await.status,
        StatusCode::FORBIDDEN
    );
    let coordinator = api.token(Role::Coordinator, &[&api.north]).await;
    assert_eq!(
        post(&api, &coordinator, &cap).await.status,
        StatusCode::FORBIDDEN
    );
    let mut tip = Info::to("nl-BE", "BIN Noord");
    tip.urgency = "Future";
    let prevention = post(&api, &coordinator, &Cap::alert("R-2", vec![tip])).await;
    assert_eq!(
        prevention.status,
        StatusCode::CREATED,
        "{:?}",
        prevention.body
    );
    assert_eq!(prevention.body["alerts"][0]["kind"], "prevention");
    let north_police = api.token(Role::Police, &[&api.north]).await;
    let both = Cap::alert("R-3", vec![Info::to("nl-BE", "BIN Noord, BIN Zuid")]);
    assert_eq!(
        post(&api, &north_police, &both).await.status,
        StatusCode::FORBIDDEN
    );
    let unsigned = api
        .text(
            Method::POST,
            "/v1/cap",
            "bbt_wrong",
            "application/cap+xml",
            &cap.xml(),
        )
        .await;
    assert_eq!(unsigned.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_broken_document_is_refused_naming_the_element() {
    let api = TestApi::new().await;
    let police = api.token(Role::Police, &[]).await;
    let good = Cap::alert("B-1", vec![Info::to("nl-BE", "BIN Noord")]).xml();
    let zulu = good.replace(
        "2026-12-03T02:00:00+01:00</sent>",
        "2026-12-03T01:00:00Z</sent>",
    );
    let answer = post_xml(&api, &police, &zulu).await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        answer.body
    );
    assert_eq!(fields(&answer), ["alert/sent"]);
    let soon = good.replace("<urgency>Immediate</urgency>", "<urgency>Soon</urgency>");
    assert_eq!(
        fields(&post_xml(&api, &police, &soon).await),
        ["alert/info[1]/urgency"]
    );
    let broken = post_xml(&api, &police, "<alert><identifier>").await;
    assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY);
    let long = Info {
        headline: "Lang. ".repeat(40),
        ..Info::to("nl-BE", "BIN Noord")
    };
    let too_long = post(&api, &police, &Cap::alert("B-2", vec![long])).await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&too_long), ["alert/info[1]"], "never cut silently");
    let json = api
        .text(Method::POST, "/v1/cap", &police, "application/json", "{}")
        .await;
    assert_eq!(json.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(
        api.store
            .recent_alerts(0, None)
            .await
            .expect("alerts")
            .is_empty()
    );
}

#[tokio::test]
async fn an_urgent_alert_to_a_network_asking_for_approval_is_held() {
    let api = TestApi::new().await;
    api.store
        .set_urgent_approval(&api.north, true)
        .await
        .expect("approval");
    let police = api.token(Role::Police, &[]).await;
    let answer = post(
        &api,
        &police,
        &Cap::alert("H-1", vec![Info::to("nl-BE", "BIN Noord")]),
    )
    .await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{:?}", answer.body);
    assert_eq!(answer.body["effect"], "held");
    assert_eq!(answer.body["alerts"][0]["state"], "draft");
}

/// The sample documents of `tests/data/cap/` one after the other, as a sender's system would
/// post them: the alert, a test, the update, the cancel.
#[tokio::test]
async fn the_sample_documents_run_the_whole_course() {
    let api = TestApi::new().await;
    let police = api.token(Role::Police, &[]).await;
    let sample = |name: &str| {
        let path = format!("{}/tests/data/cap/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(path).expect("sample")
    };
    let alert = post_xml(&api, &police, &sample("alert-nl-fr-de-en.xml")).await;
    assert_eq!(alert.status, StatusCode::CREATED, "{:?}", alert.body);
    let id = alert_id(&alert);
    assert_eq!(texts(&api, &id).await.len(), 4);
    let test = post_xml(&api, &police, &sample("test.xml")).await;
    assert_eq!(test.status, StatusCode::OK, "{:?}", test.body);
    assert_eq!(test.body["effect"], "rehearsed");
    let update = post_xml(&api, &police, &sample("update.xml")).await;
    assert_eq!(update.status, StatusCode::OK, "{:?}", update.body);
    assert_eq!(update.body["effect"], "updated");
    assert_eq!(alert_id(&update), id);
    let cancel = post_xml(&api, &police, &sample("cancel.xml")).await;
    assert_eq!(cancel.status, StatusCode::OK, "{:?}", cancel.body);
    assert_eq!(cancel.body["effect"], "cancelled");
    assert_eq!(
        cancel.body["alerts"].as_array().map(Vec::len),
        Some(1),
        "one alert"
    );
}
