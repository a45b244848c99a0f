//! Whole calls: answered and hung up by either side, a 2xx duplicated and overtaking its
//! 180, and a 2xx from a second fork. The network is 10 ms each way.

use crate::clock::ms;
use crate::net::{Link, Pair};
use crate::phone::{Action, Phone, Script};
use crate::setup;
use buurtbel_phone::Message;
use buurtbel_proto::sip::call::{CallEvent, Outcome, Party};

/// A `Ringing` event.
pub fn ringing(e: &CallEvent) -> bool {
    matches!(e, CallEvent::Ringing { .. })
}

/// An `Answered` event.
pub fn answered(e: &CallEvent) -> bool {
    matches!(e, CallEvent::Answered { .. })
}

/// The `Ended` event.
pub fn ended(e: &CallEvent) -> bool {
    matches!(e, CallEvent::Ended(_))
}

/// The To tag of a message, or nothing.
pub fn to_tag(message: &Message) -> String {
    message
        .headers
        .to_tag()
        .ok()
        .flatten()
        .unwrap_or_default()
        .to_owned()
}

/// Picks responses with this status.
pub fn status(wanted: u16) -> impl Fn(&Message) -> bool {
    move |m| m.status() == Some(wanted)
}

#[test]
fn answered_then_the_gateway_hangs_up() {
    let mut pair = Pair::new(setup(), Phone::new(Script::answer_after(ms(1_000))));
    pair.hang_up_at = Some(ms(4_000));
    pair.run(ms(60_000));
    let phone = &pair.phone;
    assert_eq!(
        phone.arrivals("INVITE"),
        [10],
        "no retransmission: 100 came at 20"
    );
    assert_eq!(phone.arrivals("ACK"), [1_030]);
    assert_eq!(phone.arrivals("BYE"), [4_010]);
    assert_eq!(
        phone.sent_responses(200, "INVITE"),
        [1_010],
        "ACKed before T1"
    );
    assert_eq!(pair.event_times(ringing), [20]);
    assert_eq!(pair.event_times(answered), [1_020]);
    assert_eq!(
        pair.event_times(ended),
        [4_020],
        "when the 200 to the BYE arrives"
    );
    let report = pair.report();
    assert_eq!(
        (report.outcome, report.sip_status),
        (Outcome::Answered, Some(200))
    );
    assert_eq!((report.ring, report.talk), (ms(1_020), ms(3_000)));
    assert_eq!(
        (report.hung_up_by, report.reason),
        (Some(Party::Local), None)
    );
    assert!(pair.call.is_finished());
}

/// §13.2.2.4 and §12.2.1.1: the ACK and the BYE go to the 2xx's Contact with its To tag;
/// the ACK has a branch of its own and the INVITE's CSeq number, the BYE the next one.
#[test]
fn ack_and_bye_are_built_from_the_dialog() {
    let mut pair = Pair::new(setup(), Phone::new(Script::answer_after(ms(1_000))));
    pair.hang_up_at = Some(ms(4_000));
    pair.run(ms(60_000));
    let phone = &pair.phone;
    let (_, invite) = phone.requests("INVITE")[0];
    let (_, ack) = phone.requests("ACK")[0];
    let (_, bye) = phone.requests("BYE")[0];
    for request in [ack, bye] {
        assert_eq!(request.uri(), Some("sip:phone@127.0.0.2:5070"));
        assert_eq!(to_tag(request), "phone1");
        assert_eq!(request.headers.from_tag(), Ok(Some("local1")));
        assert_eq!(request.headers.call_id(), Ok("pair-1@example.test"));
        assert_ne!(request.headers.top_branch(), invite.headers.top_branch());
    }
    assert_eq!(ack.headers.get("CSeq"), Some("1 ACK"));
    assert_eq!(bye.headers.get("CSeq"), Some("2 BYE"));
    assert_eq!(
        invite.headers.contact_uri(),
        Ok("sip:buurtbel@127.0.0.1:5060")
    );
}

#[test]
fn answered_then_the_phone_hangs_up() {
    let script = Script {
        actions: vec![(ms(3_000), Action::Bye)],
        ..Script::answer_after(ms(1_000))
    };
    let mut pair = Pair::new(setup(), Phone::new(script));
    pair.run(ms(60_000));
    assert_eq!(
        pair.event_times(ended),
        [3_010],
        "at once when the BYE arrives"
    );
    let report = pair.report();
    assert_eq!(report.outcome, Outcome::Answered);
    assert_eq!(
        (report.talk, report.hung_up_by),
        (ms(1_990), Some(Party::Remote))
    );
    let phone = &pair.phone;
    let ok_to_bye = phone.received.iter().filter(|(_, m)| {
        m.status() == Some(200) && m.headers.cseq().is_ok_and(|c| c.method == "BYE")
    });
    let times: Vec<u64> = ok_to_bye.map(|(t, _)| crate::net::millis(*t)).collect();
    assert_eq!(
        times,
        [3_020],
        "answered once, so the phone sent its BYE once"
    );
    assert_eq!(
        phone.arrivals("BYE"),
        Vec::<u64>::new(),
        "the gateway sends no BYE of its own"
    );
    assert!(pair.call.is_finished());
}

/// The 180 is held back 2 s, so the 200 overtakes it; the 200 arrives again 3 s later.
/// The late 180 changes nothing, and the copy of the 200 gets the same ACK again.
#[test]
fn a_duplicated_200_overtaking_its_180_is_acked_twice_and_answered_once() {
    let mut pair = Pair::new(setup(), Phone::new(Script::answer_after(ms(1_000))));
    pair.to_gateway = Link::new(ms(10))
        .delay(1, status(180), ms(2_000))
        .duplicate(1, status(200), ms(3_000));
    pair.hang_up_at = Some(ms(6_000));
    pair.run(ms(60_000));
    assert_eq!(
        pair.event_times(ringing),
        Vec::<u64>::new(),
        "the 180 came after the answer"
    );
    assert_eq!(pair.event_times(answered), [1_020]);
    let acks = pair.phone.requests("ACK");
    let times: Vec<u64> = acks.iter().map(|(t, _)| crate::net::millis(*t)).collect();
    assert_eq!(times, [1_030, 4_030]);
    assert_eq!(acks[0].1, acks[1].1, "the same ACK, branch and all");
    assert_eq!(pair.phone.arrivals("BYE"), [6_010]);
    assert_eq!(pair.report().outcome, Outcome::Answered);
}

/// §13.2.2.4: a 2xx from a second fork is ACKed and that dialog ended with a BYE, at once;
/// the first fork's call goes on.
#[test]
fn a_second_fork_is_acked_and_byed_the_first_kept() {
    let script = Script {
        fork: Some(ms(100)),
        ..Script::answer_after(ms(1_000))
    };
    let mut pair = Pair::new(setup(), Phone::new(script));
    pair.hang_up_at = Some(ms(5_000));
    pair.run(ms(60_000));
    let phone = &pair.phone;
    let tagged = |method| -> Vec<(u64, String, String)> {
        let requests = phone.requests(method);
        let described = requests.iter().map(|(t, m)| {
            let uri = m.uri().unwrap_or_default().to_owned();
            (crate::net::millis(*t), to_tag(m), uri)
        });
        described.collect()
    };
    let phone1 = "sip:phone@127.0.0.2:5070".to_owned();
    let phone2 = "sip:phone2@127.0.0.2:5070".to_owned();
    assert_eq!(
        tagged("ACK"),
        [
            (1_030, "phone1".into(), phone1.clone()),
            (1_130, "phone2".into(), phone2.clone())
        ]
    );
    assert_eq!(
        tagged("BYE"),
        [
            (1_130, "phone2".into(), phone2),
            (5_010, "phone1".into(), phone1)
        ]
    );
    assert_eq!(
        phone.sent_responses(200, "INVITE"),
        [1_010, 1_110],
        "each ACKed before T1"
    );
    assert_eq!(pair.event_times(answered), [1_020]);
    let report = pair.report();
    assert_eq!(
        (report.outcome, report.talk),
        (Outcome::Answered, ms(4_000))
    );
}
