//! What still arrives once we have hung up or the call has ended: every 2xx is ACKed, and an
//! answer we no longer wait for gets a BYE and is never reported.

use super::*;

/// The phone's 200 to `request`, as the first answer to our INVITE or to a re-INVITE.
fn ok_to(net: &Net, request: &Request) -> Vec<u8> {
    net.phone.reply(request, 200).to_bytes()
}

#[test]
fn answer_after_our_cancel_gave_up_is_acked_and_byed_not_reported() {
    let mut net = Net::new(Script::Ring, setup());
    net.drop_to_phone = Box::new(|bytes| bytes.starts_with(b"CANCEL"));
    net.run(55_000);
    assert_eq!(
        net.report().outcome,
        Outcome::NoAnswer,
        "no final response 64·T1 after the CANCEL"
    );
    let invite = net.phone.requests(Method::Invite)[0].1.clone();
    net.phone.send_at(60_000, ok_to(&net, &invite));
    net.run(120_000);
    assert_eq!(net.report().outcome, Outcome::NoAnswer, "reported once");
    assert!(
        net.events
            .iter()
            .all(|(_, e)| !matches!(e, CallEvent::Answered { .. })),
        "{:?}",
        net.events
    );
    assert_eq!(net.phone.methods(), ["INVITE", "ACK", "BYE"]);
    assert!(net.call.is_finished());
}

#[test]
fn answer_to_our_refresh_after_we_hung_up_is_still_acked() {
    let mut net = Net::new(Script::Answer { after: 0 }, setup());
    net.phone
        .answer_headers
        .push(("Session-Expires", "300;refresher=uac"));
    net.phone.mute_after = 100_000;
    net.hang_up_at = Some(151_000);
    net.run(152_000);
    assert_eq!(net.report().hung_up_by, Some(Party::Local));
    let (_, refresh) = net.phone.requests(Method::Invite)[1];
    let refresh = refresh.clone();
    net.phone.send_at(153_000, ok_to(&net, &refresh));
    net.run(200_000);
    let acked: Vec<u32> = net
        .phone
        .requests(Method::Ack)
        .iter()
        .map(|(_, r)| r.headers.cseq().unwrap().seq)
        .collect();
    assert_eq!(acked, [1, 2], "RFC 3261 §13.2.2.4: every 2xx is ACKed");
}

#[test]
fn answer_after_one_that_made_no_dialog_is_acked_and_byed_not_reported() {
    let mut net = Net::new(Script::Silent, setup());
    net.run(100);
    let invite = net.phone.requests(Method::Invite)[0].1.clone();
    let ok = String::from_utf8(ok_to(&net, &invite)).unwrap();
    net.phone
        .send_at(200, ok.replace(";tag=remote1", "").into_bytes());
    net.phone.send_at(300, ok.into_bytes());
    net.run(60_000);
    let report = net.report();
    assert_eq!(
        (report.outcome, report.reason),
        (Outcome::Failed, Some(EndReason::BadAnswer))
    );
    assert!(
        net.events
            .iter()
            .all(|(_, e)| !matches!(e, CallEvent::Answered { .. })),
        "{:?}",
        net.events
    );
    assert_eq!(net.phone.methods(), ["INVITE", "ACK", "BYE"]);
    assert!(net.call.is_finished());
}
