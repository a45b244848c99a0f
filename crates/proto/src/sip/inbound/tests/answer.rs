//! The INVITE's course: 100 at once, ringing, our 2xx until its ACK or none, retransmitted
//! INVITEs, the late offer, and session timers.

use super::*;

#[test]
fn trying_at_once_without_our_tag_back_to_the_source_with_via_stamped() {
    let net = Net::start(invite(OFFER, &[]));
    let sent = net.messages();
    assert_eq!(sent.len(), 1);
    let (time, destination, Message::Response(trying)) = &sent[0] else {
        panic!("{sent:?}")
    };
    assert_eq!((*time, *destination, trying.status), (0, trunk(), 100));
    assert_eq!(trying.headers.to().unwrap().tag(), None);
    assert_eq!(
        trying.headers.get("via"),
        Some("SIP/2.0/UDP 10.0.0.7:5060;branch=z9hG4bKinv1;rport=40000;received=198.51.100.9")
    );
    assert_eq!(trying.headers.get("server"), Some("buurtbel-test"));
    assert_eq!(net.call.call_id(), "in-1@trunk.test");
    assert_eq!(net.call.called(), "+3212345678");
    assert_eq!(
        net.call.caller(),
        &CallerIdentity::From("+32470000001".into())
    );
    assert!(net.events.is_empty());
}

#[test]
fn ringing_and_answer_carry_our_tag_record_route_contact_and_sdp() {
    let rr = [
        "Record-Route: <sip:198.51.100.20;lr>",
        "Record-Route: <sip:p2.trunk.test;lr>",
    ];
    let mut net = Net::start(invite(OFFER, &rr));
    net.act(100, InboundCall::ring);
    net.act(2_000, InboundCall::answer);
    let responses = net.responses(Method::Invite);
    let statuses: Vec<(u64, u16)> = responses.iter().map(|(t, r)| (*t, r.status)).collect();
    assert_eq!(statuses, [(0, 100), (100, 180), (2_000, 200)]);
    let tags: Vec<Option<String>> = responses
        .iter()
        .map(|(_, r)| r.headers.to().unwrap().tag().map(str::to_owned))
        .collect();
    assert!(tags[1].is_some());
    assert_eq!(
        tags[1], tags[2],
        "one tag for the early and the confirmed dialog"
    );
    for (_, response) in &responses[1..] {
        let routes: Vec<&str> = response.headers.all("record-route").collect();
        assert_eq!(routes, ["<sip:198.51.100.20;lr>", "<sip:p2.trunk.test;lr>"]);
        assert_eq!(
            response.headers.get("contact"),
            Some("<sip:buurtbel@192.0.2.1:5060>")
        );
    }
    let ok = &responses[2].1;
    assert_eq!(ok.headers.get("content-type"), Some("application/sdp"));
    let sdp = String::from_utf8(ok.body.to_vec()).unwrap();
    assert!(sdp.contains("c=IN IP4 192.0.2.1\r\n"), "{sdp}");
    assert!(sdp.contains("m=audio 16000 RTP/AVP 8 96\r\n"), "{sdp}");
    assert!(sdp.contains("a=sendrecv\r\n"), "{sdp}");
    assert_eq!(ok.headers.get("session-expires"), None);
}

#[test]
fn answer_is_resent_doubling_to_t2_until_the_ack_which_starts_the_media() {
    let mut net = Net::start(invite(OFFER, &[]));
    net.act(0, InboundCall::answer);
    net.deliver(5_000, net.ack("z9hG4bKack1", ""));
    net.run_until(60_000);
    let oks: Vec<u64> = net
        .statuses(Method::Invite)
        .into_iter()
        .filter(|(_, s)| *s == 200)
        .map(|(t, _)| t)
        .collect();
    assert_eq!(oks, [0, 500, 1_500, 3_500]);
    let media = net.events.iter().find_map(|(t, e)| match e {
        InboundEvent::Answered { media } => Some((*t, media.clone())),
        _ => None,
    });
    let expected = Answer {
        rtp: "198.51.100.7:30000".parse().unwrap(),
        codec: Codec::Pcma,
        telephone_event: Some(96),
    };
    assert_eq!(media, Some((5_000, expected)));
    net.deliver(5_100, net.ack("z9hG4bKack1", ""));
    assert_eq!(
        net.event_kinds(),
        ["answered"],
        "a retransmitted ACK is absorbed"
    );
}

#[test]
fn no_ack_within_64_t1_gives_up_with_a_bye() {
    let mut net = Net::start(invite(OFFER, &[]));
    net.act(0, InboundCall::answer);
    net.run_until(40_000);
    let oks: Vec<u64> = net.statuses(Method::Invite)[1..]
        .iter()
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(
        oks,
        [
            0, 500, 1_500, 3_500, 7_500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500
        ]
    );
    let requests = net.requests();
    let (time, _, bye) = requests.first().expect("a BYE");
    assert_eq!((*time, &bye.method), (32_000, &Method::Bye));
    assert_eq!(
        net.events[0],
        (
            32_000,
            InboundEvent::Ending {
                reason: InboundEndReason::NoAck
            }
        )
    );
    net.deliver(32_050, net.answer_to(bye, 200));
    let report = InboundReport {
        status: 200,
        answered: false,
        ended_by: EndedBy::Signalling(InboundEndReason::NoAck),
        talk: Duration::ZERO,
    };
    assert_eq!(net.report(), (32_050, report));
    assert!(net.call.is_finished());
}

#[test]
fn retransmitted_invite_gets_the_last_response_again_and_no_second_call() {
    let mut net = Net::start(invite(OFFER, &[]));
    net.deliver(50, invite_text(OFFER, &[]));
    net.act(100, InboundCall::ring);
    net.deliver(200, invite_text(OFFER, &[]));
    net.act(300, InboundCall::answer);
    net.deliver(400, invite_text(OFFER, &[]));
    assert_eq!(
        net.statuses(Method::Invite),
        [
            (0, 100),
            (50, 100),
            (100, 180),
            (200, 180),
            (300, 200),
            (400, 200)
        ]
    );
    assert!(net.events.is_empty());
    net.deliver(450, net.ack("z9hG4bKack1", ""));
    net.deliver(500, invite_text(OFFER, &[]));
    assert_eq!(net.statuses(Method::Invite).len(), 6, "absorbed once ACKed");
    assert_eq!(net.event_kinds(), ["answered"]);
}

#[test]
fn late_offer_our_2xx_offers_everything_and_the_ack_answers() {
    let mut net = Net::start(invite("", &[]));
    net.act(0, InboundCall::answer);
    let responses = net.responses(Method::Invite);
    let ok = &responses.last().unwrap().1;
    assert_eq!(&ok.body[..], setup().media.to_sdp().as_bytes());
    let answer = "v=0\r\no=- 8 8 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\n\
                  t=0 0\r\nm=audio 30002 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n";
    net.deliver(200, net.ack("z9hG4bKack1", answer));
    let media = net.events.iter().find_map(|(_, e)| match e {
        InboundEvent::Answered { media } => Some(media.clone()),
        _ => None,
    });
    let expected = Answer {
        rtp: "198.51.100.7:30002".parse().unwrap(),
        codec: Codec::Pcmu,
        telephone_event: Some(101),
    };
    assert_eq!(media, Some(expected));
}

#[test]
fn late_offer_ack_without_usable_answer_is_byed() {
    let no_codec = "v=0\r\no=- 8 8 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\n\
                    t=0 0\r\nm=audio 30002 RTP/AVP 18\r\n";
    for (body, reason) in [
        ("", InboundEndReason::NoSdp),
        (no_codec, InboundEndReason::NoCodec),
    ] {
        let mut net = Net::start(invite("", &[]));
        net.act(0, InboundCall::answer);
        net.deliver(200, net.ack("z9hG4bKack1", body));
        let requests = net.requests();
        let (time, _, bye) = requests.first().expect("a BYE");
        assert_eq!((*time, &bye.method), (200, &Method::Bye));
        assert_eq!(net.event_kinds(), ["ending"], "{reason:?}");
        net.deliver(250, net.answer_to(bye, 200));
        let (_, report) = net.report();
        assert_eq!(
            (report.answered, report.ended_by),
            (false, EndedBy::Signalling(reason))
        );
    }
}

#[test]
fn hang_up_before_the_ack_byes_once_the_ack_is_in() {
    let mut net = Net::start(invite(OFFER, &[]));
    net.act(0, InboundCall::answer);
    net.act(100, InboundCall::hang_up);
    assert!(net.requests().is_empty(), "§15: no BYE before the ACK");
    net.deliver(600, net.ack("z9hG4bKack1", ""));
    let requests = net.requests();
    let (time, _, bye) = requests.first().expect("a BYE");
    assert_eq!((*time, &bye.method), (600, &Method::Bye));
    net.deliver(650, net.answer_to(bye, 200));
    assert_eq!(net.event_kinds(), ["ended"]);
    let (_, report) = net.report();
    assert_eq!((report.answered, report.ended_by), (false, EndedBy::Us));
}

#[test]
fn session_timer_is_left_to_the_caller_and_byes_when_not_refreshed() {
    let timer = ["Supported: timer", "Session-Expires: 90"];
    let mut net = Net::start(invite(OFFER, &timer));
    net.act(0, InboundCall::answer);
    let responses = net.responses(Method::Invite);
    let ok = &responses.last().unwrap().1;
    assert_eq!(ok.headers.get("session-expires"), Some("90;refresher=uac"));
    assert_eq!(ok.headers.get("require"), Some("timer"));
    net.deliver(100, net.ack("z9hG4bKack1", ""));
    let refresh = net.in_dialog("UPDATE", "z9hG4bKupd1", 11, "");
    let refresh = refresh.replace(
        "CSeq: 11 UPDATE\r\n",
        "CSeq: 11 UPDATE\r\nSupported: timer\r\nSession-Expires: 90;refresher=uac\r\n",
    );
    net.deliver(40_000, refresh);
    assert_eq!(net.statuses(Method::Update), [(40_000, 200)]);
    net.run_until(110_000);
    let requests = net.requests();
    let (time, _, bye) = requests.first().expect("a BYE");
    assert_eq!(
        (*time, &bye.method),
        (100_000, &Method::Bye),
        "90 s less 30 s after the refresh"
    );
    assert_eq!(net.event_kinds(), ["answered", "ending"]);
}

#[test]
fn a_caller_wanting_us_to_refresh_gets_no_session_timer() {
    let timer = ["Supported: timer", "Session-Expires: 90;refresher=uas"];
    let mut net = Net::talking(invite(OFFER, &timer));
    let responses = net.responses(Method::Invite);
    let ok = &responses.last().unwrap().1;
    assert_eq!(ok.headers.get("session-expires"), None);
    net.run_until(600_000);
    assert!(net.requests().is_empty());
    assert_eq!(net.call.poll_timeout(), None);
}
