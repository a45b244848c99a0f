//! Webhooks end to end, as a network's coordinator would set one up: `buurtbel webhook add`
//! points the network at a receiver in this test (axum on loopback), the real `serve` calls
//! the simulated phones for a CAP 1.2 `Exercise` alert posted to `/v1/cap` by a police zone's
//! system, and the receiver (which hears the CAP sender and identifier back), checking every
//! signature with the secret `webhook add` printed, gets a `delivery.acknowledged` for each
//! member who pressed 1 and then `alert.completed` with the alert's totals. It answers 503
//! once first, so the event is tried again under `[webhooks] first_retry`. Then `webhook list`
//! and `webhook events` say what was sent, and `webhook remove` of an unknown id exits 2.
//! Names and numbers are fictional.

#[path = "common/serve.rs"]
mod serve;

#[path = "common/phones.rs"]
mod phones;

#[path = "common/api.rs"]
mod api;

use api::{Serving, serve_with_phones};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use buurtbel::store::DeliveryState;
use buurtbel::telephony::clock;
use buurtbel::webhooks::signature::{Secret, TOLERANCE_S, verify};
use phones::{MEMBERS, NETWORK, import_members, member_name, write_config};
use serde_json::{Value, json};
use serve::buurtbel;
use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const UNTIL_DONE: Duration = Duration::from_secs(180);

/// What the receiver took (2xx), in order, and how many requests it refused.
struct Receiver {
    secret: Secret,
    taken: Mutex<Vec<Value>>,
    requests: Mutex<u32>,
    refused: Mutex<Vec<String>>,
}

async fn receive(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let checked = verify(
        &receiver.secret,
        &header("webhook-id"),
        &header("webhook-timestamp"),
        &header("webhook-signature"),
        &body,
        clock::epoch_ms() / 1000,
        TOLERANCE_S,
    );
    if let Err(refusal) = checked {
        receiver
            .refused
            .lock()
            .expect("refused")
            .push(refusal.to_string());
        return StatusCode::UNAUTHORIZED;
    }
    let mut requests = receiver.requests.lock().expect("requests");
    *requests += 1;
    if *requests == 1 {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    assert_eq!(body["type"], header("buurtbel-event"));
    receiver.taken.lock().expect("taken").push(body);
    StatusCode::NO_CONTENT
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_networks_receiver_hears_each_confirmation_then_the_end_signed() {
    let folder = tempfile::TempDir::with_prefix("buurtbel-webhooks-").expect("temp dir");
    let dir = folder.path();
    let config = write_config(dir);
    let mut text = std::fs::read_to_string(&config).expect("config");
    text.push_str("\n[webhooks]\nfirst_retry = \"1s\"\nmax_retry = \"2s\"\n");
    std::fs::write(&config, text).expect("write config");
    import_members(dir, &config);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let hook = format!(
        "http://{}/bin-proef",
        listener.local_addr().expect("address")
    );
    let added = buurtbel(
        dir,
        &config,
        &["webhook", "add", "--network", NETWORK, "--url", &hook],
        &[],
    );
    let secret = added.lines().last().expect("the secret").trim().to_owned();
    assert!(secret.starts_with("whsec_"), "{added}");
    let webhook_id = added
        .split_whitespace()
        .nth(1)
        .expect("the webhook's id")
        .to_owned();
    let receiver = Arc::new(Receiver {
        secret: Secret::parse(&secret).expect("a secret"),
        taken: Mutex::new(Vec::new()),
        requests: Mutex::new(0),
        refused: Mutex::new(Vec::new()),
    });
    let app = axum::Router::new()
        .route("/bin-proef", axum::routing::post(receive))
        .with_state(Arc::clone(&receiver));
    tokio::spawn(async move { axum::serve(listener, app).await });

    let Serving {
        mut phones,
        mut server,
        base,
        token,
    } = serve_with_phones(dir, &config).await;
    let client = reqwest::Client::new();
    let cap = format!(
        r#"<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>PZ-PROEF-OEFENING-1</identifier><sender>pz-proef@police.example</sender>
  <sent>2026-12-03T02:00:00+01:00</sent><status>Exercise</status><msgType>Alert</msgType>
  <scope>Public</scope>
  <info><language>nl-BE</language><category>Security</category><event>Inbraak</event>
    <urgency>Immediate</urgency><severity>Moderate</severity><certainty>Observed</certainty>
    <headline>Verdachte personen gezien in de Kerkstraat</headline>
    <instruction>Doe niet open en bel 101.</instruction>
    <parameter><valueName>buurtbel:networks</valueName><value>{NETWORK}</value></parameter>
    <area><areaDesc>Kerkstraat</areaDesc></area></info>
</alert>"#
    );
    let posted = client
        .post(format!("{base}/v1/cap"))
        .bearer_auth(&token)
        .header("content-type", "application/cap+xml")
        .body(cap)
        .send()
        .await
        .expect("POST /v1/cap");
    assert_eq!(posted.status(), 201);
    let posted: Value = posted.json().await.expect("the answer");
    let posted = posted["alerts"][0].clone();
    assert_eq!(posted["drill"], true, "an exercise");
    let alert_id = posted["id"].as_str().expect("an id").to_owned();

    let started = clock::now();
    while !ended(&receiver) {
        assert!(
            clock::elapsed(started) < UNTIL_DONE,
            "no alert.completed: {:?}\n{}",
            receiver.taken.lock().expect("taken"),
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(receiver.refused.lock().expect("refused").is_empty());

    let taken = receiver.taken.lock().expect("taken").clone();
    let (end, confirmations) = taken.split_last().expect("events");
    assert_eq!(end["type"], "alert.completed");
    assert_eq!(end["alert"]["id"], alert_id.as_str());
    assert_eq!(end["alert"]["state"], "completed");
    assert_eq!(end["alert"]["networks"], json!([NETWORK]));
    assert_eq!(
        end["alert"]["cap"],
        json!({"sender": "pz-proef@police.example", "identifier": "PZ-PROEF-OEFENING-1"})
    );
    let api_view: Value = client
        .get(format!("{base}/v1/alerts/{alert_id}"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("GET the alert")
        .json()
        .await
        .expect("json");
    assert_eq!(end["alert"]["totals"], api_view["totals"]);

    let confirmed: BTreeSet<String> = confirmations
        .iter()
        .map(|c| {
            assert_eq!(c["type"], "delivery.acknowledged");
            assert_eq!(c["alert"]["id"], alert_id.as_str());
            assert_eq!(
                (&c["how"], &c["delivery"]["network"]),
                (&json!("dtmf"), &json!(NETWORK))
            );
            c["delivery"]["member_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(
        confirmed.len(),
        confirmations.len(),
        "each once: {confirmations:?}"
    );
    assert_eq!(
        confirmed,
        confirming_members(&client, &base, &token, &alert_id).await
    );
    let whole = serde_json::to_string(&taken).expect("text");
    assert!(
        !whole.contains("Testbuur") && !whole.contains("+3250"),
        "{whole}"
    );

    let listed = buurtbel(dir, &config, &["webhook", "list"], &[]);
    let sent = taken.len();
    assert!(
        listed.contains(&format!("{sent} delivered, 0 pending, 0 failed")),
        "{listed}"
    );
    let events = buurtbel(dir, &config, &["webhook", "events", &webhook_id], &[]);
    assert_eq!(events.lines().count(), sent, "{events}");
    assert!(
        events.contains("2 tries"),
        "the first event was tried again: {events}"
    );

    let status = server.stop().await;
    assert!(
        status.success(),
        "serve exited with {status}\n{}",
        server.log()
    );
    phones.stop();

    let unknown = Command::new(env!("CARGO_BIN_EXE_buurtbel"))
        .args(["webhook", "remove", "--config"])
        .arg(&config)
        .arg("no-such-webhook")
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run buurtbel");
    assert_eq!(unknown.status.code(), Some(2));
    let said = String::from_utf8_lossy(&unknown.stderr);
    assert!(said.contains("no webhook `no-such-webhook`"), "{said}");
    let removed = buurtbel(dir, &config, &["webhook", "remove", &webhook_id], &[]);
    assert!(removed.contains("removed"), "{removed}");
}

fn ended(receiver: &Receiver) -> bool {
    let taken = receiver.taken.lock().expect("taken");
    taken.iter().any(|e| e["type"] == "alert.completed")
}

/// The member ids of the members whose phones confirm, from the alert's deliveries.
async fn confirming_members(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    alert: &str,
) -> BTreeSet<String> {
    let rows = api::deliveries_of(client, base, token, alert).await;
    let confirming: Vec<String> = MEMBERS
        .iter()
        .enumerate()
        .filter(|(_, (_, state))| *state == DeliveryState::Acknowledged)
        .map(|(i, _)| member_name(i))
        .collect();
    let chosen: BTreeSet<String> = rows
        .iter()
        .filter(|d| {
            confirming
                .iter()
                .any(|name| d["member_name"] == name.as_str())
        })
        .filter_map(|d| d["member_id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(chosen.len(), confirming.len(), "{rows:?}");
    chosen
}
