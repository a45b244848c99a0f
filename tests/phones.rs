//! `buurtbel phones` end to end: the real `phones` process plays a network's phones on the
//! configuration's trunk address, the real `serve` calls them for an alert sent with the real
//! `alert send`, and every member ends as their phone behaved: those who press 1 when asked
//! (after the message, in the menu's key wait, whatever the message's length), after pressing
//! too early, or after hearing it again, are acknowledged; the busy one is busy, and so on.
//! The phones print one line per call with the number masked.
//!
//! On SQLite in a temporary folder, with the real prompts and speech, the message spoken twice
//! with the configured pause between (a silence the phones must not take for the menu's key
//! wait); no retries, so each member's first call is their last. Nothing asserts on timing: each wait is a generous
//! deadline. Names and numbers are fictional (`+32 50 00 00 0n`).

#[path = "common/serve.rs"]
mod serve;

#[path = "common/phones.rs"]
mod phones;

use buurtbel::store::{AlertId, DeliveryState, Store};
use phones::{
    MEMBERS, NETWORK, Phones, UNTIL_DONE, database, import_members, member_name, number,
    write_config, write_script,
};
use serve::{Deadline, Server, buurtbel};
use std::collections::HashMap;
use std::path::Path;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_confirm_are_busy_or_do_not_answer_as_their_phones_say() {
    let folder = tempfile::TempDir::with_prefix("buurtbel-phones-").expect("temp dir");
    let dir = folder.path();
    let config = write_config(dir);
    import_members(dir, &config);
    let script = write_script(dir);
    let mut phones = Phones::start(dir, &config, &script);
    phones.wait_until_listening().await;
    let mut server = Server::start(dir, &config, "serve");
    let alert = send_alert(dir, &config);

    let store = Store::open(&database(dir))
        .await
        .expect("open the database");
    wait_until_done(&store, &alert, &mut server).await;
    let states = final_states(&store, &alert).await;
    let acks = store.acknowledgements(&alert).await.expect("read");
    let status = server.stop().await;
    assert!(status.success(), "serve exited with {status}");
    let printed = phones.stop();
    store.close().await;

    for (i, (behaviour, expected)) in MEMBERS.iter().enumerate() {
        let name = member_name(i);
        assert_eq!(
            states.get(&name),
            Some(expected),
            "{name} ({behaviour})\n{states:?}\nphones printed:\n{printed}"
        );
    }
    let confirming = MEMBERS
        .iter()
        .filter(|(_, state)| *state == DeliveryState::Acknowledged)
        .count();
    assert_eq!(acks.len(), confirming, "one acknowledgement each: {acks:?}");
    check_printed(&printed);
}

/// What the phones printed: a line per call, names and masked numbers, never a whole number.
fn check_printed(printed: &str) {
    for (i, _) in MEMBERS.iter().enumerate() {
        let name = member_name(i);
        assert!(printed.contains(&name), "no line for {name}:\n{printed}");
        assert!(!printed.contains(&number(i)), "a whole number:\n{printed}");
    }
    let line = |name: &str| {
        printed
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_default()
            .to_owned()
    };
    let busy = line(&member_name(3));
    assert!(
        busy.contains("486") && busy.contains("+••••••••04"),
        "{busy}"
    );
    let repeats = line(&member_name(2));
    assert!(repeats.contains("keys 2 1"), "{repeats}");
    let confirms = line(&member_name(0));
    assert!(
        confirms.contains("200") && confirms.contains("keys 1"),
        "{confirms}"
    );
}

/// Sends a drill; its id.
fn send_alert(dir: &Path, config: &Path) -> AlertId {
    let args = ["alert", "send", "--network", NETWORK, "--kind", "urgent"];
    let text = [
        "--drill".as_ref(),
        "--text-nl".as_ref(),
        "Verdachte personen gezien in de Kerkstraat. Doe niet open en bel 101.".as_ref(),
    ];
    let out = buurtbel(dir, config, &args, &text);
    let words: Vec<&str> = out.split_whitespace().collect();
    assert!(
        words.first() == Some(&"alert") && words.len() > 1,
        "unexpected output of alert send: {out}"
    );
    AlertId::from(words[1])
}

async fn wait_until_done(store: &Store, alert: &AlertId, server: &mut Server) {
    let deadline = Deadline::new(UNTIL_DONE, "the alert to finish".to_owned());
    loop {
        let read = store.alert(alert).await.expect("read").expect("the alert");
        if read.state != buurtbel::store::AlertState::Sending {
            return;
        }
        deadline.wait(server).await;
    }
}

async fn final_states(store: &Store, alert: &AlertId) -> HashMap<String, DeliveryState> {
    let lines = store.deliveries(alert).await.expect("read");
    lines
        .into_iter()
        .map(|l| (l.member_name, l.delivery.state))
        .collect()
}
