//! The far end: a scripted phone built on `buurtbel_phone` alone, in virtual time.
//!
//! It answers the gateway's INVITE as a user agent server would (RFC 3261 §13.3, §17.2.1):
//! 100 and 180 when told, the last response again for a retransmitted INVITE, its 2xx
//! again at T1, 2·T1… up to T2 until the ACK (§13.3.1.4), a failure again by Timer G until
//! its ACK, 200 and 487 to a CANCEL carrying the INVITE's branch (§9.2). A second fork can
//! answer too. Inside the dialog it answers the gateway's requests (the same response
//! again for a retransmission) and sends its own at set times, re-sent by Timers A and E
//! (`requests.rs`). It records everything it received and sent, with the time.

mod log;
mod requests;

use buurtbel_phone::{Audio, Dialog, Message, response_to};
use std::collections::VecDeque;
use std::time::Duration;

/// The phone's T1 and T2 (RFC 3261 defaults).
const T1: Duration = Duration::from_millis(500);
const T2: Duration = Duration::from_secs(4);
/// Where the phone says it is.
const VIA: &str = "SIP/2.0/UDP 127.0.0.2:5070";

/// What the phone does with the gateway's INVITE, and what it does of its own accord.
#[derive(Debug, Clone, Default)]
pub struct Script {
    /// Sends 100 Trying at once.
    pub trying: bool,
    /// Sends 180 Ringing this long after the INVITE.
    pub ringing: Option<Duration>,
    /// The final status and how long after the INVITE; `None` rings for ever.
    pub answer: Option<(Duration, u16)>,
    /// A second fork (To tag `phone2`) answers 200 this long after the first 2xx.
    pub fork: Option<Duration>,
    /// Requests of its own in the dialog, at times since the start.
    pub actions: Vec<(Duration, Action)>,
    /// The first this many 2xx to its re-INVITE go without ACK, as if lost beyond the
    /// gateway's next hop (which no TCP connection to the gateway can see).
    pub unacked: usize,
}

impl Script {
    /// 100 and 180 at once, 200 after `after`.
    pub fn answer_after(after: Duration) -> Script {
        Script {
            trying: true,
            ringing: Some(Duration::ZERO),
            answer: Some((after, 200)),
            ..Script::default()
        }
    }
}

/// A request the phone sends inside the dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Hangs up.
    Bye,
    /// A re-INVITE with its SDP again.
    Reinvite,
    /// An UPDATE without offer (a session refresh).
    Update,
    /// A key by SIP INFO.
    Info(char),
}

/// Something the phone does at a set time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timer {
    Ringing,
    Final(u16),
    Fork,
    /// Re-sends the 2xx of this fork (index into `answers`) until its ACK.
    Resend2xx(usize),
    /// Re-sends the failure until its ACK (Timer G).
    ResendFailure,
    /// Re-sends its own request (index into `clients`), Timer A or E.
    Resend(usize),
    Act(Action),
}

/// One 2xx to the INVITE, from one fork.
struct Answered {
    ok: Message,
    dialog: Dialog,
    acked: bool,
    interval: Duration,
    /// 64·T1 after the 2xx: stop re-sending it (§13.3.1.4).
    give_up: Duration,
}

/// A non-2xx final response to the INVITE and whether it was ACKed.
struct Failure {
    response: Message,
    acked: bool,
    interval: Duration,
    /// 64·T1 after it: Timer H, stop re-sending it.
    give_up: Duration,
}

/// The scripted far end.
pub struct Phone {
    script: Script,
    now: Duration,
    /// Everything the gateway sent, as it arrived.
    pub received: Vec<(Duration, Message)>,
    /// Everything the phone sent, as it left.
    pub sent: Vec<(Duration, Message)>,
    outbox: VecDeque<Message>,
    timers: Vec<(Duration, Timer)>,
    invite: Option<Message>,
    last_invite_response: Option<Message>,
    answers: Vec<Answered>,
    failure: Option<Failure>,
    /// Responses to the gateway's in-dialog requests, by branch, for retransmissions.
    responded: Vec<(String, Message)>,
    clients: Vec<requests::Client>,
    branches: u64,
}

impl Phone {
    /// A phone that will follow `script`.
    pub fn new(script: Script) -> Phone {
        let timers = script
            .actions
            .iter()
            .map(|(at, a)| (*at, Timer::Act(*a)))
            .collect();
        Phone {
            script,
            now: Duration::ZERO,
            received: Vec::new(),
            sent: Vec::new(),
            outbox: VecDeque::new(),
            timers,
            invite: None,
            last_invite_response: None,
            answers: Vec::new(),
            failure: None,
            responded: Vec::new(),
            clients: Vec::new(),
            branches: 0,
        }
    }

    /// A message from the gateway.
    pub fn receive(&mut self, now: Duration, message: Message) {
        self.now = now;
        self.received.push((now, message.clone()));
        let to_tag = message.headers.to_tag().ok().flatten().map(str::to_owned);
        match message.method() {
            None => self.on_response(&message),
            Some("INVITE") if to_tag.is_none() => self.on_invite(message),
            Some("ACK") => self.on_ack(&message),
            Some("CANCEL") => self.on_cancel(&message),
            Some(_) => self.on_in_dialog(&message),
        }
    }

    /// Does what is due.
    pub fn handle_timeout(&mut self, now: Duration) {
        self.now = now;
        while let Some(at) = self.timers.iter().position(|(t, _)| *t <= now) {
            let (_, timer) = self.timers.remove(at);
            self.fire(timer);
        }
    }

    /// When `handle_timeout` is due next.
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.timers.iter().map(|(t, _)| *t).min()
    }

    /// The next message to send to the gateway.
    pub fn poll_transmit(&mut self) -> Option<Message> {
        self.outbox.pop_front()
    }

    fn fire(&mut self, timer: Timer) {
        match timer {
            Timer::Ringing => self.provisional(180, "Ringing"),
            Timer::Final(status) => self.final_response(status),
            Timer::Fork => self.answer("phone2"),
            Timer::Resend2xx(fork) => self.resend_2xx(fork),
            Timer::ResendFailure => self.resend_failure(),
            Timer::Resend(client) => self.resend(client),
            Timer::Act(action) => self.act(action),
        }
    }

    fn on_invite(&mut self, invite: Message) {
        if let Some(first) = &self.invite {
            if first.headers.top_branch() == invite.headers.top_branch() {
                // A retransmission: the last response again (§17.2.1).
                let last = self.last_invite_response.clone();
                last.into_iter().for_each(|r| self.send(r));
            }
            return;
        }
        self.invite = Some(invite);
        if self.script.trying {
            self.provisional(100, "Trying");
        }
        if let Some(after) = self.script.ringing {
            self.at(after, Timer::Ringing);
        }
        if let Some((after, status)) = self.script.answer {
            self.at(after, Timer::Final(status));
        }
    }

    fn provisional(&mut self, status: u16, reason: &str) {
        let Some(invite) = self.invite.as_ref().filter(|_| !self.has_final()) else {
            return;
        };
        let response = response_to(invite, status, reason, "phone1");
        self.last_invite_response = Some(response.clone());
        self.send(response);
    }

    fn final_response(&mut self, status: u16) {
        if self.has_final() {
            return;
        }
        if status == 200 {
            return self.answer("phone1");
        }
        let Some(invite) = &self.invite else { return };
        let response = response_to(invite, status, "Final", "phone1");
        self.last_invite_response = Some(response.clone());
        self.failure = Some(Failure {
            response: response.clone(),
            acked: false,
            interval: T1,
            give_up: self.now + T1 * 64,
        });
        self.send(response);
        self.at(T1, Timer::ResendFailure);
    }

    /// A 2xx from the fork with To tag `tag`, with a Contact of its own and an SDP answer.
    fn answer(&mut self, tag: &str) {
        let Some(invite) = &self.invite else { return };
        let dialog = Dialog::accept(invite, tag, VIA)
            .unwrap_or_else(|e| panic!("the gateway's INVITE makes no dialog: {e}"));
        let user = if tag == "phone1" { "phone" } else { "phone2" };
        let mut ok = response_to(invite, 200, "OK", tag);
        ok.headers
            .push("Contact", format!("<sip:{user}@127.0.0.2:5070>"));
        ok.headers.push("Content-Type", "application/sdp");
        ok.body = answer_sdp(invite).into_bytes();
        self.last_invite_response = Some(ok.clone());
        let index = self.answers.len();
        self.answers.push(Answered {
            ok: ok.clone(),
            dialog,
            acked: false,
            interval: T1,
            give_up: self.now + T1 * 64,
        });
        self.send(ok);
        self.at(T1, Timer::Resend2xx(index));
        if let Some(after) = self.script.fork.filter(|_| index == 0) {
            self.at(after, Timer::Fork);
        }
    }

    fn resend_2xx(&mut self, fork: usize) {
        let now = self.now;
        let Some(answer) = self
            .answers
            .get_mut(fork)
            .filter(|a| !a.acked && now < a.give_up)
        else {
            return;
        };
        let ok = answer.ok.clone();
        answer.interval = (answer.interval * 2).min(T2);
        let next = answer.interval;
        self.send(ok);
        self.at(next, Timer::Resend2xx(fork));
    }

    fn resend_failure(&mut self) {
        let now = self.now;
        let Some(failure) = self
            .failure
            .as_mut()
            .filter(|f| !f.acked && now < f.give_up)
        else {
            return;
        };
        let response = failure.response.clone();
        failure.interval = (failure.interval * 2).min(T2);
        let next = failure.interval;
        self.send(response);
        self.at(next, Timer::ResendFailure);
    }

    /// An ACK for a 2xx names the fork's tag and the INVITE's CSeq; one for a failure
    /// carries the INVITE's branch (§17.1.1.3).
    fn on_ack(&mut self, ack: &Message) {
        let to_tag = ack.headers.to_tag().ok().flatten();
        let cseq = ack.headers.cseq().map(|c| c.number).ok();
        let invite = self.invite.as_ref();
        let invite_cseq = invite.and_then(|i| i.headers.cseq().ok()).map(|c| c.number);
        let invite_branch = invite.and_then(|i| i.headers.top_branch().ok());
        for answer in &mut self.answers {
            if answer.dialog.local_tag() == to_tag && cseq == invite_cseq {
                answer.acked = true;
            }
        }
        if let Some(failure) = self.failure.as_mut()
            && ack.headers.top_branch().ok() == invite_branch
        {
            failure.acked = true;
        }
    }

    fn on_cancel(&mut self, cancel: &Message) {
        let invite_branch = self
            .invite
            .as_ref()
            .and_then(|i| i.headers.top_branch().ok());
        if cancel.headers.top_branch().ok() != invite_branch {
            return self.send(response_to(cancel, 481, "No Such Transaction", "phone1"));
        }
        self.send(response_to(cancel, 200, "OK", "phone1"));
        if !self.has_final() {
            self.timers
                .retain(|(_, t)| !matches!(t, Timer::Ringing | Timer::Final(_)));
            self.final_response(487);
        }
    }

    /// The gateway's BYE, INFO, OPTIONS or UPDATE in a dialog: 200 (481 outside any), the
    /// same response again for a retransmission.
    fn on_in_dialog(&mut self, request: &Message) {
        let branch = request.headers.top_branch().unwrap_or_default().to_owned();
        if let Some((_, response)) = self.responded.iter().find(|(b, _)| *b == branch) {
            let again = response.clone();
            return self.send(again);
        }
        let dialog = self.answers.iter().find(|a| a.dialog.contains(request));
        let response = match dialog {
            Some(a) => response_to(request, 200, "OK", a.dialog.local_tag().unwrap_or_default()),
            None => response_to(request, 481, "Call/Transaction Does Not Exist", "phone1"),
        };
        self.responded.push((branch, response.clone()));
        self.send(response);
    }

    fn has_final(&self) -> bool {
        !self.answers.is_empty() || self.failure.is_some()
    }

    fn at(&mut self, after: Duration, timer: Timer) {
        self.timers.push((self.now + after, timer));
    }

    fn send(&mut self, message: Message) {
        self.sent.push((self.now, message.clone()));
        self.outbox.push_back(message);
    }
}

/// The answer to the gateway's offer, read with the phone's own SDP reader: the first of
/// PCMA and PCMU it offers, and telephone-event if it offers one.
fn answer_sdp(invite: &Message) -> String {
    let offer = Audio::parse(&invite.body)
        .unwrap_or_else(|e| panic!("the gateway's SDP offer is unreadable: {e}"));
    let codec = offer.formats.iter().copied().find(|pt| matches!(pt, 0 | 8));
    let codec = codec.unwrap_or_else(|| panic!("the gateway offers no G.711: {offer:?}"));
    let mut answer = Audio {
        address: [127, 0, 0, 2].into(),
        port: 17000,
        formats: vec![codec],
        rtpmaps: Vec::new(),
    };
    if let Some(event) = offer.telephone_event() {
        answer.formats.push(event);
        answer
            .rtpmaps
            .push((event, "telephone-event/8000".to_owned()));
    }
    answer.to_sdp("phone")
}
