//! One answered call's media, sans-IO: the [`Script`]'s audio out as paced RTP, the member's
//! audio in, and keys from any of the three paths — RFC 4733 events, SIP INFO, in-band tones.
//! The script is an alert call's program or a call-back playlist. The member's audio also goes
//! to the program, whose answering-machine detector listens to it right after the answer; a
//! playlist (the member called us) has no detector and hears only keys.
//!
//! The session is owned by one task, which feeds it datagrams and INFO keys with the time and
//! drains what it has to say with [`MediaSession::poll_event`]: each key, the member's
//! confirmation (of the program, or of each playlist item), the answering-machine verdict, a
//! silence worth asking about, and its end.
//!
//! Silence from the far end does not end the session: phones with silence suppression send
//! nothing (or RFC 3389 comfort noise) while the member listens. After
//! [`SessionSetup::silence`] without a valid RTP packet of any payload type, the session says
//! [`MediaEvent::Silent`] (again after each further such stretch), so the driver can ask the
//! signalling whether the far end is still there.
//!
//! A digit is counted once: the same key reported by a second path within
//! [`SAME_KEY_WINDOW`] of the first is the same press (a phone may send both an RFC 4733
//! event and the tone). Packets are due on an absolute 20 ms grid from the first deadline the
//! driver gives; a late driver gets every due packet, in order, with its own timestamp.

use crate::media::amd::Answerer;
use crate::media::dtmf_relay::digit_from_info;
use crate::media::g711;
use crate::media::inband::InbandDetector;
use crate::media::playlist::ItemOutcome;
use crate::media::program::{FRAME, ProgramEnd};
use crate::media::rfc4733::EventTracker;
use crate::media::rtp::{MediaPeer, RtpReceiver, RtpSender, SenderStart};
use crate::time::Instant;
use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

mod script;

use script::Player;
pub use script::Script;

/// Two reports of the same key closer than this are one press.
pub const SAME_KEY_WINDOW: Duration = Duration::from_millis(400);

/// How a digit arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DigitPath {
    /// RFC 4733 telephone-event.
    Rfc4733,
    /// SIP INFO.
    Info,
    /// A tone in the audio.
    Inband,
}

/// A key the member pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Digit {
    /// The key.
    pub digit: char,
    /// How it arrived.
    pub via: DigitPath,
    /// Since the media started, in ms.
    pub at_ms: u64,
}

/// Why the media ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaEnd {
    /// The program finished this way.
    Program(ProgramEnd),
    /// The call-back playlist played to its end.
    Playlist,
    /// The call ended on the signalling side (a BYE) and the media with it.
    Stopped,
}

/// What a session tells its owner, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaEvent {
    /// A key, counted once whatever path brought it.
    Key(Digit),
    /// The program accepted the member's `1` after the message was heard through; said once,
    /// before the thank-you plays.
    Confirmed,
    /// The playlist accepted the member's `1` for this item (its index) after its message was
    /// heard through; said once per item, before the thank-you plays.
    ItemConfirmed(usize),
    /// The answering-machine detector decided who answered; said once.
    Answerer(Answerer),
    /// No RTP came from the far end for [`SessionSetup::silence`].
    Silent,
    /// The media is over; said once, last.
    Ended(MediaEnd),
}

/// What a session needs.
#[derive(Debug, Clone)]
pub struct SessionSetup {
    /// What to play: an alert call's program or a call-back playlist, with its audio encoded
    /// in the negotiated codec.
    pub script: Script,
    /// Our SSRC, first sequence and timestamp, payload type.
    pub rtp: SenderStart,
    /// Payload types that carry telephone-events towards us: the one we offered, and the
    /// far end's from its answer (RFC 3264 says ours, many peers use theirs).
    pub telephone_events: Vec<u8>,
    /// Where the SDP answer says to send RTP; the only source heard, but for one latched at
    /// the start (see [`crate::media::rtp::MediaPeer`]).
    pub remote: SocketAddr,
    /// The IP address the SIP answer came from: a source on it may be latched at the start.
    pub signalling: Option<IpAddr>,
    /// Keep the far end's audio (decoded), up to [`MAX_RECORDING`].
    pub record: bool,
    /// How long the far end may send nothing before [`MediaEvent::Silent`].
    pub silence: Duration,
}

/// The most far-end audio a session keeps: ten minutes at 8 kHz.
pub const MAX_RECORDING: usize = 8000 * 600;

/// Counters for the call report.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MediaStats {
    /// Audio played.
    pub played: Duration,
    /// RTP packets handed to the socket without error.
    pub sent: u64,
    /// RTP packets the socket refused (full buffer, unreachable): lost on our side.
    pub send_errors: u64,
    /// Audio RTP packets received.
    pub received: u64,
    /// Packets lost on the way in.
    pub lost: u64,
    /// Datagrams dropped because they came from a source the call does not hear.
    pub refused: u64,
    /// RFC 3550 interarrival jitter, ms.
    pub jitter_ms: f64,
}

/// One call's media.
#[derive(Debug)]
pub struct MediaSession {
    player: Player,
    sender: RtpSender,
    receiver: RtpReceiver,
    events: EventTracker,
    inband: InbandDetector,
    payload_type: u8,
    started: Instant,
    next_packet: Instant,
    last_heard: Instant,
    digits: Vec<Digit>,
    last_key: Option<(char, DigitPath, Instant)>,
    ended: Option<MediaEnd>,
    sent: u64,
    send_errors: u64,
    samples: Vec<i16>,
    recording: Option<Vec<i16>>,
    silence: Duration,
    silent_at: Instant,
    told: Told,
    news: VecDeque<MediaEvent>,
}

/// What the session has said already, of what it says once.
#[derive(Debug, Default)]
struct Told {
    confirmed: bool,
    answerer: bool,
    ended: bool,
}

impl MediaSession {
    /// A session whose first packet is due at `first_packet`.
    pub fn new(now: Instant, first_packet: Instant, setup: SessionSetup) -> MediaSession {
        let payload_type = setup.rtp.payload_type;
        let events = EventTracker::new(&setup.telephone_events);
        MediaSession {
            player: Player::new(setup.script),
            sender: RtpSender::new(setup.rtp).unwrap_or_else(|_| {
                RtpSender::new(SenderStart {
                    payload_type: 8,
                    ..setup.rtp
                })
                .unwrap_or_else(|_| unreachable!("8 is a valid payload type"))
            }),
            receiver: RtpReceiver::new(
                payload_type,
                MediaPeer::starting(now, setup.remote, setup.signalling),
            ),
            events,
            inband: InbandDetector::new(),
            payload_type,
            started: now,
            next_packet: first_packet,
            last_heard: now,
            digits: Vec::new(),
            last_key: None,
            ended: None,
            sent: 0,
            send_errors: 0,
            samples: Vec::with_capacity(160),
            recording: setup.record.then(Vec::new),
            silence: setup.silence,
            silent_at: now + setup.silence,
            told: Told::default(),
            news: VecDeque::new(),
        }
    }

    /// A datagram on our RTP port. One from a source the call does not hear is dropped
    /// before it is read: it carries no key and does not count as the far end being alive.
    pub fn handle_datagram(&mut self, now: Instant, from: SocketAddr, datagram: &[u8]) {
        let Ok(packet) = self.receiver.handle_datagram(now, from, datagram) else {
            return;
        };
        self.last_heard = now;
        self.silent_at = now + self.silence;
        if let Some(digit) = self.events.handle_packet(&packet) {
            self.key(now, digit, DigitPath::Rfc4733);
        } else if packet.payload_type == self.payload_type {
            self.samples.clear();
            self.samples
                .extend(packet.payload.iter().map(|b| decode(self.payload_type, *b)));
            for digit in self.inband.process(&self.samples) {
                self.key(now, digit, DigitPath::Inband);
            }
            self.player.handle_audio(&self.samples);
            if let Some(recording) = self.recording.as_mut().filter(|r| r.len() < MAX_RECORDING) {
                recording.extend_from_slice(&self.samples);
            }
        }
        self.take_news();
    }

    /// A SIP INFO inside the call.
    pub fn handle_info(&mut self, now: Instant, content_type: &str, body: &[u8]) {
        if let Some(digit) = digit_from_info(content_type, body) {
            self.key(now, digit, DigitPath::Info);
        }
        self.take_news();
    }

    /// When the last valid RTP packet arrived (audio, comfort noise, an event, anything), or
    /// the session's start before any.
    pub fn last_heard(&self) -> Instant {
        self.last_heard
    }

    /// Writes the next due packet into `out` and returns where to send it; `None` when no
    /// packet is due at `now` (or the script is over).
    pub fn poll_packet(&mut self, now: Instant, out: &mut Vec<u8>) -> Option<SocketAddr> {
        self.check_silence(now);
        if self.ended.is_some() || now < self.next_packet {
            return None;
        }
        let Some(frame) = self.player.next_frame() else {
            self.ended = self.player.end();
            self.take_news();
            return None;
        };
        self.next_packet += FRAME;
        self.take_news();
        out.clear();
        self.sender.write_packet(&frame, out);
        Some(self.receiver.destination())
    }

    /// What became of the packet `poll_packet` just wrote: counted as sent only once the
    /// socket took it.
    pub fn record_send(&mut self, sent: bool) {
        if sent {
            self.sent += 1;
        } else {
            self.send_errors += 1;
        }
    }

    /// When `poll_packet` has work next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.ended.is_none().then_some(self.next_packet)
    }

    /// Stops the media at once (the far end hung up).
    pub fn stop(&mut self) {
        self.ended.get_or_insert(MediaEnd::Stopped);
        self.take_news();
    }

    /// The next thing the session has to say.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<MediaEvent> {
        self.news.pop_front()
    }

    /// Why the media ended, once it has.
    pub fn end(&self) -> Option<MediaEnd> {
        self.ended
    }

    /// The keys received so far, in order.
    pub fn digits(&self) -> &[Digit] {
        &self.digits
    }

    /// True once the program accepted a `1` as the member's confirmation (see
    /// [`crate::media::program`] for the rule); set before the thank-you plays. Always false
    /// for a playlist: see [`MediaSession::items`].
    pub fn confirmed(&self) -> bool {
        self.player.confirmed()
    }

    /// What became of each playlist item so far; empty for an alert call's program.
    pub fn items(&self) -> &[ItemOutcome] {
        self.player.items()
    }

    /// How many times the message has started playing; for a playlist, every item's message
    /// counted.
    pub fn message_starts(&self) -> u32 {
        self.player.message_starts()
    }

    /// Who answered, once the program's detector decided; `None` without detection.
    pub fn answerer(&self) -> Option<Answerer> {
        self.player.answerer()
    }

    /// The far end's audio, when recording was asked for.
    pub fn recording(&self) -> Option<&[i16]> {
        self.recording.as_deref()
    }

    /// Counters for the report.
    pub fn stats(&self) -> MediaStats {
        let received = self.receiver.stats();
        MediaStats {
            played: self.player.played(),
            sent: self.sent,
            send_errors: self.send_errors,
            received: received.map_or(0, |s| s.received),
            lost: received.map_or(0, |s| s.lost),
            refused: self.receiver.foreign_packets(),
            jitter_ms: received.map_or(0.0, |s| s.jitter_ms()),
        }
    }

    fn key(&mut self, now: Instant, digit: char, via: DigitPath) {
        let repeat = self.last_key.is_some_and(|(last, path, at)| {
            last == digit && path != via && now.saturating_duration_since(at) < SAME_KEY_WINDOW
        });
        if repeat {
            return;
        }
        self.last_key = Some((digit, via, now));
        let at_ms = u64::try_from(now.saturating_duration_since(self.started).as_millis())
            .unwrap_or(u64::MAX);
        let key = Digit { digit, via, at_ms };
        self.digits.push(key);
        self.news.push_back(MediaEvent::Key(key));
        self.player.handle_digit(digit);
    }

    /// Queues what the script decided since last asked, each once, the end last.
    fn take_news(&mut self) {
        if self.player.confirmed() && !self.told.confirmed {
            self.told.confirmed = true;
            self.news.push_back(MediaEvent::Confirmed);
        }
        while let Some(item) = self.player.take_confirmed_item() {
            self.news.push_back(MediaEvent::ItemConfirmed(item));
        }
        if let Some(answerer) = self.player.answerer().filter(|_| !self.told.answerer) {
            self.told.answerer = true;
            self.news.push_back(MediaEvent::Answerer(answerer));
        }
        if let Some(end) = self.ended.filter(|_| !self.told.ended) {
            self.told.ended = true;
            self.news.push_back(MediaEvent::Ended(end));
        }
    }

    fn check_silence(&mut self, now: Instant) {
        if self.ended.is_none() && now >= self.silent_at {
            self.silent_at = now + self.silence;
            self.news.push_back(MediaEvent::Silent);
        }
    }
}

fn decode(payload_type: u8, byte: u8) -> i16 {
    if payload_type == 0 {
        g711::ulaw_decode(byte)
    } else {
        g711::alaw_decode(byte)
    }
}

#[cfg(test)]
mod event_tests;
#[cfg(test)]
mod playlist_tests;
#[cfg(test)]
mod source_tests;
#[cfg(test)]
mod tests;
