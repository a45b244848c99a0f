#![allow(dead_code)] // each test binary uses part of it
//! A neighbourhood of simulated phones for the end-to-end tests: the real `buurtbel phones`
//! plays eight members' phones, one behaviour each, on the trunk address of a configuration
//! made from `config/local.toml` (free ports, the folder's own database and cache, no
//! retries). Names and numbers are fictional (`+32 50 00 00 0n`).

use crate::serve::buurtbel;
use buurtbel::store::DeliveryState;
use buurtbel::telephony::clock;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const NETWORK: &str = "BIN Proef";
pub const UNTIL_LISTENING: Duration = Duration::from_secs(60);
pub const UNTIL_DONE: Duration = Duration::from_secs(180);

/// Each member's behaviour by name, and where their delivery must end.
pub const MEMBERS: [(&str, DeliveryState); 8] = [
    ("confirms", DeliveryState::Acknowledged),
    ("too-early-then-confirms", DeliveryState::Acknowledged),
    ("repeats-then-confirms", DeliveryState::Acknowledged),
    ("busy", DeliveryState::Busy),
    ("never-answers", DeliveryState::NoAnswer),
    ("answering-machine", DeliveryState::Voicemail),
    ("ignores-menu", DeliveryState::AnsweredNoAck),
    ("out-of-service", DeliveryState::Failed),
];

pub fn member_name(i: usize) -> String {
    format!("Testbuur {:02}", i + 1)
}

pub fn number(i: usize) -> String {
    format!("+3250{:06}", i + 1)
}

pub fn database(dir: &Path) -> String {
    format!("sqlite:{}", dir.join("buurtbel-local.db").display())
}

/// `config/local.toml` with free ports, the folder's own database and cache, the message
/// spoken twice each time it plays, and no retries.
pub fn write_config(dir: &Path) -> PathBuf {
    let shipped = include_str!("../../config/local.toml");
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
            Some("listen") => "listen = \"127.0.0.1:0\"\nrate_limit = 100000".to_owned(),
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

pub fn import_members(dir: &Path, config: &Path) {
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
pub fn write_script(dir: &Path) -> PathBuf {
    let mut text = String::from("default = \"out-of-service\"\n\n[numbers]\n");
    for (i, (behaviour, _)) in MEMBERS.iter().enumerate() {
        writeln!(text, "\"050 00 00 {:02}\" = \"{behaviour}\"", i + 1).expect("text");
    }
    let path = dir.join("behaviours.toml");
    std::fs::write(&path, text).expect("write the behaviours");
    path
}

/// The running `buurtbel phones`, its output in files; killed if the test ends first.
pub struct Phones {
    child: Option<Child>,
    stdout: PathBuf,
    stderr: PathBuf,
}

impl Phones {
    pub fn start(dir: &Path, config: &Path, script: &Path) -> Phones {
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
    pub async fn wait_until_listening(&mut self) {
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
    pub fn stop(&mut self) -> String {
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
