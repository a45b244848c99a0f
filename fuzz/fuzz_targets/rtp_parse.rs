//! Datagrams from the RTP port: the parser may not panic, and a receiver fed any stream of
//! them keeps loss statistics that add up.
//!
//! The whole input is tried as one datagram; then it is cut into records of
//! `[length, milliseconds since the previous one, source, datagram…]` fed to one receiver,
//! which must never take a packet from a source its call does not hear.
//! `cargo +nightly fuzz run rtp_parse`.
#![no_main]

use buurtbel::media::rtp::{HEADER_LEN, MediaPeer, RtpPacket, RtpReceiver};
use buurtbel::time::Instant;
use libfuzzer_sys::fuzz_target;
use std::net::SocketAddr;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    if let Ok(packet) = RtpPacket::parse(data) {
        assert!(packet.payload.len() + HEADER_LEN <= data.len());
        assert!(packet.payload_type <= 127);
    }
    receive_stream(data);
});

/// Feeds the records to a PCMA receiver and checks its statistics.
fn receive_stream(mut data: &[u8]) {
    // Virtual time from a fixed start: the records say how much passes between packets.
    let mut now = Instant::ZERO;
    let announced = SocketAddr::from(([192, 0, 2, 1], 4000));
    let mut receiver = RtpReceiver::new(8, MediaPeer::starting(now, announced, None));
    while let [len, delay, source, rest @ ..] = data {
        let (datagram, tail) = rest.split_at(usize::from(*len).min(rest.len()));
        now += Duration::from_millis(u64::from(*delay));
        // The announced address, its IP on other ports, and another IP.
        let from = SocketAddr::from(([192, 0, 2, 1 + source % 2], 4000 + u16::from(source % 3)));
        if let Ok(packet) = receiver.handle_datagram(now, from, datagram) {
            assert!(from == announced || receiver.latched_source() == Some(from));
            assert!(packet.payload.len() <= datagram.len());
        }
        data = tail;
    }
    if let Some(stats) = receiver.stats() {
        assert!(stats.received <= stats.expected, "{stats:?}");
        assert_eq!(stats.lost, stats.expected - stats.received);
        assert!(stats.jitter_ms().is_finite());
    }
}
