//! The answered call's dialog: the caller's BYE, INFO, OPTIONS, re-INVITE and UPDATE,
//! requests from outside the dialog, and our BYE along the route set.

use super::*;

const RECORD_ROUTE: [&str; 1] = ["Record-Route: <sip:198.51.100.20;lr>, <sip:p2.trunk.test;lr>"];

#[test]
fn the_callers_bye_ends_the_call_once() {
    let mut net = Net::talking(invite(OFFER, &[]));
    let bye = net.in_dialog("BYE", "z9hG4bKbye1", 11, "");
    net.deliver(60_100, &bye);
    net.deliver(60_600, &bye);
    assert_eq!(net.statuses(Method::Bye), [(60_100, 200), (60_600, 200)]);
    let report = InboundReport {
        status: 200,
        answered: true,
        ended_by: EndedBy::Caller,
        talk: Duration::from_secs(60),
    };
    assert_eq!(net.report(), (60_100, report));
    assert!(net.requests().is_empty());
    assert!(net.call.is_finished());
    net.deliver(61_000, net.in_dialog("INFO", "z9hG4bKinfo9", 12, ""));
    assert_eq!(
        net.statuses(Method::Info),
        [(61_000, 481)],
        "the dialog is gone"
    );
}

#[test]
fn info_is_reported_and_options_answered() {
    let mut net = Net::talking(invite(OFFER, &[]));
    let info = net
        .in_dialog("INFO", "z9hG4bKinfo1", 11, "Signal=1\r\nDuration=160\r\n")
        .replace("application/sdp", "application/dtmf-relay");
    net.deliver(1_000, &info);
    net.deliver(1_200, &info);
    net.deliver(2_000, net.in_dialog("OPTIONS", "z9hG4bKopt1", 12, ""));
    assert_eq!(net.statuses(Method::Info), [(1_000, 200), (1_200, 200)]);
    let options = net.responses(Method::Options);
    assert_eq!(options[0].1.status, 200);
    assert!(options[0].1.headers.get("allow").unwrap().contains("INFO"));
    let infos: Vec<&InboundEvent> = net
        .events
        .iter()
        .filter(|(_, e)| matches!(e, InboundEvent::Info { .. }))
        .map(|(_, e)| e)
        .collect();
    assert_eq!(
        infos,
        [&InboundEvent::Info {
            content_type: "application/dtmf-relay".into(),
            body: Bytes::from_static(b"Signal=1\r\nDuration=160\r\n"),
        }],
        "a retransmission is answered, not reported again"
    );
}

#[test]
fn reinvite_gets_the_same_sdp_or_488_and_update_without_offer_no_body() {
    let mut net = Net::talking(invite(OFFER, &[]));
    let first_sdp = net.responses(Method::Invite).last().unwrap().1.body.clone();
    net.deliver(1_000, net.in_dialog("INVITE", "z9hG4bKre1", 11, OFFER));
    net.deliver(
        2_000,
        net.ack("z9hG4bKreack", "").replace("10 ACK", "11 ACK"),
    );
    let g729 = OFFER.replace("RTP/AVP 0 8 96", "RTP/AVP 18");
    net.deliver(3_000, net.in_dialog("INVITE", "z9hG4bKre2", 12, &g729));
    net.deliver(3_100, net.in_dialog("ACK", "z9hG4bKre2", 12, ""));
    net.deliver(4_000, net.in_dialog("UPDATE", "z9hG4bKup1", 13, ""));
    net.run_until(60_000);
    let reinvites: Vec<(u64, u16)> = net
        .statuses(Method::Invite)
        .into_iter()
        .filter(|(t, _)| *t >= 1_000)
        .collect();
    assert_eq!(
        reinvites,
        [(1_000, 200), (1_500, 200), (3_000, 488)],
        "the 2xx re-sent until its ACK (new branch), the 488 ACKed on its own branch"
    );
    let same_sdp = net
        .responses(Method::Invite)
        .iter()
        .filter(|(t, r)| *t >= 1_000 && r.status == 200)
        .all(|(_, r)| r.body == first_sdp);
    assert!(same_sdp);
    let update = &net.responses(Method::Update)[0].1;
    assert_eq!((update.status, update.body.len()), (200, 0));
    assert_eq!(net.event_kinds(), ["answered"]);
}

#[test]
fn requests_outside_the_dialog_get_481_or_482_and_unknown_methods_405() {
    let mut net = Net::talking(invite(OFFER, &[]));
    let wrong_tag = net
        .in_dialog("INFO", "z9hG4bKx1", 11, "")
        .replace(&format!("tag={}", net.local_tag()), "tag=someone-else");
    net.deliver(1_000, wrong_tag);
    net.deliver(
        1_100,
        invite_text(OFFER, &[]).replace("z9hG4bKinv1", "z9hG4bKfork"),
    );
    net.deliver(1_200, net.in_dialog("REFER", "z9hG4bKx2", 12, ""));
    assert_eq!(net.statuses(Method::Info), [(1_000, 481)]);
    assert_eq!(net.statuses(Method::Invite).last(), Some(&(1_100, 482)));
    let refer = net.responses(Method::Extension("REFER".into()));
    assert_eq!(refer[0].1.status, 405);
    assert!(refer[0].1.headers.get("allow").is_some());
    assert_eq!(net.event_kinds(), ["answered"]);
}

#[test]
fn our_bye_follows_the_route_set_to_the_remote_target_with_our_own_cseq() {
    let mut net = Net::talking(invite(OFFER, &RECORD_ROUTE));
    net.act(30_100, InboundCall::hang_up);
    let requests = net.requests();
    let (time, destination, bye) = &requests[0];
    assert_eq!(
        (*time, *destination),
        (30_100, "198.51.100.20:5060".parse().unwrap()),
        "to the first route"
    );
    assert_eq!(bye.uri.to_string(), "sip:trunk@198.51.100.9:5060");
    let routes: Vec<&str> = bye.headers.all("route").collect();
    assert_eq!(routes, ["<sip:198.51.100.20;lr>", "<sip:p2.trunk.test;lr>"]);
    assert_eq!(bye.headers.get("cseq"), Some("1 BYE"));
    assert_eq!(
        bye.headers.from().unwrap().tag(),
        Some(net.local_tag().as_str())
    );
    assert_eq!(bye.headers.to().unwrap().tag(), Some("caller1"));
    let via = bye.headers.top_via().unwrap();
    assert_eq!(
        (via.transport.as_str(), via.host.as_str(), via.port),
        ("UDP", "192.0.2.1", Some(5060))
    );
    assert_eq!(bye.headers.get("user-agent"), Some("buurtbel-test"));
    net.deliver(30_200, net.answer_to(bye, 200));
    let report = InboundReport {
        status: 200,
        answered: true,
        ended_by: EndedBy::Us,
        talk: Duration::from_millis(30_100),
    };
    assert_eq!(net.report(), (30_200, report));
}

#[test]
fn an_unanswered_bye_ends_the_call_at_timer_f_and_a_crossing_bye_at_once() {
    let mut net = Net::talking(invite(OFFER, &[]));
    net.act(1_000, InboundCall::hang_up);
    net.run_until(100_000);
    let byes: Vec<(u64, SocketAddr)> = net.requests().iter().map(|(t, d, _)| (*t, *d)).collect();
    assert_eq!(byes.len(), 11);
    assert!(
        byes.iter()
            .all(|(_, d)| *d == "198.51.100.9:5060".parse().unwrap()),
        "the Contact"
    );
    assert_eq!(net.report().0, 33_000);
    let mut crossed = Net::talking(invite(OFFER, &[]));
    crossed.act(1_000, InboundCall::hang_up);
    crossed.deliver(1_010, crossed.in_dialog("BYE", "z9hG4bKbye1", 11, ""));
    let (time, report) = crossed.report();
    assert_eq!((time, report.ended_by), (1_010, EndedBy::Us));
    assert_eq!(crossed.statuses(Method::Bye), [(1_010, 200)]);
}

#[test]
fn the_callers_bye_before_the_ack_stops_our_2xx() {
    let mut net = Net::start(invite(OFFER, &[]));
    net.act(0, InboundCall::answer);
    net.deliver(700, net.in_dialog("BYE", "z9hG4bKbye1", 11, ""));
    net.run_until(60_000);
    let oks = net
        .statuses(Method::Invite)
        .into_iter()
        .filter(|(_, s)| *s == 200)
        .count();
    assert_eq!(oks, 2, "0 and 500, none after the BYE");
    let (_, report) = net.report();
    assert_eq!((report.answered, report.ended_by), (false, EndedBy::Caller));
    assert!(net.requests().is_empty());
}

#[test]
fn an_accepted_reinvite_moves_our_bye_to_its_contact() {
    let mut net = Net::talking(invite(OFFER, &[]));
    let moved = net.in_dialog("INVITE", "z9hG4bKre1", 11, OFFER).replace(
        "CSeq: 11 INVITE\r\n",
        "CSeq: 11 INVITE\r\nContact: <sip:trunk@198.51.100.30:5070>\r\n",
    );
    net.deliver(1_000, moved);
    net.deliver(
        1_100,
        net.ack("z9hG4bKreack", "").replace("10 ACK", "11 ACK"),
    );
    net.act(2_000, InboundCall::hang_up);
    let requests = net.requests();
    let (_, destination, bye) = &requests[0];
    assert_eq!(bye.uri.to_string(), "sip:trunk@198.51.100.30:5070");
    assert_eq!(*destination, "198.51.100.30:5070".parse().unwrap());
}
