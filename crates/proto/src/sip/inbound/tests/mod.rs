//! The incoming call against a scripted trunk in virtual time: the trunk's messages are built
//! as text and parsed, the call's timers fire at each `poll_timeout`, and everything the call
//! sends is recorded with the time it left.

use super::*;
use crate::sip::message::{Response, parse_datagram};
use crate::sip::sdp::Codec;
use std::time::Duration;

mod answer;
mod dialog;
mod refuse;
mod robustness;

/// Where the trunk's packets come from (behind NAT: its Via says 10.0.0.7:5060).
const TRUNK: &str = "198.51.100.9:40000";

/// The caller's offer: PCMU before PCMA, telephone-event as 96.
const OFFER: &str = "v=0\r\no=- 7 7 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\n\
                     t=0 0\r\nm=audio 30000 RTP/AVP 0 8 96\r\na=rtpmap:96 telephone-event/8000\r\n";

fn setup() -> InboundSetup {
    InboundSetup {
        contact: Uri::parse("sip:buurtbel@192.0.2.1:5060").unwrap(),
        reliable: false,
        timers: Timers::default(),
        user_agent: "buurtbel-test".into(),
        media: Offer {
            rtp: "192.0.2.1:16000".parse().unwrap(),
            codecs: vec![Codec::Pcma, Codec::Pcmu],
            session_id: 5,
        },
        seed: 3,
    }
}

/// The trunk's INVITE with `body` as offer and `extra` header lines.
fn invite_text(body: &str, extra: &[&str]) -> String {
    let mut text = "INVITE sip:+3212345678@192.0.2.1:5060;user=phone SIP/2.0\r\n\
        Via: SIP/2.0/UDP 10.0.0.7:5060;branch=z9hG4bKinv1;rport\r\n\
        Max-Forwards: 69\r\nFrom: \"Test Lid Een\" <sip:+32470000001@trunk.test>;tag=caller1\r\n\
        To: <sip:+3212345678@gw.test>\r\nCall-ID: in-1@trunk.test\r\nCSeq: 10 INVITE\r\n\
        Contact: <sip:trunk@198.51.100.9:5060>\r\n"
        .to_owned();
    for line in extra {
        text.push_str(line);
        text.push_str("\r\n");
    }
    if !body.is_empty() {
        text.push_str("Content-Type: application/sdp\r\n");
    }
    text.push_str("\r\n");
    text.push_str(body);
    text
}

fn invite(body: &str, extra: &[&str]) -> Request {
    match parse_datagram(invite_text(body, extra).as_bytes()) {
        Ok(Message::Request(request)) => request,
        other => panic!("{other:?}"),
    }
}

fn trunk() -> SocketAddr {
    TRUNK.parse().unwrap()
}

/// The call and what it did, in virtual milliseconds.
struct Net {
    now: u64,
    call: InboundCall,
    sent: Vec<(u64, Transmit)>,
    events: Vec<(u64, InboundEvent)>,
}

impl Net {
    fn start(invite: Request) -> Net {
        Net::start_with(invite, setup())
    }

    fn start_with(invite: Request, setup: InboundSetup) -> Net {
        let call = InboundCall::new(Instant::ZERO, invite, trunk(), setup).expect("taken");
        let mut net = Net {
            now: 0,
            call,
            sent: Vec::new(),
            events: Vec::new(),
        };
        net.flush();
        net
    }

    fn at(ms: u64) -> Instant {
        Instant::ZERO + Duration::from_millis(ms)
    }

    /// Fires the call's timers up to `ms`, and moves the clock there.
    fn run_until(&mut self, ms: u64) {
        while let Some(next) = self.call.poll_timeout() {
            let next = (next - Instant::ZERO).as_millis() as u64;
            if next > ms {
                break;
            }
            self.now = next.max(self.now);
            self.call.handle_timeout(Net::at(self.now));
            self.flush();
        }
        self.now = ms;
    }

    /// The trunk's message arrives at `ms`.
    fn deliver(&mut self, ms: u64, bytes: impl AsRef<[u8]>) {
        self.run_until(ms);
        let message = parse_datagram(bytes.as_ref()).expect("a valid test message");
        self.call.handle_message(Net::at(ms), message, trunk());
        self.flush();
    }

    /// The driver acts at `ms`.
    fn act(&mut self, ms: u64, action: impl FnOnce(&mut InboundCall, Instant)) {
        self.run_until(ms);
        action(&mut self.call, Net::at(ms));
        self.flush();
    }

    fn flush(&mut self) {
        while let Some(transmit) = self.call.poll_transmit() {
            self.sent.push((self.now, transmit));
        }
        while let Some(event) = self.call.poll_event() {
            self.events.push((self.now, event));
        }
    }

    /// Every message the call sent, parsed: (time, destination, message).
    fn messages(&self) -> Vec<(u64, SocketAddr, Message)> {
        self.sent
            .iter()
            .map(|(t, tx)| (*t, tx.destination, parse_datagram(&tx.bytes).expect("ours")))
            .collect()
    }

    /// The responses to requests of `method` (by CSeq), with the time they left.
    fn responses(&self, method: Method) -> Vec<(u64, Response)> {
        self.messages()
            .into_iter()
            .filter_map(|(t, _, m)| match m {
                Message::Response(r) if r.headers.cseq().unwrap().method == method => Some((t, r)),
                _ => None,
            })
            .collect()
    }

    /// The statuses of those responses, with times.
    fn statuses(&self, method: Method) -> Vec<(u64, u16)> {
        let responses = self.responses(method);
        responses.iter().map(|(t, r)| (*t, r.status)).collect()
    }

    /// The requests the call sent: (time, destination, request).
    fn requests(&self) -> Vec<(u64, SocketAddr, Request)> {
        self.messages()
            .into_iter()
            .filter_map(|(t, d, m)| match m {
                Message::Request(r) => Some((t, d, r)),
                Message::Response(_) => None,
            })
            .collect()
    }

    /// Our To tag, from the first response that carries it.
    fn local_tag(&self) -> String {
        let responses = self.responses(Method::Invite);
        responses
            .iter()
            .find_map(|(_, r)| r.headers.to().unwrap().tag().map(str::to_owned))
            .expect("a tagged response")
    }

    /// A request from the trunk inside the dialog.
    fn in_dialog(&self, method: &str, branch: &str, cseq: u32, body: &str) -> String {
        let mut text = format!(
            "{method} sip:buurtbel@192.0.2.1:5060 SIP/2.0\r\n\
             Via: SIP/2.0/UDP 10.0.0.7:5060;branch={branch};rport\r\n\
             From: \"Test Lid Een\" <sip:+32470000001@trunk.test>;tag=caller1\r\n\
             To: <sip:+3212345678@gw.test>;tag={tag}\r\nCall-ID: in-1@trunk.test\r\n\
             CSeq: {cseq} {method}\r\n",
            tag = self.local_tag(),
        );
        if !body.is_empty() {
            text.push_str("Content-Type: application/sdp\r\n");
        }
        text.push_str("\r\n");
        text.push_str(body);
        text
    }

    /// The ACK for our 2xx to the INVITE: CSeq 10, a branch of its own.
    fn ack(&self, branch: &str, body: &str) -> String {
        self.in_dialog("ACK", branch, 10, body)
    }

    /// The trunk's response to our request.
    fn answer_to(&self, request: &Request, status: u16) -> Vec<u8> {
        crate::sip::call::response_to(request, status, "Test", "caller1").to_bytes()
    }

    /// The events, without the times.
    fn event_kinds(&self) -> Vec<&'static str> {
        self.events
            .iter()
            .map(|(_, e)| match e {
                InboundEvent::Answered { .. } => "answered",
                InboundEvent::Info { .. } => "info",
                InboundEvent::Ending { .. } => "ending",
                InboundEvent::Ended(_) => "ended",
            })
            .collect()
    }

    /// The one report, and when it came.
    fn report(&self) -> (u64, InboundReport) {
        let ended: Vec<(u64, InboundReport)> = self
            .events
            .iter()
            .filter_map(|(t, e)| match e {
                InboundEvent::Ended(r) => Some((*t, r.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(ended.len(), 1, "exactly one Ended: {:?}", self.events);
        ended[0].clone()
    }

    /// Answers at 0 and ACKs at 100: a talking call.
    fn talking(invite: Request) -> Net {
        let mut net = Net::start(invite);
        net.act(0, InboundCall::answer);
        net.deliver(100, net.ack("z9hG4bKack1", ""));
        assert_eq!(net.event_kinds(), ["answered"]);
        net
    }
}
