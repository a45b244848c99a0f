//! The member's media: one RTP packet out every 20 ms tick (silence, an in-band tone while a
//! key is down, or RFC 4733 events in its place), the gateway's audio in, decoded, kept and
//! listened to for cues.
//!
//! The codec is the gateway's choice: the first of ours it kept in its answer, or the first
//! G.711 law of its own offer (late offer). Events go with the gateway's telephone-event
//! payload type, from its answer or its offer (101 when it names none).

use super::DialInResult;
use crate::sim::ear::Ear;
use crate::sim::line::{PRESS, decode, dtmf_tone, encode, event_payload, rtp_payload};
use crate::sim::script::PressMethod;
use crate::telephony::clock;
use buurtbel_phone::Audio;
use rand::Rng;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::UdpSocket;

/// The telephone-event payload type we offer, and use when the gateway names none.
const EVENT_TYPE: u8 = 101;
/// Samples per 20 ms packet, and the timestamp step.
const FRAME: u32 = 160;
/// How long one tick lasts.
const TICK: Duration = Duration::from_millis(20);
/// End packets sent for each event (RFC 4733 §2.5.1.4).
const END_COPIES: usize = 3;

/// Our offer: PCMA, PCMU and telephone-event at `rtp`.
pub(super) fn offer(rtp: SocketAddr) -> Audio {
    Audio {
        address: rtp.ip(),
        port: rtp.port(),
        formats: vec![8, 0, EVENT_TYPE],
        rtpmaps: vec![
            (8, "PCMA/8000".to_owned()),
            (0, "PCMU/8000".to_owned()),
            (EVENT_TYPE, "telephone-event/8000".to_owned()),
        ],
    }
}

/// The media of an answered call.
pub(super) struct Media {
    socket: UdpSocket,
    remote: SocketAddr,
    payload_type: u8,
    event_type: u8,
    ssrc: u32,
    sequence: u16,
    timestamp: u32,
    /// The codec's byte for a zero sample.
    silence: u8,
    key: Option<Key>,
    /// Listens for the cues of the member's cued keys.
    pub(super) ear: Ear,
}

/// A key on its way.
#[derive(Debug, Clone, Copy)]
enum Key {
    /// In-band: ticks of tone still to send.
    Tone { digit: char, ticks: u32 },
    /// RFC 4733: the event's timestamp and the packets sent so far.
    Event {
        digit: char,
        timestamp: u32,
        sent: u32,
    },
}

impl Media {
    /// The media the gateway's `answer` to our offer sets up; `None` when it refuses the
    /// stream or keeps none of our codecs.
    pub(super) fn answered(socket: UdpSocket, answer: &Audio) -> Option<Media> {
        Media::agreed(socket, answer)
    }

    /// Answers the gateway's `offer` (a late offer): the media and our answer; `None` when it
    /// offers no usable audio.
    pub(super) fn answer(socket: UdpSocket, offer: &Audio) -> Option<(Media, Audio)> {
        let local = socket.local_addr().ok()?;
        let media = Media::agreed(socket, offer)?;
        let mut formats = vec![media.payload_type];
        let mut rtpmaps = Vec::new();
        if let Some(event_type) = offer.telephone_event() {
            formats.push(event_type);
            rtpmaps.push((event_type, "telephone-event/8000".to_owned()));
        }
        let answer = Audio {
            address: local.ip(),
            port: local.port(),
            formats,
            rtpmaps,
        };
        Some((media, answer))
    }

    /// Starts a key: RFC 4733 events or an in-band tone (INFO is the caller's).
    pub(super) fn press(&mut self, digit: char, method: PressMethod) {
        let ticks = u32::try_from(PRESS.as_millis() / TICK.as_millis()).unwrap_or(1);
        self.key = match method {
            PressMethod::Inband => Some(Key::Tone { digit, ticks }),
            PressMethod::Rfc4733 => Some(Key::Event {
                digit,
                timestamp: self.timestamp,
                sent: 0,
            }),
            PressMethod::Info => self.key,
        };
    }

    /// Sends this tick's packet: an event, a tone or silence.
    pub(super) async fn tick(&mut self) {
        let packets = match self.key {
            Some(Key::Event { .. }) => self.event_packets(),
            Some(Key::Tone { digit, ticks }) => {
                self.key = (ticks > 1).then_some(Key::Tone {
                    digit,
                    ticks: ticks - 1,
                });
                let tone = dtmf_tone(digit, self.timestamp);
                let payload: Vec<u8> = tone.iter().map(|s| encode(self.payload_type, *s)).collect();
                vec![self.packet(self.payload_type, false, self.timestamp, &payload)]
            }
            None => {
                let payload = vec![self.silence; FRAME as usize];
                vec![self.packet(self.payload_type, false, self.timestamp, &payload)]
            }
        };
        self.timestamp = self.timestamp.wrapping_add(FRAME);
        for packet in packets {
            let _ = self.socket.send_to(&packet, self.remote).await;
        }
    }

    /// Waits for a datagram on our RTP port.
    pub(super) async fn receive(&self, buffer: &mut [u8]) -> io::Result<usize> {
        self.socket.recv_from(buffer).await.map(|(n, _)| n)
    }

    /// Takes a datagram: the gateway's audio is decoded, kept and listened to; anything else
    /// is dropped.
    pub(super) fn hear(&mut self, datagram: &[u8], report: &mut DialInResult) {
        let Some((payload_type, payload)) = rtp_payload(datagram) else {
            return;
        };
        if payload_type != self.payload_type {
            return;
        }
        report.rtp_received += 1;
        let start = report.heard.len();
        report
            .heard
            .extend(payload.iter().map(|b| decode(payload_type, *b)));
        let samples = report.heard.get(start..).unwrap_or_default();
        self.ear.hear(clock::now(), samples);
    }

    /// The media both sides agree on from the other side's `audio`: its first G.711 law.
    fn agreed(socket: UdpSocket, audio: &Audio) -> Option<Media> {
        if audio.port == 0 {
            return None;
        }
        let payload_type = audio
            .formats
            .iter()
            .copied()
            .find(|pt| *pt == 8 || *pt == 0)?;
        let (ssrc, sequence, timestamp) = rand::rng().random();
        Some(Media {
            socket,
            remote: SocketAddr::new(audio.address, audio.port),
            payload_type,
            event_type: audio.telephone_event().unwrap_or(EVENT_TYPE),
            ssrc,
            sequence,
            timestamp,
            silence: encode(payload_type, 0),
            key: None,
            ear: Ear::default(),
        })
    }

    /// This tick's event packets: one while the key is down, the end packet three times
    /// once it has lasted [`PRESS`]. They take the audio's place.
    fn event_packets(&mut self) -> Vec<Vec<u8>> {
        let Some(Key::Event {
            digit,
            timestamp,
            sent,
        }) = self.key
        else {
            return Vec::new();
        };
        let duration = (sent + 1) * FRAME;
        let end = Duration::from_millis(u64::from(sent + 1) * 20) >= PRESS;
        let payload = event_payload(digit, end, duration);
        let copies = if end { END_COPIES } else { 1 };
        let packets = (0..copies)
            .map(|_| self.packet(self.event_type, sent == 0, timestamp, &payload))
            .collect();
        self.key = (!end).then_some(Key::Event {
            digit,
            timestamp,
            sent: sent + 1,
        });
        packets
    }

    /// An RTP packet built by hand (12-byte header, no CSRC, no extension).
    fn packet(
        &mut self,
        payload_type: u8,
        marker: bool,
        timestamp: u32,
        payload: &[u8],
    ) -> Vec<u8> {
        let mut packet = Vec::with_capacity(12 + payload.len());
        packet.push(0x80);
        packet.push(payload_type | if marker { 0x80 } else { 0 });
        packet.extend_from_slice(&self.sequence.to_be_bytes());
        packet.extend_from_slice(&timestamp.to_be_bytes());
        packet.extend_from_slice(&self.ssrc.to_be_bytes());
        packet.extend_from_slice(payload);
        self.sequence = self.sequence.wrapping_add(1);
        packet
    }
}
