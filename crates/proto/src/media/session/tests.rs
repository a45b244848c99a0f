//! Tests of the parent module.

use super::*;
use crate::media::program::{FRAME_BYTES, ProgramAudio, ProgramSettings};
use crate::media::rtp::RtpPacket;
use std::sync::Arc;

pub(super) const PHONE: &str = "127.0.0.9:7000";

/// An alert call: message 10 frames, menu 5, two rounds with a 200 ms wait, no detection.
pub(super) fn setup() -> SessionSetup {
    with_message(10)
}

/// [`setup`] with a message `frames` long.
pub(super) fn with_message(frames: usize) -> SessionSetup {
    let audio = ProgramAudio {
        intro: Arc::from(vec![]),
        message: Arc::from(vec![0x11u8; FRAME_BYTES * frames]),
        menu: Arc::from(vec![0x22u8; FRAME_BYTES * 5]),
        thanks: Arc::from(vec![0x33u8; FRAME_BYTES * 2]),
        listen_first: Arc::from(vec![0x55u8; FRAME_BYTES * 2]),
        voicemail: Arc::from(vec![0x44u8; FRAME_BYTES * 3]),
        silence: 0xD5,
    };
    let settings = ProgramSettings {
        menu_rounds: 2,
        key_wait: Duration::from_millis(200),
        machine_detection: None,
    };
    setup_for(Script::Alert { audio, settings })
}

/// [`setup`] listening for an answering machine first.
pub(super) fn listening() -> SessionSetup {
    let mut setup = setup();
    if let Script::Alert { settings, .. } = &mut setup.script {
        settings.machine_detection = Some(crate::media::amd::DetectorSettings::default());
    }
    setup
}

/// A session playing `script` to [`PHONE`].
pub(super) fn setup_for(script: Script) -> SessionSetup {
    SessionSetup {
        script,
        rtp: SenderStart {
            ssrc: 0xABCD,
            sequence: 65_530,
            timestamp: 1000,
            payload_type: 8,
        },
        telephone_events: vec![101, 96],
        remote: PHONE.parse().unwrap(),
        signalling: None,
        record: true,
        silence: Duration::from_secs(10),
    }
}

/// The phone's side: its own sender for audio and events.
pub(super) struct Phone {
    audio: RtpSender,
    sequence: u16,
}

impl Phone {
    pub(super) fn new() -> Phone {
        let start = SenderStart {
            ssrc: 77,
            sequence: 10,
            timestamp: 5000,
            payload_type: 8,
        };
        Phone {
            audio: RtpSender::new(start).unwrap(),
            sequence: 500,
        }
    }

    pub(super) fn audio(&mut self, samples: &[i16]) -> Vec<u8> {
        self.audio.packet(&g711::encode_alaw(samples))
    }

    pub(super) fn event(&mut self, event: u8, end: bool, timestamp: u32) -> Vec<u8> {
        self.sequence += 1;
        let mut packet = vec![0x80, 96];
        packet.extend_from_slice(&self.sequence.to_be_bytes());
        packet.extend_from_slice(&timestamp.to_be_bytes());
        packet.extend_from_slice(&99u32.to_be_bytes());
        packet.extend_from_slice(&[event, if end { 0x8A } else { 0x0A }, 0, 160]);
        packet
    }
}

/// Runs the session on its grid until `until`, feeding `input(ms)` datagrams from the phone
/// each tick.
fn run(
    session: &mut MediaSession,
    start: Instant,
    until_ms: u64,
    mut input: impl FnMut(u64) -> Vec<Vec<u8>>,
) -> Vec<Vec<u8>> {
    let phone: SocketAddr = PHONE.parse().unwrap();
    run_from(session, start, until_ms, |ms| {
        input(ms).into_iter().map(|d| (phone, d)).collect()
    })
}

/// As [`run`], each datagram with its source address.
pub(super) fn run_from(
    session: &mut MediaSession,
    start: Instant,
    until_ms: u64,
    mut input: impl FnMut(u64) -> Vec<(SocketAddr, Vec<u8>)>,
) -> Vec<Vec<u8>> {
    let mut sent = Vec::new();
    let mut buffer = Vec::new();
    for ms in (0..until_ms).step_by(20) {
        let now = start + Duration::from_millis(ms);
        for (from, datagram) in input(ms) {
            session.handle_datagram(now, from, &datagram);
        }
        while session.poll_packet(now, &mut buffer).is_some() {
            session.record_send(true);
            sent.push(buffer.clone());
        }
        if session.end().is_some() {
            break;
        }
    }
    sent
}

fn tone(low: f32, high: f32, frames: usize) -> Vec<Vec<i16>> {
    let samples: Vec<i16> = (0..frames * 160)
        .map(|i| {
            let t = i as f32 / 8000.0;
            (6000.0
                * ((2.0 * std::f32::consts::PI * low * t).sin()
                    + (2.0 * std::f32::consts::PI * high * t).sin())) as i16
        })
        .collect();
    samples.chunks(160).map(<[i16]>::to_vec).collect()
}

#[test]
fn plays_the_program_and_ends_answered_no_ack() {
    let start = Instant::ZERO;
    let mut session = MediaSession::new(start, start, setup());
    let mut phone = Phone::new();
    let sent = run(&mut session, start, 60_000, |_| {
        vec![phone.audio(&[0; 160])]
    });
    assert_eq!(
        session.end(),
        Some(MediaEnd::Program(ProgramEnd::AnsweredNoAck))
    );
    assert_eq!(sent.len(), 10 + 2 * (5 + 10));
    assert_eq!(
        session.stats().sent,
        40,
        "counted once the socket took them"
    );
    let first = RtpPacket::parse(&sent[0]).unwrap();
    assert!(first.marker);
    assert_eq!(
        (first.ssrc, first.sequence, first.timestamp),
        (0xABCD, 65_530, 1000)
    );
    let tenth = RtpPacket::parse(&sent[9]).unwrap();
    assert_eq!(tenth.sequence, 3, "sequence wraps");
    assert_eq!(tenth.timestamp, 1000 + 9 * 160);
    assert_eq!(session.stats().played, FRAME * 40);
    assert_eq!(session.items(), [], "a program has no items");
    assert!(!session.confirmed());
    assert_eq!(
        session.recording().unwrap().len(),
        160 * 41,
        "every frame the phone sent, kept"
    );
}

#[test]
fn late_poll_sends_every_due_packet_in_order() {
    let start = Instant::ZERO;
    let mut session = MediaSession::new(start, start, setup());
    let mut buffer = Vec::new();
    let mut sequences = Vec::new();
    while session
        .poll_packet(start + Duration::from_millis(65), &mut buffer)
        .is_some()
    {
        sequences.push(RtpPacket::parse(&buffer).unwrap().sequence);
    }
    assert_eq!(
        sequences,
        [65_530, 65_531, 65_532, 65_533],
        "due at 0, 20, 40, 60 ms"
    );
    assert_eq!(
        session.poll_timeout(),
        Some(start + Duration::from_millis(80))
    );
}

#[test]
fn rfc4733_one_acknowledges_once_despite_repeated_end_packets() {
    let start = Instant::ZERO;
    let mut session = MediaSession::new(start, start, setup());
    let mut phone = Phone::new();
    let sent = run(&mut session, start, 60_000, |ms| match ms {
        240 => vec![phone.event(1, false, 9000)],
        260 | 280 => vec![
            phone.event(1, true, 9000),
            phone.event(1, true, 9000),
            phone.event(1, true, 9000),
        ],
        _ => vec![phone.audio(&[0; 160])],
    });
    assert_eq!(
        session.end(),
        Some(MediaEnd::Program(ProgramEnd::Acknowledged))
    );
    assert_eq!(
        session.digits(),
        [Digit {
            digit: '1',
            via: DigitPath::Rfc4733,
            at_ms: 240
        }]
    );
    let thanks = sent
        .iter()
        .filter(|p| RtpPacket::parse(p).unwrap().payload[0] == 0x33)
        .count();
    assert_eq!(thanks, 2);
}

#[test]
fn info_two_repeats_then_one_acknowledges() {
    let start = Instant::ZERO;
    let mut session = MediaSession::new(start, start, setup());
    let mut buffer = Vec::new();
    for ms in (0..4000).step_by(20) {
        let now = start + Duration::from_millis(ms);
        match ms {
            300 => session.handle_info(
                now,
                "application/dtmf-relay",
                b"Signal=2\r\nDuration=100\r\n",
            ),
            700 => session.handle_info(now, "application/dtmf", b"1"),
            _ => {}
        }
        session.handle_datagram(now, PHONE.parse().unwrap(), &Phone::new().audio(&[0; 160]));
        while session.poll_packet(now, &mut buffer).is_some() {}
    }
    assert_eq!(session.message_starts(), 2);
    assert_eq!(
        session.end(),
        Some(MediaEnd::Program(ProgramEnd::Acknowledged))
    );
    let via: Vec<_> = session.digits().iter().map(|d| (d.digit, d.via)).collect();
    assert_eq!(via, [('2', DigitPath::Info), ('1', DigitPath::Info)]);
}

#[test]
fn inband_one_is_heard_and_the_same_press_by_rfc4733_counts_once() {
    let start = Instant::ZERO;
    let mut session = MediaSession::new(start, start, setup());
    let mut phone = Phone::new();
    let frames = tone(697.0, 1209.0, 5);
    let sent = run(&mut session, start, 60_000, |ms| match ms {
        200..=280 => vec![phone.audio(&frames[((ms - 200) / 20) as usize])],
        300 => vec![phone.event(1, true, 12_000)],
        _ => vec![phone.audio(&[0; 160])],
    });
    assert_eq!(
        session.end(),
        Some(MediaEnd::Program(ProgramEnd::Acknowledged))
    );
    assert_eq!(session.digits().len(), 1, "{:?}", session.digits());
    assert_eq!(session.digits()[0].via, DigitPath::Inband);
    assert!(!sent.is_empty());
}

#[test]
fn a_silent_far_end_hears_the_whole_program_however_long() {
    // A minute of message and a phone that never sends a packet (no microphone, or silence
    // suppression): the program plays to its end; whether the far end is still there is
    // the signalling's question.
    let start = Instant::ZERO;
    let mut session = MediaSession::new(start, start, with_message(3000));
    let sent = run(&mut session, start, 120_000, |_| vec![]);
    assert_eq!(
        session.end(),
        Some(MediaEnd::Program(ProgramEnd::AnsweredNoAck))
    );
    assert!(sent.len() >= 3000, "{} packets", sent.len());
    assert_eq!(session.last_heard(), start, "nothing heard");
}

#[test]
fn comfort_noise_counts_as_heard() {
    // RFC 3389 comfort noise (PT 13) every 200 ms for 3 s, then nothing.
    let start = Instant::ZERO;
    let mut session = MediaSession::new(start, start, with_message(300));
    let mut sequence = 100u16;
    run(&mut session, start, 5_000, |ms| {
        if ms < 3_000 && ms % 200 == 0 {
            sequence += 1;
            let mut packet = vec![0x80, 13];
            packet.extend_from_slice(&sequence.to_be_bytes());
            packet.extend_from_slice(&(u32::from(sequence) * 1600).to_be_bytes());
            packet.extend_from_slice(&55u32.to_be_bytes());
            packet.push(40); // noise level, -40 dBov
            vec![packet]
        } else {
            vec![]
        }
    });
    assert_eq!(session.last_heard(), start + Duration::from_millis(2_800));
    assert_eq!(session.stats().received, 0, "comfort noise is not audio");
}

#[test]
fn with_detection_a_silent_line_hears_the_program_after_listening() {
    let start = Instant::ZERO;
    let mut session = MediaSession::new(start, start, listening());
    let mut phone = Phone::new();
    let sent = run(&mut session, start, 60_000, |_| {
        vec![phone.audio(&[0; 160])]
    });
    assert_eq!(session.answerer(), Some(Answerer::Human));
    assert_eq!(
        session.end(),
        Some(MediaEnd::Program(ProgramEnd::AnsweredNoAck))
    );
    let first_sound = sent
        .iter()
        .position(|p| RtpPacket::parse(p).unwrap().payload[0] != 0xD5)
        .unwrap();
    // 2 s of initial silence: the phone's 100th packet arrives just before our 100th.
    assert_eq!(first_sound, 99);
    assert_eq!(sent.len(), 99 + 10 + 2 * (5 + 10));
}

#[test]
fn with_detection_a_beep_gets_the_message_and_the_notice_without_menu() {
    let start = Instant::ZERO;
    let mut session = MediaSession::new(start, start, listening());
    let mut phone = Phone::new();
    let mut far = vec![0; 8 * 300];
    far.extend(
        (0..8 * 400)
            .map(|n| (8000.0 * (std::f32::consts::TAU * 1000.0 * n as f32 / 8000.0).sin()) as i16),
    );
    let mut packets = far.chunks(160);
    let sent = run(&mut session, start, 60_000, |_| {
        vec![phone.audio(packets.next().unwrap_or(&[0; 160]))]
    });
    assert_eq!(session.answerer(), Some(Answerer::Machine));
    assert_eq!(
        session.end(),
        Some(MediaEnd::Program(ProgramEnd::Voicemail))
    );
    let firsts: Vec<u8> = sent
        .iter()
        .map(|p| RtpPacket::parse(p).unwrap().payload[0])
        .collect();
    let spoken = &firsts[firsts.iter().position(|b| *b != 0xD5).unwrap()..];
    assert_eq!(spoken, [[0x11; 10].as_slice(), &[0x44; 3]].concat());
}
