//! One simulated call: ringing, the final response, then 20 ms RTP both ways with keypresses
//! and the script's spoken clip, until either side hangs up. One 20 ms tick per call drives
//! everything it sends; the clip is encoded a packet at a time as it goes out.
//!
//! Its SIP and SDP are `buurtbel_phone`'s, written apart from the gateway's own.

use super::ear::Ear;
use super::exchange::SimCall;
use super::forge;
use super::script::{Forgery, PhoneScript, Pickup, PressMethod};
use crate::telephony::clock;
use buurtbel_phone::{Audio, Dialog, Message, response_to};
use buurtbel_proto::media::g711;

use rand::Rng;
use std::f32::consts::PI;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::{Instant, sleep, sleep_until, timeout};

/// The longest a simulated call lasts, whatever its script.
const MAX_CALL: Duration = Duration::from_secs(600);
/// How long a keypress tone or event lasts.
pub(super) const PRESS: Duration = Duration::from_millis(100);
/// How long we wait for an ACK before giving up on it.
const ACK_WAIT: Duration = Duration::from_secs(5);

pub(super) struct Line {
    socket: Arc<UdpSocket>,
    caller: SocketAddr,
    invite: Message,
    script: PhoneScript,
    tag: String,
    /// The dialog our answer makes; `None` when the INVITE cannot make one.
    dialog: Option<Dialog>,
    report: SimCall,
}

/// The negotiated media of an answered call.
struct Media {
    socket: UdpSocket,
    remote: SocketAddr,
    payload_type: u8,
    event_type: u8,
    ssrc: u32,
    sequence: u16,
    timestamp: u32,
    /// The codec's byte for a zero sample, encoded once.
    silence: u8,
    /// Samples of the script's clip already due (sent, or covered by a key).
    spoken: usize,
    /// Listens for the cues of the script's cued keys.
    ear: Ear,
}

impl Line {
    pub(super) fn new(
        socket: Arc<UdpSocket>,
        caller: SocketAddr,
        invite: Message,
        script: PhoneScript,
        user: String,
    ) -> Line {
        let call_id = invite.headers.call_id().unwrap_or_default().to_owned();
        let tag = format!("sim{:08x}", rand::rng().random::<u32>());
        let dialog = socket.local_addr().ok().and_then(|local| {
            Dialog::accept(&invite, &tag, &format!("SIP/2.0/UDP {local}"))
                .inspect_err(
                    |e| tracing::warn!(error = %e, "the simulated phone refuses an INVITE"),
                )
                .ok()
        });
        Line {
            socket,
            caller,
            invite,
            script,
            tag,
            dialog,
            report: SimCall {
                user,
                call_id,
                ..SimCall::default()
            },
        }
    }

    pub(super) async fn run(self, inbox: UnboundedReceiver<Message>) -> SimCall {
        let mut report = self.serve(inbox).await;
        report.ended_at = Some(clock::now());
        report
    }

    async fn serve(mut self, mut inbox: UnboundedReceiver<Message>) -> SimCall {
        if self.dialog.is_none() {
            // An INVITE without Contact or From tag cannot make a dialog (RFC 3261 §8.1.1).
            self.refuse(400, &mut inbox).await;
            return self.report;
        }
        self.reply(100, "Trying").await;
        self.reply(180, "Ringing").await;
        if !self.ring(&mut inbox).await {
            return self.report;
        }
        match self.script.pickup {
            Pickup::Refuse(status) => self.refuse_as_scripted(status, &mut inbox).await,
            Pickup::Answer => self.answer(&mut inbox).await,
            Pickup::Never => {}
        }
        self.report
    }

    /// Rings; `false` when the caller cancelled (already answered 487).
    async fn ring(&mut self, inbox: &mut UnboundedReceiver<Message>) -> bool {
        let until = match self.script.pickup {
            Pickup::Never => now() + MAX_CALL,
            _ => now() + self.script.ring,
        };
        loop {
            tokio::select! {
                () = sleep_until(until) => return self.script.pickup != Pickup::Never,
                message = inbox.recv() => match message {
                    Some(r) if r.is_request("CANCEL") => {
                        self.send(response_to(&r, 200, "OK", &self.tag).to_bytes()).await;
                        self.report.cancelled = true;
                        self.refuse(487, inbox).await;
                        return false;
                    }
                    Some(r) if r.is_request("INVITE") => self.reply(180, "Ringing").await,
                    Some(_) => {}
                    None => return false,
                },
            }
        }
    }

    async fn refuse(&mut self, status: u16, inbox: &mut UnboundedReceiver<Message>) {
        self.report.final_status = status;
        let response = self.response(status, "Sim");
        self.send_until_ack(response, inbox).await;
    }

    /// The script's own refusal, with its Retry-After if it has one.
    async fn refuse_as_scripted(&mut self, status: u16, inbox: &mut UnboundedReceiver<Message>) {
        self.report.final_status = status;
        let mut response = self.response(status, "Sim");
        if let Some(after) = self.script.retry_after {
            response
                .headers
                .push("Retry-After", after.as_secs().to_string());
        }
        self.send_until_ack(response, inbox).await;
    }

    async fn answer(&mut self, inbox: &mut UnboundedReceiver<Message>) {
        let Some(mut media) = self.open_media().await else {
            self.refuse(488, inbox).await;
            return;
        };
        let Ok(sip) = self.socket.local_addr() else {
            self.refuse(500, inbox).await;
            return;
        };
        self.report.final_status = 200;
        let sdp = Audio {
            address: sip.ip(),
            port: media.socket.local_addr().map(|a| a.port()).unwrap_or(0),
            formats: vec![media.payload_type, media.event_type],
            rtpmaps: vec![(media.event_type, "telephone-event/8000".to_owned())],
        };
        let mut ok = self.response(200, "OK");
        ok.headers.push("Contact", format!("<sip:sim@{sip}>"));
        ok.headers.push("Content-Type", "application/sdp");
        ok.body = sdp.to_sdp("sim").into_bytes();
        if self.send_until_ack(ok, inbox).await {
            self.talk(&mut media, inbox).await;
        }
    }

    /// The media loop: 20 ms packets out, audio in, keypresses, hang-up.
    async fn talk(&mut self, media: &mut Media, inbox: &mut UnboundedReceiver<Message>) {
        let answered = now();
        let mut tick = tokio::time::interval(Duration::from_millis(20));
        let mut presses = self.script.presses.clone();
        presses.sort_by_key(|p| p.after);
        let mut cued = self.script.cued.clone();
        cued.reverse();
        let mut forgeries = self.script.forgeries.clone();
        forgeries.sort_by_key(|f| f.after);
        let mut tone: Option<(char, Instant)> = None;
        let mut event: Option<(char, u32, u32)> = None;
        let mut buffer = vec![0u8; 2048];
        let hang_up_at = self.script.hang_up_after.map(|d| answered + d);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    let now = now();
                    if now - answered > MAX_CALL || hang_up_at.is_some_and(|at| now >= at) {
                        self.hang_up(inbox).await;
                        return;
                    }
                    while presses.first().is_some_and(|p| answered + p.after <= now) {
                        let press = presses.remove(0);
                        self.press(media, press.digit, press.method, now, &mut tone, &mut event).await;
                    }
                    while cued.last().is_some_and(|p| media.ear.answers(p.cue, clock::from_tokio(now))) {
                        let Some(press) = cued.pop() else { break };
                        self.press(media, press.digit, press.method, now, &mut tone, &mut event).await;
                    }
                    while forgeries.first().is_some_and(|f| answered + f.after <= now) {
                        self.forge(media, &forgeries.remove(0)).await;
                    }
                    tone = tone.filter(|(_, until)| now < *until);
                    self.send_tick(media, tone.map(|(d, _)| d), &mut event).await;
                }
                received = media.socket.recv_from(&mut buffer) => {
                    if let Ok((n, _)) = received {
                        self.hear(media, &buffer[..n]);
                    }
                }
                message = inbox.recv() => match message {
                    Some(r) if r.is_request("BYE") => {
                        self.send(response_to(&r, 200, "OK", &self.tag).to_bytes()).await;
                        return;
                    }
                    // A retransmitted INVITE (our 200 was lost) needs nothing more.
                    Some(_) => {}
                    None => return,
                },
            }
        }
    }

    /// Starts a key on its way.
    async fn press(
        &mut self,
        media: &Media,
        digit: char,
        method: PressMethod,
        now: Instant,
        tone: &mut Option<(char, Instant)>,
        event: &mut Option<(char, u32, u32)>,
    ) {
        self.report.pressed.push(digit);
        match method {
            PressMethod::Inband => *tone = Some((digit, now + PRESS)),
            PressMethod::Rfc4733 => *event = Some((digit, media.timestamp, 0)),
            PressMethod::Info => self.send_info(digit).await,
        }
    }

    async fn send_tick(
        &self,
        media: &mut Media,
        tone: Option<char>,
        event: &mut Option<(char, u32, u32)>,
    ) {
        let clip = self.clip_frame(media);
        if let Some((digit, timestamp, sent)) = event.as_mut() {
            let duration = (*sent + 1) * 160;
            let end = Duration::from_millis(u64::from(*sent + 1) * 20) >= PRESS;
            let payload = event_payload(*digit, end, duration);
            let copies = if end { 3 } else { 1 };
            for _ in 0..copies {
                let packet = rtp(media, media.event_type, *sent == 0, *timestamp, &payload);
                let _ = media.socket.send_to(&packet, media.remote).await;
            }
            *sent += 1;
            media.timestamp = media.timestamp.wrapping_add(160);
            if end {
                *event = None;
            }
            return;
        }
        if !self.script.send_audio && tone.is_none() && clip.is_none() {
            media.timestamp = media.timestamp.wrapping_add(160);
            return;
        }
        let payload: Vec<u8> = match (tone, clip) {
            (Some(digit), _) => dtmf_tone(digit, media.timestamp)
                .iter()
                .map(|s| encode(media.payload_type, *s))
                .collect(),
            (None, Some(clip)) => clip,
            (None, None) => vec![media.silence; 160],
        };
        let packet = rtp(media, media.payload_type, false, media.timestamp, &payload);
        media.timestamp = media.timestamp.wrapping_add(160);
        let _ = media.socket.send_to(&packet, media.remote).await;
    }

    /// The clip's next 20 ms, encoded, while it lasts. Its clock runs every tick, so a key
    /// pressed over it takes its place rather than delaying it.
    fn clip_frame(&self, media: &mut Media) -> Option<Vec<u8>> {
        let clip = self.script.speak.as_ref()?;
        let start = media.spoken;
        media.spoken = start.saturating_add(160);
        let chunk = clip.get(start..).filter(|rest| !rest.is_empty())?;
        let mut payload: Vec<u8> = chunk
            .iter()
            .take(160)
            .map(|s| encode(media.payload_type, *s))
            .collect();
        payload.resize(160, media.silence);
        Some(payload)
    }

    fn hear(&mut self, media: &mut Media, datagram: &[u8]) {
        let Some((payload_type, payload)) = rtp_payload(datagram) else {
            return;
        };
        if payload_type != media.payload_type {
            return;
        }
        self.report.rtp_received += 1;
        let start = self.report.heard.len();
        self.report
            .heard
            .extend(payload.iter().map(|b| decode(payload_type, *b)));
        let samples = self.report.heard.get(start..).unwrap_or_default();
        media.ear.hear(clock::now(), samples);
    }

    async fn hang_up(&mut self, inbox: &mut UnboundedReceiver<Message>) {
        self.report.hung_up_by_phone = true;
        if let Some(bye) = self.request("BYE", "", "") {
            self.send(bye.to_bytes()).await;
        }
        let _ = timeout(Duration::from_secs(2), async {
            while let Some(message) = inbox.recv().await {
                if message.status().is_some() {
                    return;
                }
            }
        })
        .await;
    }

    async fn forge(&mut self, media: &Media, forgery: &Forgery) {
        let phone = media.socket.local_addr().map(|a| a.ip());
        let Ok(phone) = phone else { return };
        match forge::send(forgery, phone, media.remote, media.event_type).await {
            Ok(from) => self.report.forged_from.push(from),
            Err(e) => tracing::warn!(error = %e, "the simulated forger could not send"),
        }
    }

    async fn send_info(&mut self, digit: char) {
        let body = format!("Signal={digit}\r\nDuration=100\r\n");
        if let Some(info) = self.request("INFO", "application/dtmf-relay", &body) {
            self.send(info.to_bytes()).await;
        }
    }

    /// A request inside the dialog, from the phone's side.
    fn request(&mut self, method: &str, content_type: &str, body: &str) -> Option<Message> {
        let branch = format!("z9hG4bKsim{:016x}", rand::rng().random::<u64>());
        let mut request = self.dialog.as_mut()?.request(method, &branch);
        if !content_type.is_empty() {
            request.headers.push("Content-Type", content_type);
            request.body = body.as_bytes().to_vec();
        }
        Some(request)
    }

    /// Sends a final response until the ACK arrives; `false` without one.
    async fn send_until_ack(
        &mut self,
        response: Message,
        inbox: &mut UnboundedReceiver<Message>,
    ) -> bool {
        let bytes = response.to_bytes();
        let deadline = now() + ACK_WAIT;
        let mut interval = Duration::from_millis(500);
        loop {
            self.send(bytes.clone()).await;
            let wait = sleep(interval);
            tokio::pin!(wait);
            loop {
                tokio::select! {
                    () = &mut wait => break,
                    message = inbox.recv() => match message {
                        Some(r) if r.is_request("ACK") => return true,
                        Some(r) if r.is_request("INVITE") => break,
                        Some(_) => {}
                        None => return false,
                    },
                }
            }
            if now() >= deadline {
                return false;
            }
            interval = (interval * 2).min(Duration::from_secs(4));
        }
    }

    async fn open_media(&self) -> Option<Media> {
        let offer = Audio::parse(&self.invite.body).ok()?;
        let remote = SocketAddr::new(offer.address, offer.port);
        let payload_type = offer
            .formats
            .iter()
            .copied()
            .find(|pt| *pt == 8 || *pt == 0)?;
        let event_type = offer.telephone_event().unwrap_or(101);
        let ip = self.socket.local_addr().ok()?.ip();
        let socket = UdpSocket::bind(SocketAddr::new(ip, 0)).await.ok()?;
        let mut rng = rand::rng();
        Some(Media {
            socket,
            remote,
            payload_type,
            event_type,
            ssrc: rng.random(),
            sequence: rng.random(),
            timestamp: rng.random(),
            silence: encode(payload_type, 0),
            spoken: 0,
            ear: Ear::default(),
        })
    }

    fn response(&self, status: u16, reason: &str) -> Message {
        response_to(&self.invite, status, reason, &self.tag)
    }

    async fn reply(&self, status: u16, reason: &str) {
        self.send(self.response(status, reason).to_bytes()).await;
    }

    async fn send(&self, bytes: Vec<u8>) {
        let _ = self.socket.send_to(&bytes, self.caller).await;
    }
}

fn now() -> Instant {
    clock::tokio_now()
}

/// An RTP packet built by hand (12-byte header, no CSRC, no extension).
fn rtp(
    media: &mut Media,
    payload_type: u8,
    marker: bool,
    timestamp: u32,
    payload: &[u8],
) -> Vec<u8> {
    let mut packet = Vec::with_capacity(12 + payload.len());
    packet.push(0x80);
    packet.push(payload_type | if marker { 0x80 } else { 0 });
    packet.extend_from_slice(&media.sequence.to_be_bytes());
    packet.extend_from_slice(&timestamp.to_be_bytes());
    packet.extend_from_slice(&media.ssrc.to_be_bytes());
    packet.extend_from_slice(payload);
    media.sequence = media.sequence.wrapping_add(1);
    packet
}

/// The payload type and payload of an RTP packet, if it is one.
pub(super) fn rtp_payload(datagram: &[u8]) -> Option<(u8, &[u8])> {
    let first = *datagram.first()?;
    if first >> 6 != 2 {
        return None;
    }
    let csrc = usize::from(first & 0x0F) * 4;
    let mut start = 12 + csrc;
    if first & 0x10 != 0 {
        let length = datagram.get(start + 2..start + 4)?;
        start += 4 + usize::from(u16::from_be_bytes([length[0], length[1]])) * 4;
    }
    let payload_type = datagram.get(1)? & 0x7F;
    Some((payload_type, datagram.get(start..)?))
}

pub(super) fn event_payload(digit: char, end: bool, duration: u32) -> [u8; 4] {
    let event = match digit {
        '0'..='9' => digit as u8 - b'0',
        '*' => 10,
        '#' => 11,
        'A'..='D' => digit as u8 - b'A' + 12,
        _ => 0,
    };
    let duration = u16::try_from(duration).unwrap_or(u16::MAX).to_be_bytes();
    [
        event,
        if end { 0x80 | 10 } else { 10 },
        duration[0],
        duration[1],
    ]
}

/// 20 ms of a DTMF dual tone at about −7 dBm0 per tone, continuous across frames.
pub(super) fn dtmf_tone(digit: char, timestamp: u32) -> Vec<i16> {
    let (low, high) = dtmf_frequencies(digit);
    (0..160u32)
        .map(|i| {
            let t =
                f32::from(u16::try_from((timestamp.wrapping_add(i)) % 8000).unwrap_or(0)) / 8000.0;
            let value = 7000.0 * ((2.0 * PI * low * t).sin() + (2.0 * PI * high * t).sin());
            value as i16
        })
        .collect()
}

fn dtmf_frequencies(digit: char) -> (f32, f32) {
    const LOW: [f32; 4] = [697.0, 770.0, 852.0, 941.0];
    const HIGH: [f32; 4] = [1209.0, 1336.0, 1477.0, 1633.0];
    let keys = ["123A", "456B", "789C", "*0#D"];
    for (row, keys) in keys.iter().enumerate() {
        if let Some(column) = keys.find(digit) {
            return (LOW[row], HIGH[column]);
        }
    }
    (LOW[0], HIGH[0])
}

pub(super) fn encode(payload_type: u8, sample: i16) -> u8 {
    if payload_type == 0 {
        g711::ulaw_encode(sample)
    } else {
        g711::alaw_encode(sample)
    }
}

pub(super) fn decode(payload_type: u8, byte: u8) -> i16 {
    if payload_type == 0 {
        g711::ulaw_decode(byte)
    } else {
        g711::alaw_decode(byte)
    }
}
