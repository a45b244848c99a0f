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

use buurtbel::store::DeliveryState;
use phones::{MEMBERS, NETWORK, Phones, import_members, member_name, write_config, write_script};
use serde_json::{Value, json};
use serve::{Server, buurtbel};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

const UNTIL_DONE: Duration = Duration::from_secs(180);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_posted_over_http_is_followed_on_its_event_stream_to_the_end() {
    let folder = tempfile::TempDir::with_prefix("buurtbel-api-").expect("temp dir");
    let dir = folder.path();
    let config = write_config(dir);
    import_members(dir, &config);
    let script = write_script(dir);
    let mut phones = Phones::start(dir, &config, &script);
    phones.wait_until_listening().await;
    let mut server = Server::start(dir, &config, "serve");
    let base = server.api_address().await;
    let token = token(dir, &config);
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

/// `buurtbel token create --role police`: the secret on its last line.
fn token(dir: &Path, config: &Path) -> String {
    let out = buurtbel(dir, config, &["token", "create", "--role", "police"], &[]);
    let secret = out.lines().last().expect("a last line").trim().to_owned();
    assert!(secret.starts_with("bbt_"), "{out}");
    secret
}

/// One server-sent event.
#[derive(Debug)]
struct Sent {
    kind: String,
    id: Option<String>,
    data: Value,
}

/// The whole stream of the alert, until the server ends it.
async fn read_stream(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    alert: &str,
    after: Option<String>,
    server: &mut Server,
) -> Vec<Sent> {
    let mut request = client
        .get(format!("{base}/v1/alerts/{alert}/events"))
        .bearer_auth(token);
    if let Some(after) = after {
        request = request.header("Last-Event-ID", after);
    }
    let read = async {
        let response = request.send().await.expect("GET events");
        assert_eq!(response.status(), 200);
        response.text().await.expect("the stream")
    };
    let text = tokio::select! {
        text = read => text,
        () = tokio::time::sleep(UNTIL_DONE) => panic!("the stream did not end\n{}", server.log()),
    };
    text.split("\n\n").filter_map(parse_event).collect()
}

fn parse_event(block: &str) -> Option<Sent> {
    let mut kind = None;
    let mut id = None;
    let mut data = String::new();
    for line in block.lines() {
        if let Some(value) = line.strip_prefix("event:") {
            kind = Some(value.trim().to_owned());
        } else if let Some(value) = line.strip_prefix("id:") {
            id = Some(value.trim().to_owned());
        } else if let Some(value) = line.strip_prefix("data:") {
            data.push_str(value.trim_start());
        }
    }
    Some(Sent {
        kind: kind?,
        id,
        data: serde_json::from_str(&data).ok()?,
    })
}

/// Each member's state in the last delivery event about them.
fn last_states(events: &[Sent]) -> BTreeMap<String, String> {
    let mut last = BTreeMap::new();
    for event in events.iter().filter(|e| e.kind == "delivery") {
        let name = event.data["member_name"].as_str().unwrap_or_default();
        let state = event.data["state"].as_str().unwrap_or_default();
        last.insert(name.to_owned(), state.to_owned());
    }
    last
}
