//! `buurtbel call` against SIPp as the called phone (`cargo test --features interop --test
//! interop`; needs `sipp`, Debian package sip-tester).
//!
//! Each test reserves its own ports, starts SIPp with one of the project's scenarios under
//! `tests/sipp/`, writes a trunk configuration pointing at it, runs the real binary and
//! checks two verdicts: the JSON line buurtbel printed, and SIPp's exit code, which is 0
//! only when SIPp saw every message its scenario expects (our ACK, CANCEL, BYE, digest
//! answer) in order. On failure the assertion message carries buurtbel's output and SIPp's
//! traces; `INTEROP_KEEP_TRACES=1` also keeps them on disk. The last two tests need no SIPp:
//! they check that bad input never dials.
#![cfg(feature = "interop")]

#[path = "common/run.rs"]
mod run;
#[path = "common/sipp.rs"]
mod sipp;

use run::{Output, Run, run_call, trace_dir};
use serde_json::Value;
use sipp::{Ports, Sipp, SippOptions, Transport};
use std::ffi::OsString;
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tempfile::TempDir;

/// The credentials the scenarios' `verifyauth` checks.
const USERNAME: &str = "bin-test";
const PASSWORD: &str = "not-a-real-secret";
/// A short code: dialled as `sip:1234@127.0.0.1`.
const CALLEE: &str = "1234";
const CALLER_ID: &str = "+3211000000";
/// How long buurtbel may take for one call before the test kills it.
const CALL_DEADLINE: Duration = Duration::from_secs(40);

#[test]
fn answered_call_we_hang_up_after_hold() {
    let run = Interop::new("uas_answer.xml").call("1s");
    run.assert_sipp_passed();
    run.assert_field("outcome", "answered");
    run.assert_field("sip_status", 200);
    run.assert_field("hung_up_by", "local");
    run.assert_field("retry_after_s", Value::Null);
    run.assert_between("talk_ms", 900, 5_000);
    // SIPp waits 300 ms between 180 and 200.
    run.assert_between("ring_ms", 250, 5_000);
    run.assert_dialled_and_identified();
}

#[test]
fn answered_call_over_tcp() {
    let mut interop = Interop::new("uas_answer.xml");
    interop.sipp.transport = Transport::Tcp;
    let run = interop.call("1s");
    run.assert_sipp_passed();
    assert!(
        run.sipp.messages.contains("TCP message received"),
        "{}",
        run.explain()
    );
    run.assert_field("outcome", "answered");
    run.assert_field("sip_status", 200);
    run.assert_field("hung_up_by", "local");
    run.assert_between("talk_ms", 900, 5_000);
    run.assert_dialled_and_identified();
}

#[test]
fn answered_call_the_phone_hangs_up() {
    // SIPp sends BYE about 1 s after the ACK, well before our 5 s hold is over.
    let run = Interop::new("uas_remote_bye.xml").call("5s");
    run.assert_sipp_passed();
    run.assert_field("outcome", "answered");
    run.assert_field("sip_status", 200);
    run.assert_field("hung_up_by", "remote");
    run.assert_between("talk_ms", 800, 4_000);
}

#[test]
fn tcp_last_message_reaches_the_phone() {
    // Each run loses its last message in roughly 1 in 10 to 20 tries: repeat to expose it.
    for scenario in ["uas_remote_bye.xml", "uas_busy.xml", "uas_no_answer.xml"] {
        for _ in 0..8 {
            let mut interop = Interop::new(scenario);
            interop.sipp.transport = Transport::Tcp;
            interop.trunk.ring_timeout = "2s";
            interop.call("5s").assert_sipp_passed();
        }
    }
}

#[test]
fn busy_phone() {
    let run = Interop::new("uas_busy.xml").call("1s");
    run.assert_sipp_passed();
    run.assert_field("outcome", "busy");
    run.assert_field("sip_status", 486);
    run.assert_field("hung_up_by", Value::Null);
    run.assert_field("retry_after_s", Value::Null);
    run.assert_field("talk_ms", 0);
}

#[test]
fn unanswered_call_is_cancelled_at_ring_timeout() {
    let mut interop = Interop::new("uas_no_answer.xml");
    interop.trunk.ring_timeout = "2s";
    let run = interop.call("1s");
    run.assert_sipp_passed();
    run.assert_field("outcome", "no_answer");
    run.assert_field("sip_status", 487);
    run.assert_field("hung_up_by", Value::Null);
    run.assert_field("talk_ms", 0);
    run.assert_between("ring_ms", 1_900, 6_000);
}

#[test]
fn invite_digest_challenge_is_answered() {
    let mut interop = Interop::new("uas_auth.xml");
    interop.trunk.credentials = true;
    let run = interop.call("1s");
    run.assert_sipp_passed();
    run.assert_field("outcome", "answered");
    run.assert_field("sip_status", 200);
    run.assert_field("hung_up_by", "local");
    let requests = run.sipp.received_requests();
    let invites = requests.iter().filter(|r| r.starts_with("INVITE ")).count();
    assert_eq!(
        invites,
        2,
        "one challenged INVITE, one retry\n{}",
        run.explain()
    );
}

#[test]
fn registers_before_calling() {
    let mut interop = Interop::new("uas_register.xml");
    interop.trunk.credentials = true;
    interop.trunk.register = true;
    // One SIPp "call" for the registration (its own Call-ID), one for the call.
    interop.sipp.calls = 2;
    let run = interop.call("1s");
    run.assert_sipp_passed();
    run.assert_field("outcome", "answered");
    run.assert_field("sip_status", 200);
    run.assert_field("hung_up_by", "local");
    let requests = run.sipp.received_requests();
    assert!(
        requests.first().is_some_and(|r| r.starts_with("REGISTER ")),
        "REGISTER first: {requests:?}\n{}",
        run.explain()
    );
}

#[test]
fn unavailable_trunk_reports_retry_after() {
    let run = Interop::new("uas_unavailable.xml").call("1s");
    run.assert_sipp_passed();
    run.assert_field("outcome", "unavailable");
    run.assert_field("sip_status", 503);
    run.assert_field("retry_after_s", 120);
    run.assert_field("hung_up_by", Value::Null);
}

#[test]
fn answer_refusing_audio_is_acked_then_hung_up_and_failed() {
    // The phone answers 200 with `m=audio 0`: nothing to play to. SIPp checks our ACK and
    // the BYE that follows at once.
    let run = Interop::new("uas_no_audio.xml").call("5s");
    run.assert_sipp_passed();
    run.assert_field("outcome", "failed");
    run.assert_field("reason", "no_audio");
    run.assert_field("sip_status", 200);
    run.assert_field("hung_up_by", "local");
    run.assert_field("codec", Value::Null);
    run.assert_between("talk_ms", 0, 1_000);
}

#[test]
fn reinvite_mid_call_is_answered_once_and_the_call_goes_on() {
    // SIPp re-INVITEs 1 s after our ACK and ACKs our 200 with a new branch. Without the ACK
    // matched by dialog and CSeq, the 200 would come again at 0.5, 1.5, 3.5 s.
    let run = Interop::new("uas_reinvite.xml").call("5s");
    run.assert_sipp_passed();
    run.assert_field("outcome", "answered");
    run.assert_field("hung_up_by", "local");
    run.assert_field("reason", Value::Null);
    run.assert_between("talk_ms", 4_900, 8_000);
    let statuses = run.sipp.received_statuses();
    assert_eq!(
        statuses,
        ["SIP/2.0 200 OK"],
        "one 200 to the re-INVITE, no retransmission\n{}",
        run.explain()
    );
    // The SIP trace (RUST_LOG=debug includes buurtbel::sip): whole messages, both ways.
    let log = &run.buurtbel.stderr;
    for expected in [
        "buurtbel::sip",
        "received ",
        "bytes over UDP from 127.0.0.1:",
        "o=callee 2890844527 2890844528",
        "sent ",
        "BYE sip:callee@",
    ] {
        assert!(log.contains(expected), "{expected:?}\n{}", run.explain());
    }
}

#[test]
fn forked_answers_are_both_acked_and_the_second_hung_up() {
    // Two 200s with different To tags: SIPp checks ACK, ACK, BYE to the second fork at once,
    // then the first fork's BYE after our hold.
    let run = Interop::new("uas_fork.xml").call("3s");
    run.assert_sipp_passed();
    run.assert_field("outcome", "answered");
    run.assert_field("hung_up_by", "local");
    run.assert_between("talk_ms", 2_900, 6_000);
    let requests = run.sipp.received_requests();
    let methods: Vec<&str> = requests
        .iter()
        .filter_map(|line| line.split(' ').next())
        .collect();
    assert_eq!(
        methods,
        ["INVITE", "ACK", "ACK", "BYE", "BYE"],
        "{}",
        run.explain()
    );
}

#[test]
fn bad_config_names_the_key_and_dials_nothing() {
    let proxy = Silent::bind();
    let dir = TempDir::new().expect("temp dir");
    let mut trunk = Trunk::new(proxy.port(), Transport::Udp);
    trunk.max_cps = "\"fast\"";
    let config = trunk.write(dir.path(), &Ports::reserve());
    let out = run_buurtbel(&config, CALLEE, "1s", dir.path());
    assert!(!out.status.success(), "{out}");
    assert!(out.stderr.contains("trunk.max_cps"), "{out}");
    proxy.assert_nothing_arrived(&out);
}

#[test]
fn invalid_number_is_refused_and_dials_nothing() {
    let proxy = Silent::bind();
    let dir = TempDir::new().expect("temp dir");
    let config = Trunk::new(proxy.port(), Transport::Udp).write(dir.path(), &Ports::reserve());
    let out = run_buurtbel(&config, "0999", "1s", dir.path());
    assert!(!out.status.success(), "{out}");
    assert!(out.stderr.contains("0999"), "{out}");
    proxy.assert_nothing_arrived(&out);
}

/// One test against SIPp: its scenario and the trunk configuration buurtbel gets.
struct Interop {
    sipp: SippOptions,
    trunk: Trunk,
}

impl Interop {
    fn new(scenario: &'static str) -> Interop {
        Interop {
            sipp: SippOptions {
                scenario,
                transport: Transport::Udp,
                calls: 1,
            },
            trunk: Trunk::new(0, Transport::Udp),
        }
    }

    /// Starts SIPp, places the call with `--hold`, and waits for both to finish.
    fn call(mut self, hold: &str) -> Run {
        let dir = trace_dir(self.sipp.scenario);
        let ports = Ports::reserve();
        self.trunk.proxy_port = ports.sip;
        self.trunk.transport = self.sipp.transport;
        let config = self.trunk.write(dir.path(), &ports);
        let sipp = Sipp::start(&self.sipp, &ports, dir.path());
        let buurtbel = run_buurtbel(&config, CALLEE, hold, dir.path());
        let sipp = sipp.finish();
        Run {
            buurtbel,
            sipp,
            _dir: dir,
        }
    }
}

/// The `[trunk]` and friends of a test's configuration file.
struct Trunk {
    proxy_port: u16,
    transport: Transport,
    credentials: bool,
    register: bool,
    ring_timeout: &'static str,
    /// As TOML: a number, or a quoted string to test the error.
    max_cps: &'static str,
}

impl Trunk {
    fn new(proxy_port: u16, transport: Transport) -> Trunk {
        Trunk {
            proxy_port,
            transport,
            credentials: false,
            register: false,
            ring_timeout: "10s",
            max_cps: "5",
        }
    }

    fn write(&self, dir: &Path, ports: &Ports) -> PathBuf {
        let transport = match self.transport {
            Transport::Udp => "udp",
            Transport::Tcp => "tcp",
        };
        let credentials = if self.credentials {
            format!("username = \"{USERNAME}\"\npassword = \"{PASSWORD}\"\n")
        } else {
            String::new()
        };
        let text = format!(
            "[sip]\n\
             bind = \"127.0.0.1:0\"\n\
             transport = \"{transport}\"\n\
             t1 = \"500ms\"\n\
             \n\
             [trunk]\n\
             proxy = \"127.0.0.1:{proxy}\"\n\
             domain = \"127.0.0.1\"\n\
             {credentials}\
             caller_id = \"{CALLER_ID}\"\n\
             register = {register}\n\
             max_channels = 4\n\
             max_cps = {max_cps}\n\
             ring_timeout = \"{ring_timeout}\"\n\
             \n\
             [media]\n\
             rtp_ports = \"{rtp_low}-{rtp_high}\"\n\
             codecs = [\"PCMA\", \"PCMU\"]\n",
            proxy = self.proxy_port,
            register = self.register,
            max_cps = self.max_cps,
            ring_timeout = self.ring_timeout,
            rtp_low = ports.rtp_low,
            rtp_high = ports.rtp_high,
        );
        let path = dir.join("buurtbel.toml");
        std::fs::write(&path, text).expect("write config");
        path
    }
}

impl Run {
    /// The INVITE went to the short code at the trunk's domain, with our caller id, and the
    /// report's call_id is the one SIPp saw.
    fn assert_dialled_and_identified(&self) {
        let requests = self.sipp.received_requests();
        assert_eq!(
            requests.first().copied(),
            Some(format!("INVITE sip:{CALLEE}@127.0.0.1 SIP/2.0").as_str()),
            "{}",
            self.explain()
        );
        let from = self.sipp.header_of("INVITE", "From").unwrap_or_default();
        assert!(from.contains(CALLER_ID), "From: {from}\n{}", self.explain());
        let call_id = self.sipp.header_of("INVITE", "Call-ID").map(Value::from);
        assert_eq!(
            self.report().get("call_id"),
            call_id.as_ref(),
            "{}",
            self.explain()
        );
    }
}

/// Runs `buurtbel call --to TO --hold HOLD --json`, output into files under `dir`.
fn run_buurtbel(config: &Path, to: &str, hold: &str, dir: &Path) -> Output {
    let args = ["--to", to, "--hold", hold, "--json"].map(OsString::from);
    run_call(config, &args, dir, CALL_DEADLINE)
}

/// A trunk address where nobody answers, to prove nothing was sent to it.
struct Silent(UdpSocket);

impl Silent {
    fn bind() -> Silent {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
        socket.set_nonblocking(true).expect("nonblocking");
        Silent(socket)
    }

    fn port(&self) -> u16 {
        self.0.local_addr().expect("local addr").port()
    }

    fn assert_nothing_arrived(&self, out: &Output) {
        let mut buf = [0u8; 2048];
        let got = self.0.recv_from(&mut buf);
        assert!(got.is_err(), "a datagram reached the trunk\n{out}");
    }
}
