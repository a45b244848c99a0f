//! The call-back line end to end, behind `interop`: a real `serve` answers the network's
//! number, and SIPp is the trunk bringing the members' calls (`tests/sipp/uac_callback_*.xml`,
//! run with `-s` the line's number and `-key caller` the member's). The alert's own calls go
//! to the simulated phones, out of service, so the member stays unconfirmed. Prompts and the
//! message are short recorded tones, so a key can be timed after the message: greeting,
//! intro and menu 300 ms each, the message 1 s (it ends 1.6 s into the call, and the first
//! wait for a key runs from 1.9 s for `media.key_wait`). SIPp's verdict is the trunk's word
//! on the call; the store's records and the gateway's log say which way the line went.
//! Names and numbers are fictional.
#![cfg(feature = "interop")]

#[path = "common/serve.rs"]
mod serve;

#[path = "common/phones.rs"]
mod phones;

#[path = "common/api.rs"]
mod api;

#[path = "common/sipp.rs"]
#[allow(dead_code)] // the called phone's side is for tests/interop.rs
mod sipp;

use api::{deliveries_of, token};
use phones::{NETWORK, Phones, write_config};
use serde_json::{Value, json};
use serve::{Deadline, Server, buurtbel, tone, write_tones};
use sipp::{Ports, Sipp, SippOptions, Transport};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The network's number, which the line answers.
const LINE: &str = "+3250999000";
/// The member, "Test Lid Een".
const MEMBER: &str = "Test Lid Een";
const MEMBER_NUMBER: &str = "+3250000001";
/// A number no member has.
const STRANGER: &str = "+3250000099";
/// How long the gateway may take to do what a test waits for.
const UNTIL_DONE: Duration = Duration::from_secs(60);
/// The `1` is sent this long after the ACK: after the message (1.6 s), inside the first
/// wait for a key (from 1.9 s).
const PRESS_AFTER_MS: &str = "2500";

/// Every prompt the line speaks, as tones.
const PROMPTS: [(&str, f32); 8] = [
    ("callback_greeting", 450.0),
    ("intro", 500.0),
    ("callback_menu", 600.0),
    ("callback_thanks", 650.0),
    ("callback_goodbye", 550.0),
    ("callback_none", 400.0),
    ("callback_unknown", 420.0),
    ("callback_withheld", 440.0),
];

/// A gateway answering the line, on its own ports and folder.
struct Line {
    folder: tempfile::TempDir,
    config: PathBuf,
    ports: Ports,
    server: Option<Server>,
    phones: Option<Phones>,
}

impl Line {
    /// The configuration with `[inbound]` (`allow` as given), `max_channels` and `reserve`;
    /// the member imported.
    fn new(allow: &str, max_channels: u32, reserve: u32) -> Line {
        let folder = tempfile::TempDir::with_prefix("buurtbel-callback-").expect("temp dir");
        let dir = folder.path();
        let ports = Ports::reserve();
        let voices = dir.join("voices");
        write_tones(&voices, &PROMPTS);
        write_tones(&voices, &[("listen_first", 700.0), ("thanks", 750.0)]);
        let config = line_config(dir, &ports, &voices, max_channels);
        let mut text = std::fs::read_to_string(&config).expect("config");
        write!(
            text,
            "\n[inbound]\nnumbers = [\"{LINE}\"]\nallow = [\"{allow}\"]\nreserve = {reserve}\n"
        )
        .expect("config");
        std::fs::write(&config, text).expect("write config");
        import_member(dir, &config);
        Line {
            folder,
            config,
            ports,
            server: None,
            phones: None,
        }
    }

    fn dir(&self) -> &Path {
        self.folder.path()
    }

    /// Starts `serve` (and the phones, for an alert's calls); waits until it listens.
    async fn serve(&mut self, with_phones: bool) {
        if with_phones {
            let script = self.dir().join("behaviours.toml");
            let behaviours = "default = \"out-of-service\"\n\n[numbers]\n\
                              \"050 00 00 01\" = \"out-of-service\"\n";
            std::fs::write(&script, behaviours).expect("write the behaviours");
            let mut phones = Phones::start(self.dir(), &self.config, &script);
            phones.wait_until_listening().await;
            self.phones = Some(phones);
        }
        let mut server = Server::start(self.dir(), &self.config, "serve");
        server.api_address().await;
        self.server = Some(server);
    }

    fn server(&mut self) -> &mut Server {
        self.server.as_mut().expect("serving")
    }

    /// Sends an urgent alert with a recorded 1 s message, and waits until its call to the
    /// member has failed; its id.
    async fn alert_missed(&mut self) -> String {
        let base = self.server().api_address().await;
        let token = token(self.dir(), &self.config);
        let client = reqwest::Client::new();
        let wav = self.dir().join("bericht.wav");
        buurtbel::speech::wav::write_8k(&wav, &tone(400.0, 8_000)).expect("write the message");
        let uploaded: Value = client
            .post(format!("{base}/v1/recordings"))
            .bearer_auth(&token)
            .header("Content-Type", "audio/wav")
            .body(std::fs::read(&wav).expect("the message"))
            .send()
            .await
            .expect("POST /v1/recordings")
            .json()
            .await
            .expect("the recording");
        let recording = uploaded["id"].as_str().expect("a recording id");
        let alert = json!({
            "networks": [NETWORK],
            "kind": "urgent",
            "recordings": {"nl": recording},
        });
        let posted = client
            .post(format!("{base}/v1/alerts"))
            .bearer_auth(&token)
            .json(&alert)
            .send()
            .await
            .expect("POST /v1/alerts");
        assert_eq!(posted.status(), 201, "{:?}", posted.text().await);
        let posted: Value = posted.json().await.expect("the alert");
        let id = posted["id"].as_str().expect("an id").to_owned();
        self.wait_for_delivery(&id, "failed", |_| true).await;
        id
    }

    /// Waits until the member's delivery is in `state` and its attempts pass `check`; the
    /// delivery.
    async fn wait_for_delivery(
        &mut self,
        id: &str,
        state: &str,
        check: impl Fn(&[Value]) -> bool,
    ) -> Value {
        let base = self.server().api_address().await;
        let token = token(self.dir(), &self.config);
        let client = reqwest::Client::new();
        let deadline = Deadline::new(UNTIL_DONE, format!("the delivery to be {state}"));
        loop {
            let rows = deliveries_of(&client, &base, &token, id).await;
            if let Some(delivery) = rows.iter().find(|d| d["member_name"] == MEMBER) {
                let attempts = delivery["attempts"].as_array().cloned().unwrap_or_default();
                if delivery["state"] == state && check(&attempts) {
                    return delivery.clone();
                }
            }
            deadline.wait(self.server()).await;
        }
    }

    /// Where SIPp sends its INVITEs.
    fn gateway(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.ports.gateway()))
    }

    /// SIPp calls the line from `caller` with `scenario`, on its own ports; `more` are
    /// further arguments (`-d`).
    fn call(&self, scenario: &'static str, caller: &str, ports: &Ports, more: &[&str]) -> Sipp {
        let options = SippOptions {
            scenario,
            transport: Transport::Udp,
            calls: 1,
        };
        let traces = self.traces(ports);
        std::fs::create_dir_all(&traces).expect("a folder for the traces");
        let mut args = vec!["-s", LINE, "-key", "caller", caller];
        args.extend_from_slice(more);
        Sipp::call(&options, ports, &traces, self.gateway(), &args)
    }

    /// SIPp's call, which must have passed.
    fn called(&mut self, scenario: &'static str, caller: &str, more: &[&str]) {
        let ports = self.ports;
        let run = self.call(scenario, caller, &ports, more).finish();
        assert!(run.passed(), "{run}\n{}", self.server().log());
    }

    /// Waits until the SIPp calling from `ports` has the line's 200: its call holds a channel.
    async fn wait_for_answer(&mut self, ports: &Ports) {
        let messages = self.traces(ports).join("messages.log");
        let deadline = Deadline::new(UNTIL_DONE, "the line to answer".to_owned());
        loop {
            let said = std::fs::read_to_string(&messages).unwrap_or_default();
            if said.contains("\nSIP/2.0 200 OK") {
                return;
            }
            deadline.wait(self.server()).await;
        }
    }

    /// Where the SIPp calling from `ports` writes its traces.
    fn traces(&self, ports: &Ports) -> PathBuf {
        self.dir().join(format!("sipp-{}", ports.sip))
    }

    /// Waits until the gateway's log says `what`.
    async fn wait_for_log(&mut self, what: &str) {
        let deadline = Deadline::new(UNTIL_DONE, format!("the log to say {what:?}"));
        while !self.server().whole_log().contains(what) {
            deadline.wait(self.server()).await;
        }
    }

    /// The alert as `alert show --members --json` shows it.
    fn shown(&self, id: &str) -> Value {
        let out = buurtbel(
            self.dir(),
            &self.config,
            &["alert", "show", id, "--members", "--json"],
            &[],
        );
        serde_json::from_str(&out).expect("alert show --json")
    }

    /// Stops the gateway, which must exit cleanly.
    async fn stop(&mut self) {
        let server = self.server();
        let status = server.stop().await;
        assert!(
            status.success(),
            "serve exited with {status}\n{}",
            server.log()
        );
        if let Some(phones) = self.phones.as_mut() {
            phones.stop();
        }
    }
}

/// `config/local.toml` on the block's ports: SIP on [`Ports::gateway`], RTP in the block,
/// the prompts from `voices`, at most `max_channels` calls.
fn line_config(dir: &Path, ports: &Ports, voices: &Path, max_channels: u32) -> PathBuf {
    let config = write_config(dir);
    let text = std::fs::read_to_string(&config).expect("config");
    let mut changed = String::new();
    for line in text.lines() {
        let line = match line.split_once(" = ").map(|(key, _)| key) {
            Some("bind") => format!("bind = \"127.0.0.1:{}\"", ports.gateway()),
            Some("rtp_ports") => format!("rtp_ports = \"{}-{}\"", ports.rtp_low, ports.rtp_high),
            Some("voices") => format!("voices = \"{}\"", voices.display()),
            Some("max_channels") => format!("max_channels = {max_channels}"),
            _ => line.to_owned(),
        };
        writeln!(changed, "{line}").expect("text");
    }
    std::fs::write(&config, changed).expect("write the configuration");
    config
}

fn import_member(dir: &Path, config: &Path) {
    let csv = format!("name,phone,language,channel\n{MEMBER},{MEMBER_NUMBER},nl,voice\n");
    let file = dir.join("leden.csv");
    std::fs::write(&file, csv).expect("write the member file");
    let args = ["members", "import", "--network", NETWORK, "--create"];
    buurtbel(dir, config, &args, &[file.as_os_str()]);
}

/// Attempts of channel `callback`.
fn callbacks(attempts: &[Value]) -> Vec<&Value> {
    attempts
        .iter()
        .filter(|a| a["channel"] == "callback")
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_whose_call_failed_calls_back_and_confirms_with_1() {
    let mut line = Line::new("127.0.0.0/8", 10, 1);
    line.serve(true).await;
    let id = line.alert_missed().await;

    line.called(
        "uac_callback_confirm.xml",
        MEMBER_NUMBER,
        &["-d", PRESS_AFTER_MS],
    );

    let confirmed = |attempts: &[Value]| {
        callbacks(attempts)
            .iter()
            .any(|a| a["outcome"] == "acknowledged")
    };
    let delivery = line.wait_for_delivery(&id, "acknowledged", confirmed).await;
    let attempts = delivery["attempts"].as_array().cloned().unwrap_or_default();
    let heard = callbacks(&attempts);
    assert_eq!(heard.len(), 1, "one message played: {delivery}");
    assert_eq!(heard[0]["number"], MEMBER_NUMBER, "{delivery}");
    let shown = line.shown(&id);
    let member = &shown["members"][0];
    assert_eq!(member["state"], "acknowledged", "{shown}");
    assert_eq!(member["confirmed_how"], "callback", "{shown}");
    assert_eq!(member["last_channel"], "callback", "{shown}");
    line.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_caller_hears_a_notice_and_nothing_is_recorded() {
    let mut line = Line::new("127.0.0.0/8", 10, 1);
    line.serve(true).await;
    let id = line.alert_missed().await;

    line.called("uac_callback_notice.xml", STRANGER, &[]);

    line.wait_for_log("a call-back from a number no member has")
        .await;
    let delivery = line.wait_for_delivery(&id, "failed", |_| true).await;
    let attempts = delivery["attempts"].as_array().cloned().unwrap_or_default();
    assert!(callbacks(&attempts).is_empty(), "{delivery}");
    line.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_with_no_alert_hears_there_is_no_new_message() {
    let mut line = Line::new("127.0.0.0/8", 10, 1);
    line.serve(false).await;

    line.called("uac_callback_notice.xml", MEMBER_NUMBER, &[]);

    line.wait_for_log("a call-back with no new message").await;
    line.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withheld_number_hears_a_notice() {
    let mut line = Line::new("127.0.0.0/8", 10, 1);
    line.serve(false).await;

    line.called("uac_callback_notice.xml", "anonymous", &[]);

    line.wait_for_log("a call-back from an unknown or withheld number")
        .await;
    line.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invite_without_sdp_gets_the_offer_in_the_200_and_the_notice() {
    let mut line = Line::new("127.0.0.0/8", 10, 1);
    line.serve(false).await;

    line.called("uac_callback_late_offer.xml", STRANGER, &[]);

    line.wait_for_log("a call-back from a number no member has")
        .await;
    line.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_from_outside_the_trunks_networks_gets_403() {
    let mut line = Line::new("192.0.2.0/24", 10, 1);
    line.serve(false).await;

    line.called("uac_callback_forbidden.xml", MEMBER_NUMBER, &[]);

    line.wait_for_log("a call to the call-back line from outside the trunk's networks refused")
        .await;
    line.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_call_while_the_only_channel_is_taken_gets_486() {
    let mut line = Line::new("127.0.0.0/8", 1, 0);
    line.serve(true).await;
    line.alert_missed().await;

    // The member listens and presses nothing: the menu rounds hold the line.
    let first = line.ports;
    let holding = line.call("uac_callback_notice.xml", MEMBER_NUMBER, &first, &[]);
    line.wait_for_answer(&first).await;
    let second = Ports::reserve();
    let refused = line
        .call("uac_callback_busy.xml", STRANGER, &second, &[])
        .finish();
    assert!(refused.passed(), "{refused}\n{}", line.server().log());
    let held = holding.finish();
    assert!(held.passed(), "{held}\n{}", line.server().log());
    line.stop().await;
}
