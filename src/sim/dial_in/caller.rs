//! One dial-in from the INVITE to the end: the INVITE client transaction, the ACK, the call
//! with its ticks, keys and the gateway's requests, and our BYE. One task; the exchange hands
//! it every message with its Call-ID.

use super::invite::{self, Invitation};
use super::media::{self, Media};
use super::{DialIn, DialInResult};
use crate::sim::script::{CuedPress, Press, PressMethod};
use crate::telephony::clock;
use buurtbel_phone::{Audio, Dialog, Message, ack_refusal, cancel, response_to};
use rand::Rng;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::{Instant, sleep_until};

/// RFC 3261's T1 and T2.
const T1: Duration = Duration::from_millis(500);
const T2: Duration = Duration::from_secs(4);
/// Timer B and Timer F: an INVITE, or our BYE, without a final response is given up.
const GIVE_UP: Duration = Duration::from_secs(32);
/// A member gives up (CANCEL) after a minute of ringing.
const RING_LIMIT: Duration = Duration::from_secs(60);
/// One packet of media.
const TICK: Duration = Duration::from_millis(20);

/// Places `call` to `gateway` from the exchange's `socket` with `call_id`; `inbox` brings
/// every message with that Call-ID. Returns when the call is over.
pub(in crate::sim) async fn place(
    socket: Arc<UdpSocket>,
    gateway: SocketAddr,
    call: DialIn,
    call_id: String,
    inbox: UnboundedReceiver<Message>,
) -> DialInResult {
    let report = DialInResult {
        call_id: call_id.clone(),
        ..DialInResult::default()
    };
    let Some((local, rtp)) = open(&socket).await else {
        return report;
    };
    let offer = media::offer(rtp.local_addr().unwrap_or(local));
    let parts = Invitation {
        local,
        gateway,
        tag: format!("member{:08x}", rand::rng().random::<u32>()),
        branch: branch(),
        call_id,
        offer: Some(offer.to_sdp("sim")),
    };
    let mut caller = Caller {
        socket,
        gateway,
        via: invite::via(local),
        invite: invite::invite(&call, &parts),
        call,
        inbox,
        cancelled: false,
        sdp: String::new(),
        report,
    };
    if let Some(ok) = caller.transact().await {
        caller.answered(&ok, rtp).await;
    }
    caller.report
}

struct Caller {
    socket: Arc<UdpSocket>,
    gateway: SocketAddr,
    /// The Via of our requests, without the branch.
    via: String,
    invite: Message,
    call: DialIn,
    inbox: UnboundedReceiver<Message>,
    /// We sent CANCEL: a 2xx that crosses it is ACKed and hung up at once.
    cancelled: bool,
    /// Our SDP in the call (offer or answer), for a re-INVITE's 200.
    sdp: String,
    report: DialInResult,
}

/// How a message in the call ends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Taken {
    GoOn,
    HungUpByGateway,
}

impl Caller {
    /// Sends the INVITE on Timer A until a response, then waits for the final one: the 2xx,
    /// or `None` when the gateway refused (ACKed) or never answered.
    async fn transact(&mut self) -> Option<Message> {
        let bytes = self.invite.to_bytes();
        let started = now();
        let mut interval = T1;
        let mut resend_at = Some(started);
        let mut give_up_at = started + GIVE_UP;
        loop {
            if let Some(at) = resend_at.filter(|at| now() >= *at) {
                self.send(&bytes).await;
                resend_at = Some(at + interval);
                interval *= 2;
            }
            let wake = resend_at.map_or(give_up_at, |at| at.min(give_up_at));
            tokio::select! {
                () = sleep_until(wake) => if now() >= give_up_at {
                    if self.cancelled || resend_at.is_some() {
                        tracing::warn!("the simulated member got no final response");
                        self.report.final_status = 408;
                        return None;
                    }
                    self.send(&cancel(&self.invite).to_bytes()).await;
                    self.cancelled = true;
                    give_up_at = now() + GIVE_UP;
                },
                message = self.inbox.recv() => {
                    let message = message?;
                    match self.invite_status(&message) {
                        Some(status @ 100..=199) => {
                            self.report.provisional.push(status);
                            if resend_at.take().is_some() && !self.cancelled {
                                give_up_at = started + RING_LIMIT;
                            }
                        }
                        Some(200..=299) => return Some(message),
                        Some(status) => {
                            self.report.final_status = status;
                            self.send(&ack_refusal(&self.invite, &message).to_bytes()).await;
                            return None;
                        }
                        // The CANCEL's 200, or a request before the answer.
                        None => {}
                    }
                }
            }
        }
    }

    /// ACKs the 2xx and talks, or hangs up at once when its media is unusable or we had
    /// cancelled.
    async fn answered(&mut self, ok: &Message, rtp: UdpSocket) {
        self.report.final_status = ok.status().unwrap_or(200);
        let mut dialog = match Dialog::establish(&self.invite, ok, &self.via) {
            Ok(dialog) => dialog,
            Err(e) => {
                tracing::warn!(error = %e, "the simulated member cannot take the 2xx");
                return;
            }
        };
        let (media, answer) = self.negotiate(ok, rtp);
        let mut ack = dialog.ack(1, &branch());
        if let Some(answer) = answer {
            ack.headers.push("Content-Type", "application/sdp");
            ack.body = answer.into_bytes();
        }
        let ack = ack.to_bytes();
        self.send(&ack).await;
        match media.filter(|_| !self.cancelled) {
            Some(media) => self.talk(media, &mut dialog, &ack).await,
            None => self.hang_up(&mut dialog, &ack).await,
        }
    }

    /// The media the 2xx sets up, and our answer to put in the ACK for a late offer.
    fn negotiate(&mut self, ok: &Message, rtp: UdpSocket) -> (Option<Media>, Option<String>) {
        let audio = Audio::parse(&ok.body)
            .inspect_err(|e| tracing::warn!(error = %e, "the simulated member finds no audio"));
        let Ok(audio) = audio else {
            return (None, None);
        };
        if !self.call.late_offer {
            self.sdp = String::from_utf8_lossy(self.invite.body.as_slice()).into_owned();
            return (Media::answered(rtp, &audio), None);
        }
        match Media::answer(rtp, &audio) {
            Some((media, answer)) => {
                self.sdp = answer.to_sdp("sim");
                (Some(media), Some(self.sdp.clone()))
            }
            None => (None, None),
        }
    }

    /// The call: a packet every tick, keys when due, the gateway's audio and requests, until
    /// either side hangs up.
    async fn talk(&mut self, mut media: Media, dialog: &mut Dialog, ack: &[u8]) {
        let answered = now();
        let limit = self.call.hang_up_after.unwrap_or(self.call.longest);
        let hang_up_at = answered + limit.min(self.call.longest);
        let mut presses: Vec<Press> = self.call.presses.clone();
        presses.sort_by_key(|p| p.after);
        let mut cued: Vec<CuedPress> = self.call.cued.iter().rev().copied().collect();
        let mut tick = tokio::time::interval(TICK);
        let mut buffer = vec![0u8; 2048];
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    let now = now();
                    if now >= hang_up_at {
                        self.hang_up(dialog, ack).await;
                        return;
                    }
                    while presses.first().is_some_and(|p| answered + p.after <= now) {
                        let press = presses.remove(0);
                        self.press(&mut media, dialog, press.digit, press.method).await;
                    }
                    let heard_at = clock::from_tokio(now);
                    while cued.last().is_some_and(|p| media.ear.answers(p.cue, heard_at)) {
                        let Some(press) = cued.pop() else { break };
                        self.press(&mut media, dialog, press.digit, press.method).await;
                    }
                    media.tick().await;
                }
                received = media.receive(&mut buffer) => {
                    if let Ok(n) = received {
                        media.hear(buffer.get(..n).unwrap_or_default(), &mut self.report);
                    }
                }
                message = self.inbox.recv() => {
                    let Some(message) = message else { return };
                    if self.take(&message, dialog, ack).await == Taken::HungUpByGateway {
                        self.report.hung_up_by_gateway = true;
                        return;
                    }
                }
            }
        }
    }

    async fn press(
        &mut self,
        media: &mut Media,
        dialog: &mut Dialog,
        digit: char,
        how: PressMethod,
    ) {
        self.report.pressed.push(digit);
        if how != PressMethod::Info {
            media.press(digit, how);
            return;
        }
        let mut info = dialog.request("INFO", &branch());
        info.headers.push("Content-Type", "application/dtmf-relay");
        info.body = format!("Signal={digit}\r\nDuration=100\r\n").into_bytes();
        self.send(&info.to_bytes()).await;
    }

    /// Answers what the gateway sends in the call: the ACK again for a retransmitted 2xx,
    /// 200 to a request of the dialog (with our SDP for a re-INVITE or UPDATE), 481 to one
    /// outside it.
    async fn take(&mut self, message: &Message, dialog: &Dialog, ack: &[u8]) -> Taken {
        if self
            .invite_status(message)
            .is_some_and(|s| (200..300).contains(&s))
        {
            self.send(ack).await;
            return Taken::GoOn;
        }
        let Some(method) = message.method().filter(|m| *m != "ACK") else {
            return Taken::GoOn;
        };
        let tag = dialog.local_tag().unwrap_or_default();
        if !dialog.contains(message) {
            let reply = response_to(message, 481, "Call/Transaction Does Not Exist", tag);
            self.send(&reply.to_bytes()).await;
            return Taken::GoOn;
        }
        let mut reply = response_to(message, 200, "OK", tag);
        if matches!(method, "INVITE" | "UPDATE") {
            reply
                .headers
                .push("Contact", format!("<sip:sim@{}>", self.local()));
            if !message.body.is_empty() || method == "INVITE" {
                reply.headers.push("Content-Type", "application/sdp");
                reply.body = self.sdp.clone().into_bytes();
            }
        }
        self.send(&reply.to_bytes()).await;
        match method {
            "BYE" => Taken::HungUpByGateway,
            _ => Taken::GoOn,
        }
    }

    /// Sends BYE, on T1 doubling to T2, until its final response or Timer F; what else the
    /// gateway sends meanwhile is answered (a BYE that crosses ours gets its 200).
    async fn hang_up(&mut self, dialog: &mut Dialog, ack: &[u8]) {
        let bye = dialog.request("BYE", &branch());
        let cseq = bye.headers.cseq().map(|c| c.number).unwrap_or_default();
        let bytes = bye.to_bytes();
        let give_up_at = now() + GIVE_UP;
        let mut interval = T1;
        while now() < give_up_at {
            self.send(&bytes).await;
            let wake = (now() + interval).min(give_up_at);
            interval = (interval * 2).min(T2);
            loop {
                tokio::select! {
                    () = sleep_until(wake) => break,
                    message = self.inbox.recv() => {
                        let Some(message) = message else { return };
                        if is_final_to(&message, cseq, "BYE") {
                            return;
                        }
                        self.take(&message, dialog, ack).await;
                    }
                }
            }
        }
        tracing::warn!("the simulated member's BYE got no final response");
    }

    /// The status of a response to our INVITE; `None` for anything else.
    fn invite_status(&self, message: &Message) -> Option<u16> {
        let status = message.status()?;
        let cseq = message.headers.cseq().ok()?;
        (cseq.method == "INVITE" && cseq.number == 1).then_some(status)
    }

    fn local(&self) -> String {
        self.socket
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default()
    }

    async fn send(&self, bytes: &[u8]) {
        if let Err(e) = self.socket.send_to(bytes, self.gateway).await {
            tracing::warn!(error = %e, "the simulated member could not send");
        }
    }
}

/// The exchange's address and an RTP socket beside it.
async fn open(socket: &UdpSocket) -> Option<(SocketAddr, UdpSocket)> {
    let local = socket.local_addr().ok()?;
    match UdpSocket::bind(SocketAddr::new(local.ip(), 0)).await {
        Ok(rtp) => Some((local, rtp)),
        Err(e) => {
            tracing::warn!(error = %e, "the simulated member has no RTP port");
            None
        }
    }
}

/// `true` for a final response to our request with this CSeq.
fn is_final_to(message: &Message, number: u32, method: &str) -> bool {
    let cseq = message.headers.cseq();
    message.status().is_some_and(|s| s >= 200)
        && cseq.is_ok_and(|c| c.number == number && c.method == method)
}

fn branch() -> String {
    format!("z9hG4bKsim{:016x}", rand::rng().random::<u64>())
}

fn now() -> Instant {
    clock::tokio_now()
}
