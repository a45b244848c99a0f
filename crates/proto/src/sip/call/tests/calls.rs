//! The call from INVITE to hang-up against the scripted phone: answered, busy, unavailable,
//! no answer, lost messages, digest challenges, and the far end's requests in the call.

use super::*;

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
