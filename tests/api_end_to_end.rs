//! The HTTP API end to end, as a new user follows the README: the real `serve` answers on a
//! free port, `buurtbel token create` makes a police token, an alert is posted over HTTP
//! (twice, with one `Idempotency-Key`: one chain), its event stream is read until `done`, and
//! every member's last delivery on the stream is what their simulated phone did. A stream
//! resumed with `Last-Event-ID` ends the same way, and `/metrics` counted the calls.
//! Names and numbers are fictional.

#[path = "common/serve.rs"]
mod serve;

#[path = "common/phones.rs"]
mod phones;

#[path = "common/api.rs"]
mod api;

use api::{Serving, last_states, read_stream, serve_with_phones};
use buurtbel::store::DeliveryState;
use phones::{MEMBERS, NETWORK, import_members, member_name, write_config};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_posted_over_http_is_followed_on_its_event_stream_to_the_end() {
    let folder = tempfile::TempDir::with_prefix("buurtbel-api-").expect("temp dir");
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

    let alert = json!({
        "networks": [NETWORK],
        "kind": "urgent",
        "texts": {"nl": "Verdachte personen gezien in de Kerkstraat. Doe niet open en bel 101."},
        "drill": true,
    });
    let post = || {
        client
            .post(format!("{base}/v1/alerts"))
            .bearer_auth(&token)
            .header("Idempotency-Key", "proef-1")
            .json(&alert)
            .send()
    };
    let first = post().await.expect("POST /v1/alerts");
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.expect("the alert");
    let id = first["id"].as_str().expect("an id").to_owned();
    let again: Value = post()
        .await
        .expect("POST again")
        .json()
        .await
        .expect("json");
    assert_eq!(again["id"], first["id"], "one key, one alert");

    let events = read_stream(&client, &base, &token, &id, None, &mut server).await;
    let done = events.last().expect("events");
    assert_eq!(done.kind, "done", "the stream ends with done");
    assert_eq!(done.data["state"], "completed");
    let last = last_states(&events);
    for (i, (behaviour, expected)) in MEMBERS.iter().enumerate() {
        let name = member_name(i);
        assert_eq!(
            last.get(&name).map(String::as_str),
            Some(expected.as_str()),
            "{name} ({behaviour}) on the stream: {last:?}"
        );
    }
    let confirming = MEMBERS
        .iter()
        .filter(|(_, state)| *state == DeliveryState::Acknowledged)
        .count();
    assert_eq!(done.data["totals"]["confirmed"], json!(confirming));
    assert_eq!(done.data["totals"]["members"], json!(MEMBERS.len()));

    // Resumed from the middle, the stream still ends in the same states.
    let middle = events
        .iter()
        .filter(|e| e.kind == "delivery")
        .nth(MEMBERS.len())
        .and_then(|e| e.id.clone());
    let resumed = read_stream(&client, &base, &token, &id, middle, &mut server).await;
    let resumed_last = last_states(&resumed);
    for (name, state) in &resumed_last {
        assert_eq!(last.get(name), Some(state), "{name} after resuming");
    }
    assert_eq!(resumed.last().map(|e| e.kind.as_str()), Some("done"));

    let metrics = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("text");
    let busy = MEMBERS
        .iter()
        .filter(|(_, s)| *s == DeliveryState::Busy)
        .count();
    assert!(
        metrics.contains(&format!("buurtbel_calls_total{{outcome=\"busy\"}} {busy}")),
        "{metrics}"
    );
    assert!(
        metrics.contains(&format!("buurtbel_invites_total {}", MEMBERS.len())),
        "{metrics}"
    );

    let status = server.stop().await;
    assert!(
        status.success(),
        "serve exited with {status}\n{}",
        server.log()
    );
    phones.stop();
}
