//! The dialog once answered, in virtual time: answers without usable audio, forked answers,
//! ACKs for our 2xx to re-INVITEs, UPDATE, session timers and the liveness probe.

use super::*;

/// PCMA with telephone-event, as the phone answers by default.
const G711: &str = "v=0\r\no=- 1 1 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\n\
                    m=audio 17000 RTP/AVP 8 101\r\na=rtpmap:101 telephone-event/8000\r\n";

fn answered_by(phone: impl FnOnce(&mut Phone)) -> Net {
    let mut net = Net::new(Script::Answer { after: 0 }, setup());
    phone(&mut net.phone);
    net
}

fn count(net: &Net, wanted: fn(&CallEvent) -> bool) -> usize {
    net.events.iter().filter(|(_, e)| wanted(e)).count()
}

fn ended_at(net: &Net) -> u64 {
    net.events
        .iter()
        .find_map(|(t, e)| matches!(e, CallEvent::Ended(_)).then_some(*t))
        .expect("the call ended")
}

/// The driver asks for a probe at `ms`.
fn probe_at(net: &mut Net, ms: u64) {
    net.now = ms;
    net.call.probe(net.at(ms));
}

fn to_tag(request: &Request) -> String {
    request.headers.to().unwrap().tag().unwrap().to_owned()
}

fn assert_unusable(body: &'static str, reason: EndReason) {
    let mut net = answered_by(|phone| phone.answer_body = Some(body));
    net.run(60_000);
    let report = net.report();
    assert_eq!(
        (report.outcome, report.sip_status, report.reason),
        (Outcome::Failed, Some(200), Some(reason)),
        "{body:?}"
    );
    assert_eq!(report.hung_up_by, Some(Party::Local));
    assert_eq!(net.phone.methods(), ["INVITE", "ACK", "BYE"], "{body:?}");
    assert_eq!(count(&net, |e| matches!(e, CallEvent::Answered { .. })), 0);
    assert_eq!(count(&net, |e| matches!(e, CallEvent::Ending { .. })), 1);
}

#[test]
fn answer_with_audio_refused_is_acked_byed_and_failed() {
    assert_unusable(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\n\
         m=audio 0 RTP/AVP 8\r\n",
        EndReason::NoAudio,
    );
}

#[test]
fn answer_without_audio_stream_fails() {
    assert_unusable(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\n\
         m=video 17000 RTP/AVP 31\r\n",
        EndReason::NoAudio,
    );
}

#[test]
fn answer_without_codec_in_common_fails() {
    assert_unusable(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\n\
         m=audio 17000 RTP/AVP 18\r\n",
        EndReason::NoCodec,
    );
}

#[test]
fn answer_without_sdp_fails() {
    assert_unusable("", EndReason::NoSdp);
}

#[test]
fn forked_answers_are_each_acked_and_all_but_the_first_byed() {
    let mut net = answered_by(|phone| phone.fork = true);
    net.hang_up_at = Some(5_000);
    net.run(60_000);
    let acks: Vec<String> = net
        .phone
        .requests(Method::Ack)
        .iter()
        .map(|(_, r)| to_tag(r))
        .collect();
    assert_eq!(acks, ["remote1", "remote2"], "each fork ACKed once");
    let byes: Vec<(u64, String, String)> = net
        .phone
        .requests(Method::Bye)
        .iter()
        .map(|(t, r)| (*t, to_tag(r), r.uri.to_string()))
        .collect();
    assert_eq!(
        byes,
        [
            (120, "remote2".into(), "sip:phone2@127.0.0.2:5070".into()),
            (5_010, "remote1".into(), "sip:phone@127.0.0.2:5070".into()),
        ],
        "the second fork at once, the first when we hang up"
    );
    assert_eq!(count(&net, |e| matches!(e, CallEvent::Answered { .. })), 1);
    let report = net.report();
    assert_eq!((report.outcome, report.reason), (Outcome::Answered, None));
    assert_eq!(report.talk, Duration::from_millis(5_000));
}

#[test]
fn retransmitted_fork_answer_is_acked_again_and_byed_once() {
    let mut net = answered_by(|phone| phone.fork = true);
    net.run(1_000);
    let second = String::from_utf8(net.phone.answered.clone().unwrap().to_bytes())
        .unwrap()
        .replace("tag=remote1", "tag=remote2")
        .replace("sip:phone@", "sip:phone2@");
    net.phone.send_at(1_500, second.into_bytes());
    net.hang_up_at = Some(3_000);
    net.run(60_000);
    let acks2 = net
        .phone
        .requests(Method::Ack)
        .iter()
        .filter(|(_, r)| to_tag(r) == "remote2")
        .count();
    let byes2 = net
        .phone
        .requests(Method::Bye)
        .iter()
        .filter(|(_, r)| to_tag(r) == "remote2")
        .count();
    assert_eq!((acks2, byes2), (2, 1));
}

#[test]
fn ack_with_a_new_branch_stops_our_2xx_to_a_reinvite() {
    let mut net = answered_by(|_| {});
    net.run(100);
    net.phone.send_at(
        200,
        in_dialog_request(&net, "INVITE", "z9hG4bKre1", 2, G711),
    );
    // RFC 3261 §13.2.2.4: the ACK for a 2xx is a new transaction, with a branch of its own.
    net.phone
        .send_at(260, in_dialog_request(&net, "ACK", "z9hG4bKack1", 2, ""));
    net.hang_up_at = Some(40_000);
    net.run(60_000);
    assert_eq!(
        statuses_to_phone(&net),
        [200],
        "the 200 went once: the ACK matched by dialog and CSeq"
    );
    let report = net.report();
    assert_eq!(
        (report.outcome, report.hung_up_by),
        (Outcome::Answered, Some(Party::Local))
    );
}

#[test]
fn ack_for_another_cseq_does_not_stop_the_2xx() {
    let mut net = answered_by(|_| {});
    net.run(100);
    net.phone.send_at(
        200,
        in_dialog_request(&net, "INVITE", "z9hG4bKre1", 3, G711),
    );
    net.phone
        .send_at(260, in_dialog_request(&net, "ACK", "z9hG4bKack1", 2, ""));
    net.run(1_000);
    assert_eq!(statuses_to_phone(&net), [200, 200], "re-sent at T1");
}

#[test]
fn update_refresh_is_answered_once_without_sdp() {
    let mut net = answered_by(|_| {});
    net.run(100);
    net.phone
        .send_at(200, in_dialog_request(&net, "UPDATE", "z9hG4bKup1", 2, ""));
    net.hang_up_at = Some(40_000);
    net.run(60_000);
    assert_eq!(
        net.phone.responses[0],
        (200, 0),
        "an UPDATE without offer gets a 200 without answer"
    );
    assert_eq!(
        statuses_to_phone(&net),
        [200],
        "no ACK comes, none is awaited"
    );
    assert_eq!(net.report().outcome, Outcome::Answered);
}

/// A 200 asking us to refresh every `seconds`.
fn we_refresh(phone: &mut Phone, allow_update: bool) {
    phone
        .answer_headers
        .push(("Session-Expires", "300;refresher=uac"));
    phone.answer_headers.push(("Require", "timer"));
    if allow_update {
        phone
            .answer_headers
            .push(("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE"));
    }
}

#[test]
fn we_refresh_a_fifteen_minute_call_with_update() {
    let mut net = answered_by(|phone| we_refresh(phone, true));
    net.hang_up_at = Some(900_000);
    net.run(1_000_000);
    let updates = net.phone.requests(Method::Update);
    let times: Vec<u64> = updates.iter().map(|(t, _)| *t / 1000).collect();
    assert_eq!(times, [150, 300, 450, 600, 750], "every half interval");
    for (_, update) in &updates {
        assert_eq!(
            update.headers.get("session-expires"),
            Some("300;refresher=uac")
        );
        assert!(update.body.is_empty());
    }
    let report = net.report();
    assert_eq!(
        (report.outcome, report.hung_up_by, report.reason),
        (Outcome::Answered, Some(Party::Local), None)
    );
    assert_eq!(report.talk.as_secs(), 900);
    let invite = &net.phone.received[0].1;
    assert!(invite.headers.list("supported").contains(&"timer"));
}

#[test]
fn we_refresh_with_reinvite_and_ack_it_when_update_is_not_allowed() {
    let mut net = answered_by(|phone| we_refresh(phone, false));
    net.hang_up_at = Some(400_000);
    net.run(500_000);
    let reinvites = net.phone.requests(Method::Invite);
    assert_eq!(reinvites.len(), 3, "the INVITE and two refreshes");
    let (_, refresh) = reinvites[1];
    assert_eq!(refresh.headers.cseq().unwrap().seq, 2);
    assert!(!refresh.body.is_empty(), "our unchanged SDP");
    let acked: Vec<u32> = net
        .phone
        .requests(Method::Ack)
        .iter()
        .map(|(_, r)| r.headers.cseq().unwrap().seq)
        .collect();
    assert_eq!(acked, [1, 2, 3]);
    assert_eq!(net.report().outcome, Outcome::Answered);
}

#[test]
fn refresh_without_answer_hangs_up_before_expiry() {
    let mut net = answered_by(|phone| {
        we_refresh(phone, true);
        phone.mute_after = 100_000;
    });
    net.run(1_000_000);
    let report = net.report();
    assert_eq!(
        (report.outcome, report.reason),
        (Outcome::Answered, Some(EndReason::SessionExpired))
    );
    let (bye_at, _) = net.phone.requests(Method::Bye)[0];
    // The UPDATE at 150 s times out at Timer F (32 s), well before the 300 s expiry.
    assert_eq!(bye_at / 1000, 182);
    assert_eq!(count(&net, |e| matches!(e, CallEvent::Ending { .. })), 1);
}

#[test]
fn far_end_refreshes_are_answered_with_our_session_expires() {
    let mut net = answered_by(|phone| {
        phone
            .answer_headers
            .push(("Session-Expires", "120;refresher=uas"));
    });
    net.run(100);
    for (i, at) in (60_000..900_000).step_by(60_000).enumerate() {
        let mut update =
            in_dialog_request(&net, "UPDATE", &format!("z9hG4bKu{i}"), 2 + i as u32, "");
        let text = String::from_utf8(update).unwrap().replace(
            "\r\n\r\n",
            "\r\nSession-Expires: 120;refresher=uac\r\nSupported: timer\r\n\r\n",
        );
        update = text.into_bytes();
        net.phone.send_at(at, update);
    }
    net.hang_up_at = Some(900_000);
    net.run(1_000_000);
    let answers: Vec<&Response> = net.phone.response_log.iter().map(|(_, r)| r).collect();
    assert_eq!(answers.len(), 14);
    for answer in &answers {
        assert_eq!(answer.status, 200);
        assert_eq!(
            answer.headers.get("session-expires"),
            Some("120;refresher=uac")
        );
        assert_eq!(answer.headers.get("require"), Some("timer"));
    }
    let report = net.report();
    assert_eq!(
        (report.outcome, report.hung_up_by, report.reason),
        (Outcome::Answered, Some(Party::Local), None)
    );
    assert!(
        net.phone.requests(Method::Update).is_empty(),
        "we never refresh"
    );
}

#[test]
fn far_end_that_stops_refreshing_is_hung_up_before_expiry() {
    let mut net = answered_by(|phone| {
        phone
            .answer_headers
            .push(("Session-Expires", "120;refresher=uas"));
    });
    net.run(1_000_000);
    let report = net.report();
    assert_eq!(report.reason, Some(EndReason::SessionExpired));
    let (bye_at, _) = net.phone.requests(Method::Bye)[0];
    assert_eq!(
        bye_at,
        120_000 - 32_000 + 10 + 10,
        "min(32 s, 120 s / 3) before expiry"
    );
}

#[test]
fn refresh_below_min_se_is_refused_with_422() {
    let mut net = answered_by(|_| {});
    net.run(100);
    let update = in_dialog_request(&net, "UPDATE", "z9hG4bKu1", 2, "");
    let text = String::from_utf8(update)
        .unwrap()
        .replace("\r\n\r\n", "\r\nSession-Expires: 30\r\n\r\n");
    net.phone.send_at(200, text.into_bytes());
    net.run(1_000);
    let (_, refused) = &net.phone.response_log[0];
    assert_eq!(refused.status, 422);
    assert_eq!(refused.headers.get("min-se"), Some("90"));
}

#[test]
fn answered_probe_keeps_the_call_even_when_refused() {
    let mut net = answered_by(|phone| phone.in_dialog_status = Some(405));
    net.run(5_000);
    probe_at(&mut net, 5_000);
    assert!(net.call.is_probing());
    net.run(6_000);
    assert!(
        !net.call.is_probing(),
        "any answer but 408 and 481 proves the far end"
    );
    let options = net.phone.requests(Method::Options);
    assert_eq!(options.len(), 1);
    assert_eq!(options[0].1.headers.cseq().unwrap().seq, 2);
    net.hang_up_at = Some(60_000);
    net.run(100_000);
    assert_eq!(net.report().reason, None);
}

#[test]
fn unanswered_probe_hangs_up_at_the_probe_timeout() {
    let mut net = answered_by(|phone| phone.in_dialog_status = None);
    net.run(5_000);
    probe_at(&mut net, 5_000);
    net.run(100_000);
    let report = net.report();
    assert_eq!(
        (report.outcome, report.hung_up_by, report.reason),
        (
            Outcome::Answered,
            Some(Party::Local),
            Some(EndReason::FarEndGone)
        )
    );
    assert_eq!(ended_at(&net), 5_000 + PROBE_TIMEOUT.as_millis() as u64);
    let options: Vec<u64> = net
        .phone
        .requests(Method::Options)
        .iter()
        .map(|(t, _)| *t - 5_000)
        .collect();
    assert_eq!(
        options,
        [10, 510, 1510, 3510, 7510, 11510, 15510],
        "Timer E"
    );
    assert_eq!(net.phone.requests(Method::Bye).len(), 1, "BYE sent");
}

#[test]
fn probe_answered_481_means_the_dialog_is_gone() {
    let mut net = answered_by(|phone| phone.in_dialog_status = Some(481));
    net.run(5_000);
    probe_at(&mut net, 5_000);
    net.run(100_000);
    assert_eq!(net.report().reason, Some(EndReason::FarEndGone));
    assert_eq!(ended_at(&net), 5_010);
}
