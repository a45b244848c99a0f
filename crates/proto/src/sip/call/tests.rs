//! The call against a scripted far end in virtual time, over a network that can drop and
//! delay datagrams.

use super::*;
use crate::sip::message::{Response, parse_datagram};
use crate::sip::sdp::Codec;
use std::collections::BTreeMap;

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

#[test]
fn answered_then_we_hang_up() {
    let mut net = Net::new(Script::Answer { after: 1000 }, setup());
    net.hang_up_at = Some(4000);
    net.run(60_000);
    let report = net.report();
    assert_eq!(report.outcome, Outcome::Answered);
    assert_eq!(report.sip_status, Some(200));
    assert_eq!(report.ring, Duration::from_millis(1010));
    assert_eq!(
        report.talk,
        Duration::from_millis(3000),
        "BYE arrives at 4010, its 200 at once"
    );
    assert_eq!(report.hung_up_by, Some(Party::Local));
    assert_eq!(net.phone.methods(), ["INVITE", "ACK", "BYE"]);
    assert!(net.call.is_finished());
    assert!(matches!(
        net.events[0].1,
        CallEvent::Ringing { status: 180 }
    ));
    let answered = net.events.iter().find_map(|(_, e)| match e {
        CallEvent::Answered { media } => Some(media.clone()),
        _ => None,
    });
    let media = answered.unwrap();
    assert_eq!(media.codec, Codec::Pcma);
    assert_eq!(media.telephone_event, Some(101));
}

#[test]
fn far_end_hangs_up() {
    let mut net = Net::new(Script::Answer { after: 0 }, setup());
    net.run(500);
    let dialog_bye = {
        let d = net.call.phase.connected().unwrap().dialog.clone();
        let mut req = Request::new(Method::Bye, d.local.uri.clone());
        req.headers
            .push("Via", "SIP/2.0/UDP 127.0.0.2:5070;branch=z9hG4bKbye1");
        req.headers.push("From", d.remote.to_string());
        req.headers.push("To", d.local.to_string());
        req.headers.push("Call-ID", d.call_id.clone());
        req.headers.push("CSeq", "1 BYE");
        req.to_bytes()
    };
    net.phone.send_at(3000, dialog_bye.clone());
    net.phone.send_at(3500, dialog_bye);
    net.run(60_000);
    let report = net.report();
    assert_eq!(
        (report.outcome, report.hung_up_by),
        (Outcome::Answered, Some(Party::Remote))
    );
    assert_eq!(report.talk, Duration::from_millis(2990));
    assert_eq!(
        statuses_to_phone(&net),
        [200, 200],
        "the BYE and its retransmission are both answered"
    );
    assert_eq!(net.phone.methods(), ["INVITE", "ACK"], "no BYE of our own");
}

#[test]
fn busy_is_acked_and_reported() {
    let mut net = Net::new(
        Script::Reject {
            status: 486,
            after: 2000,
        },
        setup(),
    );
    net.run(60_000);
    let report = net.report();
    assert_eq!(
        (report.outcome, report.sip_status),
        (Outcome::Busy, Some(486))
    );
    assert_eq!(net.phone.methods(), ["INVITE", "ACK"]);
}

#[test]
fn unavailable_carries_retry_after() {
    let mut net = Net::new(
        Script::Reject {
            status: 503,
            after: 0,
        },
        setup(),
    );
    net.run(60_000);
    let report = net.report();
    assert_eq!(report.outcome, Outcome::Unavailable);
    assert_eq!(report.retry_after, Some(Duration::from_secs(120)));
}

#[test]
fn ring_timeout_cancels_and_487_is_no_answer() {
    let mut net = Net::new(Script::Ring, setup());
    net.run(120_000);
    let report = net.report();
    assert_eq!(
        (report.outcome, report.sip_status),
        (Outcome::NoAnswer, Some(487))
    );
    assert_eq!(net.phone.methods(), ["INVITE", "CANCEL", "ACK"]);
    let cancel_at = net.phone.received[1].0;
    assert_eq!(cancel_at, 20_010, "CANCEL leaves at the ring timeout");
    assert_eq!(report.ring, Duration::from_millis(20_010));
}

#[test]
fn answer_crossing_cancel_is_acked_then_byed() {
    let mut net = Net::new(Script::Answer { after: 20_000 }, setup());
    net.run(120_000);
    let report = net.report();
    assert_eq!(report.outcome, Outcome::NoAnswer);
    assert_eq!(report.sip_status, Some(200));
    let methods = net.phone.methods();
    assert_eq!(&methods[..2], ["INVITE", "CANCEL"]);
    assert!(
        methods.ends_with(&["ACK".to_string(), "BYE".to_string()]),
        "{methods:?}"
    );
}

#[test]
fn lost_ack_is_resent_on_2xx_retransmission() {
    let mut net = Net::new(Script::Answer { after: 0 }, setup());
    let mut dropped = false;
    net.drop_to_phone = Box::new(move |bytes| {
        let first_ack = bytes.starts_with(b"ACK") && !dropped;
        dropped |= first_ack;
        first_ack
    });
    net.run(400);
    assert!(!net.phone.acked);
    let ok = net.phone.answered.clone().unwrap().to_bytes();
    net.phone.send_at(500, ok.clone());
    net.phone.send_at(1500, ok);
    net.run(2000);
    assert!(net.phone.acked);
    let acks = net
        .phone
        .received
        .iter()
        .filter(|(_, r)| r.method == Method::Ack)
        .count();
    assert_eq!(acks, 2, "each retransmitted 2xx is ACKed again");
    let answered = net
        .events
        .iter()
        .filter(|(_, e)| matches!(e, CallEvent::Answered { .. }))
        .count();
    assert_eq!(answered, 1);
}

#[test]
fn no_response_fails_at_timer_b() {
    let mut net = Net::new(Script::Silent, setup());
    net.run(120_000);
    let report = net.report();
    assert_eq!((report.outcome, report.sip_status), (Outcome::Failed, None));
    let invites: Vec<u64> = net.phone.received.iter().map(|(t, _)| *t).collect();
    assert_eq!(invites, [10, 510, 1510, 3510, 7510, 15510, 31510]);
    assert_eq!(report.ring, Duration::from_secs(32));
}

#[test]
fn lost_invite_is_retransmitted() {
    let mut net = Net::new(Script::Answer { after: 0 }, setup());
    let mut dropped = false;
    net.drop_to_phone = Box::new(move |bytes| {
        let first = bytes.starts_with(b"INVITE") && !dropped;
        dropped |= first;
        first
    });
    net.hang_up_at = Some(3000);
    net.run(60_000);
    assert_eq!(net.report().outcome, Outcome::Answered);
    assert_eq!(net.report().ring, Duration::from_millis(510));
}

#[test]
fn digest_challenge_is_answered_with_credentials() {
    let mut setup = setup();
    setup.credentials = Some(Credentials {
        username: "bin-test".into(),
        password: "not-a-secret".into(),
    });
    let mut net = Net::new(Script::Challenge, setup);
    net.hang_up_at = Some(2000);
    net.run(60_000);
    assert_eq!(net.report().outcome, Outcome::Answered);
    let invites: Vec<&Request> = net
        .phone
        .received
        .iter()
        .map(|(_, r)| r)
        .filter(|r| r.method == Method::Invite)
        .collect();
    assert_eq!(invites.len(), 2);
    let auth = invites[1].headers.get("authorization").unwrap();
    assert!(auth.contains("username=\"bin-test\""), "{auth}");
    assert!(
        auth.contains("qop=auth,"),
        "auth chosen from \"auth,auth-int\": {auth}"
    );
    assert_eq!(invites[1].headers.cseq().unwrap().seq, 2);
    assert_ne!(
        invites[0].headers.top_via().unwrap().branch(),
        invites[1].headers.top_via().unwrap().branch()
    );
}

#[test]
fn challenge_without_credentials_fails() {
    let mut net = Net::new(Script::Challenge, setup());
    net.run(60_000);
    assert_eq!(net.report().outcome, Outcome::Failed);
    assert_eq!(net.report().sip_status, Some(401));
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

#[test]
fn bye_challenged_by_proxy_is_resent_with_credentials() {
    let mut setup = setup();
    setup.credentials = Some(Credentials {
        username: "bin-test".into(),
        password: "not-a-secret".into(),
    });
    let mut net = Net::new(Script::Answer { after: 0 }, setup);
    net.phone.challenge_bye = true;
    net.hang_up_at = Some(1000);
    net.run(60_000);
    let byes: Vec<&Request> = net
        .phone
        .received
        .iter()
        .map(|(_, r)| r)
        .filter(|r| r.method == Method::Bye)
        .collect();
    assert_eq!(byes.len(), 2);
    assert!(
        byes[1]
            .headers
            .get("proxy-authorization")
            .unwrap()
            .contains("nonce=\"bye1\"")
    );
    assert_eq!(
        byes[1].headers.cseq().unwrap().seq,
        byes[0].headers.cseq().unwrap().seq + 1
    );
    assert_eq!(net.report().outcome, Outcome::Answered);
}

#[test]
fn info_is_answered_and_reported_once() {
    let mut net = Net::new(Script::Answer { after: 0 }, setup());
    net.run(100);
    let info = in_dialog_request(&net, "INFO", "z9hG4bKinfo1", 2, "");
    net.phone.send_at(200, info.clone());
    net.phone.send_at(700, info);
    net.hang_up_at = Some(2000);
    net.run(1000);
    let infos = net
        .events
        .iter()
        .filter(|(_, e)| matches!(e, CallEvent::Info { .. }))
        .count();
    assert_eq!(
        infos, 1,
        "a retransmitted INFO is answered again, not reported again"
    );
    assert_eq!(
        statuses_to_phone(&net),
        [200, 200],
        "a retransmitted INFO is answered again"
    );
    net.run(60_000);
    assert_eq!(net.report().outcome, Outcome::Answered);
}

#[test]
fn reinvite_is_answered_with_current_sdp_or_488() {
    let mut net = Net::new(Script::Answer { after: 0 }, setup());
    net.run(100);
    let g711 = "v=0\r\no=- 2 2 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\nm=audio 17002 RTP/AVP 8\r\n";
    let g729 = g711.replace("RTP/AVP 8", "RTP/AVP 18");
    net.phone.send_at(
        200,
        in_dialog_request(&net, "INVITE", "z9hG4bKre1", 2, g711),
    );
    net.phone.send_at(
        300,
        in_dialog_request(&net, "INVITE", "z9hG4bKre2", 3, &g729),
    );
    net.run(400);
    let sent = net.phone.responses.clone();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[0].0, 200);
    assert!(sent[0].1 > 0, "200 carries our SDP");
    assert_eq!(sent[1].0, 488);
}

#[test]
fn request_outside_the_dialog_gets_481() {
    let mut net = Net::new(Script::Answer { after: 0 }, setup());
    net.run(100);
    let stray = in_dialog_request(&net, "BYE", "z9hG4bKstray", 9, "");
    let stray = String::from_utf8(stray)
        .unwrap()
        .replace("tag=remote1", "tag=someone-else");
    net.phone.send_at(200, stray.into_bytes());
    net.run(300);
    assert_eq!(statuses_to_phone(&net), [481]);
    assert!(
        net.events
            .iter()
            .all(|(_, e)| !matches!(e, CallEvent::Ended(_)))
    );
}

#[test]
fn refused_credentials_are_reported_with_realm_and_user_name() {
    let mut setup = setup();
    setup.credentials = Some(Credentials {
        username: "bin-test".into(),
        password: "not-a-secret".into(),
    });
    let mut net = Net::new(Script::Challenge, setup);
    net.phone.refuse_credentials = true;
    net.run(60_000);
    assert_eq!(
        (net.report().outcome, net.report().sip_status),
        (Outcome::Failed, Some(401))
    );
    let refused: Vec<String> = net
        .events
        .iter()
        .filter_map(|(_, e)| match e {
            CallEvent::AuthRejected {
                status,
                method,
                realm,
                username,
            } => Some(format!("{status} {method} {realm} {username}")),
            _ => None,
        })
        .collect();
    assert_eq!(refused, ["401 INVITE trunk.test bin-test"]);
    assert!(!format!("{:?}", net.events).contains("not-a-secret"));
}
