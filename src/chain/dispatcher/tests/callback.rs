//! The call-back line's desk against the chain: a household that missed its call phones the
//! network's number back, hears the alert and confirms it; what is recorded, and what is not.

use super::*;
use crate::chain::callback::{CallbackLine, LineSettings};
use crate::chain::program_source::StoredPrograms;
use crate::chain::programs::Programs;
use crate::speech::Language;
use crate::speech::{Speech, SpeechSettings};
use crate::store::*;
use crate::telephony::answering::{Admission, CallbackDesk, Caller, VisitNews, VisitReport};
use buurtbel_proto::media::playlist::ItemOutcome;
use buurtbel_proto::sip::inbound::CallerIdentity;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

const LANDLINE: &str = "+3250000001";
const NEIGHBOUR: &str = "+3250000002";

/// A household of two on a landline nobody answers, and a neighbour who confirms.
fn people() -> Vec<Person<'static>> {
    vec![
        person("Jan Voorbeeld", LANDLINE, vec![no_answer(); 8]),
        person("Marie Voorbeeld", LANDLINE, Vec::new()),
        person("Test Lid Buur", NEIGHBOUR, vec![presses("1")]),
    ]
}

fn desk(chain: &Chain, channels: u32) -> CallbackLine<Scripted, Silence> {
    let speech = Speech::new(SpeechSettings::default()).expect("speech");
    let programs = Arc::new(Programs::new(Arc::new(speech)));
    let stored = StoredPrograms::new(chain.store.clone(), programs, "050 99 90 00".into());
    let settings = LineSettings {
        trunk: TrunkLedger {
            name: "trunk.test".into(),
            max_channels: channels,
            max_cps: None,
        },
        reserve: 1,
        window: Duration::from_secs(24 * 3600),
        language: Language::Nl,
    };
    CallbackLine::new(
        chain.dispatcher.clone(),
        chain.store.clone(),
        Arc::new(stored),
        settings,
    )
}

fn caller(identity: CallerIdentity) -> Caller {
    Caller {
        call_id: "callback-test".into(),
        identity,
        called: "+3250999000".into(),
    }
}

/// The messages the caller would hear, and where to tell how the call went.
fn played(admission: Admission) -> (usize, mpsc::UnboundedSender<VisitNews>) {
    match admission {
        Admission::Play { playlist, news } => (playlist.for_payload_type(8).items.len(), news),
        Admission::Full => panic!("the line was full"),
        Admission::Unavailable => panic!("the line was unavailable"),
    }
}

fn report(items: Vec<ItemOutcome>) -> VisitReport {
    VisitReport {
        status: 200,
        answered: true,
        talk: Duration::from_secs(40),
        items,
        digits: "1".into(),
    }
}

async fn callback_attempts(chain: &Chain, alert: &AlertId, name: &str) -> Vec<Attempt> {
    let delivery = chain.delivery_of(alert, name).await;
    let attempts = chain.store.attempts(&delivery.id).await.expect("attempts");
    attempts
        .into_iter()
        .filter(|a| a.channel == AttemptChannel::Callback)
        .collect()
}

fn outcome(attempt: &Attempt) -> Option<&str> {
    attempt.result.as_ref().map(|r| r.outcome.as_str())
}

/// Waits (in virtual time) until the call-back has left the trunk's line: its end is
/// recorded.
async fn line_freed(chain: &Chain) {
    for _ in 0..500 {
        if chain
            .store
            .calls_on_the_line()
            .await
            .expect("line")
            .is_empty()
        {
            return;
        }
        chain.wait(1).await;
    }
    panic!("the call-back never left the line");
}

#[test]
fn a_household_that_missed_the_call_calls_back_hears_it_and_its_1_confirms_both() {
    virtual_time(async {
        let chain = Chain::start(afternoon(), settings(), people()).await;
        let alert = chain.send(AlertKind::Urgent).await;
        let over = chain.settled(&alert).await;
        assert_ne!(over.state, AlertState::Sending);
        let jan = chain.delivery_of(&alert, "Jan Voorbeeld").await;
        assert_ne!(jan.state, DeliveryState::Acknowledged);

        let desk = desk(&chain, 4);
        let asserted = CallerIdentity::Asserted("0032 50 00 00 01".into());
        let (items, news) = played(desk.admit(caller(asserted)).await);
        assert_eq!(items, 1, "the one alert they have not confirmed");
        for name in ["Jan Voorbeeld", "Marie Voorbeeld"] {
            let begun = callback_attempts(&chain, &alert, name).await;
            assert_eq!(begun.len(), 1, "{name}: one call-back attempt");
            assert_eq!(begun[0].number, LANDLINE);
        }
        // The call-back holds one of the trunk's channels while it lasts.
        let on_line = chain.store.calls_on_the_line().await.expect("the line");
        assert_eq!(
            on_line.iter().map(|(_, _, calls)| calls).sum::<i64>(),
            1,
            "{on_line:?}"
        );

        news.send(VisitNews::Confirmed(0))
            .expect("the desk listens");
        let heard = ItemOutcome {
            heard: true,
            confirmed: true,
            starts: 1,
        };
        news.send(VisitNews::Ended(report(vec![heard])))
            .expect("the desk listens");
        line_freed(&chain).await;

        let acks = chain.store.acknowledgements(&alert).await.expect("acks");
        let by_callback = acks.iter().filter(|a| a.how == AckHow::Callback).count();
        assert_eq!(by_callback, 2, "both members of the household: {acks:?}");
        for name in ["Jan Voorbeeld", "Marie Voorbeeld"] {
            let delivery = chain.delivery_of(&alert, name).await;
            assert_eq!(delivery.state, DeliveryState::Acknowledged, "{name}");
            let ended = callback_attempts(&chain, &alert, name).await;
            assert_eq!(outcome(&ended[0]), Some("acknowledged"), "{name}");
        }

        // Calling again: nothing new to hear, and nothing more recorded.
        let (items, news) = played(
            desk.admit(caller(CallerIdentity::From(LANDLINE.into())))
                .await,
        );
        assert_eq!(items, 0);
        news.send(VisitNews::Ended(report(Vec::new())))
            .expect("the desk listens");
        assert_eq!(
            callback_attempts(&chain, &alert, "Jan Voorbeeld")
                .await
                .len(),
            1
        );
    });
}

#[test]
fn a_message_heard_without_1_confirms_nobody_and_unknown_or_withheld_callers_leave_no_trace() {
    virtual_time(async {
        let chain = Chain::start(afternoon(), settings(), people()).await;
        let alert = chain.send(AlertKind::Urgent).await;
        chain.settled(&alert).await;
        let desk = desk(&chain, 4);

        let (items, news) = played(
            desk.admit(caller(CallerIdentity::From(LANDLINE.into())))
                .await,
        );
        assert_eq!(items, 1);
        let heard = ItemOutcome {
            heard: true,
            confirmed: false,
            starts: 2,
        };
        news.send(VisitNews::Ended(report(vec![heard])))
            .expect("the desk listens");
        line_freed(&chain).await;
        let acks = chain.store.acknowledgements(&alert).await.expect("acks");
        assert!(acks.iter().all(|a| a.how != AckHow::Callback), "{acks:?}");
        let attempt = &callback_attempts(&chain, &alert, "Jan Voorbeeld").await[0];
        assert_eq!(outcome(attempt), Some("answered_no_ack"));

        for identity in [
            CallerIdentity::Withheld,
            CallerIdentity::Asserted("+3250000099".into()),
            CallerIdentity::From("not a number".into()),
        ] {
            let (items, news) = played(desk.admit(caller(identity)).await);
            assert_eq!(items, 0);
            news.send(VisitNews::Ended(report(Vec::new())))
                .expect("the desk listens");
        }
        assert_eq!(
            callback_attempts(&chain, &alert, "Jan Voorbeeld")
                .await
                .len(),
            1
        );
        assert!(
            callback_attempts(&chain, &alert, "Test Lid Buur")
                .await
                .is_empty()
        );
    });
}

#[test]
fn a_full_trunk_turns_the_caller_away_and_takes_no_channel() {
    virtual_time(async {
        let chain = Chain::start(afternoon(), settings(), people()).await;
        let alert = chain.send(AlertKind::Urgent).await;
        chain.settled(&alert).await;
        let desk = desk(&chain, 1);
        let (_, first) = played(
            desk.admit(caller(CallerIdentity::From(LANDLINE.into())))
                .await,
        );
        let second = desk
            .admit(caller(CallerIdentity::From(NEIGHBOUR.into())))
            .await;
        assert!(matches!(second, Admission::Full));
        first
            .send(VisitNews::Ended(report(Vec::new())))
            .expect("the desk listens");
        line_freed(&chain).await;
    });
}
