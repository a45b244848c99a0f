//! Calls that are not answered: INVITEs refused at once, CANCEL, the driver's rejection and
//! hang-up before the answer, and the caller's BYE in the early dialog.

use super::*;

/// An INVITE, the status it is refused with, and a header that response must carry.
type Refusal = (Request, u16, Option<(&'static str, &'static str)>);

/// `new` refuses the INVITE with this response.
fn refused(invite: Request) -> Response {
    match InboundCall::new(Instant::ZERO, invite, trunk(), setup()) {
        Err(response) => *response,
        Ok(_) => panic!("taken"),
    }
}

#[test]
fn unacceptable_invites_are_refused_at_once() {
    let g729 = OFFER.replace("RTP/AVP 0 8 96", "RTP/AVP 18");
    let port_zero = OFFER.replace("audio 30000", "audio 0");
    let video = OFFER.replace("m=audio 30000", "m=video 30000");
    let with_to_tag = invite_text(OFFER, &[]).replace("gw.test>\r\n", "gw.test>;tag=old\r\n");
    let without_contact =
        invite_text(OFFER, &[]).replace("Contact: <sip:trunk@198.51.100.9:5060>\r\n", "");
    let urn = invite_text(OFFER, &[]).replace(
        "sip:+3212345678@192.0.2.1:5060;user=phone",
        "urn:service:sos",
    );
    let plain = invite_text(OFFER, &[]).replace("application/sdp", "text/plain");
    let parse = |text: String| match parse_datagram(text.as_bytes()) {
        Ok(Message::Request(request)) => request,
        other => panic!("{other:?}"),
    };
    let mut options = invite(OFFER, &[]);
    options.method = Method::Options;
    let table: Vec<Refusal> = vec![
        (
            invite(&g729, &[]),
            488,
            Some(("warning", "305 192.0.2.1 \"Incompatible media format\"")),
        ),
        (
            invite(&port_zero, &[]),
            488,
            Some(("warning", "304 192.0.2.1 \"Media type not available\"")),
        ),
        (invite(&video, &[]), 488, None),
        (invite("v=0\r\ngarbage", &[]), 488, None),
        (
            invite(OFFER, &["Require: timer, 100rel"]),
            420,
            Some(("unsupported", "100rel")),
        ),
        (parse(with_to_tag), 481, None),
        (parse(without_contact), 400, None),
        (parse(urn), 416, None),
        (parse(plain), 415, Some(("accept", "application/sdp"))),
        (
            invite(OFFER, &["Supported: timer", "Session-Expires: 60"]),
            422,
            Some(("min-se", "90")),
        ),
        (options, 400, None),
    ];
    for (request, status, header) in table {
        let response = refused(request);
        assert_eq!(response.status, status, "{response:?}");
        let to = response.headers.to().unwrap();
        assert!(to.tag().is_some(), "a final response carries a To tag");
        assert_eq!(response.headers.get("server"), Some("buurtbel-test"));
        assert!(
            response
                .headers
                .get("via")
                .unwrap()
                .contains("received=198.51.100.9")
        );
        if let Some((name, value)) = header {
            assert_eq!(response.headers.get(name), Some(value), "{status}");
        }
    }
}

#[test]
fn cancel_before_the_answer_gets_200_and_the_invite_487_until_its_ack() {
    let mut net = Net::start(invite(OFFER, &[]));
    net.act(100, InboundCall::ring);
    let cancel = invite_text("", &[]).replace("INVITE", "CANCEL");
    net.deliver(1_000, &cancel);
    assert_eq!(net.statuses(Method::Cancel), [(1_000, 200)]);
    net.deliver(
        3_200,
        invite_text("", &[]).replace("INVITE", "ACK").replace(
            "gw.test>\r\n",
            &format!("gw.test>;tag={}\r\n", net.local_tag()),
        ),
    );
    net.run_until(60_000);
    let failures: Vec<(u64, u16)> = net.statuses(Method::Invite)[2..].to_vec();
    assert_eq!(failures, [(1_000, 487), (1_500, 487), (2_500, 487)]);
    let tag = net.local_tag();
    let cancel_ok = &net.responses(Method::Cancel)[0].1;
    assert_eq!(cancel_ok.headers.to().unwrap().tag(), Some(tag.as_str()));
    let report = InboundReport {
        status: 487,
        answered: false,
        ended_by: EndedBy::Cancelled,
        talk: Duration::ZERO,
    };
    assert_eq!(net.report(), (3_200, report));
    assert!(net.call.is_finished());
    net.deliver(3_300, &cancel);
    assert_eq!(
        net.statuses(Method::Cancel).len(),
        2,
        "retransmission answered again"
    );
    assert_eq!(net.event_kinds(), ["ended"]);
}

#[test]
fn cancel_after_the_answer_changes_nothing() {
    let mut net = Net::talking(invite(OFFER, &[]));
    net.deliver(200, invite_text("", &[]).replace("INVITE", "CANCEL"));
    assert_eq!(net.statuses(Method::Cancel), [(200, 200)]);
    let other = invite_text("", &[])
        .replace("INVITE", "CANCEL")
        .replace("z9hG4bKinv1", "z9hG4bKother");
    net.deliver(300, other);
    assert_eq!(net.statuses(Method::Cancel)[1], (300, 481));
    assert_eq!(net.event_kinds(), ["answered"]);
    net.act(1_000, InboundCall::hang_up);
    assert_eq!(
        net.requests().len(),
        1,
        "still talking: our hang-up is a BYE"
    );
}

#[test]
fn rejection_is_resent_until_its_ack_and_then_ends() {
    let mut net = Net::start(invite(OFFER, &[]));
    net.act(500, |call, now| call.reject(now, 486, "Busy Here"));
    net.run_until(8_000);
    let ack = invite_text("", &[]).replace("INVITE", "ACK");
    let ack = ack.replace(
        "gw.test>\r\n",
        &format!("gw.test>;tag={}\r\n", net.local_tag()),
    );
    net.deliver(8_000, &ack);
    net.run_until(60_000);
    let busy: Vec<u64> = net.statuses(Method::Invite)[1..]
        .iter()
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(busy, [500, 1_000, 2_000, 4_000, 8_000]);
    let (time, report) = net.report();
    assert_eq!(
        (time, report.status, report.ended_by),
        (8_000, 486, EndedBy::Us)
    );
    assert!(net.requests().is_empty());
}

#[test]
fn rejection_without_ack_ends_at_timer_h_and_tcp_sends_it_once() {
    for (reliable, sends) in [(false, 11), (true, 1)] {
        let mut net = Net::start_with(
            invite(OFFER, &[]),
            InboundSetup {
                reliable,
                ..setup()
            },
        );
        net.act(0, |call, now| call.reject(now, 503, "Service Unavailable"));
        net.run_until(100_000);
        assert_eq!(
            net.statuses(Method::Invite).len() - 1,
            sends,
            "reliable: {reliable}"
        );
        assert_eq!(net.report().0, 32_000);
    }
}

#[test]
fn hang_up_before_the_answer_is_480_and_odd_statuses_are_500() {
    let mut net = Net::start(invite(OFFER, &[]));
    net.act(100, InboundCall::hang_up);
    net.act(200, InboundCall::answer);
    assert_eq!(net.statuses(Method::Invite)[1], (100, 480));
    assert!(net.statuses(Method::Invite).iter().all(|(_, s)| *s != 200));
    let mut odd = Net::start(invite(OFFER, &[]));
    odd.act(0, |call, now| call.reject(now, 200, "Nope"));
    let responses = odd.responses(Method::Invite);
    assert_eq!(responses[1].1.status, 500);
    let mut injected = Net::start(invite(OFFER, &[]));
    injected.act(0, |call, now| call.reject(now, 603, "Decline\r\nX-Evil: 1"));
    let responses = injected.responses(Method::Invite);
    assert_eq!(responses[1].1.reason, "DeclineX-Evil: 1");
    assert_eq!(responses[1].1.headers.get("x-evil"), None);
}

#[test]
fn bye_in_the_early_dialog_ends_the_invite_with_487() {
    let mut net = Net::start(invite(OFFER, &[]));
    net.act(100, InboundCall::ring);
    net.deliver(500, net.in_dialog("BYE", "z9hG4bKbye1", 11, ""));
    assert_eq!(net.statuses(Method::Bye), [(500, 200)]);
    assert_eq!(net.statuses(Method::Invite)[2], (500, 487));
    let ack = invite_text("", &[]).replace("INVITE", "ACK");
    let ack = ack.replace(
        "gw.test>\r\n",
        &format!("gw.test>;tag={}\r\n", net.local_tag()),
    );
    net.deliver(700, ack);
    let (_, report) = net.report();
    assert_eq!((report.status, report.ended_by), (487, EndedBy::Caller));
}
