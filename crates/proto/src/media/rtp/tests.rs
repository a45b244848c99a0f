//! Tests of the parent module.

use super::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::Duration;

const PCMA: u8 = 8;
const EVENT: u8 = 101;

fn far_end() -> SocketAddr {
    "192.0.2.10:40000".parse().unwrap()
}

fn stranger() -> SocketAddr {
    "198.51.100.7:5004".parse().unwrap()
}

/// A receiver for a call whose SDP answer names [`far_end`], started at `start`.
fn receiver(start: Instant) -> RtpReceiver {
    RtpReceiver::new(PCMA, MediaPeer::starting(start, far_end(), None))
}

fn datagram(pt: u8, seq: u16, ts: u32, ssrc: u32) -> Vec<u8> {
    RtpPacketBuilder::new()
        .payload_type(pt)
        .sequence(Seq::from(seq))
        .timestamp(ts)
        .ssrc(ssrc)
        .payload(&[0xd5; 160])
        .build()
        .unwrap()
}

/// Feeds audio packets with the given sequence numbers, 20 ms apart, 160 units apart.
fn receive_sequence(seqs: &[u16]) -> ReceptionStats {
    let start = Instant::ZERO;
    let mut receiver = receiver(start);
    for (i, &seq) in seqs.iter().enumerate() {
        let at = start + Duration::from_millis(20 * i as u64);
        let ts = u32::from(seq) * SAMPLES_PER_PACKET;
        receiver
            .handle_datagram(at, far_end(), &datagram(PCMA, seq, ts, 7))
            .unwrap();
    }
    receiver.stats().unwrap()
}

fn sender() -> RtpSender {
    RtpSender::new(SenderStart {
        ssrc: 0x1234_5678,
        sequence: 0xfffe,
        timestamp: 0xffff_ff60,
        payload_type: PCMA,
    })
    .unwrap()
}

#[test]
fn sender_stamps_header_fields() {
    let mut sender = sender();
    let bytes = sender.packet(&[0xd5; 160]);
    assert_eq!(bytes.len(), HEADER_LEN + 160);
    assert_eq!(
        &bytes[..HEADER_LEN],
        &[
            0x80, 0x88, 0xff, 0xfe, 0xff, 0xff, 0xff, 0x60, 0x12, 0x34, 0x56, 0x78
        ]
    );
    let packet = RtpPacket::parse(&bytes).unwrap();
    assert_eq!(packet.payload, &[0xd5; 160][..]);
}

#[test]
fn sender_wraps_sequence_and_timestamp() {
    let mut sender = sender();
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for _ in 0..3 {
        sender.write_packet(&[0; 160], &mut out);
        let packet = RtpPacket::parse(&out).unwrap();
        seen.push((packet.sequence, packet.timestamp, packet.marker));
    }
    assert_eq!(
        seen,
        [
            (0xfffe, 0xffff_ff60, true),
            (0xffff, 0, false),
            (0, 160, false)
        ]
    );
}

#[test]
fn sender_reuses_the_buffer() {
    let mut sender = sender();
    let mut out = Vec::with_capacity(512);
    let capacity = out.capacity();
    for _ in 0..100 {
        sender.write_packet(&[0; 160], &mut out);
    }
    assert_eq!(out.len(), HEADER_LEN + 160);
    assert_eq!(out.capacity(), capacity);
}

#[test]
fn silence_advances_timestamp_and_marks_next_packet() {
    let mut sender = sender();
    sender.packet(&[0; 160]);
    sender.skip_silence(10);
    let packet_bytes = sender.packet(&[0; 160]);
    let packet = RtpPacket::parse(&packet_bytes).unwrap();
    assert!(packet.marker);
    assert_eq!(packet.sequence, 0xffff);
    assert_eq!(packet.timestamp, 0xffff_ff60u32.wrapping_add(11 * 160));
    assert!(!RtpPacket::parse(&sender.packet(&[0; 160])).unwrap().marker);
}

#[test]
fn sender_refuses_an_eight_bit_payload_type() {
    let start = SenderStart {
        ssrc: 1,
        sequence: 0,
        timestamp: 0,
        payload_type: 128,
    };
    assert_eq!(
        RtpSender::new(start).unwrap_err(),
        RtpError::PayloadType(128)
    );
}

#[test]
fn parse_rejects_hostile_datagrams() {
    assert_eq!(RtpPacket::parse(&[0x80; 11]), Err(RtpError::TooShort(11)));
    assert_eq!(RtpPacket::parse(&[0x40; 12]), Err(RtpError::Version(1)));
    // Four CSRCs announced, none present.
    let mut csrc = datagram(PCMA, 1, 1, 1);
    csrc.truncate(12);
    csrc[0] |= 4;
    assert_eq!(RtpPacket::parse(&csrc), Err(RtpError::Truncated));
    // Padding flag with a padding count larger than the payload.
    let mut padding = datagram(PCMA, 1, 1, 1);
    padding[0] |= 0x20;
    *padding.last_mut().unwrap() = 200;
    assert_eq!(RtpPacket::parse(&padding), Err(RtpError::Padding(200)));
    // An RTCP receiver report.
    let rtcp = [0x81, 201, 0, 7, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0];
    assert_eq!(RtpPacket::parse(&rtcp), Err(RtpError::Rtcp(201)));
}

#[test]
fn parse_skips_csrcs_extension_and_padding() {
    let ext = [9, 9, 9, 9];
    let bytes = RtpPacketBuilder::new()
        .payload_type(EVENT)
        .marked(true)
        .sequence(Seq::from(5))
        .timestamp(6)
        .ssrc(7)
        .add_csrc(8)
        .extension(1, &ext)
        .padded(rtp_rs::Pad::round_to(4))
        .payload(&[1, 2, 3])
        .build()
        .unwrap();
    let packet = RtpPacket::parse(&bytes).unwrap();
    assert_eq!((packet.payload_type, packet.marker), (EVENT, true));
    assert_eq!((packet.sequence, packet.timestamp, packet.ssrc), (5, 6, 7));
    assert_eq!(packet.payload, &[1, 2, 3]);
}

#[test]
fn in_order_stream_has_no_loss() {
    let seqs: Vec<u16> = (100..150).collect();
    let stats = receive_sequence(&seqs);
    assert_eq!((stats.received, stats.expected, stats.lost), (50, 50, 0));
    assert_eq!(stats.highest_sequence, 149);
}

#[test]
fn sequence_wraps_into_the_next_cycle() {
    let stats = receive_sequence(&[65533, 65534, 65535, 0, 1, 2]);
    assert_eq!(stats.highest_sequence, (1 << 16) + 2);
    assert_eq!((stats.received, stats.expected, stats.lost), (6, 6, 0));
}

#[test]
fn loss_across_the_wrap_is_counted() {
    let stats = receive_sequence(&[65534, 65535, 2, 3]);
    assert_eq!((stats.expected, stats.received, stats.lost), (6, 4, 2));
}

#[test]
fn reordering_is_not_loss() {
    let stats = receive_sequence(&[10, 12, 11, 14, 13, 15]);
    assert_eq!((stats.expected, stats.received, stats.lost), (6, 6, 0));
}

#[test]
fn a_late_packet_before_the_first_counts() {
    let stats = receive_sequence(&[10, 9, 11]);
    assert_eq!((stats.expected, stats.received, stats.lost), (3, 3, 0));
}

#[test]
fn duplicates_do_not_hide_loss() {
    // 12 and 13 lost; 10, 11 and 14 arrive twice.
    let stats = receive_sequence(&[10, 11, 11, 14, 10, 14, 15]);
    assert_eq!((stats.expected, stats.received, stats.lost), (6, 4, 2));
    assert_eq!(stats.duplicates, 3);
}

#[test]
fn a_single_jump_is_ignored() {
    let stats = receive_sequence(&[1, 2, 30000, 3, 4]);
    assert_eq!((stats.expected, stats.received, stats.lost), (4, 4, 0));
}

#[test]
fn a_confirmed_jump_restarts_counting() {
    // A pcap replayed on the same SSRC: the sequence starts over from 1.
    let stats = receive_sequence(&[1, 2, 3, 500, 501, 502, 1, 2, 3]);
    assert_eq!(
        stats.highest_sequence, 3,
        "cycles start over too, as in A.1"
    );
    // 1..=502 then 2..=3: the first packet after the jump only arms the resync.
    assert_eq!(stats.expected, 502 + 2);
    assert_eq!(stats.received, 6 + 2);
    assert_eq!(stats.lost, 502 - 6);
}

#[test]
fn random_arrival_orders_keep_counts_consistent() {
    let mut rng = StdRng::seed_from_u64(4733);
    for _ in 0..200 {
        let seqs: Vec<u16> = (0..300)
            .map(|_| rng.random_range(0..400u16).wrapping_add(65300))
            .collect();
        let stats = receive_sequence(&seqs);
        assert!(stats.received <= stats.expected, "{stats:?}");
        assert_eq!(stats.lost, stats.expected - stats.received);
    }
}

/// RFC 3550 A.8 by hand: packets 160 units apart arrive at 0, 20, 45 and 60 ms, i.e. at
/// 0, 160, 360 and 480 units. Transit: 0, 0, 40, 0; |D|: 0, 40, 40.
/// J16 (16 × J, integer form of A.8): 0 → 0 + 0 - 0 = 0 → 0 + 40 - 0 = 40
/// → 40 + 40 - ((40 + 8) >> 4) = 77. J = 77 >> 4 = 4 units; 77 / 16 / 8 ms = 0.6016 ms.
#[test]
fn jitter_matches_a_hand_computed_example() {
    let start = Instant::ZERO;
    let mut receiver = receiver(start);
    for (i, ms) in [0u64, 20, 45, 60].into_iter().enumerate() {
        let ts = 1000 + 160 * i as u32;
        let at = start + Duration::from_millis(ms);
        receiver
            .handle_datagram(at, far_end(), &datagram(PCMA, i as u16, ts, 7))
            .unwrap();
    }
    let stats = receiver.stats().unwrap();
    assert_eq!(stats.jitter, 4);
    assert!(
        (stats.jitter_ms() - 77.0 / 128.0).abs() < 1e-9,
        "{}",
        stats.jitter_ms()
    );
}

#[test]
fn steady_stream_has_no_jitter_and_events_do_not_add_any() {
    let start = Instant::ZERO;
    let mut receiver = receiver(start);
    for i in 0..20u16 {
        let at = start + Duration::from_millis(20 * u64::from(i));
        let pt = if (5..10).contains(&i) { EVENT } else { PCMA };
        let ts = if pt == EVENT { 800 } else { 160 * u32::from(i) };
        receiver
            .handle_datagram(at, far_end(), &datagram(pt, i, ts, 7))
            .unwrap();
    }
    let stats = receiver.stats().unwrap();
    assert_eq!((stats.jitter, stats.lost, stats.received), (0, 0, 20));
}

#[test]
fn a_second_ssrc_from_the_far_end_passes_without_touching_stats() {
    let start = Instant::ZERO;
    let mut receiver = receiver(start);
    let bytes_900 = datagram(EVENT, 900, 5, 2);
    let event_first = receiver
        .handle_datagram(start, far_end(), &bytes_900)
        .unwrap();
    assert_eq!(event_first.ssrc, 2);
    assert_eq!(receiver.stats(), None, "main SSRC is the first audio one");
    for seq in 1..=3 {
        receiver
            .handle_datagram(start, far_end(), &datagram(PCMA, seq, 160, 7))
            .unwrap();
    }
    let bytes_901 = datagram(EVENT, 901, 5, 2);
    let digit = receiver
        .handle_datagram(start, far_end(), &bytes_901)
        .unwrap();
    assert_eq!((digit.ssrc, digit.payload_type), (2, EVENT));
    let stats = receiver.stats().unwrap();
    assert_eq!((stats.ssrc, stats.received, stats.expected), (7, 3, 3));
}

/// `far_end`'s IP address on another port.
fn far_end_port(port: u16) -> SocketAddr {
    SocketAddr::new(far_end().ip(), port)
}

#[test]
fn the_sdp_address_is_heard_all_call_long() {
    let start = Instant::ZERO;
    let mut receiver = receiver(start);
    let late = start + LATCH_WINDOW * 100;
    for (i, at) in [start, late].into_iter().enumerate() {
        let packet = datagram(PCMA, i as u16, 160 * i as u32, 7);
        assert!(receiver.handle_datagram(at, far_end(), &packet).is_ok());
    }
    assert_eq!(receiver.destination(), far_end());
    assert_eq!(receiver.latched_source(), None);
    assert_eq!(receiver.foreign_packets(), 0);
}

#[test]
fn another_ip_address_is_never_heard() {
    let start = Instant::ZERO;
    let mut receiver = receiver(start);
    let first = receiver
        .handle_datagram(start, stranger(), &datagram(EVENT, 1, 5, 9))
        .err();
    assert_eq!(first, Some(RtpError::ForeignSource(stranger())));
    receiver
        .handle_datagram(start, far_end(), &datagram(PCMA, 1, 160, 7))
        .unwrap();
    let again = receiver
        .handle_datagram(start, stranger(), &datagram(EVENT, 2, 5, 9))
        .err();
    assert_eq!(again, Some(RtpError::ForeignSource(stranger())));
    assert_eq!(receiver.foreign_packets(), 2);
    assert_eq!(receiver.destination(), far_end());
}

#[test]
fn another_port_on_the_sdp_address_is_latched_at_the_start_only() {
    let start = Instant::ZERO;
    let mut receiver = receiver(start);
    let nat = far_end_port(31_000);
    let at = start + Duration::from_millis(100);
    receiver
        .handle_datagram(at, nat, &datagram(PCMA, 1, 160, 7))
        .unwrap();
    assert_eq!(receiver.latched_source(), Some(nat));
    assert_eq!(receiver.destination(), nat);
    let second = far_end_port(31_002);
    let refused = receiver
        .handle_datagram(at, second, &datagram(EVENT, 1, 5, 9))
        .err();
    assert_eq!(refused, Some(RtpError::ForeignSource(second)));
    assert!(
        receiver
            .handle_datagram(at, far_end(), &datagram(PCMA, 2, 320, 7))
            .is_ok(),
        "the SDP address is still heard"
    );
}

#[test]
fn another_port_is_not_latched_once_the_sdp_address_was_heard() {
    let start = Instant::ZERO;
    let mut receiver = receiver(start);
    receiver
        .handle_datagram(start, far_end(), &datagram(PCMA, 1, 160, 7))
        .unwrap();
    let other = far_end_port(40_002);
    let forged = receiver
        .handle_datagram(start, other, &datagram(EVENT, 1, 5, 9))
        .err();
    assert_eq!(forged, Some(RtpError::ForeignSource(other)));
    assert_eq!(receiver.latched_source(), None);
}

#[test]
fn another_port_is_not_latched_after_the_window() {
    let start = Instant::ZERO;
    let mut receiver = receiver(start);
    let other = far_end_port(31_000);
    let late = receiver
        .handle_datagram(start + LATCH_WINDOW, other, &datagram(PCMA, 1, 160, 7))
        .err();
    assert_eq!(late, Some(RtpError::ForeignSource(other)));
    assert_eq!(receiver.destination(), far_end());
}

#[test]
fn the_signalling_address_may_be_latched() {
    let start = Instant::ZERO;
    let sbc: SocketAddr = "203.0.113.5:30000".parse().unwrap();
    let peer = MediaPeer::starting(start, far_end(), Some(sbc.ip()));
    let mut receiver = RtpReceiver::new(PCMA, peer);
    receiver
        .handle_datagram(start, sbc, &datagram(PCMA, 1, 160, 7))
        .unwrap();
    assert_eq!(receiver.destination(), sbc);
}

#[test]
fn garbage_from_another_port_latches_nothing() {
    let start = Instant::ZERO;
    let mut receiver = receiver(start);
    let garbage = receiver
        .handle_datagram(start, far_end_port(31_000), b"not rtp")
        .err();
    assert_eq!(garbage, Some(RtpError::TooShort(7)));
    assert_eq!(receiver.latched_source(), None);
    let real = far_end_port(31_002);
    receiver
        .handle_datagram(start, real, &datagram(PCMA, 1, 160, 7))
        .unwrap();
    assert_eq!(receiver.latched_source(), Some(real));
}

#[test]
fn port_zero_is_never_latched() {
    let start = Instant::ZERO;
    let mut receiver = receiver(start);
    let zero = far_end_port(0);
    let refused = receiver
        .handle_datagram(start, zero, &datagram(PCMA, 1, 160, 7))
        .err();
    assert_eq!(refused, Some(RtpError::ForeignSource(zero)));
    assert_eq!(receiver.destination(), far_end());
}

#[test]
fn an_ipv4_mapped_source_is_its_ipv4_address() {
    let start = Instant::ZERO;
    let mut receiver = receiver(start);
    let mapped: SocketAddr = "[::ffff:192.0.2.10]:40000".parse().unwrap();
    assert!(
        receiver
            .handle_datagram(start, mapped, &datagram(PCMA, 1, 160, 7))
            .is_ok()
    );
    assert_eq!(receiver.latched_source(), None);
}

#[test]
fn renegotiate_hears_the_new_sdp_address_and_latches_again() {
    let start = Instant::ZERO;
    let mut receiver = receiver(start);
    receiver
        .handle_datagram(start, far_end(), &datagram(PCMA, 1, 160, 7))
        .unwrap();
    let later = start + Duration::from_secs(60);
    receiver.renegotiate(MediaPeer::starting(later, stranger(), None));
    let old = receiver
        .handle_datagram(later, far_end(), &datagram(PCMA, 2, 320, 7))
        .err();
    assert_eq!(old, Some(RtpError::ForeignSource(far_end())));
    let nat = SocketAddr::new(stranger().ip(), 6000);
    receiver
        .handle_datagram(later, nat, &datagram(PCMA, 3, 480, 7))
        .unwrap();
    assert_eq!(receiver.destination(), nat);
    assert_eq!(receiver.stats().unwrap().received, 2, "statistics kept");
}
