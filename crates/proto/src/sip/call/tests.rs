//! The call against a scripted far end in virtual time, over a network that can drop and
//! delay datagrams.

use super::*;
use crate::sip::message::{Response, parse_datagram};
use crate::sip::sdp::Codec;
use std::collections::BTreeMap;

mod calls;
mod dialog;
mod ended;

const PHONE: &str = "127.0.0.2:5070";
const TRUNK: &str = "127.0.0.3:5060";

fn setup() -> CallSetup {
    CallSetup {
        target: Uri::parse("sip:+3212345678@trunk.test").unwrap(),
        from: NameAddr::parse("\"BIN Test\" <sip:bin@example.test>;tag=local1", "From").unwrap(),
        contact: Uri::parse("sip:buurtbel@127.0.0.1:5060").unwrap(),
        call_id: "call-1@example.test".into(),
        transport: "UDP".into(),
        sent_by: "127.0.0.1:5060".into(),
        reliable: false,
        timers: Timers::default(),
        ring_timeout: Duration::from_secs(20),
        offer: Offer {
            rtp: "127.0.0.1:16000".parse().unwrap(),
            codecs: vec![Codec::Pcma, Codec::Pcmu],
            session_id: 1,
        },
        credentials: None,
        next_hop: TRUNK.parse().unwrap(),
        user_agent: "buurtbel-test".into(),
        seed: 7,
    }
}

/// What the far end does.
#[derive(Clone, Copy)]
enum Script {
    Answer { after: u64 },
    Reject { status: u16, after: u64 },
    Ring,
    Silent,
    Challenge,
}

/// A far end that answers INVITEs per script and records what it received.
struct Phone {
    script: Script,
    received: Vec<(u64, Request)>,
    answered: Option<Response>,
    acked: bool,
    challenge_bye: bool,
    /// Responses our call sent to the phone's requests: (status, body length).
    responses: Vec<(u16, usize)>,
    /// The responses themselves, as received.
    response_log: Vec<(u64, Response)>,
    scheduled: BTreeMap<u64, Vec<Vec<u8>>>,
    /// Extra headers on the 200 to the INVITE.
    answer_headers: Vec<(&'static str, &'static str)>,
    /// The SDP of the 200 to the INVITE, instead of PCMA with telephone-event.
    answer_body: Option<&'static str>,
    /// Also answers the INVITE with a 200 from a second fork (To tag `remote2`).
    fork: bool,
    /// The status the phone answers our in-dialog INVITE, UPDATE and OPTIONS with, until
    /// `mute_after` ms; `None` answers nothing.
    in_dialog_status: Option<u16>,
    mute_after: u64,
    /// Challenges every INVITE, with or without credentials (a trunk refusing ours).
    refuse_credentials: bool,
}

impl Phone {
    fn new(script: Script) -> Phone {
        Phone {
            script,
            received: Vec::new(),
            answered: None,
            acked: false,
            challenge_bye: false,
            responses: Vec::new(),
            response_log: Vec::new(),
            scheduled: BTreeMap::new(),
            answer_headers: Vec::new(),
            answer_body: None,
            fork: false,
            in_dialog_status: Some(200),
            mute_after: u64::MAX,
            refuse_credentials: false,
        }
    }

    /// The requests received with this method.
    fn requests(&self, method: Method) -> Vec<(u64, &Request)> {
        self.received
            .iter()
            .filter(|(_, r)| r.method == method)
            .map(|(t, r)| (*t, r))
            .collect()
    }

    /// Our in-dialog requests: a conforming phone echoes Session-Expires in its 200.
    fn on_in_dialog(&mut self, now: u64, request: &Request) {
        let Some(status) = self.in_dialog_status.filter(|_| now < self.mute_after) else {
            return;
        };
        let mut response = build::response_to(request, status, "Test", "remote1");
        if let Some(se) = request.headers.get("session-expires") {
            response.headers.push("Session-Expires", se);
        }
        self.send_at(now, response.to_bytes());
    }

    fn methods(&self) -> Vec<String> {
        self.received
            .iter()
            .map(|(_, r)| r.method.to_string())
            .collect()
    }

    fn send_at(&mut self, at: u64, bytes: Vec<u8>) {
        self.scheduled.entry(at).or_default().push(bytes);
    }

    fn reply(&self, request: &Request, status: u16) -> Response {
        let mut response = build::response_to(request, status, "Test", "remote1");
        if status == 200 && request.method == Method::Invite {
            response
                .headers
                .push("Contact", format!("<sip:phone@{PHONE}>"));
            for (name, value) in &self.answer_headers {
                response.headers.push(name, *value);
            }
            response.headers.push("Content-Type", "application/sdp");
            response.body = Bytes::from_static(
                self.answer_body
                    .unwrap_or(
                        "v=0\r\no=- 1 1 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\n\
                         m=audio 17000 RTP/AVP 8 101\r\na=rtpmap:101 telephone-event/8000\r\n",
                    )
                    .as_bytes(),
            );
        }
        response
    }

    fn receive(&mut self, now: u64, bytes: &[u8]) {
        let request = match parse_datagram(bytes) {
            Ok(Message::Request(request)) => request,
            Ok(Message::Response(response)) => {
                self.responses.push((response.status, response.body.len()));
                return self.response_log.push((now, response));
            }
            Err(_) => return,
        };
        self.received.push((now, request.clone()));
        let in_dialog = request.headers.to().is_ok_and(|to| to.tag().is_some());
        if in_dialog && request.method != Method::Ack && request.method != Method::Bye {
            return self.on_in_dialog(now, &request);
        }
        match request.method {
            Method::Invite
                if !self.refuse_credentials
                    && (request.headers.get("authorization").is_some()
                        || !matches!(self.script, Script::Challenge)) =>
            {
                self.on_invite(now, &request)
            }
            Method::Invite => self.send_at(now, self.reply(&request, 401).with_challenge()),
            Method::Ack => self.acked = true,
            Method::Cancel => {
                self.send_at(now, self.reply(&request, 200).to_bytes());
                let mut invite = request.clone();
                invite.method = Method::Invite;
                invite.headers.set(
                    "CSeq",
                    request
                        .headers
                        .get("cseq")
                        .unwrap()
                        .replace("CANCEL", "INVITE"),
                );
                self.send_at(now, self.reply(&invite, 487).to_bytes());
            }
            Method::Bye
                if self.challenge_bye && request.headers.get("proxy-authorization").is_none() =>
            {
                let mut challenge = self.reply(&request, 407);
                challenge.headers.push(
                    "Proxy-Authenticate",
                    "Digest realm=\"trunk.test\", nonce=\"bye1\", qop=\"auth\"",
                );
                self.send_at(now, challenge.to_bytes());
            }
            Method::Bye => self.send_at(now, self.reply(&request, 200).to_bytes()),
            _ => {}
        }
    }

    fn on_invite(&mut self, now: u64, request: &Request) {
        if self
            .received
            .iter()
            .filter(|(_, r)| r.method == Method::Invite)
            .count()
            > 1
            && self.scheduled.values().flatten().next().is_some()
            && request.headers.get("authorization").is_none()
        {
            return; // retransmission
        }
        match self.script {
            Script::Answer { after } | Script::Reject { after, .. } if after > 0 => {
                self.send_at(now, self.reply(request, 180).to_bytes())
            }
            Script::Ring => self.send_at(now, self.reply(request, 180).to_bytes()),
            _ => {}
        }
        match self.script {
            Script::Answer { .. } | Script::Challenge => {
                let after = if let Script::Answer { after } = self.script {
                    after
                } else {
                    0
                };
                let ok = self.reply(request, 200);
                self.answered = Some(ok.clone());
                self.send_at(now + after, ok.to_bytes());
                if self.fork {
                    let text = String::from_utf8(ok.to_bytes()).unwrap();
                    let forked = text
                        .replace("tag=remote1", "tag=remote2")
                        .replace("sip:phone@", "sip:phone2@");
                    self.send_at(now + after + 100, forked.into_bytes());
                }
            }
            Script::Reject { status, after } => {
                let mut resp = self.reply(request, status);
                if status == 503 {
                    resp.headers.push("Retry-After", "120");
                }
                self.send_at(now + after, resp.to_bytes());
            }
            _ => {}
        }
    }
}

trait WithChallenge {
    fn with_challenge(self) -> Vec<u8>;
}

impl WithChallenge for Response {
    fn with_challenge(mut self) -> Vec<u8> {
        self.headers.push(
            "WWW-Authenticate",
            "Digest realm=\"trunk.test\", nonce=\"abc123\", qop=\"auth,auth-int\", algorithm=MD5",
        );
        self.to_bytes()
    }
}

/// Decides which datagrams towards the phone are lost.
type DropRule = Box<dyn FnMut(&[u8]) -> bool>;

/// The network plus both ends, in virtual milliseconds.
struct Net {
    start: Instant,
    now: u64,
    call: Call,
    phone: Phone,
    to_phone: BTreeMap<u64, Vec<Vec<u8>>>,
    drop_to_phone: DropRule,
    events: Vec<(u64, CallEvent)>,
    hang_up_at: Option<u64>,
}

impl Net {
    fn new(script: Script, setup: CallSetup) -> Net {
        let start = Instant::ZERO;
        Net {
            call: Call::new(start, setup),
            start,
            now: 0,
            phone: Phone::new(script),
            to_phone: BTreeMap::new(),
            drop_to_phone: Box::new(|_| false),
            events: Vec::new(),
            hang_up_at: None,
        }
    }

    fn at(&self, ms: u64) -> Instant {
        self.start + Duration::from_millis(ms)
    }

    /// Runs until nothing is scheduled or `limit` ms.
    fn run(&mut self, limit: u64) {
        loop {
            self.flush();
            let call_next = self
                .call
                .poll_timeout()
                .map(|t| (t - self.start).as_millis() as u64);
            let candidates = [
                call_next,
                self.to_phone.keys().next().copied(),
                self.phone.scheduled.keys().next().copied(),
                self.hang_up_at,
            ];
            let Some(next) = candidates.into_iter().flatten().min() else {
                return;
            };
            if next > limit {
                return;
            }
            self.now = next.max(self.now);
            self.step();
        }
    }

    fn step(&mut self) {
        let now = self.now;
        if let Some(batch) = self.to_phone.remove(&now) {
            batch.iter().for_each(|b| self.phone.receive(now, b));
        }
        if let Some(batch) = self.phone.scheduled.remove(&now) {
            for bytes in batch {
                let message = parse_datagram(&bytes).unwrap();
                self.call
                    .handle_message(self.at(now), message, PHONE.parse().unwrap());
            }
        }
        if self.hang_up_at == Some(now) {
            self.hang_up_at = None;
            self.call.hang_up(self.at(now));
        }
        self.call.handle_timeout(self.at(now));
    }

    fn flush(&mut self) {
        while let Some(transmit) = self.call.poll_transmit() {
            if !(self.drop_to_phone)(&transmit.bytes) {
                self.to_phone
                    .entry(self.now + 10)
                    .or_default()
                    .push(transmit.bytes);
            }
        }
        while let Some(event) = self.call.poll_event() {
            self.events.push((self.now, event));
        }
    }

    fn report(&self) -> CallReport {
        let ended: Vec<_> = self
            .events
            .iter()
            .filter_map(|(_, e)| match e {
                CallEvent::Ended(r) => Some(r.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(ended.len(), 1, "exactly one Ended event: {:?}", self.events);
        ended[0].clone()
    }
}

fn in_dialog_request(net: &Net, method: &str, branch: &str, cseq: u32, body: &str) -> Vec<u8> {
    let d = net.call.phase.connected().unwrap().dialog.clone();
    let mut req = Request::new(Method::parse(method).unwrap(), d.local.uri.clone());
    req.headers
        .push("Via", format!("SIP/2.0/UDP 127.0.0.2:5070;branch={branch}"));
    req.headers.push("From", d.remote.to_string());
    req.headers.push("To", d.local.to_string());
    req.headers.push("Call-ID", d.call_id.clone());
    req.headers.push("CSeq", format!("{cseq} {method}"));
    if !body.is_empty() {
        req.headers.push("Content-Type", "application/sdp");
        req.body = Bytes::copy_from_slice(body.as_bytes());
    }
    req.to_bytes()
}

/// Statuses of the responses our call sent to the phone's own requests.
fn statuses_to_phone(net: &Net) -> Vec<u16> {
    net.phone
        .responses
        .iter()
        .map(|(status, _)| *status)
        .collect()
}
