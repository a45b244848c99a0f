//! A CAP 1.2 alert end to end, as an alerting authority's system sends one: the real `serve`
//! with simulated phones, a police token from the command line, a `Test` message answered
//! with what would happen while nobody is called, then the `Actual` alert naming the network
//! with the `buurtbel:networks` parameter, followed on its event stream until every member's
//! delivery is what their phone did; the same message again changes nothing.
//! Names, numbers and senders are fictional.

#[path = "common/serve.rs"]
mod serve;

#[path = "common/phones.rs"]
mod phones;

#[path = "common/api.rs"]
mod api;

use api::{Serving, last_states, read_stream, serve_with_phones};
use phones::{MEMBERS, NETWORK, import_members, member_name, write_config};
use serde_json::{Value, json};

/// A CAP alert from a fictional police zone to [`NETWORK`].
fn cap(identifier: &str, status: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier>
  <sender>pz-proef@police.example</sender>
  <sent>2026-12-03T02:00:00+01:00</sent>
  <status>{status}</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <language>nl-BE</language>
    <category>Security</category>
    <event>Inbraak</event>
    <urgency>Immediate</urgency>
    <severity>Moderate</severity>
    <certainty>Observed</certainty>
    <headline>Verdachte personen in de Kerkstraat</headline>
    <description>Twee personen proberen deuren te openen.</description>
    <instruction>Doe niet open en bel 101.</instruction>
    <parameter><valueName>buurtbel:networks</valueName><value>{NETWORK}</value></parameter>
    <area><areaDesc>Kerkstraat</areaDesc></area>
  </info>
</alert>"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cap_alert_calls_the_network_and_a_test_calls_nobody() {
    let folder = tempfile::TempDir::with_prefix("buurtbel-cap-").expect("temp dir");
    let dir = folder.path();
    let config = write_config(dir);
    import_members(dir, &config);
    let Serving {
        mut phones,
        mut server,
        base,
        token,
    } = serve_with_phones(dir, &config).await;
    let client = reqwest::Client::new();
    let post = |document: String| {
        client
            .post(format!("{base}/v1/cap"))
            .bearer_auth(&token)
            .header("content-type", "application/cap+xml")
            .body(document)
            .send()
    };

    let test = post(cap("PZ-PROEF-TEST-1", "Test"))
        .await
        .expect("POST Test");
    assert_eq!(test.status(), 200);
    let test: Value = test.json().await.expect("json");
    assert_eq!(test["effect"], "rehearsed");
    assert_eq!(test["would"]["called"], false);
    assert_eq!(
        test["would"]["networks"],
        json!([{"name": NETWORK, "members": MEMBERS.len()}])
    );
    assert_eq!(test["alerts"], json!([]));

    let actual = post(cap("PZ-PROEF-1", "Actual"))
        .await
        .expect("POST Actual");
    assert_eq!(actual.status(), 201);
    let actual: Value = actual.json().await.expect("json");
    assert_eq!(actual["effect"], "created");
    let id = actual["alerts"][0]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    assert_eq!(actual["alerts"][0]["kind"], "urgent");

    let events = read_stream(&client, &base, &token, &id, None, &mut server).await;
    let done = events.last().expect("events");
    assert_eq!(done.kind, "done");
    assert_eq!(done.data["state"], "completed");
    let last = last_states(&events);
    for (i, (behaviour, expected)) in MEMBERS.iter().enumerate() {
        let name = member_name(i);
        assert_eq!(
            last.get(&name).map(String::as_str),
            Some(expected.as_str()),
            "{name} ({behaviour}): {last:?}"
        );
    }

    let again = post(cap("PZ-PROEF-1", "Actual")).await.expect("POST again");
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.expect("json");
    assert_eq!(again["repeated"], true);
    assert_eq!(
        again["alerts"][0]["id"],
        json!(id),
        "one identifier, one alert"
    );

    let metrics = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains(&format!("buurtbel_invites_total {}", MEMBERS.len())),
        "the Test called nobody and the repeat nobody again: {metrics}"
    );
    let status = server.stop().await;
    assert!(
        status.success(),
        "serve exited with {status}\n{}",
        server.log()
    );
    phones.stop();
}
