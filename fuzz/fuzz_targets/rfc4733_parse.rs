//! Keypresses from the network: RFC 4733 payloads, the event tracker fed RTP datagrams, and
//! SIP INFO bodies. Nothing may panic, a key is only ever a DTMF key, and a packet repeated
//! at once is never counted twice.
//!
//! `cargo +nightly fuzz run rfc4733_parse`.
#![no_main]

use buurtbel::media::dtmf_relay::digit_from_info;
use buurtbel::media::rfc4733::{EventTracker, TelephoneEvent};
use buurtbel::media::rtp::RtpPacket;
use libfuzzer_sys::fuzz_target;

const KEYS: &str = "0123456789*#ABCD";

fuzz_target!(|data: &[u8]| {
    if let Ok(event) = TelephoneEvent::parse(data) {
        assert!(event.volume <= 0x3f);
        assert_eq!(event.digit().is_some(), event.event < 16);
    }
    track_events(data);
    read_info_bodies(data);
});

/// Cuts the input into 16-byte datagrams (an RTP header and one event) and feeds each twice.
fn track_events(data: &[u8]) {
    let mut tracker = EventTracker::new(&[96, 101]);
    for datagram in data.chunks(16) {
        let Ok(packet) = RtpPacket::parse(datagram) else {
            continue;
        };
        if let Some(key) = tracker.handle_packet(&packet) {
            let event = TelephoneEvent::parse(packet.payload).ok();
            assert_eq!(event.and_then(|e| e.digit()), Some(key));
        }
        assert_eq!(
            tracker.handle_packet(&packet),
            None,
            "a repeat counted twice"
        );
    }
}

/// The input as both INFO body types, and split at its first newline into a Content-Type
/// and a body.
fn read_info_bodies(data: &[u8]) {
    let mut keys = vec![
        digit_from_info("application/dtmf-relay", data),
        digit_from_info("application/dtmf", data),
    ];
    let mut parts = data.splitn(2, |&b| b == b'\n');
    if let (Some(head), Some(body)) = (parts.next(), parts.next()) {
        let content_type = String::from_utf8_lossy(head);
        keys.push(digit_from_info(&content_type, body));
    }
    for key in keys.into_iter().flatten() {
        assert!(KEYS.contains(key), "{key:?}");
    }
}
