//! RTP (RFC 3550) for one G.711 call: [`RtpSender`] stamps our outgoing 20 ms packets and
//! [`RtpReceiver`] parses what arrives, latches onto the far end's address and keeps
//! reception statistics. The `rtp-rs` crate reads and writes the header bytes.
//!
//! Sans-IO: the driver owns the socket and the clock. It hands every datagram in with its
//! arrival time and source address, and sends what the sender writes to
//! [`RtpReceiver::latched_source`] (symmetric RTP, RFC 4961) once there is one, or to the
//! address in the SDP answer before that.
//!
//! Decisions a reader needs:
//! - **Latching.** Until the first valid packet any source is accepted; after it only that
//!   source, so a NAT-mapped far end is followed and stray senders are dropped. A new remote
//!   SDP (re-INVITE) calls for [`RtpReceiver::unlatch`].
//! - **More than one SSRC from the latched source is normal.** SIPp sends RFC 4733 digits on a
//!   second SSRC while `rtp_stream` plays audio, so every SSRC from the latched source is
//!   handed back to the caller. Statistics follow one *main* SSRC only: the first that carries
//!   the audio payload type. A peer that changes SSRC mid-call leaves the statistics on the
//!   first one.
//! - **Loss never goes negative.** Duplicates are recognised in a 128-packet window behind the
//!   highest sequence number and not counted again; jumps follow RFC 3550 A.1 (a jump is
//!   believed once a second packet continues from it).
//! - **Jitter** (RFC 3550 A.8) is computed from audio packets only: RFC 4733 packets repeat
//!   their event's timestamp, which would read as jitter.

use rtp_rs::{RtpPacketBuilder, RtpReader, RtpReaderError, Seq};
use std::net::SocketAddr;
use std::time::Instant;

/// The G.711 and telephone-event RTP clock rate, in Hz.
pub const CLOCK_RATE: u32 = 8_000;
/// Timestamp units in one 20 ms G.711 packet at 8 kHz (one byte per sample).
pub const SAMPLES_PER_PACKET: u32 = 160;
/// Bytes in an RTP header without CSRCs or extension, as we send it.
pub const HEADER_LEN: usize = 12;

/// Why a datagram is not an RTP packet we take, or a sender cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RtpError {
    /// Fewer bytes than a fixed RTP header.
    #[error("datagram of {0} bytes is shorter than an RTP header")]
    TooShort(usize),
    /// A version field other than 2.
    #[error("RTP version {0}, expected 2")]
    Version(u8),
    /// CSRCs or the header extension run past the end of the datagram.
    #[error("RTP header runs past the end of the datagram")]
    Truncated,
    /// The padding count is zero or longer than the payload.
    #[error("RTP padding length {0} is invalid")]
    Padding(u8),
    /// An RTCP packet (types 200–204, RFC 5761 §4) arrived on the RTP port.
    #[error("RTCP packet type {0} on the RTP port")]
    Rtcp(u8),
    /// A packet from another address than the latched source.
    #[error("packet from {0}, not from the latched source")]
    ForeignSource(SocketAddr),
    /// A payload type that does not fit RTP's 7 bits.
    #[error("payload type {0} is over 127")]
    PayloadType(u8),
}

/// A parsed RTP packet borrowing its payload from the datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    /// The 7-bit payload type.
    pub payload_type: u8,
    /// The marker bit: first packet of a talk-spurt, or of an RFC 4733 event.
    pub marker: bool,
    /// The 16-bit sequence number.
    pub sequence: u16,
    /// The timestamp, in units of the payload's clock.
    pub timestamp: u32,
    /// The synchronisation source.
    pub ssrc: u32,
    /// The payload, without header, CSRCs, extension or padding.
    pub payload: &'a [u8],
}

impl<'a> RtpPacket<'a> {
    /// Reads one datagram. Hostile input gives an error, never a panic.
    pub fn parse(datagram: &'a [u8]) -> Result<RtpPacket<'a>, RtpError> {
        let reader = RtpReader::new(datagram).map_err(RtpError::from)?;
        let payload_type = reader.payload_type();
        if RTCP_IN_RTP_TYPES.contains(&payload_type) {
            return Err(RtpError::Rtcp(payload_type | 0x80));
        }
        Ok(RtpPacket {
            payload_type,
            marker: reader.mark(),
            sequence: reader.sequence_number().into(),
            timestamp: reader.timestamp(),
            ssrc: reader.ssrc(),
            payload: reader.payload(),
        })
    }
}

/// The random values a sender starts from, chosen by the caller so tests repeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderStart {
    /// Our synchronisation source (random).
    pub ssrc: u32,
    /// The first sequence number (random).
    pub sequence: u16,
    /// The first timestamp (random).
    pub timestamp: u32,
    /// The audio payload type from the SDP answer.
    pub payload_type: u8,
}

/// Stamps our outgoing G.711 packets: one per 20 ms tick, 160 timestamp units apart.
///
/// The marker bit is set on the first packet and on the first after a silence gap
/// ([`RtpSender::skip_silence`]), as RFC 3551 §4.1 asks. We send no RFC 4733 events.
#[derive(Debug, Clone)]
pub struct RtpSender {
    ssrc: u32,
    payload_type: u8,
    sequence: u16,
    timestamp: u32,
    marker: bool,
}

impl RtpSender {
    /// A sender whose first packet carries `start`'s sequence number and timestamp.
    pub fn new(start: SenderStart) -> Result<RtpSender, RtpError> {
        if start.payload_type > MAX_PAYLOAD_TYPE {
            return Err(RtpError::PayloadType(start.payload_type));
        }
        Ok(RtpSender {
            ssrc: start.ssrc,
            payload_type: start.payload_type,
            sequence: start.sequence,
            timestamp: start.timestamp,
            marker: true,
        })
    }

    /// Writes the next packet, carrying one 20 ms frame, into `out`.
    ///
    /// `out` is cleared first and its allocation reused, so a call keeps one buffer for all
    /// its packets. The timestamp then moves on by [`SAMPLES_PER_PACKET`].
    pub fn write_packet(&mut self, payload: &[u8], out: &mut Vec<u8>) {
        let builder = RtpPacketBuilder::new()
            .payload_type(self.payload_type)
            .marked(self.marker)
            .sequence(Seq::from(self.sequence))
            .timestamp(self.timestamp)
            .ssrc(self.ssrc)
            .payload(payload);
        out.clear();
        out.resize(builder.target_length(), 0);
        // `new` checked the payload type, there is no extension, and `out` has
        // `target_length()` bytes: the checks `build_into` repeats cannot fail.
        let len = builder.build_into_unchecked(out);
        out.truncate(len);
        self.advance();
    }

    /// The next packet in a new buffer; [`RtpSender::write_packet`] avoids the allocation.
    pub fn packet(&mut self, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
        self.write_packet(payload, &mut out);
        out
    }

    /// Marks a silence gap of `frames` 20 ms frames that we do not send: the timestamp moves
    /// on as if they had been sent, the sequence number does not, and the next packet starts
    /// a talk-spurt (marker bit set).
    pub fn skip_silence(&mut self, frames: u32) {
        let gap = frames.wrapping_mul(SAMPLES_PER_PACKET);
        self.timestamp = self.timestamp.wrapping_add(gap);
        self.marker = true;
    }

    /// Our synchronisation source.
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// The sequence number the next packet will carry.
    pub fn next_sequence(&self) -> u16 {
        self.sequence
    }

    /// The timestamp the next packet will carry.
    pub fn next_timestamp(&self) -> u32 {
        self.timestamp
    }

    fn advance(&mut self) {
        self.sequence = self.sequence.wrapping_add(1);
        self.timestamp = self.timestamp.wrapping_add(SAMPLES_PER_PACKET);
        self.marker = false;
    }
}

/// Reception statistics of the main SSRC (RFC 3550 §6.4.1 terms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceptionStats {
    /// The SSRC the statistics follow.
    pub ssrc: u32,
    /// Distinct packets received (duplicates not counted).
    pub received: u64,
    /// Packets expected from the first to the highest sequence number.
    pub expected: u64,
    /// `expected - received`, never negative.
    pub lost: u64,
    /// Copies of packets already received.
    pub duplicates: u64,
    /// Extended highest sequence number (cycles in the upper 16 bits).
    pub highest_sequence: u32,
    /// Interarrival jitter in timestamp units (as in an RTCP report block).
    pub jitter: u32,
    jitter_q4: u64,
}

impl ReceptionStats {
    /// Interarrival jitter in milliseconds at the 8 kHz G.711 clock.
    pub fn jitter_ms(&self) -> f64 {
        // jitter_q4 is the jitter in 1/16 timestamp units; 8 units per millisecond.
        self.jitter_q4 as f64 / 16.0 / f64::from(CLOCK_RATE / 1000)
    }
}

/// Parses incoming datagrams, latches onto the far end's address and keeps statistics.
#[derive(Debug, Clone)]
pub struct RtpReceiver {
    audio_payload_type: u8,
    latched: Option<SocketAddr>,
    foreign_packets: u64,
    main: Option<MainStream>,
}

impl RtpReceiver {
    /// A receiver for a call whose audio arrives with `audio_payload_type` (8 for PCMA).
    pub fn new(audio_payload_type: u8) -> RtpReceiver {
        RtpReceiver {
            audio_payload_type,
            latched: None,
            foreign_packets: 0,
            main: None,
        }
    }

    /// Whether a datagram from `from` may be handled: any source before the first valid
    /// packet, only the latched one after. A refusal is counted in
    /// [`RtpReceiver::foreign_packets`].
    pub fn accept_source(&mut self, from: SocketAddr) -> bool {
        let accepted = self.latched.is_none_or(|latched| latched == from);
        if !accepted {
            self.foreign_packets += 1;
        }
        accepted
    }

    /// Takes one datagram that arrived at `arrival` from `from`.
    ///
    /// Every valid packet from the accepted source is returned, whatever its SSRC or payload
    /// type; the first one latches its source.
    pub fn handle_datagram<'a>(
        &mut self,
        arrival: Instant,
        from: SocketAddr,
        datagram: &'a [u8],
    ) -> Result<RtpPacket<'a>, RtpError> {
        if !self.accept_source(from) {
            return Err(RtpError::ForeignSource(from));
        }
        let packet = RtpPacket::parse(datagram)?;
        self.latched.get_or_insert(from);
        self.account(arrival, &packet);
        Ok(packet)
    }

    /// The far end's media address, learnt from its first valid packet: send there.
    pub fn latched_source(&self) -> Option<SocketAddr> {
        self.latched
    }

    /// Forgets the latched address, so the next valid packet from anywhere latches again
    /// (for a new remote SDP). Statistics are kept.
    pub fn unlatch(&mut self) {
        self.latched = None;
    }

    /// Datagrams refused because they came from another address than the latched one.
    pub fn foreign_packets(&self) -> u64 {
        self.foreign_packets
    }

    /// Statistics of the main SSRC, once an audio packet has arrived.
    pub fn stats(&self) -> Option<ReceptionStats> {
        self.main.as_ref().map(MainStream::stats)
    }

    fn account(&mut self, arrival: Instant, packet: &RtpPacket<'_>) {
        let is_audio = packet.payload_type == self.audio_payload_type;
        match &mut self.main {
            Some(main) if main.ssrc == packet.ssrc => main.update(arrival, packet, is_audio),
            Some(_) => {}
            None if is_audio => self.main = Some(MainStream::start(arrival, packet)),
            None => {}
        }
    }
}

impl From<RtpReaderError> for RtpError {
    fn from(error: RtpReaderError) -> RtpError {
        match error {
            RtpReaderError::BufferTooShort(len) => RtpError::TooShort(len),
            RtpReaderError::UnsupportedVersion(version) => RtpError::Version(version),
            RtpReaderError::HeadersTruncated { .. } => RtpError::Truncated,
            RtpReaderError::PaddingLengthInvalid(len) => RtpError::Padding(len),
        }
    }
}

const MAX_PAYLOAD_TYPE: u8 = 127;
/// RTCP types 200–204 read as RTP payload types 72–76 (RFC 5761 §4).
const RTCP_IN_RTP_TYPES: std::ops::RangeInclusive<u8> = 72..=76;
/// RFC 3550 A.1: a larger step forward is a jump, not loss.
const MAX_DROPOUT: u16 = 3000;
/// RFC 3550 A.1: a packet up to this far behind the highest is late, not a jump.
const MAX_MISORDER: u16 = 100;
const SEQ_MOD: u64 = 1 << 16;
/// How far behind the highest sequence number duplicates are recognised; over MAX_MISORDER.
const WINDOW: u16 = 128;

/// Statistics of the main SSRC.
#[derive(Debug, Clone)]
struct MainStream {
    ssrc: u32,
    sequence: SequenceTracker,
    jitter: JitterEstimator,
}

impl MainStream {
    fn start(arrival: Instant, packet: &RtpPacket<'_>) -> MainStream {
        let mut jitter = JitterEstimator::new(arrival);
        jitter.update(arrival, packet.timestamp);
        MainStream {
            ssrc: packet.ssrc,
            sequence: SequenceTracker::new(packet.sequence),
            jitter,
        }
    }

    fn update(&mut self, arrival: Instant, packet: &RtpPacket<'_>, is_audio: bool) {
        let verdict = self.sequence.update(packet.sequence);
        if verdict == Verdict::Resync {
            self.jitter.restart();
        }
        if is_audio && matches!(verdict, Verdict::New | Verdict::Late | Verdict::Resync) {
            self.jitter.update(arrival, packet.timestamp);
        }
    }

    fn stats(&self) -> ReceptionStats {
        let seq = &self.sequence;
        let expected = seq.expected();
        let received = seq.received();
        ReceptionStats {
            ssrc: self.ssrc,
            received,
            expected,
            lost: expected.saturating_sub(received),
            duplicates: seq.duplicates,
            highest_sequence: (seq.highest - SEQ_MOD) as u32,
            jitter: (self.jitter.jitter_q4 >> 4) as u32,
            jitter_q4: self.jitter.jitter_q4,
        }
    }
}

/// What one sequence number did to the statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Ahead of the highest, within MAX_DROPOUT.
    New,
    /// Behind the highest, not seen before.
    Late,
    /// Seen before.
    Duplicate,
    /// Far from the highest; not counted until the next packet confirms it.
    Jump,
    /// Confirmed jump: counting starts over from here.
    Resync,
}

/// RFC 3550 A.1 extended sequence numbers, plus a window that recognises duplicates.
///
/// `highest` and `base` are extended numbers offset by one cycle, so a late packet before the
/// first one still has a place.
#[derive(Debug, Clone)]
struct SequenceTracker {
    base: u64,
    highest: u64,
    /// Bit k set: sequence `highest - k` has been received.
    window: u128,
    received: u64,
    duplicates: u64,
    bad_seq: Option<u16>,
    /// Totals of the runs before the last resync.
    earlier_expected: u64,
    earlier_received: u64,
}

impl SequenceTracker {
    fn new(seq: u16) -> SequenceTracker {
        let start = SEQ_MOD + u64::from(seq);
        SequenceTracker {
            base: start,
            highest: start,
            window: 1,
            received: 1,
            duplicates: 0,
            bad_seq: None,
            earlier_expected: 0,
            earlier_received: 0,
        }
    }

    fn update(&mut self, seq: u16) -> Verdict {
        let max = self.highest as u16;
        let ahead = seq.wrapping_sub(max);
        let behind = max.wrapping_sub(seq);
        if ahead < MAX_DROPOUT {
            self.advance(ahead)
        } else if behind < MAX_MISORDER {
            self.late(behind)
        } else {
            self.jump(seq)
        }
    }

    fn advance(&mut self, ahead: u16) -> Verdict {
        if ahead == 0 {
            return self.duplicate();
        }
        self.window = self.window.checked_shl(u32::from(ahead)).unwrap_or(0) | 1;
        self.highest += u64::from(ahead);
        self.received += 1;
        Verdict::New
    }

    fn late(&mut self, behind: u16) -> Verdict {
        debug_assert!(behind < WINDOW);
        let bit = 1u128 << behind;
        if self.window & bit != 0 {
            return self.duplicate();
        }
        self.window |= bit;
        self.received += 1;
        self.base = self.base.min(self.highest - u64::from(behind));
        Verdict::Late
    }

    fn duplicate(&mut self) -> Verdict {
        self.duplicates += 1;
        Verdict::Duplicate
    }

    fn jump(&mut self, seq: u16) -> Verdict {
        if self.bad_seq != Some(seq) {
            self.bad_seq = Some(seq.wrapping_add(1));
            return Verdict::Jump;
        }
        self.earlier_expected += self.run_expected();
        self.earlier_received += self.received;
        let duplicates = self.duplicates;
        *self = SequenceTracker {
            duplicates,
            earlier_expected: self.earlier_expected,
            earlier_received: self.earlier_received,
            ..SequenceTracker::new(seq)
        };
        Verdict::Resync
    }

    fn run_expected(&self) -> u64 {
        self.highest - self.base + 1
    }

    fn expected(&self) -> u64 {
        self.earlier_expected + self.run_expected()
    }

    fn received(&self) -> u64 {
        self.earlier_received + self.received
    }
}

/// RFC 3550 A.8 interarrival jitter, kept as 16 × the estimate in timestamp units.
#[derive(Debug, Clone)]
struct JitterEstimator {
    epoch: Instant,
    last_transit: Option<u32>,
    jitter_q4: u64,
}

impl JitterEstimator {
    fn new(epoch: Instant) -> JitterEstimator {
        JitterEstimator {
            epoch,
            last_transit: None,
            jitter_q4: 0,
        }
    }

    /// Forgets the previous transit time (the timestamps started over), keeping the estimate.
    fn restart(&mut self) {
        self.last_transit = None;
    }

    fn update(&mut self, arrival: Instant, timestamp: u32) {
        let transit = self.arrival_units(arrival).wrapping_sub(timestamp);
        if let Some(last) = self.last_transit.replace(transit) {
            let d = u64::from((transit.wrapping_sub(last) as i32).unsigned_abs());
            self.jitter_q4 = (self.jitter_q4 + d).saturating_sub((self.jitter_q4 + 8) >> 4);
        }
    }

    /// The arrival time in 8 kHz timestamp units since the first packet; wraps like RTP's.
    fn arrival_units(&self, arrival: Instant) -> u32 {
        let micros = arrival.saturating_duration_since(self.epoch).as_micros();
        (micros * u128::from(CLOCK_RATE) / 1_000_000) as u32
    }
}

#[cfg(test)]
mod tests {
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
        let start = crate::sip::virtual_epoch();
        let mut receiver = RtpReceiver::new(PCMA);
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
        let start = crate::sip::virtual_epoch();
        let mut receiver = RtpReceiver::new(PCMA);
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
        let start = crate::sip::virtual_epoch();
        let mut receiver = RtpReceiver::new(PCMA);
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
    fn latches_onto_the_first_valid_source() {
        let start = crate::sip::virtual_epoch();
        let mut receiver = RtpReceiver::new(PCMA);
        assert!(receiver.accept_source(stranger()));
        let garbage = receiver.handle_datagram(start, stranger(), b"not rtp");
        assert_eq!(garbage, Err(RtpError::TooShort(7)));
        assert_eq!(receiver.latched_source(), None);
        receiver
            .handle_datagram(start, far_end(), &datagram(PCMA, 1, 160, 7))
            .unwrap();
        assert_eq!(receiver.latched_source(), Some(far_end()));
        let second = datagram(PCMA, 2, 320, 7);
        let from_stranger = receiver.handle_datagram(start, stranger(), &second);
        assert_eq!(from_stranger, Err(RtpError::ForeignSource(stranger())));
        assert!(!receiver.accept_source(stranger()));
        assert_eq!(receiver.foreign_packets(), 2);
        assert_eq!(receiver.stats().unwrap().received, 1);
    }

    #[test]
    fn unlatch_follows_a_new_source() {
        let start = crate::sip::virtual_epoch();
        let mut receiver = RtpReceiver::new(PCMA);
        receiver
            .handle_datagram(start, far_end(), &datagram(PCMA, 1, 160, 7))
            .unwrap();
        receiver.unlatch();
        receiver
            .handle_datagram(start, stranger(), &datagram(PCMA, 2, 320, 7))
            .unwrap();
        assert_eq!(receiver.latched_source(), Some(stranger()));
        assert!(!receiver.accept_source(far_end()));
    }

    #[test]
    fn a_second_ssrc_from_the_latched_source_passes_without_touching_stats() {
        let start = crate::sip::virtual_epoch();
        let mut receiver = RtpReceiver::new(PCMA);
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
}
