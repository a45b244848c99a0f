//! Over TCP (reliable, `CallSetup::reliable`): no transaction re-sends anything, though
//! Timer B still bounds an unanswered INVITE; only a 2xx to a re-INVITE is re-sent until its
//! ACK, end to end (§13.3.1.4). Every message crosses the stream cut into 7-byte chunks,
//! so both sides' stream parsers reassemble them.

use crate::calls::{answered, ended};
use crate::clock::ms;
use crate::net::Pair;
use crate::phone::{Action, Phone, Script};
use crate::tcp_setup;
use buurtbel_proto::sip::call::Outcome;

#[test]
fn a_slow_answer_over_tcp_needs_no_retransmission() {
    let script = Script {
        answer: Some((ms(10_000), 200)),
        ..Script::default()
    };
    let mut pair = Pair::new(tcp_setup(), Phone::new(script));
    pair.hang_up_at = Some(ms(15_000));
    pair.run(ms(60_000));
    let phone = &pair.phone;
    assert_eq!(
        phone.arrivals("INVITE"),
        [10],
        "no Timer A on a reliable transport"
    );
    let (_, invite) = phone.requests("INVITE")[0];
    let via = invite.headers.get("Via").unwrap_or_default();
    assert!(via.starts_with("SIP/2.0/TCP 127.0.0.1:5060;"), "{via}");
    assert_eq!(pair.event_times(answered), [10_020]);
    assert_eq!(phone.arrivals("ACK"), [10_030]);
    assert_eq!(phone.arrivals("BYE"), [15_010]);
    assert_eq!(pair.event_times(ended), [15_020]);
    assert_eq!(pair.report().outcome, Outcome::Answered);
}

#[test]
fn a_silent_phone_over_tcp_times_out_by_timer_b_alone() {
    let mut pair = Pair::new(tcp_setup(), Phone::new(Script::default()));
    pair.run(ms(60_000));
    assert_eq!(pair.phone.arrivals("INVITE"), [10]);
    assert_eq!(pair.event_times(ended), [32_000]);
    assert_eq!(pair.report().outcome, Outcome::Failed);
}

#[test]
fn a_reinvite_and_a_bye_from_the_phone_over_tcp() {
    let script = Script {
        actions: vec![(ms(2_000), Action::Reinvite), (ms(3_000), Action::Bye)],
        ..Script::answer_after(ms(1_000))
    };
    let mut pair = Pair::new(tcp_setup(), Phone::new(script));
    pair.run(ms(60_000));
    let sent = |method: &str| {
        pair.phone
            .sent
            .iter()
            .filter(|(_, m)| m.is_request(method))
            .count()
    };
    assert_eq!((sent("INVITE"), sent("ACK"), sent("BYE")), (1, 1, 1));
    let answers = pair
        .phone
        .received
        .iter()
        .filter(|(_, m)| m.status().is_some())
        .count();
    assert_eq!(answers, 2, "one 200 to the re-INVITE, one to the BYE");
    assert_eq!(pair.event_times(ended), [3_010]);
}

/// RFC 3261 §13.3.1.4: the 2xx to an INVITE is re-sent until the ACK comes whatever the
/// transport, because the ACK is end to end and a hop beyond the TCP connection may lose
/// the 2xx. The phone here never saw the first 200, so it only ACKs the second.
#[test]
fn over_tcp_the_200_to_a_reinvite_is_resent_until_the_ack() {
    let script = Script {
        actions: vec![(ms(2_000), Action::Reinvite)],
        unacked: 1,
        ..Script::answer_after(ms(1_000))
    };
    let mut pair = Pair::new(tcp_setup(), Phone::new(script));
    pair.hang_up_at = Some(ms(10_000));
    pair.run(ms(60_000));
    let oks = pair.phone.received.iter().filter(|(_, m)| {
        m.status() == Some(200) && m.headers.cseq().is_ok_and(|c| c.method == "INVITE")
    });
    let times: Vec<u64> = oks.map(|(t, _)| crate::net::millis(*t)).collect();
    assert_eq!(times, [2_020, 2_520], "re-sent at T1, then ACKed");
    assert_eq!(pair.report().outcome, Outcome::Answered);
}
