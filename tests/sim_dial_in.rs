//! The simulated exchange dials in, as the trunk does when a member phones the network's
//! number, and SIPp answers where the gateway's call-back line would
//! (`cargo test --features interop --test sim_dial_in`; needs `sipp`, Debian package
//! sip-tester).
//!
//! SIPp's scenarios (`tests/sipp/uas_dial_in*.xml`, `uas_busy.xml`) check every SIP message
//! the member sends: the INVITE's headers, the ACK of the 2xx (with the answer for a late
//! offer) or of a refusal, our 200 to SIPp's BYE, our own BYE. SIPp streams a tone written
//! here, which the member must hear. SIPp's SDP sends the member's RTP to a socket of this
//! test (the tap), which reads the keys the member pressed, as RFC 4733 events with the payload
//! type SIPp chose, and in band. Numbers are fictional.
#![cfg(feature = "interop")]

#[path = "common/run.rs"]
#[allow(dead_code)] // Shared with the interop suites, which use the rest.
mod run;
#[path = "common/sipp.rs"]
#[allow(dead_code)]
mod sipp;

use buurtbel::media::g711;
use buurtbel::sim::{Cue, DialIn, DialInResult, Exchange, PhoneScript, PressMethod};
use sipp::{Ports, Sipp, SippOptions, SippRun, Transport};
use std::collections::HashMap;
use std::f32::consts::TAU;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::UdpSocket;

const MEMBER: &str = "+32470000001";
const LINE: &str = "+3225550100";
/// Samples in one 20 ms packet.
const FRAME: usize = 160;
/// A frame louder than this (RMS) is sound, not G.711 silence.
const LOUD: f64 = 1_000.0;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_hears_the_line_presses_on_a_cue_and_the_line_hangs_up() {
    let tone: Vec<u8> = tone(440.0, 1_200)
        .iter()
        .map(|s| g711::alaw_encode(*s))
        .collect();
    let gateway = Gateway::start("uas_dial_in.xml", Some(("stream.alaw", tone))).await;
    // Without SIPp's BYE (a failed scenario), the member gives up in 20 s.
    let call = DialIn::new(MEMBER, LINE)
        .press_on(
            Cue::Pause(Duration::from_millis(500)),
            '1',
            PressMethod::Rfc4733,
        )
        .longest(Duration::from_secs(20));
    let (result, sipp, tap) = gateway.dial(call).await;
    let why = explain(&result, &sipp);
    assert!(sipp.passed(), "{why}");
    assert_eq!(result.final_status, 200, "{why}");
    assert_eq!(result.provisional, [100, 180], "{why}");
    assert!(result.hung_up_by_gateway, "{why}");
    assert_eq!(result.pressed, ['1'], "{why}");
    // The whole tone came through (60 packets), and it is the tone, not silence.
    assert!(result.rtp_received >= 55, "{why}");
    assert!(loud_frames(&result.heard) >= 50, "{why}");
    assert_eq!(
        tap.keys(96),
        ['1'],
        "the key on SIPp's telephone-event type"
    );
    assert!(tap.audio(8) >= 50, "the member sends audio every 20 ms");
    assert_eq!(sipp.header_of("INVITE", "Call-ID"), Some(&*result.call_id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withheld_member_answers_a_late_offer_presses_and_hangs_up() {
    let tone: Vec<u8> = tone(600.0, 1_200)
        .iter()
        .map(|s| g711::ulaw_encode(*s))
        .collect();
    let gateway = Gateway::start("uas_dial_in_late.xml", Some(("stream.ulaw", tone))).await;
    let call = DialIn::new(MEMBER, LINE)
        .withheld()
        .late_offer()
        .press(Duration::from_millis(1_500), '2', PressMethod::Rfc4733)
        .press(Duration::from_millis(2_000), '3', PressMethod::Inband)
        .hang_up_after(Duration::from_millis(2_500));
    let (result, sipp, tap) = gateway.dial(call).await;
    let why = explain(&result, &sipp);
    assert!(sipp.passed(), "{why}");
    assert_eq!(result.final_status, 200, "{why}");
    assert_eq!(result.provisional, [100], "{why}");
    assert!(!result.hung_up_by_gateway, "{why}");
    assert_eq!(result.pressed, ['2', '3'], "{why}");
    assert!(loud_frames(&result.heard) >= 50, "{why}");
    assert_eq!(sipp.header_of("INVITE", "P-Asserted-Identity"), None);
    assert_eq!(
        tap.keys(97),
        ['2'],
        "the key on the offer's telephone-event type"
    );
    // The in-band 3: 100 ms of tone in the member's PCMU, which is silence otherwise.
    assert!(tap.loud(0) >= 4, "in-band frames: {}", tap.loud(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_is_acked_in_its_transaction() {
    let gateway = Gateway::start("uas_busy.xml", None).await;
    let (result, sipp, tap) = gateway.dial(DialIn::new(MEMBER, LINE).unasserted()).await;
    let why = explain(&result, &sipp);
    assert!(sipp.passed(), "{why}");
    assert_eq!(result.final_status, 486, "{why}");
    assert_eq!(result.provisional, [100], "{why}");
    assert_eq!(result.rtp_received, 0, "{why}");
    assert_eq!(sipp.header_of("INVITE", "P-Asserted-Identity"), None);
    assert_eq!(tap.audio(8), 0);
}

/// SIPp where the gateway would be, with the tap its SDP names.
struct Gateway {
    sipp: Sipp,
    addr: SocketAddr,
    tap: Tap,
    _dir: tempfile::TempDir,
}

impl Gateway {
    /// Starts SIPp on `scenario`, with `stream` (file name and bytes) in its folder.
    async fn start(scenario: &'static str, stream: Option<(&str, Vec<u8>)>) -> Gateway {
        let dir = run::trace_dir(scenario);
        let tap = Tap::start().await;
        if let Some((name, bytes)) = stream {
            std::fs::write(dir.path().join(name), bytes).expect("stream file");
        }
        let fields = format!("SEQUENTIAL\n{};\n", tap.port);
        std::fs::write(dir.path().join("tap.csv"), fields).expect("injection file");
        let ports = Ports::reserve();
        let options = SippOptions {
            scenario,
            transport: Transport::Udp,
            calls: 1,
        };
        let sipp = Sipp::start_with_args(&options, &ports, dir.path(), &["-inf", "tap.csv"]);
        Gateway {
            sipp,
            addr: SocketAddr::from(([127, 0, 0, 1], ports.sip)),
            tap,
            _dir: dir,
        }
    }

    /// Dials SIPp from a fresh exchange and waits for SIPp's verdict.
    async fn dial(self, call: DialIn) -> (DialInResult, SippRun, Tap) {
        let bind = SocketAddr::from(([127, 0, 0, 1], 0));
        let exchange = Exchange::start(bind, HashMap::new(), PhoneScript::never_answer())
            .await
            .expect("exchange");
        let result = exchange.dial_in(self.addr, call).await;
        let sipp = self.sipp;
        let run = tokio::task::spawn_blocking(move || sipp.finish())
            .await
            .expect("sipp");
        (result, run, self.tap)
    }
}

/// The member's RTP as SIPp's SDP sends it: every packet's payload type and payload.
struct Tap {
    port: u16,
    packets: Packets,
}

/// Each packet's payload type and payload, in order of arrival.
type Packets = Arc<Mutex<Vec<(u8, Vec<u8>)>>>;

impl Tap {
    async fn start() -> Tap {
        let socket = UdpSocket::bind("127.0.0.1:0").await.expect("tap");
        let port = socket.local_addr().expect("tap address").port();
        let packets = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&packets);
        tokio::spawn(async move {
            let mut buffer = [0u8; 2048];
            while let Ok(n) = socket.recv(&mut buffer).await {
                if let Some(packet) = rtp(&buffer[..n]) {
                    kept.lock().unwrap().push(packet);
                }
            }
        });
        Tap { port, packets }
    }

    /// The keys of the RFC 4733 events on `payload_type`: one per event that ended.
    fn keys(&self, payload_type: u8) -> Vec<char> {
        let packets = self.packets.lock().unwrap();
        let mut keys = Vec::new();
        let mut ended = false;
        for (_, payload) in packets.iter().filter(|(pt, _)| *pt == payload_type) {
            let end = payload.get(1).is_some_and(|b| b & 0x80 != 0);
            if end && !ended {
                let event = payload.first().copied().unwrap_or(u8::MAX);
                keys.push(char::from_digit(u32::from(event), 10).unwrap_or('?'));
            }
            ended = end;
        }
        keys
    }

    /// Packets of `payload_type`.
    fn audio(&self, payload_type: u8) -> usize {
        let packets = self.packets.lock().unwrap();
        packets.iter().filter(|(pt, _)| *pt == payload_type).count()
    }

    /// Loud frames in the audio of `payload_type` (0 PCMU, 8 PCMA).
    fn loud(&self, payload_type: u8) -> usize {
        let packets = self.packets.lock().unwrap();
        let decode = if payload_type == 0 {
            g711::ulaw_decode
        } else {
            g711::alaw_decode
        };
        let samples: Vec<i16> = packets
            .iter()
            .filter(|(pt, _)| *pt == payload_type)
            .flat_map(|(_, payload)| payload.iter().map(|b| decode(*b)))
            .collect();
        loud_frames(&samples)
    }
}

/// The payload type and payload of an RTP packet without CSRCs or extension.
fn rtp(datagram: &[u8]) -> Option<(u8, Vec<u8>)> {
    let payload_type = datagram.get(1)? & 0x7F;
    Some((payload_type, datagram.get(12..)?.to_vec()))
}

/// `ms` of a sine at `hz`, at about −12 dBFS.
fn tone(hz: f32, ms: usize) -> Vec<i16> {
    (0..ms * 8)
        .map(|n| (8_000.0 * (TAU * hz * n as f32 / 8_000.0).sin()) as i16)
        .collect()
}

fn loud_frames(samples: &[i16]) -> usize {
    samples
        .chunks(FRAME)
        .filter(|frame| {
            let energy: f64 = frame.iter().map(|s| f64::from(*s).powi(2)).sum();
            (energy / frame.len() as f64).sqrt() > LOUD
        })
        .count()
}

fn explain(result: &DialInResult, sipp: &SippRun) -> String {
    let heard = result.heard.len();
    let result = DialInResult {
        heard: Vec::new(),
        ..result.clone()
    };
    format!("{result:?} ({heard} samples heard)\n{sipp}")
}
