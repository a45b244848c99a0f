#![allow(dead_code)] // each test binary uses part of it
//! The HTTP API as a client uses it in the end-to-end tests: a token made with the command
//! line, and an alert's event stream read to its end.

use crate::phones::{Phones, UNTIL_DONE, write_script};
use crate::serve::{Server, buurtbel};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// The simulated phones, the real `serve` and a police token, over the members imported
/// beside `config`.
pub struct Serving {
    pub phones: Phones,
    pub server: Server,
    /// The API's base URL.
    pub base: String,
    pub token: String,
}

/// Starts the phones, then `serve` once they listen, and makes a police token.
pub async fn serve_with_phones(dir: &Path, config: &Path) -> Serving {
    let script = write_script(dir);
    let mut phones = Phones::start(dir, config, &script);
    phones.wait_until_listening().await;
    let mut server = Server::start(dir, config, "serve");
    let base = server.api_address().await;
    let token = token(dir, config);
    Serving {
        phones,
        server,
        base,
        token,
    }
}

/// `buurtbel token create --role police`: the secret on its last line.
pub fn token(dir: &Path, config: &Path) -> String {
    let out = buurtbel(dir, config, &["token", "create", "--role", "police"], &[]);
    let secret = out.lines().last().expect("a last line").trim().to_owned();
    assert!(secret.starts_with("bbt_"), "{out}");
    secret
}

/// One server-sent event.
#[derive(Debug)]
pub struct Sent {
    pub kind: String,
    pub id: Option<String>,
    pub data: Value,
}

/// The whole stream of the alert, until the server ends it.
pub async fn read_stream(
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
pub fn last_states(events: &[Sent]) -> BTreeMap<String, String> {
    let mut last = BTreeMap::new();
    for event in events.iter().filter(|e| e.kind == "delivery") {
        let name = event.data["member_name"].as_str().unwrap_or_default();
        let state = event.data["state"].as_str().unwrap_or_default();
        last.insert(name.to_owned(), state.to_owned());
    }
    last
}

/// The alert's deliveries with their attempts.
pub async fn deliveries_of(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    id: &str,
) -> Vec<Value> {
    let rows: Value = client
        .get(format!("{base}/v1/alerts/{id}/deliveries"))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET deliveries")
        .json()
        .await
        .expect("json");
    rows.as_array().cloned().unwrap_or_default()
}
