//! Each retry rule, on what the phones saw.

use super::*;
use crate::store::{AckHow, AlertKind, AlertState, DeliveryState};
use std::time::Duration;

const LANDLINE: &str = "+3250000001";
const MOBILE: &str = "+3247000001";

async fn one_member(turns: Vec<Turn>) -> (Chain, crate::store::AlertId) {
    let chain = Chain::start(
        afternoon(),
        settings(),
        vec![person("Test Lid Een", LANDLINE, turns)],
    )
    .await;
    let alert = chain.send(AlertKind::Urgent).await;
    (chain, alert)
}

/// The member was called `calls` times, each call exactly `wait` after the previous ended,
/// and the delivery ended in `state` with nothing scheduled. Exactly: the manual clock moves
/// straight to the next moment anyone waits for, so a retry comes on its millisecond, not
/// a moment later.
async fn assert_retried(turns: Vec<Turn>, calls: usize, wait: i64, state: DeliveryState) {
    let (chain, alert) = one_member(turns).await;
    assert_eq!(chain.settled(&alert).await.state, AlertState::Completed);
    let placed = chain.phones.calls_to(LANDLINE);
    assert_eq!(placed.len(), calls, "{placed:?}");
    assert_eq!(gaps(&placed), vec![wait; calls - 1], "{placed:?}");
    let delivery = chain.delivery_of(&alert, "Test Lid Een").await;
    assert_eq!(delivery.state, state);
    assert_eq!(delivery.next_try_at, None);
    assert_eq!(delivery.attempts, calls as i64);
    let attempts = chain.store.attempts(&delivery.id).await.expect("attempts");
    assert!(attempts.iter().all(|a| a.result.is_some()));
}

#[test]
fn busy_is_tried_three_more_times_two_minutes_apart() {
    virtual_time(async {
        assert_retried(vec![busy()], 4, 2 * MINUTE, DeliveryState::Busy).await;
    })
}

#[test]
fn no_answer_is_tried_twice_more_five_minutes_apart() {
    virtual_time(async {
        assert_retried(vec![no_answer()], 3, 5 * MINUTE, DeliveryState::NoAnswer).await;
    })
}

#[test]
fn answered_without_a_key_is_called_once_more_after_three_minutes() {
    virtual_time(async {
        assert_retried(vec![listens()], 2, 3 * MINUTE, DeliveryState::AnsweredNoAck).await;
    })
}

#[test]
fn pressing_only_2_counts_as_answered_without_confirming() {
    virtual_time(async {
        assert_retried(
            vec![presses("2")],
            2,
            3 * MINUTE,
            DeliveryState::AnsweredNoAck,
        )
        .await;
    })
}

#[test]
fn a_failed_call_is_tried_twice_more_a_minute_apart() {
    virtual_time(async {
        assert_retried(vec![fails()], 3, MINUTE, DeliveryState::Failed).await;
    })
}

#[test]
fn unavailable_honours_retry_after() {
    virtual_time(async {
        let later = unavailable(Duration::from_secs(300));
        assert_retried(vec![later], 4, 5 * MINUTE, DeliveryState::Unavailable).await;
    })
}

#[test]
fn unavailable_waits_at_least_a_minute_whatever_retry_after_says() {
    virtual_time(async {
        let soon = unavailable(Duration::from_secs(5));
        assert_retried(vec![soon], 4, MINUTE, DeliveryState::Unavailable).await;
    })
}

#[test]
fn no_retry_is_scheduled_past_the_expiry() {
    virtual_time(async {
        // 0, 10 and 20 minutes; the next would be at 30, when the urgent alert expires.
        let later = unavailable(Duration::from_secs(600));
        assert_retried(vec![later], 3, 10 * MINUTE, DeliveryState::Unavailable).await;
    })
}

#[test]
fn voicemail_is_final() {
    virtual_time(async {
        assert_retried(vec![voicemail()], 1, 0, DeliveryState::Voicemail).await;
    })
}

#[test]
fn busy_then_confirmed_stops_calling() {
    virtual_time(async {
        let (chain, alert) = one_member(vec![busy(), presses("21")]).await;
        chain.settled(&alert).await;
        assert_eq!(chain.phones.calls_to(LANDLINE).len(), 2);
        let delivery = chain.delivery_of(&alert, "Test Lid Een").await;
        assert_eq!(delivery.state, DeliveryState::Acknowledged);
        let acks = chain.store.acknowledgements(&alert).await.expect("acks");
        assert_eq!(acks.len(), 1);
        assert_eq!(acks[0].how, AckHow::Dtmf);
        let attempts = chain.store.attempts(&delivery.id).await.expect("attempts");
        let last = attempts[1].result.as_ref().expect("finished");
        assert_eq!(last.digits.as_deref(), Some("21"));
    })
}

#[test]
fn the_mobile_is_tried_before_the_retry_waits() {
    virtual_time(async {
        let member = Person {
            name: "Test Lid Twee",
            numbers: vec![(LANDLINE, vec![no_answer()]), (MOBILE, vec![busy()])],
        };
        let chain = Chain::start(afternoon(), settings(), vec![member]).await;
        let alert = chain.send(AlertKind::Urgent).await;
        chain.settled(&alert).await;
        let placed = chain.phones.placed();
        let order: Vec<&str> = placed.iter().map(|p| p.number.as_str()).collect();
        // Rounds of landline then mobile; the mobile's busy decides the last round's rule.
        assert_eq!(&order[..4], &[LANDLINE, MOBILE, LANDLINE, MOBILE]);
        assert_eq!(placed[1].started, placed[0].ended, "mobile at once");
        assert_eq!(
            placed[2].started - placed[1].ended,
            2 * MINUTE,
            "then the busy wait"
        );
        assert_eq!(order.len(), 8, "busy allows three more rounds: {order:?}");
    })
}

#[test]
fn a_networks_own_rules_replace_the_default() {
    virtual_time(async {
        let mut network = test_network("BIN Eigen Regels");
        network.retry_policy = Some(r#"{"busy": {"after": "30s", "retries": 1}}"#.into());
        let member = person("Test Lid Drie", LANDLINE, vec![busy()]);
        let mut chain = Chain::prepare(afternoon(), settings(), network, vec![member]).await;
        chain.run();
        let alert = chain.send(AlertKind::Urgent).await;
        chain.settled(&alert).await;
        let placed = chain.phones.calls_to(LANDLINE);
        assert_eq!(placed.len(), 2);
        assert_eq!(gaps(&placed), [30 * SECOND]);
    })
}
