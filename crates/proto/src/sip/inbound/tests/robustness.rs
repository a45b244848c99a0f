//! Hostile input: garbled and random messages in the dialog, requests and responses missing
//! what a parser would insist on, and garbled INVITEs must never panic the call, and it must
//! report at most one end and nothing after it.

use super::*;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

/// Header lines a hostile trunk might send instead of a good one.
const BAD_LINES: &[&str] = &[
    "CSeq: 2147483647 BYE",
    "CSeq: 10 ACK",
    "CSeq: 10 INVITE",
    "Via: SIP/2.0/UDP 10.0.0.7:5060;branch=z9hG4bKinv1",
    "Via: SIP/2.0/UDP 10.0.0.7:5060",
    "Via: garbage",
    "To: <sip:+3212345678@gw.test>",
    "To: <sip:+3212345678@gw.test>;tag=",
    "From: <sip:x@trunk.test>",
    "Call-ID: other@trunk.test",
    "Contact: *",
    "Contact: <sip:[::1]:99999>",
    "Record-Route: <garbage",
    "Session-Expires: 4294967295;refresher=uac",
    "Session-Expires: 0",
    "Supported: timer",
    "Require: timer",
    "Content-Type: application/sdp",
    "Content-Type: multipart/mixed;boundary=x",
    "Content-Length: 100000",
    "Max-Forwards: 0",
    "",
];

/// Bodies a hostile trunk might send.
const BAD_BODIES: &[&str] = &[
    "",
    "v=0\r\n",
    "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n\
     m=audio 65535 RTP/AVP 8 255\r\n",
    "v=0\r\no=- 1 1 IN IP9 h\r\ns=-\r\nc=IN IP4 999.1.1.1/x\r\nt=0 0\r\nm=audio 1 RTP/AVP\r\n",
    "m=audio 30000 RTP/AVP 8\r\na=rtpmap:101\r\na=rtpmap:x telephone-event/8000\r\n",
    "\u{0}\u{ff}\r\n\r\n",
];

fn garble(rng: &mut StdRng, text: &str) -> Vec<u8> {
    let mut lines: Vec<String> = text.split("\r\n").map(str::to_owned).collect();
    for _ in 0..rng.random_range(0..4) {
        let at = rng.random_range(0..lines.len());
        let bad = (*BAD_LINES.choose(rng).unwrap_or(&"")).to_owned();
        if rng.random_bool(0.5) && at > 0 {
            lines[at] = bad;
        } else {
            lines.insert(at.max(1), bad);
        }
    }
    let mut bytes = lines.join("\r\n").into_bytes();
    if rng.random_bool(0.2) {
        bytes.extend_from_slice(BAD_BODIES.choose(rng).unwrap_or(&"").as_bytes());
    }
    for _ in 0..rng.random_range(0..3) {
        if bytes.is_empty() {
            break;
        }
        let at = rng.random_range(0..bytes.len());
        bytes[at] = rng.random();
    }
    if rng.random_bool(0.1) {
        bytes.truncate(rng.random_range(0..=bytes.len()));
    }
    bytes
}

/// What the trunk might send inside the call.
fn templates(net: &Net) -> Vec<String> {
    let mut bodies = vec![OFFER.to_owned()];
    bodies.extend(BAD_BODIES.iter().map(|b| (*b).to_owned()));
    let mut templates = vec![
        net.in_dialog("BYE", "z9hG4bKf1", 11, ""),
        net.in_dialog("INFO", "z9hG4bKf2", 12, "Signal=5\r\n"),
        net.in_dialog("OPTIONS", "z9hG4bKf3", 13, ""),
        net.in_dialog("UPDATE", "z9hG4bKf4", 14, ""),
        net.in_dialog("PRACK", "z9hG4bKf5", 15, ""),
        net.ack("z9hG4bKf6", OFFER),
        invite_text(OFFER, &[]),
        invite_text("", &[]).replace("INVITE", "CANCEL"),
        invite_text("", &[]).replace("INVITE", "ACK"),
        "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKnone\r\n\
         From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: in-1@trunk.test\r\n\
         CSeq: 1 BYE\r\n\r\n"
            .to_owned(),
    ];
    for body in bodies {
        templates.push(net.in_dialog("INVITE", "z9hG4bKf7", 16, &body));
    }
    templates
}

/// Runs one call through `steps` random inputs; panics only on a broken invariant. The
/// driver answers at once or after a while, and rarely hangs up or rejects, so that most
/// calls get into the dialog; the messages are garbled or sent as they are.
fn fuzz_call(seed: u64, steps: usize) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut net = Net::start(invite(OFFER, &["Supported: timer", "Session-Expires: 90"]));
    net.act(0, InboundCall::ring);
    let templates = templates(&net);
    let ack = net.ack("z9hG4bKf6", "");
    if rng.random_bool(0.7) {
        net.act(0, InboundCall::answer);
    }
    for step in 0..steps {
        let ms = net.now + rng.random_range(0..3_000);
        match rng.random_range(0..50) {
            0..=2 => net.act(ms, InboundCall::answer),
            3 => net.act(ms, InboundCall::hang_up),
            4 => net.act(ms, |call, now| call.reject(now, rng.random(), "Any")),
            5..=9 => net.deliver(ms, &ack),
            _ => {
                net.run_until(ms);
                let template = templates.choose(&mut rng).expect("templates");
                let bytes = if rng.random_bool(0.7) {
                    garble(&mut rng, template)
                } else {
                    template.clone().into_bytes()
                };
                if let Ok(message) = parse_datagram(&bytes) {
                    net.call.handle_message(Net::at(ms), message, trunk());
                    net.flush();
                }
            }
        }
        if let Some(at) = net.call.poll_timeout() {
            assert!(
                at >= Net::at(net.now),
                "seed {seed} step {step}: a timer in the past"
            );
        }
    }
    net.run_until(net.now + 200_000);
    let ended = net.event_kinds().iter().filter(|k| **k == "ended").count();
    assert!(ended <= 1, "seed {seed}: {:?}", net.events);
    if let Some(at) = net.event_kinds().iter().position(|k| *k == "ended") {
        assert_eq!(
            at + 1,
            net.events.len(),
            "seed {seed}: events after the end"
        );
    }
}

#[test]
fn garbled_messages_in_the_dialog_never_panic() {
    for seed in 0..64 {
        fuzz_call(seed, 60);
    }
}

#[test]
fn messages_missing_mandatory_headers_are_dropped() {
    let mut net = Net::talking(invite(OFFER, &[]));
    let uri = Uri::parse("sip:buurtbel@192.0.2.1").unwrap();
    for method in [
        Method::Bye,
        Method::Ack,
        Method::Invite,
        Method::Cancel,
        Method::Info,
    ] {
        let bare = Request::new(method.clone(), uri.clone());
        net.call
            .handle_message(Net::at(200), Message::Request(bare), trunk());
        let mut via_only = Request::new(method, uri.clone());
        via_only
            .headers
            .push("Via", "SIP/2.0/UDP 10.0.0.7;branch=z9hG4bKz");
        via_only.headers.push("CSeq", "11 BYE");
        net.call
            .handle_message(Net::at(200), Message::Request(via_only), trunk());
    }
    for response in [Response::new(200, "OK"), Response::new(999, "")] {
        net.call
            .handle_message(Net::at(200), Message::Response(response), trunk());
    }
    net.flush();
    assert_eq!(net.event_kinds(), ["answered"]);
    let bye = net.in_dialog("BYE", "z9hG4bKbye1", 11, "");
    net.deliver(300, bye);
    assert_eq!(
        net.report().1.ended_by,
        EndedBy::Caller,
        "still the same call"
    );
}

#[test]
fn garbled_invites_are_taken_or_refused_never_a_panic() {
    let mut rng = StdRng::seed_from_u64(11);
    let text = invite_text(OFFER, &["Supported: timer", "Session-Expires: 1800"]);
    let mut taken = 0;
    for _ in 0..1_000 {
        let bytes = garble(&mut rng, &text);
        let Ok(Message::Request(request)) = parse_datagram(&bytes) else {
            continue;
        };
        if let Ok(mut call) = InboundCall::new(Instant::ZERO, request, trunk(), setup()) {
            taken += 1;
            call.answer(Instant::ZERO);
            call.hang_up(Instant::ZERO);
            while call.poll_transmit().is_some() {}
        }
    }
    assert!(taken > 0, "some garbled INVITEs are still INVITEs");
    let bare = Request::new(Method::Invite, Uri::parse("sip:gw.test").unwrap());
    let refused = InboundCall::new(Instant::ZERO, bare, trunk(), setup());
    assert_eq!(refused.err().map(|r| r.status), Some(400));
}
