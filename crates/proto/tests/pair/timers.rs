//! RFC 3261's timers, to the millisecond, when responses are lost: Timer A and B on the
//! INVITE, E and F on the BYE, the phone's 2xx re-sent until the ACK, the ring timeout's
//! CANCEL (held back until a provisional, §9.1) and 487, and Timer G on a lost 487.
//! T1 = 500 ms, T2 = 4 s, 10 ms each way: every arrival is a send time plus 10.

use crate::calls::{answered, ended, ringing, status, to_tag};
use crate::clock::ms;
use crate::net::{Link, Pair};
use crate::phone::{Phone, Script};
use crate::setup;
use buurtbel_phone::Message;
use buurtbel_proto::sip::call::{Outcome, Party};

/// Rings for ever: 100 and 180 at once, no answer.
fn rings() -> Script {
    Script {
        trying: true,
        ringing: Some(ms(0)),
        ..Script::default()
    }
}

fn provisional(m: &Message) -> bool {
    m.status().is_some_and(|s| s < 200)
}

fn ok_to_bye(m: &Message) -> bool {
    m.status() == Some(200) && m.headers.cseq().is_ok_and(|c| c.method == "BYE")
}

#[test]
fn without_any_response_the_invite_is_resent_by_timer_a_until_timer_b() {
    let mut pair = Pair::new(setup(), Phone::new(rings()));
    pair.to_gateway = Link::new(ms(10)).lose(usize::MAX, |_| true);
    pair.run(ms(60_000));
    assert_eq!(
        pair.phone.arrivals("INVITE"),
        [10, 510, 1_510, 3_510, 7_510, 15_510, 31_510],
        "sent at 0 and T1, 3·T1, 7·T1… (Timer A doubles without limit)"
    );
    assert_eq!(
        pair.phone.arrivals("CANCEL"),
        Vec::<u64>::new(),
        "§9.1: nothing to cancel"
    );
    assert_eq!(pair.event_times(ended), [32_000], "Timer B: 64·T1");
    let report = pair.report();
    assert_eq!((report.outcome, report.sip_status), (Outcome::Failed, None));
}

/// The 100 and 180 sent at once are lost, and so is the 180 sent again for the first
/// retransmitted INVITE; the one sent for the second stops Timer A.
#[test]
fn lost_provisionals_keep_the_invite_going_until_one_arrives() {
    let script = Script {
        answer: Some((ms(5_000), 200)),
        ..rings()
    };
    let mut pair = Pair::new(setup(), Phone::new(script));
    pair.to_gateway = Link::new(ms(10)).lose(3, provisional);
    pair.hang_up_at = Some(ms(8_000));
    pair.run(ms(60_000));
    assert_eq!(pair.phone.arrivals("INVITE"), [10, 510, 1_510]);
    assert_eq!(pair.event_times(ringing), [1_520]);
    assert_eq!(pair.event_times(answered), [5_020]);
    assert_eq!(pair.report().ring, ms(5_020));
}

#[test]
fn lost_200s_are_resent_by_the_phone_until_the_ack() {
    let mut pair = Pair::new(setup(), Phone::new(Script::answer_after(ms(1_000))));
    pair.to_gateway = Link::new(ms(10)).lose(2, status(200));
    pair.hang_up_at = Some(ms(6_000));
    pair.run(ms(60_000));
    assert_eq!(
        pair.phone.sent_responses(200, "INVITE"),
        [1_010, 1_510, 2_510]
    );
    assert_eq!(pair.event_times(answered), [2_520]);
    assert_eq!(pair.phone.arrivals("ACK"), [2_530]);
    assert_eq!(
        pair.phone.arrivals("INVITE"),
        [10],
        "the 180 stopped Timer A"
    );
}

#[test]
fn a_bye_without_answer_is_resent_by_timer_e_until_timer_f() {
    let mut pair = Pair::new(setup(), Phone::new(Script::answer_after(ms(1_000))));
    pair.to_gateway = Link::new(ms(10)).lose(usize::MAX, ok_to_bye);
    pair.hang_up_at = Some(ms(4_000));
    pair.run(ms(60_000));
    assert_eq!(
        pair.phone.arrivals("BYE"),
        [
            4_010, 4_510, 5_510, 7_510, 11_510, 15_510, 19_510, 23_510, 27_510, 31_510, 35_510
        ],
        "T1, then doubling up to T2 = 4 s"
    );
    assert_eq!(
        pair.event_times(ended),
        [36_000],
        "Timer F: 64·T1 after the BYE"
    );
    let report = pair.report();
    assert_eq!(
        (report.outcome, report.hung_up_by),
        (Outcome::Answered, Some(Party::Local))
    );
    assert_eq!(report.talk, ms(34_980));
}

#[test]
fn the_ring_timeout_cancels_and_the_487_is_acked() {
    let mut pair = Pair::new(setup(), Phone::new(rings()));
    pair.run(ms(60_000));
    let phone = &pair.phone;
    assert_eq!(
        phone.arrivals("CANCEL"),
        [20_010],
        "at the 20 s ring timeout"
    );
    assert_eq!(phone.arrivals("ACK"), [20_030]);
    assert_eq!(
        phone.sent_responses(487, "INVITE"),
        [20_010],
        "ACKed before Timer G"
    );
    let (_, invite) = phone.requests("INVITE")[0];
    let (_, cancel) = phone.requests("CANCEL")[0];
    let (_, ack) = phone.requests("ACK")[0];
    // §9.1: the CANCEL copies the INVITE's Request-URI, branch and CSeq number; §17.1.1.3:
    // the ACK for a failure is on the INVITE's branch with the response's To tag.
    assert_eq!(
        (cancel.uri(), cancel.headers.get("CSeq")),
        (invite.uri(), Some("1 CANCEL"))
    );
    assert_eq!(cancel.headers.top_branch(), invite.headers.top_branch());
    assert_eq!(ack.headers.top_branch(), invite.headers.top_branch());
    assert_eq!(
        (ack.headers.get("CSeq"), to_tag(ack)),
        (Some("1 ACK"), "phone1".into())
    );
    assert_eq!(pair.event_times(ended), [20_020]);
    let report = pair.report();
    assert_eq!(
        (report.outcome, report.sip_status),
        (Outcome::NoAnswer, Some(487))
    );
    assert_eq!(report.ring, ms(20_020));
}

#[test]
fn a_lost_487_is_resent_by_timer_g_and_acked() {
    let mut pair = Pair::new(setup(), Phone::new(rings()));
    pair.to_gateway = Link::new(ms(10)).lose(1, status(487));
    pair.run(ms(60_000));
    assert_eq!(pair.phone.sent_responses(487, "INVITE"), [20_010, 20_510]);
    assert_eq!(pair.phone.arrivals("ACK"), [20_530]);
    assert_eq!(pair.event_times(ended), [20_520]);
}

/// §9.1: a CANCEL may not go before a provisional response; the ring timeout passes while
/// the phone is silent, and the CANCEL leaves when its 180 finally arrives at 25 s.
#[test]
fn the_cancel_waits_for_a_provisional() {
    let script = Script {
        ringing: Some(ms(25_000)),
        ..Script::default()
    };
    let mut pair = Pair::new(setup(), Phone::new(script));
    pair.run(ms(60_000));
    assert_eq!(
        pair.phone.arrivals("INVITE"),
        [10, 510, 1_510, 3_510, 7_510, 15_510],
        "Timer A until the 180"
    );
    assert_eq!(pair.phone.arrivals("CANCEL"), [25_030]);
    assert_eq!(pair.event_times(ended), [25_040]);
    assert_eq!(pair.report().outcome, Outcome::NoAnswer);
}
