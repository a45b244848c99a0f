//! What still arrives once the call has ended: an answer we no longer wait for is ACKed and
//! its dialog ended, never reported.

use super::*;

/// The phone's 200 to `request`.
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
