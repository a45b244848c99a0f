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

use buurtbel::store::{AlertId, DeliveryState, Store};
use buurtbel::telephony::clock;
use serve::{Deadline, Server, buurtbel};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const NETWORK: &str = "BIN Proef";
const UNTIL_LISTENING: Duration = Duration::from_secs(60);
const UNTIL_DONE: Duration = Duration::from_secs(180);

/// Each member's behaviour by name, and where their delivery must end.
const MEMBERS: [(&str, DeliveryState); 8] = [
    ("confirms", DeliveryState::Acknowledged),
    ("too-early-then-confirms", DeliveryState::Acknowledged),
    ("repeats-then-confirms", DeliveryState::Acknowledged),
    ("busy", DeliveryState::Busy),
    ("never-answers", DeliveryState::NoAnswer),
    ("answering-machine", DeliveryState::Voicemail),
    ("ignores-menu", DeliveryState::AnsweredNoAck),
    ("out-of-service", DeliveryState::Failed),
];

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

fn member_name(i: usize) -> String {
    format!("Testbuur {:02}", i + 1)
}

fn number(i: usize) -> String {
    format!("+3250{:06}", i + 1)
}

fn database(dir: &Path) -> String {
    format!("sqlite:{}", dir.join("buurtbel-local.db").display())
}

/// `config/local.toml` with free ports, the folder's own database and cache, the message
/// spoken twice each time it plays, and no retries.
fn write_config(dir: &Path) -> PathBuf {
    let shipped = include_str!("../config/local.toml");
    let proxy = std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .expect("a free port");
    let low = 20_000 + 2 * rand::random_range(0..10_000u16);
    let mut text = String::new();
    for line in shipped.lines() {
        let line = match line.split_once(" = ").map(|(key, _)| key) {
            Some("proxy") => format!("proxy = \"{proxy}\""),
            Some("rtp_ports") => format!("rtp_ports = \"{low}-{}\"", low + 199),
            // The message twice, so a pause inside what the member hears is as long as
            // `speech.repeat_pause` allows: no key may land there.
            Some("cache_dir") => format!(
                "cache_dir = \"{}\"\nvoices = \"{}\"\nmessage_repeats = 2",
                dir.join("cache").display(),
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("voices")
                    .display()
            ),
            Some("url") => format!("url = \"{}\"", database(dir)),
            Some("listen") => "listen = \"127.0.0.1:0\"".to_owned(),
            Some("ring_timeout") => "ring_timeout = \"5s\"".to_owned(),
            Some("retries") => "retries = 0".to_owned(),
            Some("after") => "after = \"1s\"".to_owned(),
            _ => line.to_owned(),
        };
        writeln!(text, "{line}").expect("text");
    }
    let path = dir.join("local.toml");
    std::fs::write(&path, text).expect("write the configuration");
    path
}

fn import_members(dir: &Path, config: &Path) {
    let mut csv = String::from("name,phone,language,channel\n");
    for (i, _) in MEMBERS.iter().enumerate() {
        writeln!(csv, "{},{},nl,voice", member_name(i), number(i)).expect("csv");
    }
    let file = dir.join("leden.csv");
    std::fs::write(&file, csv).expect("write the member file");
    let args = ["members", "import", "--network", NETWORK, "--create"];
    buurtbel(dir, config, &args, &[file.as_os_str()]);
}

/// Every member's behaviour, numbers written as people write them.
fn write_script(dir: &Path) -> PathBuf {
    let mut text = String::from("default = \"out-of-service\"\n\n[numbers]\n");
    for (i, (behaviour, _)) in MEMBERS.iter().enumerate() {
        writeln!(text, "\"050 00 00 {:02}\" = \"{behaviour}\"", i + 1).expect("text");
    }
    let path = dir.join("behaviours.toml");
    std::fs::write(&path, text).expect("write the behaviours");
    path
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

/// The running `buurtbel phones`, its output in files; killed if the test ends first.
struct Phones {
    child: Option<Child>,
    stdout: PathBuf,
    stderr: PathBuf,
}

impl Phones {
    fn start(dir: &Path, config: &Path, script: &Path) -> Phones {
        let stdout = dir.join("phones.stdout");
        let stderr = dir.join("phones.stderr");
        let file = |path: &Path| std::fs::File::create(path).expect("output file");
        let child = Command::new(env!("CARGO_BIN_EXE_buurtbel"))
            .arg("phones")
            .arg("--config")
            .arg(config)
            .args(["--members-from", NETWORK, "--script"])
            .arg(script)
            .current_dir(dir)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(file(&stdout))
            .stderr(file(&stderr))
            .spawn()
            .expect("start buurtbel phones");
        Phones {
            child: Some(child),
            stdout,
            stderr,
        }
    }

    /// Until it says where it listens.
    async fn wait_until_listening(&mut self) {
        let started = clock::now();
        loop {
            let said = std::fs::read_to_string(&self.stderr).unwrap_or_default();
            if said.contains("simulated phones on") {
                return;
            }
            let child = self.child.as_mut().expect("running");
            if let Some(status) = child.try_wait().expect("look at the phones") {
                panic!("phones exited ({status}):\n{said}");
            }
            assert!(
                clock::elapsed(started) < UNTIL_LISTENING,
                "phones not listening after {UNTIL_LISTENING:?}:\n{said}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGTERM; waits for it to exit 0, and returns what it printed.
    fn stop(&mut self) -> String {
        let mut child = self.child.take().expect("running");
        let pid = libc::pid_t::try_from(child.id()).expect("a pid");
        // SAFETY: signals a child of ours that has not been reaped, so the pid is still its.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0, "SIGTERM");
        let status = child.wait().expect("wait for the phones");
        let said = std::fs::read_to_string(&self.stderr).unwrap_or_default();
        assert!(status.success(), "phones exited with {status}:\n{said}");
        std::fs::read_to_string(&self.stdout).expect("the phones' output")
    }
}

impl Drop for Phones {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
