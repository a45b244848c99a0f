//! Strict RTP in a call: a key counts only when it comes from the phone (see
//! `media::rtp::source`). The phone's SDP names `127.0.0.9:7000`; its program is the one of
//! the parent's tests (message 200 ms, then the menu), so a `1` at 240 ms would confirm.

use super::tests::{PHONE, Phone, run_from, setup};
use super::*;
use crate::media::program::ProgramEnd;

fn addr(text: &str) -> SocketAddr {
    text.parse().unwrap()
}

/// The phone sends audio every 20 ms from `phone`; `forger` sends an RFC 4733 `1` (a start
/// packet, then three end packets twice) at 240-280 ms, on its own SSRC.
fn call_with_forged_1(phone: SocketAddr, forger: SocketAddr) -> MediaSession {
    let start = Instant::ZERO;
    let mut session = MediaSession::new(start, start, setup());
    let mut audio = Phone::new();
    let mut forged = Phone::new();
    run_from(&mut session, start, 60_000, |ms| {
        let mut input = vec![(phone, audio.audio(&[0; 160]))];
        match ms {
            240 => input.push((forger, forged.event(1, false, 9000))),
            260 | 280 => input.extend((0..3).map(|_| (forger, forged.event(1, true, 9000)))),
            _ => {}
        }
        input
    });
    session
}

fn assert_not_confirmed(session: &MediaSession) {
    assert_eq!(session.digits(), []);
    assert_eq!(
        session.end(),
        Some(MediaEnd::Program(ProgramEnd::AnsweredNoAck))
    );
    assert_eq!(session.stats().refused, 7, "every forged packet counted");
}

#[test]
fn a_forged_1_from_another_port_of_the_phone_never_confirms() {
    // Same IP address as the SDP, within the latching window, but the phone was heard first.
    let session = call_with_forged_1(addr(PHONE), addr("127.0.0.9:7002"));
    assert_not_confirmed(&session);
}

#[test]
fn a_forged_1_from_another_address_never_confirms() {
    let session = call_with_forged_1(addr(PHONE), addr("127.0.0.10:7000"));
    assert_not_confirmed(&session);
}

#[test]
fn a_forged_1_from_another_address_before_the_phone_is_heard_never_confirms() {
    let start = Instant::ZERO;
    let mut session = MediaSession::new(start, start, setup());
    let (mut audio, mut forged) = (Phone::new(), Phone::new());
    let forger = addr("198.51.100.7:7000");
    run_from(&mut session, start, 60_000, |ms| match ms {
        0 => vec![(forger, forged.event(1, false, 9000))],
        20 => vec![(forger, forged.event(1, true, 9000))],
        240 => vec![(forger, forged.event(1, true, 9000))],
        _ if ms >= 300 => vec![(addr(PHONE), audio.audio(&[0; 160]))],
        _ => vec![],
    });
    assert_eq!(session.digits(), []);
    assert_eq!(session.stats().refused, 3);
}

#[test]
fn a_phone_behind_nat_is_latched_at_the_start_and_its_1_confirms() {
    // Its packets leave from another port than its SDP names: latched, answered there.
    let start = Instant::ZERO;
    let mut session = MediaSession::new(start, start, setup());
    let mut phone = Phone::new();
    let nat = addr("127.0.0.9:31000");
    session.handle_datagram(start, nat, &phone.audio(&[0; 160]));
    let mut buffer = Vec::new();
    assert_eq!(session.poll_packet(start, &mut buffer), Some(nat));
    let forger = addr("127.0.0.9:31002");
    run_from(&mut session, start, 60_000, |ms| match ms {
        240 => vec![
            (forger, phone.event(2, true, 8000)),
            (nat, phone.event(1, false, 9000)),
        ],
        260 => vec![(nat, phone.event(1, true, 9000))],
        _ => vec![(nat, phone.audio(&[0; 160]))],
    });
    assert_eq!(
        session.end(),
        Some(MediaEnd::Program(ProgramEnd::Acknowledged))
    );
    let keys: Vec<char> = session.digits().iter().map(|d| d.digit).collect();
    assert_eq!(
        keys,
        ['1'],
        "the second port on the phone's address is refused"
    );
    assert_eq!(session.stats().refused, 1);
}

#[test]
fn a_source_on_the_signalling_address_may_be_latched() {
    // A private address in the SDP; the packets come from where the SIP answer came from.
    let start = Instant::ZERO;
    let setup = SessionSetup {
        remote: addr("10.1.2.3:7000"),
        signalling: Some("203.0.113.5".parse().unwrap()),
        ..setup()
    };
    let mut session = MediaSession::new(start, start, setup);
    let mut phone = Phone::new();
    let public = addr("203.0.113.5:40000");
    let sent = run_from(&mut session, start, 60_000, |ms| match ms {
        240 => vec![(public, phone.event(1, true, 9000))],
        _ => vec![(public, phone.audio(&[0; 160]))],
    });
    assert!(!sent.is_empty());
    assert_eq!(
        session.end(),
        Some(MediaEnd::Program(ProgramEnd::Acknowledged))
    );
}

#[test]
fn another_port_is_not_latched_after_the_window() {
    let start = Instant::ZERO;
    let mut session = MediaSession::new(start, start, setup());
    let mut phone = Phone::new();
    let late = start + crate::media::rtp::LATCH_WINDOW;
    session.handle_datagram(late, addr("127.0.0.9:31000"), &phone.audio(&[0; 160]));
    assert_eq!(session.stats().refused, 1);
    let mut buffer = Vec::new();
    assert_eq!(session.poll_packet(late, &mut buffer), Some(addr(PHONE)));
}

#[test]
fn a_forger_does_not_keep_a_silent_line_alive() {
    // The line probes the far end once nothing was heard for a while: forged packets must
    // not count as the phone being there.
    let start = Instant::ZERO;
    let mut session = MediaSession::new(start, start, setup());
    let (mut phone, mut forged) = (Phone::new(), Phone::new());
    let forger = addr("127.0.0.10:7000");
    run_from(&mut session, start, 60_000, |ms| {
        let mut input = vec![(forger, forged.audio(&[0; 160]))];
        if ms < 100 {
            input.push((addr(PHONE), phone.audio(&[0; 160])));
        }
        input
    });
    assert_eq!(session.last_heard(), start + Duration::from_millis(80));
}
