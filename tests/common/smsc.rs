#![allow(dead_code)] // each test binary uses part of it
//! The third-party SMSC (`tests/smsc/smsc.js`, the npm `smpp` package's server) as a child
//! process, for the SMPP interop suite (`tests/sms_smpp.rs`).
//!
//! It prints its port on its first line; commands go in on stdin (`mo …`, `mo-parts …`, `drop`,
//! `drop after N`, `stall N`, `mute`, `refuse STATUS N`,
//! `stats`) and each is answered with JSON lines on stdout. Needs `node` and
//! `npm ci --prefix tests/smsc` (which `.ci/run` does). Killed when dropped.

use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

/// The account the SMSC accepts.
pub const SYSTEM_ID: &str = "buurtbel";
/// Its password.
pub const PASSWORD: &str = "geheim";
/// How long we wait for one answer line before calling the SMSC stuck.
const ANSWER_WAIT: Duration = Duration::from_secs(20);

/// A running SMSC.
pub struct Smsc {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
    /// Where it listens, on 127.0.0.1.
    pub port: u16,
}

/// What the SMSC saw.
#[derive(Debug)]
pub struct Stats {
    /// Each message received, reassembled: `to`, `text`, `parts`, `ids`.
    pub messages: Vec<Value>,
    /// Every message id it answered a `submit_sm` with.
    pub issued: Vec<String>,
    /// The `command_status` of each `deliver_sm_resp` it got.
    pub deliver_resps: Vec<u64>,
    /// Binds accepted.
    pub binds: u64,
    /// Binds refused (wrong password).
    pub refused_binds: u64,
    /// Unbinds received.
    pub unbinds: u64,
}

impl Smsc {
    /// Starts the SMSC on a free port.
    pub fn start() -> Smsc {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smsc");
        assert!(
            root.join("node_modules/smpp").is_dir(),
            "the SMSC's package is not installed: run `npm ci --prefix tests/smsc`"
        );
        let mut child = Command::new("node")
            .arg(root.join("smsc.js"))
            .args(["0", SYSTEM_ID, PASSWORD])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node runs (is Node.js installed?)");
        let stdin = child.stdin.take().expect("stdin piped");
        let stdout = child.stdout.take().expect("stdout piped");
        let (send, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let first = lines
            .recv_timeout(ANSWER_WAIT)
            .expect("the SMSC prints its port");
        let port = first.trim().parse().expect("the first line is the port");
        Smsc {
            child,
            stdin,
            lines,
            port,
        }
    }

    /// Sends a mobile-originated message to every bound session.
    pub fn mobile_originated(&mut self, from: &str, to: &str, text: &str) {
        self.command(&format!("mo {from} {to} {text}"));
    }

    /// Sends a mobile-originated message as `parts` concatenated parts.
    pub fn mobile_originated_in_parts(&mut self, from: &str, to: &str, parts: u8, text: &str) {
        self.command(&format!("mo-parts {from} {to} {parts} {text}"));
    }

    /// Destroys every session's socket now.
    pub fn drop_links(&mut self) {
        self.command("drop");
    }

    /// Answers `n` more `submit_sm`, then destroys every session's socket.
    pub fn drop_links_after(&mut self, n: usize) {
        self.command(&format!("drop after {n}"));
    }

    /// Makes the sessions bound now answer nothing more, not even `enquire_link`.
    pub fn mute(&mut self) {
        self.command("mute");
    }

    /// Leaves the next `n` `submit_sm` unanswered.
    pub fn stall(&mut self, n: usize) {
        self.command(&format!("stall {n}"));
    }

    /// Answers the next `n` `submit_sm` with `status`.
    pub fn refuse(&mut self, status: u32, n: usize) {
        self.command(&format!("refuse {status} {n}"));
    }

    /// What it saw so far.
    pub fn stats(&mut self) -> Stats {
        writeln!(self.stdin, "stats").expect("the SMSC reads commands");
        let mut messages = Vec::new();
        loop {
            let line: Value = serde_json::from_str(&self.answer()).expect("a JSON line");
            if line["kind"] == "end" {
                let strings = |key: &str| -> Vec<String> {
                    let list = line[key].as_array().cloned().unwrap_or_default();
                    list.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                };
                let numbers = line["deliver_resps"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                return Stats {
                    messages,
                    issued: strings("issued"),
                    deliver_resps: numbers.iter().filter_map(Value::as_u64).collect(),
                    binds: line["binds"].as_u64().unwrap_or(0),
                    refused_binds: line["refused_binds"].as_u64().unwrap_or(0),
                    unbinds: line["unbinds"].as_u64().unwrap_or(0),
                };
            }
            messages.push(line);
        }
    }

    fn command(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").expect("the SMSC reads commands");
        let answer = self.answer();
        assert!(answer.contains("\"ok\""), "the SMSC answered {answer}");
    }

    fn answer(&self) -> String {
        self.lines
            .recv_timeout(ANSWER_WAIT)
            .expect("the SMSC answers")
    }
}

impl Drop for Smsc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
