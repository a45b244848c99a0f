//! RTP (RFC 3550) for one G.711 call: [`RtpSender`] stamps our outgoing 20 ms packets and
//! [`RtpReceiver`] parses what arrives from the sources the call hears and keeps reception
//! statistics. The `rtp-rs` crate reads and writes the header bytes.
//!
//! Sans-IO: the driver owns the socket and the clock. It hands every datagram in with its
//! arrival time and source address, and sends what the sender writes to
//! [`RtpReceiver::destination`]: the address in the SDP answer, or the source latched at the
//! start of the call (symmetric RTP, RFC 4961).
//!
//! Decisions a reader needs:
//! - **Strict sources** ([`source`]). Only the SDP answer's address and port is heard, plus at
//!   most one other source latched in the first [`LATCH_WINDOW`] from the same IP address as
//!   the SDP or the signalling, before the SDP address has sent anything. Everything else is
//!   refused before it is parsed, so a forged key event never reaches the call. A new remote
//!   SDP (re-INVITE) calls for [`RtpReceiver::renegotiate`].
//! - **More than one SSRC from a heard source is normal.** SIPp sends RFC 4733 digits on a
//!   second SSRC while `rtp_stream` plays audio, so every SSRC from a heard source is
//!   handed back to the caller. Statistics follow one *main* SSRC only: the first that carries
//!   the audio payload type. A peer that changes SSRC mid-call leaves the statistics on the
//!   first one.
//! - **Loss never goes negative.** Duplicates are recognised in a 128-packet window behind the
//!   highest sequence number and not counted again; jumps follow RFC 3550 A.1 (a jump is
//!   believed once a second packet continues from it).
//! - **Jitter** (RFC 3550 A.8) is computed from audio packets only: RFC 4733 packets repeat
//!   their event's timestamp, which would read as jitter.

mod source;

pub use source::{LATCH_WINDOW, MediaPeer};

use crate::time::Instant;
use rtp_rs::{RtpPacketBuilder, RtpReader, RtpReaderError, Seq};
use source::{Admission, SourceFilter};
use std::net::SocketAddr;

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
    /// A packet from a source the call does not hear (see [`source`]).
    #[error("packet from {0}, a source this call does not hear")]
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

/// Parses incoming datagrams from the sources the call hears and keeps statistics.
#[derive(Debug, Clone)]
pub struct RtpReceiver {
    audio_payload_type: u8,
    sources: SourceFilter,
    main: Option<MainStream>,
}

impl RtpReceiver {
    /// A receiver for a call whose audio arrives with `audio_payload_type` (8 for PCMA) from
    /// `peer`.
    pub fn new(audio_payload_type: u8, peer: MediaPeer) -> RtpReceiver {
        RtpReceiver {
            audio_payload_type,
            sources: SourceFilter::new(peer),
            main: None,
        }
    }

    /// Takes one datagram that arrived at `arrival` from `from`.
    ///
    /// A datagram from a source the call does not hear is refused before it is parsed
    /// ([`RtpError::ForeignSource`]). Every valid packet from a heard source is returned,
    /// whatever its SSRC or payload type.
    pub fn handle_datagram<'a>(
        &mut self,
        arrival: Instant,
        from: SocketAddr,
        datagram: &'a [u8],
    ) -> Result<RtpPacket<'a>, RtpError> {
        let admission = self.sources.admit(arrival, from);
        if admission == Admission::Refused {
            return Err(RtpError::ForeignSource(from));
        }
        let packet = RtpPacket::parse(datagram)?;
        self.sources.heard(from, admission);
        self.account(arrival, &packet);
        Ok(packet)
    }

    /// Where to send our RTP: the source latched at the start, else the SDP answer's address.
    pub fn destination(&self) -> SocketAddr {
        self.sources.destination()
    }

    /// The other source latched at the start of the call (a phone behind NAT), if any.
    pub fn latched_source(&self) -> Option<SocketAddr> {
        self.sources.latched()
    }

    /// A new remote SDP (re-INVITE): hears `peer` from now on, latching allowed again until
    /// its `latch_until`. Statistics are kept.
    pub fn renegotiate(&mut self, peer: MediaPeer) {
        self.sources.renegotiate(peer);
    }

    /// Datagrams refused because they came from a source the call does not hear.
    pub fn foreign_packets(&self) -> u64 {
        self.sources.refused()
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
mod tests;
