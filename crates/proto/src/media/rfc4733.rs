//! RFC 4733 telephone-events: the keys a called member presses, carried in RTP.
//!
//! A keypress arrives as a burst of packets sharing one RTP timestamp (the event's start):
//! progress packets with a growing duration, then the end packet, usually sent three times.
//! Peers differ — some repeat the end packet's sequence number, some increment it, and
//! retransmissions replay the lot — so [`EventTracker`] identifies an event by (SSRC,
//! timestamp), never by sequence number, and reports its digit on the first of its packets to
//! arrive (the marker packet may be lost). It remembers the last [`REMEMBERED_EVENTS`] events,
//! so its memory is bounded whatever a peer sends.
//!
//! Only the negotiated payload types are read: SIPp's `play_dtmf` sends its events as PT 96
//! after ~400 ms of PT 97 filler, which must not be taken for events. The volume is masked
//! with 0x3F and the reserved R bit ignored, because SIPp leaves R random.
//!
//! Known limit: an event held past the 16-bit duration (over 8 s at 8 kHz) is continued with
//! a new timestamp (RFC 4733 §2.5.1.3) and would count again.

use crate::media::rtp::RtpPacket;

/// Bytes of one telephone-event payload.
pub const PAYLOAD_LEN: usize = 4;
/// How many recent events [`EventTracker`] remembers to recognise their repeats.
pub const REMEMBERED_EVENTS: usize = 16;

/// Why a payload is not a telephone-event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// Fewer than [`PAYLOAD_LEN`] bytes.
    #[error("telephone-event payload of {0} bytes, expected {PAYLOAD_LEN}")]
    TooShort(usize),
}

/// One telephone-event payload (RFC 4733 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelephoneEvent {
    /// The event code: 0–15 are the DTMF keys.
    pub event: u8,
    /// The E bit: this packet ends the event.
    pub end: bool,
    /// The volume in -dBm0, 0–63; the reserved R bit is masked off.
    pub volume: u8,
    /// The duration so far, in timestamp units.
    pub duration: u16,
}

impl TelephoneEvent {
    /// Reads the first event of an RTP payload; bytes after it (RFC 2198 tails, padding
    /// left by broken senders) are ignored.
    pub fn parse(payload: &[u8]) -> Result<TelephoneEvent, EventError> {
        let &[event, flags, duration_high, duration_low, ..] = payload else {
            return Err(EventError::TooShort(payload.len()));
        };
        Ok(TelephoneEvent {
            event,
            end: flags & END_BIT != 0,
            volume: flags & VOLUME_MASK,
            duration: u16::from_be_bytes([duration_high, duration_low]),
        })
    }

    /// The key this event stands for, if it is a DTMF event.
    pub fn digit(&self) -> Option<char> {
        digit_for_event(self.event)
    }
}

/// The key for a DTMF event code: 0–9 → `'0'`–`'9'`, 10 → `'*'`, 11 → `'#'`, 12–15 →
/// `'A'`–`'D'`; other codes (flash, tones) are not keys.
pub fn digit_for_event(event: u8) -> Option<char> {
    DTMF_KEYS
        .get(usize::from(event))
        .map(|&key| char::from(key))
}

/// Turns the telephone-event packets of a call into keypresses, each counted once.
#[derive(Debug, Clone)]
pub struct EventTracker {
    /// Bit n set: payload type n carries telephone-events.
    payload_types: u128,
    recent: [Option<EventKey>; REMEMBERED_EVENTS],
    next_slot: usize,
}

impl EventTracker {
    /// A tracker for the given telephone-event payload types: ours from the offer, and the
    /// far end's from the answer when it differs. Values over 127 are ignored.
    pub fn new(payload_types: &[u8]) -> EventTracker {
        let payload_types = payload_types
            .iter()
            .filter_map(|&pt| 1u128.checked_shl(u32::from(pt)))
            .fold(0, |mask, bit| mask | bit);
        EventTracker {
            payload_types,
            recent: [None; REMEMBERED_EVENTS],
            next_slot: 0,
        }
    }

    /// Takes any RTP packet of the call; returns its key when the packet is the first seen of
    /// a new DTMF event. Other payload types, malformed payloads, non-key events and repeats
    /// of a known event give `None`.
    pub fn handle_packet(&mut self, packet: &RtpPacket<'_>) -> Option<char> {
        if !self.carries_events(packet.payload_type) {
            return None;
        }
        let digit = TelephoneEvent::parse(packet.payload).ok()?.digit()?;
        let key = EventKey {
            ssrc: packet.ssrc,
            timestamp: packet.timestamp,
        };
        if self.recent.contains(&Some(key)) {
            return None;
        }
        self.remember(key);
        Some(digit)
    }

    fn carries_events(&self, payload_type: u8) -> bool {
        1u128
            .checked_shl(u32::from(payload_type))
            .is_some_and(|bit| self.payload_types & bit != 0)
    }

    fn remember(&mut self, key: EventKey) {
        if let Some(slot) = self.recent.get_mut(self.next_slot) {
            *slot = Some(key);
        }
        self.next_slot = (self.next_slot + 1) % REMEMBERED_EVENTS;
    }
}

const END_BIT: u8 = 0x80;
const VOLUME_MASK: u8 = 0x3f;
const DTMF_KEYS: &[u8; 16] = b"0123456789*#ABCD";

/// What makes an event unique: its stream and its start timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct EventKey {
    ssrc: u32,
    timestamp: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENT_PT: u8 = 101;

    /// A telephone-event packet; the tracker does not look at sequence numbers, but the
    /// tests set them as the peers in PEERS.md do.
    fn packet(pt: u8, seq: u16, ts: u32, payload: &[u8]) -> RtpPacket<'_> {
        RtpPacket {
            payload_type: pt,
            marker: false,
            sequence: seq,
            timestamp: ts,
            ssrc: 0xcafe,
            payload,
        }
    }

    fn event(code: u8, end: bool, duration: u16) -> [u8; 4] {
        let [high, low] = duration.to_be_bytes();
        [code, if end { 0x8a } else { 0x0a }, high, low]
    }

    /// Feeds packets (seq, payload) of one event at timestamp `ts`; collects reported digits.
    fn digits(tracker: &mut EventTracker, ts: u32, burst: &[(u16, [u8; 4])]) -> String {
        burst
            .iter()
            .filter_map(|(seq, payload)| {
                tracker.handle_packet(&packet(EVENT_PT, *seq, ts, payload))
            })
            .collect()
    }

    fn burst(code: u8, end_seqs: [u16; 3]) -> Vec<(u16, [u8; 4])> {
        let mut packets = vec![(1, event(code, false, 160)), (2, event(code, false, 320))];
        packets.extend(end_seqs.map(|seq| (seq, event(code, true, 480))));
        packets
    }

    #[test]
    fn all_sixteen_events_map_to_keys() {
        let keys: String = (0..16).map(|code| digit_for_event(code).unwrap()).collect();
        assert_eq!(keys, "0123456789*#ABCD");
        assert!((16..=255).all(|code| digit_for_event(code).is_none()));
    }

    #[test]
    fn parses_fields_and_masks_volume() {
        let parsed = TelephoneEvent::parse(&[11, 0x8a, 0x01, 0xe0]).unwrap();
        let expected = TelephoneEvent {
            event: 11,
            end: true,
            volume: 10,
            duration: 480,
        };
        assert_eq!(parsed, expected);
        assert_eq!(parsed.digit(), Some('#'));
    }

    #[test]
    fn r_bit_is_ignored() {
        let with_r = TelephoneEvent::parse(&[5, 0x4a, 0, 160]).unwrap();
        let with_e_and_r = TelephoneEvent::parse(&[5, 0xff, 0, 160]).unwrap();
        assert_eq!((with_r.end, with_r.volume), (false, 10));
        assert_eq!((with_e_and_r.end, with_e_and_r.volume), (true, 63));
    }

    #[test]
    fn short_payloads_are_errors_and_tails_ignored() {
        assert_eq!(
            TelephoneEvent::parse(&[1, 2, 3]),
            Err(EventError::TooShort(3))
        );
        assert_eq!(TelephoneEvent::parse(&[]), Err(EventError::TooShort(0)));
        assert_eq!(TelephoneEvent::parse(&[1, 0, 0, 1, 9, 9]).unwrap().event, 1);
    }

    #[test]
    fn end_packets_repeated_with_the_same_sequence_count_once() {
        let mut tracker = EventTracker::new(&[EVENT_PT]);
        assert_eq!(digits(&mut tracker, 8000, &burst(1, [3, 3, 3])), "1");
    }

    #[test]
    fn end_packets_with_incrementing_sequences_count_once() {
        let mut tracker = EventTracker::new(&[EVENT_PT]);
        assert_eq!(digits(&mut tracker, 8000, &burst(9, [3, 4, 5])), "9");
    }

    #[test]
    fn a_retransmitted_burst_counts_once() {
        let mut tracker = EventTracker::new(&[EVENT_PT]);
        let first = burst(10, [3, 4, 5]);
        assert_eq!(digits(&mut tracker, 8000, &first), "*");
        assert_eq!(digits(&mut tracker, 8000, &first), "");
    }

    #[test]
    fn a_lost_start_is_reported_on_the_first_end_packet() {
        let mut tracker = EventTracker::new(&[EVENT_PT]);
        let ends = [(7, event(4, true, 800)), (7, event(4, true, 800))];
        assert_eq!(digits(&mut tracker, 1600, &ends), "4");
    }

    #[test]
    fn the_same_key_pressed_twice_counts_twice() {
        let mut tracker = EventTracker::new(&[EVENT_PT]);
        assert_eq!(digits(&mut tracker, 8000, &burst(1, [3, 3, 3])), "1");
        assert_eq!(digits(&mut tracker, 12000, &burst(1, [3, 3, 3])), "1");
    }

    #[test]
    fn the_same_timestamp_on_another_ssrc_is_another_event() {
        let mut tracker = EventTracker::new(&[EVENT_PT]);
        let payload = event(2, false, 160);
        let first = packet(EVENT_PT, 1, 8000, &payload);
        let other_stream = RtpPacket {
            ssrc: 0xbeef,
            ..first
        };
        assert_eq!(tracker.handle_packet(&first), Some('2'));
        assert_eq!(tracker.handle_packet(&other_stream), Some('2'));
    }

    #[test]
    fn only_negotiated_payload_types_are_read() {
        // SIPp play_dtmf: PT 97 filler first, then events as PT 96.
        let mut tracker = EventTracker::new(&[EVENT_PT, 96]);
        let filler = [0x03, 0x00, 0x00, 0xa0];
        assert_eq!(tracker.handle_packet(&packet(97, 1, 0, &filler)), None);
        assert_eq!(tracker.handle_packet(&packet(8, 2, 160, &filler)), None);
        assert_eq!(
            tracker.handle_packet(&packet(96, 3, 320, &event(5, false, 160))),
            Some('5')
        );
        let mut only_101 = EventTracker::new(&[EVENT_PT]);
        assert_eq!(
            only_101.handle_packet(&packet(96, 3, 320, &event(5, false, 160))),
            None
        );
    }

    #[test]
    fn out_of_range_payload_types_are_ignored() {
        let tracker = EventTracker::new(&[200, 128, 255]);
        assert_eq!(tracker.payload_types, 0);
    }

    #[test]
    fn non_key_events_and_malformed_payloads_give_nothing() {
        let mut tracker = EventTracker::new(&[EVENT_PT]);
        let flash = event(16, false, 160);
        assert_eq!(tracker.handle_packet(&packet(EVENT_PT, 1, 0, &flash)), None);
        assert_eq!(
            tracker.handle_packet(&packet(EVENT_PT, 2, 160, &[1, 0])),
            None
        );
        assert_eq!(
            tracker.handle_packet(&packet(EVENT_PT, 3, 160, &event(1, false, 80))),
            Some('1')
        );
    }

    #[test]
    fn memory_is_bounded_to_the_most_recent_events() {
        let mut tracker = EventTracker::new(&[EVENT_PT]);
        let payload = event(0, true, 160);
        let count = REMEMBERED_EVENTS as u32 + 1;
        let reported = (0..count)
            .filter(|&i| {
                tracker
                    .handle_packet(&packet(EVENT_PT, 0, i * 1000, &payload))
                    .is_some()
            })
            .count();
        assert_eq!(reported, REMEMBERED_EVENTS + 1);
        let newest = packet(EVENT_PT, 0, (count - 1) * 1000, &payload);
        assert_eq!(tracker.handle_packet(&newest), None);
        let oldest_forgotten = packet(EVENT_PT, 0, 0, &payload);
        assert_eq!(tracker.handle_packet(&oldest_forgotten), Some('0'));
    }
}
