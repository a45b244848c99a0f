//! `buurtbel alert list` and `alert show` end to end: alerts written through the store as
//! the dispatcher would have left them, then read back by the real binary. Every name and
//! number here is fictional.

#[path = "common/backends.rs"]
mod backends;
#[path = "common/cli.rs"]
mod cli;
#[path = "common/fixtures.rs"]
mod fixtures;

use buurtbel::store::*;
use cli::{buurtbel, text};
use fixtures::{import, member, network};
use std::path::Path;
use std::process::Output;

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

/// The alerts a coordinator finds the next day.
struct Town {
    /// Urgent drill to BIN Noord an hour ago, cancelled: Een confirmed by key, Twee was busy
    /// then did not answer on her second number, Drie was never called.
    cancelled: AlertId,
    /// Prevention to BIN Zuid two days ago: Vier confirmed through the API.
    prevention: AlertId,
    /// Feedback to BIN Noord ten days ago, no deliveries.
    old: AlertId,
}

/// The wall clock: the alerts' times are relative to the binary's.
fn now() -> i64 {
    buurtbel::telephony::clock::epoch_ms()
}

async fn town(url: &str) -> Town {
    let store = Store::open(url).await.expect("open");
    let noord = network(&store, "BIN Noord").await;
    let zuid = network(&store, "BIN Zuid").await;
    let mut twee = member("Test Lid Twee", &[2]);
    twee.contact_points.push(ContactPoint {
        kind: ContactKind::Landline,
        number: "+3250000012".into(),
    });
    let in_noord = vec![
        member("Test Lid Een", &[1]),
        twee,
        member("Test Lid Drie", &[3]),
    ];
    let noord_ids = import(&store, &noord, in_noord).await;
    let zuid_ids = import(&store, &zuid, vec![member("Test Lid Vier", &[4])]).await;
    let at = now();

    let urgent = NewAlert {
        messages: vec![
            text_message("nl", "Test: verdachte personen in de Teststraat."),
            Message {
                language: "fr".into(),
                body: MessageBody::Recording(b"RIFF-fictional".to_vec()),
            },
        ],
        ..alert(&noord, AlertKind::Urgent, true)
    };
    let cancelled = sent(&store, urgent, at - HOUR).await;
    let een = delivery_of(&store, &cancelled, "Test Lid Een").await;
    let step = next_try(DeliveryState::AnsweredNoAck, Some(at), 0);
    call(
        &store,
        &een,
        "+32470000001",
        at - HOUR,
        ("answered", 200),
        step,
    )
    .await;
    let ack = store.acknowledge(&cancelled, &noord_ids[0], AckHow::Dtmf, at - HOUR + 40_000);
    assert!(ack.await.expect("ack"));
    let twee = delivery_of(&store, &cancelled, "Test Lid Twee").await;
    let busy = next_try(DeliveryState::Busy, Some(at - HOUR), 1);
    call(
        &store,
        &twee,
        "+32470000002",
        at - HOUR,
        ("busy", 486),
        busy,
    )
    .await;
    let given_up = next_try(DeliveryState::GivenUp, None, 0);
    let rang_out = ("no_answer", 487);
    call(&store, &twee, "+3250000012", at - HOUR, rang_out, given_up).await;
    store
        .cancel_alert(&cancelled, at - HOUR / 2)
        .await
        .expect("cancel");

    let prevention = alert(&zuid, AlertKind::Prevention, false);
    let prevention = sent(&store, prevention, at - 2 * DAY).await;
    let ack = store.acknowledge(&prevention, &zuid_ids[0], AckHow::Api, at - 2 * DAY);
    assert!(ack.await.expect("ack"));

    let (old, _) = store
        .create_alert(alert(&noord, AlertKind::Feedback, false), at - 10 * DAY)
        .await
        .expect("old alert");
    store.close().await;
    Town {
        cancelled,
        prevention,
        old: old.id,
    }
}

fn text_message(language: &str, text: &str) -> Message {
    Message {
        language: language.into(),
        body: MessageBody::Text(text.into()),
    }
}

fn alert(network: &Network, kind: AlertKind, drill: bool) -> NewAlert {
    NewAlert {
        kind,
        activation_of: None,
        created_by: "Agent Test".into(),
        networks: vec![network.id.clone()],
        messages: vec![text_message("nl", "Test.")],
        expires_at: None,
        drill,
        idempotency_key: None,
    }
}

/// Creates the alert at `at`, marks it sending and writes its deliveries.
async fn sent(store: &Store, alert: NewAlert, at: i64) -> AlertId {
    let (alert, _) = store.create_alert(alert, at).await.expect("alert");
    let sending = store.set_alert_state(&alert.id, &[AlertState::Draft], AlertState::Sending, at);
    assert!(sending.await.expect("send"));
    let members = store
        .targeted_members(&alert.id, None, 100)
        .await
        .expect("members");
    store
        .create_deliveries(&alert.id, &members, at)
        .await
        .expect("deliveries");
    alert.id
}

async fn delivery_of(store: &Store, alert: &AlertId, name: &str) -> DeliveryId {
    let lines = store.deliveries(alert).await.expect("deliveries");
    let line = lines.into_iter().find(|l| l.member_name == name);
    line.expect("the member's delivery").delivery.id
}

fn next_try(state: DeliveryState, at: Option<i64>, contact_index: i64) -> DeliveryStep {
    DeliveryStep {
        state,
        next_try_at: at,
        contact_index,
        rounds: 0,
    }
}

/// One call to `number` ending with `outcome` and `status`, the delivery moving to `step`.
async fn call(
    store: &Store,
    delivery: &DeliveryId,
    number: &str,
    at: i64,
    (outcome, status): (&str, u16),
    step: DeliveryStep,
) {
    let expected = [DeliveryState::Pending, DeliveryState::Busy];
    let attempt = store
        .begin_attempt(delivery, &expected, AttemptChannel::Voice, number, at)
        .await
        .expect("begin")
        .expect("claimed");
    let result = AttemptResult {
        ended_at: at + 30_000,
        sip_status: Some(status),
        outcome: outcome.into(),
        ..AttemptResult::default()
    };
    let finished = store.finish_attempt(&attempt, &result, step).await;
    finished.expect("finish");
}

/// A SQLite file in `dir` holding the town.
fn sqlite_town(dir: &Path) -> (String, Town) {
    let url = format!("sqlite:{}", dir.join("buurtbel.db").display());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let town = runtime.block_on(town(&url));
    (url, town)
}

fn succeeded(run: &Output) -> String {
    assert!(run.status.success(), "{}", text(&run.stderr));
    text(&run.stdout)
}

/// The lines of `out` holding `needle`.
fn line_with<'a>(out: &'a str, needle: &str) -> &'a str {
    let line = out.lines().find(|l| l.contains(needle));
    line.unwrap_or_else(|| panic!("no line with {needle} in\n{out}"))
}

#[test]
fn list_shows_the_last_week_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let (db, town) = sqlite_town(dir.path());
    let out = succeeded(&buurtbel(dir.path(), &["alert", "list", "--database", &db]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].starts_with("created") && lines[0].ends_with("networks"));
    assert!(lines[1].contains(town.cancelled.as_str()), "{out}");
    assert!(lines[2].contains(town.prevention.as_str()), "{out}");
    assert!(!out.contains(town.old.as_str()), "older than 7 days: {out}");

    let cancelled = lines[1];
    for part in ["urgent, drill", "cancelled", "1 of 3", "BIN Noord"] {
        assert!(cancelled.contains(part), "{part}: {cancelled}");
    }
    assert!(
        cancelled.contains(" CET ") || cancelled.contains(" CEST "),
        "Brussels time: {cancelled}"
    );
    let prevention = line_with(&out, town.prevention.as_str());
    for part in ["prevention  ", "sending", "1 of 1", "BIN Zuid"] {
        assert!(prevention.contains(part), "{part}: {prevention}");
    }
}

#[test]
fn list_filters_by_network_and_time() {
    let dir = tempfile::tempdir().unwrap();
    let (db, town) = sqlite_town(dir.path());
    let args = ["alert", "list", "--database", &db, "--since", "30d"];
    let noord = succeeded(&buurtbel(
        dir.path(),
        &[&args[..], &["--network", "BIN Noord"]].concat(),
    ));
    assert!(noord.contains(town.cancelled.as_str()), "{noord}");
    assert!(noord.contains(town.old.as_str()), "{noord}");
    assert!(!noord.contains(town.prevention.as_str()), "{noord}");
    let old = line_with(&noord, town.old.as_str());
    assert!(old.contains("feedback") && old.contains("0 of 0"), "{old}");

    let recent = ["alert", "list", "--database", &db, "--since", "30min"];
    let none = succeeded(&buurtbel(dir.path(), &recent));
    assert!(none.starts_with("no alerts since "), "{none}");
    let none_in = [&recent[..], &["--network", "BIN Zuid"]].concat();
    let none_in = succeeded(&buurtbel(dir.path(), &none_in));
    assert!(
        none_in.starts_with("no alerts to BIN Zuid since "),
        "{none_in}"
    );

    let unknown = [&args[..], &["--network", "BIN Nergens"]].concat();
    let unknown = buurtbel(dir.path(), &unknown);
    assert_eq!(unknown.status.code(), Some(2));
    let error = text(&unknown.stderr);
    assert!(error.contains("no network named `BIN Nergens`"), "{error}");
    assert!(error.contains("`BIN Noord`, `BIN Zuid`"), "{error}");

    let bad = buurtbel(
        dir.path(),
        &["alert", "list", "--database", &db, "--since", "soon"],
    );
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn list_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let (db, town) = sqlite_town(dir.path());
    let args = ["alert", "list", "--database", &db, "--json"];
    let out = succeeded(&buurtbel(dir.path(), &args));
    let list: serde_json::Value = serde_json::from_str(&out).expect("one object");
    assert!(list["since"].as_i64().expect("since") > now() - 8 * DAY);
    assert_eq!(list["network"], serde_json::Value::Null);
    let alerts = list["alerts"].as_array().expect("alerts");
    assert_eq!(alerts.len(), 2);
    let cancelled = &alerts[0];
    assert_eq!(cancelled["id"], town.cancelled.as_str());
    assert_eq!(cancelled["kind"], "urgent");
    assert_eq!(cancelled["drill"], true);
    assert_eq!(cancelled["state"], "cancelled");
    assert_eq!(cancelled["networks"], serde_json::json!(["BIN Noord"]));
    assert_eq!(
        (&cancelled["member_count"], &cancelled["confirmed"]),
        (&3.into(), &1.into())
    );
    assert_eq!(
        cancelled["deliveries"],
        serde_json::json!({"acknowledged": 1, "given_up": 1, "cancelled": 1})
    );
    assert!(cancelled["created_at"].as_i64().expect("created_at") < now());
    assert_eq!(alerts[1]["id"], town.prevention.as_str());
}

#[test]
fn show_gives_the_header_and_counts_without_names() {
    let dir = tempfile::tempdir().unwrap();
    let (db, town) = sqlite_town(dir.path());
    let args = ["alert", "show", "--database", &db, town.cancelled.as_str()];
    let out = succeeded(&buurtbel(dir.path(), &args));
    assert!(
        out.starts_with(&format!("alert {}\n", town.cancelled)),
        "{out}"
    );
    assert!(line_with(&out, "kind").ends_with("urgent, drill"), "{out}");
    assert!(line_with(&out, "state").ends_with("cancelled"), "{out}");
    assert!(
        line_with(&out, "created").ends_with("by Agent Test"),
        "{out}"
    );
    assert!(line_with(&out, "expires").ends_with("not set"), "{out}");
    assert!(line_with(&out, "networks").ends_with("BIN Noord"), "{out}");
    let message = line_with(&out, "message");
    assert!(message.ends_with("fr: recorded message"), "{out}");
    let nl = line_with(&out, "nl: ");
    assert!(
        nl.ends_with("nl: Test: verdachte personen in de Teststraat."),
        "{out}"
    );
    assert!(
        line_with(&out, "members").ends_with("3: 1 acknowledged · 1 given up · 1 cancelled"),
        "{out}"
    );
    assert!(line_with(&out, "confirmed").ends_with("1 of 3"), "{out}");
    assert!(
        !out.contains("Test Lid"),
        "names only with --members: {out}"
    );
}

#[test]
fn show_members_masks_numbers_and_says_why_not() {
    let dir = tempfile::tempdir().unwrap();
    let (db, town) = sqlite_town(dir.path());
    let id = town.cancelled.as_str();
    let args = ["alert", "show", "--database", &db, "--members", id];
    let out = succeeded(&buurtbel(dir.path(), &args));
    let head = line_with(&out, "final state");
    assert!(
        head.starts_with("member") && head.ends_with("confirmed, or why not"),
        "{out}"
    );

    let een = line_with(&out, "Test Lid Een");
    for part in ["+32 ••• •• •• 01", "acknowledged", "  1  ", "by key press"] {
        assert!(een.contains(part), "{part}: {een}");
    }
    let twee = line_with(&out, "Test Lid Twee");
    for part in [
        "+32 •• •• •• 12",
        "given up",
        "  2  ",
        "no answer, SIP 487 Request Terminated",
    ] {
        assert!(twee.contains(part), "{part}: {twee}");
    }
    let drie = line_with(&out, "Test Lid Drie");
    for part in ["+32 ••• •• •• 03", "cancelled", "  0  ", "not called"] {
        assert!(drie.contains(part), "{part}: {drie}");
    }
    let order: Vec<&str> = out.lines().filter(|l| l.starts_with("Test Lid")).collect();
    assert_eq!(order, [drie, een, twee], "by name");
    for number in ["470000001", "470000002", "50000012", "470000003"] {
        assert!(!out.contains(number), "{number} printed whole: {out}");
    }
}

#[test]
fn show_as_json_on_each_database() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(backends::each_backend(|url| async move {
        let town = town(&url).await;
        let dir = tempfile::tempdir().expect("dir");
        let id = town.cancelled.as_str();
        let args = [
            "alert",
            "show",
            "--database",
            &url,
            "--json",
            "--members",
            id,
        ];
        // A blocking wait on the binary: the runtime has other threads for the store.
        let out = succeeded(&buurtbel(dir.path(), &args));
        let shown: serde_json::Value = serde_json::from_str(&out).expect("one object");
        assert_eq!(shown["id"], id);
        assert_eq!(
            (&shown["kind"], &shown["drill"]),
            (&"urgent".into(), &true.into())
        );
        assert_eq!(shown["created_by"], "Agent Test");
        assert_eq!(shown["expires_at"], serde_json::Value::Null);
        assert_eq!(
            shown["messages"],
            serde_json::json!([
                {"language": "fr", "text": null, "recording": true},
                {"language": "nl", "text": "Test: verdachte personen in de Teststraat.",
                 "recording": false},
            ])
        );
        assert_eq!(
            (&shown["member_count"], &shown["confirmed"]),
            (&3.into(), &1.into())
        );
        let members = shown["members"].as_array().expect("members");
        let names: Vec<&str> = members
            .iter()
            .map(|m| m["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Test Lid Drie", "Test Lid Een", "Test Lid Twee"]);
        let (drie, een, twee) = (&members[0], &members[1], &members[2]);
        assert_eq!(een["number"], "+32 ••• •• •• 01");
        assert_eq!(
            (&een["state"], &een["tries"]),
            (&"acknowledged".into(), &1.into())
        );
        assert_eq!(een["confirmed_how"], "dtmf");
        assert!(een["confirmed_at"].as_i64().is_some(), "{een}");
        assert_eq!(twee["number"], "+32 •• •• •• 12");
        assert_eq!(
            (&twee["state"], &twee["tries"]),
            (&"given_up".into(), &2.into())
        );
        assert_eq!(
            (&twee["last_outcome"], &twee["last_sip_status"]),
            (&"no_answer".into(), &487.into())
        );
        assert_eq!(
            (&twee["confirmed_at"], &twee["confirmed_how"]),
            (&serde_json::Value::Null, &serde_json::Value::Null)
        );
        assert_eq!(
            (&drie["tries"], &drie["last_try_at"]),
            (&0.into(), &serde_json::Value::Null)
        );
    }));
}

#[test]
fn an_unknown_alert_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = sqlite_town(dir.path());
    let run = buurtbel(
        dir.path(),
        &["alert", "show", "--database", &db, "no-such-alert"],
    );
    assert_eq!(run.status.code(), Some(2));
    let error = text(&run.stderr);
    assert!(error.contains("no alert `no-such-alert`"), "{error}");
    assert!(error.contains("alert list"), "{error}");
    assert!(run.stdout.is_empty());
}
