//! A number several members share (a household landline): one call per round for all of
//! them, never two calls at once to it, and a `1` on that call confirms each of them.

use super::*;
use crate::chain::caller::Stop;
use crate::chain::events::ChainEvent;
use crate::store::*;

const LANDLINE: &str = "+3250000001";
const MOBILE: &str = "+32470000001";
const NEIGHBOUR: &str = "+3250000002";

/// Jan, Marie and Piet Voorbeeld on one landline, its phone doing `turns`; Jan may also
/// have a mobile of his own.
fn household(turns: Vec<Turn>, mobile: Option<Vec<Turn>>) -> Vec<Person<'static>> {
    let mut jan = person("Jan Voorbeeld", LANDLINE, turns);
    if let Some(mobile) = mobile {
        jan.numbers.push((MOBILE, mobile));
    }
    vec![
        jan,
        person("Marie Voorbeeld", LANDLINE, Vec::new()),
        person("Piet Voorbeeld", LANDLINE, Vec::new()),
    ]
}

const NAMES: [&str; 3] = ["Jan Voorbeeld", "Marie Voorbeeld", "Piet Voorbeeld"];

async fn attempts_of(chain: &Chain, alert: &AlertId, name: &str) -> Vec<Attempt> {
    let delivery = chain.delivery_of(alert, name).await;
    chain.store.attempts(&delivery.id).await.expect("attempts")
}

#[test]
fn a_household_gets_one_call_and_its_1_confirms_all_three() {
    virtual_time(async {
        let mut everyone = household(vec![presses("1")], None);
        everyone.push(person("Test Lid Buur", NEIGHBOUR, vec![listens()]));
        let chain = Chain::start(afternoon(), settings(), everyone).await;
        let mut events = chain.dispatcher.events().subscribe();
        let alert = chain.send(AlertKind::Urgent).await;
        assert_eq!(chain.settled(&alert).await.state, AlertState::Completed);

        assert_eq!(chain.phones.calls_to(LANDLINE).len(), 1);
        assert_eq!(chain.phones.most_at_once_to(LANDLINE), 1);
        let acks = chain.store.acknowledgements(&alert).await.expect("acks");
        assert_eq!(acks.len(), 3, "{acks:?}");
        assert!(acks.iter().all(|a| a.how == AckHow::Dtmf));
        for name in NAMES {
            let delivery = chain.delivery_of(&alert, name).await;
            assert_eq!(delivery.state, DeliveryState::Acknowledged, "{name}");
            let attempts = attempts_of(&chain, &alert, name).await;
            assert_eq!(attempts.len(), 1, "{name}");
            assert_eq!(attempts[0].number, LANDLINE);
            let result = attempts[0].result.as_ref().expect("finished");
            assert_eq!(result.digits.as_deref(), Some("1"));
        }
        let neighbour = chain.delivery_of(&alert, "Test Lid Buur").await;
        assert_eq!(neighbour.state, DeliveryState::AnsweredNoAck);
        let mut acknowledged = Vec::new();
        while let Ok(event) = events.try_recv() {
            if let ChainEvent::Acknowledged { member, .. } = event {
                acknowledged.push(member);
            }
        }
        assert_eq!(
            acknowledged.len(),
            3,
            "each member's acknowledgement is published"
        );
    })
}

#[test]
fn a_household_on_several_pages_of_the_alert_still_gets_one_call() {
    virtual_time(async {
        // One member per page: without its housemates written with it, Jan's first call would
        // serve him alone and Marie and Piet would each get a call of their own afterwards.
        let one_per_page = ChainSettings {
            first_page: 1,
            page: 1,
            ..settings()
        };
        let mut everyone = vec![person("Test Lid Buur", NEIGHBOUR, vec![listens()])];
        everyone.extend(household(vec![presses("1")], None));
        let chain = Chain::start(afternoon(), one_per_page, everyone).await;
        let alert = chain.send(AlertKind::Urgent).await;
        assert_eq!(chain.settled(&alert).await.state, AlertState::Completed);
        assert_eq!(chain.phones.calls_to(LANDLINE).len(), 1);
        for name in NAMES {
            let delivery = chain.delivery_of(&alert, name).await;
            assert_eq!(delivery.state, DeliveryState::Acknowledged, "{name}");
            assert_eq!(attempts_of(&chain, &alert, name).await.len(), 1, "{name}");
        }
    })
}

#[test]
fn a_busy_household_is_retried_together_as_one_call() {
    virtual_time(async {
        let chain = Chain::start(
            afternoon(),
            settings(),
            household(vec![busy(), busy(), presses("1")], None),
        )
        .await;
        let alert = chain.send(AlertKind::Urgent).await;
        assert_eq!(chain.settled(&alert).await.state, AlertState::Completed);
        let placed = chain.phones.calls_to(LANDLINE);
        assert_eq!(placed.len(), 3, "one call per round: {placed:?}");
        assert_eq!(chain.phones.most_at_once_to(LANDLINE), 1);
        assert_eq!(
            gaps(&placed),
            [2 * MINUTE, 2 * MINUTE],
            "the busy rule's wait"
        );
        for name in NAMES {
            let attempts = attempts_of(&chain, &alert, name).await;
            let outcomes: Vec<&str> = attempts
                .iter()
                .filter_map(|a| a.result.as_ref().map(|r| r.outcome.as_str()))
                .collect();
            assert_eq!(outcomes, ["busy", "busy", "acknowledged"], "{name}");
        }
        assert_eq!(
            chain
                .store
                .acknowledgements(&alert)
                .await
                .expect("acks")
                .len(),
            3
        );
    })
}

/// Jan also has a mobile. The busy landline sends Jan's round on to his mobile at once, which
/// rings out, so his own retry would be in five minutes; Marie's and Piet's is in two. The
/// landline's second call, at two minutes, is for all three.
#[test]
fn a_member_with_a_mobile_of_his_own_rejoins_the_household_call() {
    virtual_time(async {
        let chain = Chain::start(
            afternoon(),
            settings(),
            household(vec![busy(), presses("1")], Some(vec![no_answer()])),
        )
        .await;
        let alert = chain.send(AlertKind::Urgent).await;
        assert_eq!(chain.settled(&alert).await.state, AlertState::Completed);
        let placed = chain.phones.placed();
        let order: Vec<&str> = placed.iter().map(|p| p.number.as_str()).collect();
        assert_eq!(order, [LANDLINE, MOBILE, LANDLINE], "{placed:?}");
        assert_eq!(chain.phones.most_at_once_to(LANDLINE), 1);
        let again = placed[2].started - placed[0].ended;
        assert_eq!(again, 2 * MINUTE, "Marie's and Piet's retry, not Jan's");
        let jan = attempts_of(&chain, &alert, "Jan Voorbeeld").await;
        let numbers: Vec<&str> = jan.iter().map(|a| a.number.as_str()).collect();
        assert_eq!(numbers, [LANDLINE, MOBILE, LANDLINE]);
        assert_eq!(
            chain
                .store
                .acknowledgements(&alert)
                .await
                .expect("acks")
                .len(),
            3
        );
    })
}

#[test]
fn a_shared_call_rings_on_until_nobody_it_serves_needs_it() {
    virtual_time(async {
        let chain = Chain::start(afternoon(), settings(), household(vec![rings(120)], None)).await;
        let alert = chain.send(AlertKind::Urgent).await;
        chain.wait(10).await;
        let hold = chain.hold();
        for name in &NAMES[..2] {
            let delivery = chain.delivery_of(&alert, name).await;
            chain
                .dispatcher
                .acknowledge(&alert, &delivery.member_id, AckHow::Api)
                .await
                .expect("acknowledge");
        }
        drop(hold);
        chain.wait(10).await;
        let hold = chain.hold();
        assert_eq!(
            chain.dispatcher.calls_in_progress(),
            1,
            "Piet still needs it"
        );
        let piet = chain.delivery_of(&alert, "Piet Voorbeeld").await;
        chain
            .dispatcher
            .acknowledge(&alert, &piet.member_id, AckHow::Api)
            .await
            .expect("acknowledge");
        drop(hold);
        assert_eq!(chain.settled(&alert).await.state, AlertState::Completed);
        let placed = chain.phones.placed();
        assert_eq!(placed.len(), 1);
        assert_eq!(placed[0].stopped, Some(Stop::IfRinging));
        assert_eq!(
            placed[0].ended - placed[0].started,
            20 * SECOND,
            "cancelled when Piet confirmed: {placed:?}"
        );
    })
}

#[test]
fn two_alerts_never_ring_one_number_at_once() {
    virtual_time(async {
        let member = person("Test Lid Een", LANDLINE, vec![listens()]);
        let chain = Chain::start(afternoon(), settings(), vec![member]).await;
        let first = chain.send(AlertKind::Urgent).await;
        let second = chain.send(AlertKind::Urgent).await;
        chain.settled(&first).await;
        chain.settled(&second).await;
        let placed = chain.phones.calls_to(LANDLINE);
        assert_eq!(
            placed.len(),
            4,
            "each alert's first call and its retry: {placed:?}"
        );
        assert_eq!(chain.phones.most_at_once_to(LANDLINE), 1, "{placed:?}");
    })
}

/// A `kill -9` during the household's call leaves three attempts without an end. On start
/// each is finished as interrupted, and the retry is again one call for all three.
#[test]
fn after_a_crash_the_household_is_called_again_as_one() {
    virtual_time(async {
        let start = afternoon();
        let mut chain = Chain::prepare(
            start,
            settings(),
            test_network("BIN Herstart"),
            household(vec![presses("1")], None),
        )
        .await;
        // The clock stands still while the test writes what a crash left behind.
        let hold = chain.hold();
        let store = chain.store.clone();
        let (alert, _) = crate::chain::dispatcher::submit(
            &store,
            new_alert(AlertKind::Urgent, vec![chain.network.clone()]),
            std::time::Duration::from_secs(1800),
            start,
        )
        .await
        .expect("alert");
        write_deliveries(&store, &alert.id, start).await;
        let lines = store.deliveries(&alert.id).await.expect("lines");
        let pending = [DeliveryState::Pending];
        let claims: Vec<(DeliveryId, &[DeliveryState])> = lines
            .iter()
            .map(|l| (l.delivery.id.clone(), &pending[..]))
            .collect();
        let begun = store
            .begin_call(&claims, AttemptChannel::Voice, LANDLINE, start)
            .await
            .expect("begin");
        assert_eq!(begun.len(), 3);
        assert_eq!(store.in_flight().await.expect("in flight").len(), 3);
        drop(hold);
        chain.run();
        assert_eq!(chain.settled(&alert.id).await.state, AlertState::Completed);
        let placed = chain.phones.calls_to(LANDLINE);
        assert_eq!(placed.len(), 1, "{placed:?}");
        assert_eq!(placed[0].started, start + MINUTE, "the failed rule's wait");
        for name in NAMES {
            let attempts = attempts_of(&chain, &alert.id, name).await;
            let outcomes: Vec<&str> = attempts
                .iter()
                .filter_map(|a| a.result.as_ref().map(|r| r.outcome.as_str()))
                .collect();
            assert_eq!(outcomes, ["interrupted", "acknowledged"], "{name}");
        }
        assert_eq!(
            store.acknowledgements(&alert.id).await.expect("acks").len(),
            3
        );
        chain.stop().await;
    })
}
