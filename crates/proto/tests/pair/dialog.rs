//! The phone's own requests in the answered call: the ACK for the gateway's 2xx to a
//! re-INVITE, which has a branch of its own and is matched by dialog and CSeq (§13.3.1.4,
//! §17.2.1), an UPDATE without offer, and a key by INFO.

use crate::clock::ms;
use crate::net::{Link, Pair, millis};
use crate::phone::{Action, Phone, Script};
use crate::setup;
use buurtbel_phone::{Audio, Message};
use buurtbel_proto::sip::call::{CallEvent, Outcome};

/// Answered at 1 s, the phone's `action` at 2 s, the gateway hangs up at 10 s.
fn pair_with(action: Action) -> Pair {
    let script = Script {
        actions: vec![(ms(2_000), action)],
        ..Script::answer_after(ms(1_000))
    };
    let mut pair = Pair::new(setup(), Phone::new(script));
    pair.hang_up_at = Some(ms(10_000));
    pair
}

/// The gateway's responses to the phone's requests of `method`: (arrival, status, message).
fn responses(pair: &Pair, method: &str) -> Vec<(u64, u16, Message)> {
    let to_method = pair.phone.received.iter().filter(|(_, m)| {
        m.status().is_some() && m.headers.cseq().is_ok_and(|c| c.method == method)
    });
    let described = to_method.map(|(t, m)| (millis(*t), m.status().unwrap_or(0), m.clone()));
    described.collect()
}

fn acks_sent(pair: &Pair) -> usize {
    pair.phone
        .sent
        .iter()
        .filter(|(_, m)| m.is_request("ACK"))
        .count()
}

#[test]
fn the_ack_for_a_reinvite_stops_the_200_at_once() {
    let mut pair = pair_with(Action::Reinvite);
    pair.run(ms(60_000));
    let answers = responses(&pair, "INVITE");
    let times: Vec<(u64, u16)> = answers.iter().map(|(t, s, _)| (*t, *s)).collect();
    assert_eq!(
        times,
        [(2_020, 200)],
        "sent once: the ACK with a new branch matched it"
    );
    assert_eq!(acks_sent(&pair), 1);
    let (_, _, ok) = &answers[0];
    assert_eq!(ok.headers.contact_uri(), Ok("sip:buurtbel@127.0.0.1:5060"));
    let sdp = Audio::parse(&ok.body).expect("the 200 carries the gateway's SDP");
    assert_eq!((sdp.port, sdp.telephone_event()), (16_000, Some(101)));
    let report = pair.report();
    assert_eq!(report.outcome, Outcome::Answered);
    assert_eq!(pair.phone.arrivals("BYE"), [10_010]);
}

#[test]
fn a_lost_ack_gets_the_200_again_at_t1_and_a_second_ack() {
    let mut pair = pair_with(Action::Reinvite);
    pair.to_gateway = Link::new(ms(10)).lose(1, |m| m.is_request("ACK"));
    pair.run(ms(60_000));
    let times: Vec<u64> = responses(&pair, "INVITE")
        .iter()
        .map(|(t, _, _)| *t)
        .collect();
    assert_eq!(
        times,
        [2_020, 2_520],
        "re-sent at T1 after 2 010, then stopped"
    );
    assert_eq!(acks_sent(&pair), 2);
}

#[test]
fn an_update_without_offer_is_answered_once_without_a_body() {
    let mut pair = pair_with(Action::Update);
    pair.run(ms(60_000));
    let answers = responses(&pair, "UPDATE");
    assert_eq!(answers.len(), 1);
    let (at, status, ok) = &answers[0];
    assert_eq!((*at, *status, ok.body.len()), (2_020, 200, 0));
    assert_eq!(acks_sent(&pair), 0, "no ACK for an UPDATE");
}

#[test]
fn a_key_by_info_reaches_the_call() {
    let mut pair = pair_with(Action::Info('1'));
    pair.run(ms(60_000));
    let infos: Vec<(u64, String, Vec<u8>)> = pair
        .events
        .iter()
        .filter_map(|(t, e)| match e {
            CallEvent::Info { content_type, body } => {
                Some((millis(*t), content_type.clone(), body.to_vec()))
            }
            _ => None,
        })
        .collect();
    let expected = (
        2_010,
        "application/dtmf-relay".to_owned(),
        b"Signal=1\r\nDuration=100\r\n".to_vec(),
    );
    assert_eq!(infos, [expected]);
    assert_eq!(responses(&pair, "INFO").len(), 1);
}
