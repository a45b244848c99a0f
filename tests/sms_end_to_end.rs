//! Texts end to end, behind `interop`: a real `serve` sends an urgent alert over SMPP through
//! the third-party SMSC (the npm `smpp` package's server, `tests/smsc/`). A member who chose
//! SMS gets a text instead of a call; a `voice_then_sms` member whose landline is an
//! answering machine gets one after the voicemail. Each replies from their mobile ("ok", "1")
//! as a mobile-originated message; both end `sms_acknowledged` by `sms_reply`, the SMSC's
//! receipts are written on the texts, and the coordinators see both replies. A caller who
//! chose voice gets no text. Names and numbers are fictional.
#![cfg(feature = "interop")]

#[path = "common/serve.rs"]
mod serve;

#[path = "common/phones.rs"]
mod phones;

#[path = "common/api.rs"]
mod api;

#[path = "common/smsc.rs"]
mod smsc;

use api::{deliveries_of, token};
use buurtbel::telephony::clock;
use phones::Phones;
use phones::{NETWORK, write_config};
use serde_json::{Value, json};
use serve::{Server, buurtbel};
use smsc::{PASSWORD, SYSTEM_ID, Smsc};
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

const UNTIL_DONE: Duration = Duration::from_secs(120);
const SENDER: &str = "+3250999999";
const TEXTER: &str = "+32470000001";
const FALLBACK: &str = "+32470000002";

/// Three members: one who chose SMS, one voice-then-SMS whose landline is an answering
/// machine, one voice member who confirms by phone.
fn import(dir: &Path, config: &Path) {
    let mut csv = String::from("name,phone,phone2,language,channel\n");
    writeln!(csv, "Testbuur Sms,0470 00 00 01,,nl,sms").expect("csv");
    writeln!(
        csv,
        "Testbuur Later,050 00 00 06,0470 00 00 02,nl,voice_then_sms"
    )
    .expect("csv");
    writeln!(csv, "Testbuur Stem,050 00 00 01,,nl,voice").expect("csv");
    let file = dir.join("leden.csv");
    std::fs::write(&file, csv).expect("write the member file");
    let args = ["members", "import", "--network", NETWORK, "--create"];
    buurtbel(dir, config, &args, &[file.as_os_str()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn texts_reach_who_chose_them_and_who_a_call_missed_and_replies_confirm() {
    let mut smsc = Smsc::start();
    let folder = tempfile::TempDir::with_prefix("buurtbel-sms-").expect("temp dir");
    let dir = folder.path();
    let config = write_config(dir);
    let mut text = std::fs::read_to_string(&config).expect("config");
    write!(
        text,
        "\n[sms]\nprovider = \"smpp\"\nhost = \"127.0.0.1\"\nport = {}\nsystem_id = \"{SYSTEM_ID}\"\n\
         password = \"{PASSWORD}\"\nsender = \"{SENDER}\"\n",
        smsc.port
    )
    .expect("config");
    std::fs::write(&config, text).expect("write config");
    import(dir, &config);

    let script = dir.join("behaviours.toml");
    let behaviours = "default = \"out-of-service\"\n\n[numbers]\n\
                      \"050 00 00 01\" = \"confirms\"\n\"050 00 00 06\" = \"answering-machine\"\n";
    std::fs::write(&script, behaviours).expect("write the behaviours");
    let mut phones = Phones::start(dir, &config, &script);
    phones.wait_until_listening().await;
    let mut server = Server::start(dir, &config, "serve");
    let base = server.api_address().await;
    let token = token(dir, &config);
    let client = reqwest::Client::new();
    let message = "Verdachte personen gezien in de Kerkstraat. Doe niet open en bel 101.";
    let alert = json!({
        "networks": [NETWORK],
        "kind": "urgent",
        "texts": {"nl": message},
    });
    let posted = client
        .post(format!("{base}/v1/alerts"))
        .bearer_auth(&token)
        .json(&alert)
        .send()
        .await
        .expect("POST /v1/alerts");
    assert_eq!(posted.status(), 201);
    let posted: Value = posted.json().await.expect("the alert");
    let id = posted["id"].as_str().expect("an id").to_owned();

    // Both texts reach the SMSC: the network, the message, how to confirm.
    let started = clock::now();
    let texts = loop {
        let stats = smsc.stats();
        if stats.messages.len() >= 2 {
            break stats.messages;
        }
        assert!(
            clock::elapsed(started) < UNTIL_DONE,
            "texts at the SMSC: {:?}\n{}",
            stats.messages,
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(texts.len(), 2, "{texts:?}");
    let mut to: Vec<String> = texts
        .iter()
        .map(|t| {
            format!(
                "+{}",
                t["to"].as_str().unwrap_or_default().trim_start_matches('+')
            )
        })
        .collect();
    to.sort();
    assert_eq!(to, [TEXTER, FALLBACK]);
    for text in &texts {
        let body = text["text"].as_str().unwrap_or_default();
        assert!(body.starts_with(&format!("{NETWORK}: ")), "{body}");
        assert!(body.contains(message), "{body}");
        assert!(body.ends_with("Antwoord 1 om te bevestigen."), "{body}");
    }

    // They reply from their mobiles.
    let digits = |n: &str| n.trim_start_matches('+').to_owned();
    smsc.mobile_originated(&digits(TEXTER), &digits(SENDER), "ok");
    smsc.mobile_originated(&digits(FALLBACK), &digits(SENDER), "1");

    let deliveries = loop {
        let rows = deliveries_of(&client, &base, &token, &id).await;
        let state = |name: &str| {
            rows.iter()
                .find(|d| d["member_name"] == name)
                .map(|d| d["state"].as_str().unwrap_or_default().to_owned())
        };
        let done = state("Testbuur Sms").as_deref() == Some("sms_acknowledged")
            && state("Testbuur Later").as_deref() == Some("sms_acknowledged")
            && state("Testbuur Stem").as_deref() == Some("acknowledged");
        if done {
            break rows;
        }
        assert!(
            clock::elapsed(started) < UNTIL_DONE,
            "deliveries: {rows:?}\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let texter = deliveries
        .iter()
        .find(|d| d["member_name"] == "Testbuur Sms")
        .expect("the texter");
    let attempts = texter["attempts"].as_array().cloned().unwrap_or_default();
    assert_eq!(attempts.len(), 1, "a text and no call: {attempts:?}");
    assert_eq!(attempts[0]["channel"], "sms");
    assert_eq!(attempts[0]["number"], TEXTER);
    let later = deliveries
        .iter()
        .find(|d| d["member_name"] == "Testbuur Later")
        .expect("the voice-then-sms member");
    let channels: Vec<&str> = later["attempts"]
        .as_array()
        .map(|a| a.iter().filter_map(|t| t["channel"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(channels, ["voice", "sms"], "{later}");

    // The receipts are written on the texts.
    let receipts = loop {
        let rows = deliveries_of(&client, &base, &token, &id).await;
        let receipts: Vec<String> = rows
            .iter()
            .flat_map(|d| d["attempts"].as_array().cloned().unwrap_or_default())
            .filter(|a| a["channel"] == "sms")
            .filter_map(|a| a["sms_receipt"].as_str().map(str::to_owned))
            .collect();
        if receipts.len() == 2 {
            break receipts;
        }
        assert!(clock::elapsed(started) < UNTIL_DONE, "receipts: {rows:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(receipts, ["delivered", "delivered"]);

    // The network's coordinator reads both replies, with the alert each confirmed; the
    // police token, which may not read members, may not read them.
    let args = [
        "token",
        "create",
        "--role",
        "coordinator",
        "--networks",
        NETWORK,
    ];
    let out = buurtbel(dir, &config, &args, &[]);
    let coordinator = out.lines().last().expect("a token").trim().to_owned();
    let replies = |token: String| {
        client
            .get(format!("{base}/v1/networks/{NETWORK}/sms-replies"))
            .bearer_auth(token)
            .send()
    };
    let refused = replies(token.clone()).await.expect("GET sms-replies");
    assert_eq!(refused.status(), 403);
    let replies = replies(coordinator).await.expect("GET sms-replies");
    assert_eq!(replies.status(), 200);
    let replies: Value = replies.json().await.expect("json");
    let replies = replies.as_array().cloned().unwrap_or_default();
    assert_eq!(replies.len(), 2, "{replies:?}");
    for reply in &replies {
        assert_eq!(reply["meaning"], "confirm", "{reply}");
        assert_eq!(reply["alert"], id.as_str(), "{reply}");
    }

    let status = server.stop().await;
    assert!(
        status.success(),
        "serve exited with {status}\n{}",
        server.log()
    );
    phones.stop();
    let log = server.whole_log();
    let above_debug: Vec<&str> = log
        .lines()
        .filter(|l| {
            [" INFO ", " WARN ", " ERROR "]
                .iter()
                .any(|level| l.contains(level))
        })
        .collect();
    for line in above_debug {
        assert!(
            !line.contains("0000001") && !line.contains("0000002") && !line.contains("Kerkstraat"),
            "a number or a text above debug in the log: {line}"
        );
    }
}
