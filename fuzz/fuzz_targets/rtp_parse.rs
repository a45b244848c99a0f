//! Datagrams from the RTP port: the parser may not panic, and a receiver fed any stream of
//! them keeps loss statistics that add up.
//!
//! The whole input is tried as one datagram; then it is cut into records of
//! `[length, milliseconds since the previous one, source, datagram…]` fed to one receiver.
//! `cargo +nightly fuzz run rtp_parse`.
#![no_main]

use buurtbel::media::rtp::{HEADER_LEN, RtpPacket, RtpReceiver};
use libfuzzer_sys::fuzz_target;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

fuzz_target!(|data: &[u8]| {
    if let Ok(packet) = RtpPacket::parse(data) {
        assert!(packet.payload.len() + HEADER_LEN <= data.len());
        assert!(packet.payload_type <= 127);
    }
    receive_stream(data);
});

/// Feeds the records to a PCMA receiver and checks its statistics.
fn receive_stream(mut data: &[u8]) {
    // The fuzz target is the driver here: one clock read, then virtual time.
    #[allow(clippy::disallowed_methods)]
    let mut now = Instant::now();
    let mut receiver = RtpReceiver::new(8);
    while let [len, delay, source, rest @ ..] = data {
        let (datagram, tail) = rest.split_at(usize::from(*len).min(rest.len()));
        now += Duration::from_millis(u64::from(*delay));
        let from = SocketAddr::from(([192, 0, 2, source % 2], 4000));
        if let Ok(packet) = receiver.handle_datagram(now, from, datagram) {
            assert_eq!(receiver.latched_source(), Some(from));
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
