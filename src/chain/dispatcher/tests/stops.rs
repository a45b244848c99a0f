//! What stops calls: acknowledgements from elsewhere, cancellation, expiry, quiet hours,
//! priorities, the channel limit, and a restart after a crash.

use super::*;
use crate::chain::caller::Stop;
use crate::chain::events::ChainEvent;
use crate::store::*;
use std::time::Duration;

fn number(n: u32) -> String {
    format!("+32500000{n:02}")
}

fn names() -> Vec<String> {
    (1..=10).map(|n| format!("Test Lid {n}")).collect()
}

fn people<'a>(names: &'a [String], numbers: &'a [String], turns: Vec<Turn>) -> Vec<Person<'a>> {
    names
        .iter()
        .zip(numbers)
        .map(|(name, number)| person(name, number, turns.clone()))
        .collect()
}

#[test]
fn every_member_is_called_once_when_all_confirm() {
    virtual_time(async {
        let (names, numbers) = (names(), (1..=10).map(number).collect::<Vec<_>>());
        let chain = Chain::start(
            afternoon(),
            settings(),
            people(&names, &numbers, vec![presses("1")]),
        )
        .await;
        let alert = chain.send(AlertKind::Urgent).await;
        assert_eq!(chain.settled(&alert).await.state, AlertState::Completed);
        assert_eq!(chain.phones.placed().len(), 10);
        for n in &numbers {
            assert_eq!(chain.phones.calls_to(n).len(), 1, "{n}");
        }
        let counts = chain.store.delivery_counts(&alert).await.expect("counts");
        assert_eq!(counts.get(&DeliveryState::Acknowledged), Some(&10));
        assert_eq!(
            chain
                .store
                .acknowledgements(&alert)
                .await
                .expect("acks")
                .len(),
            10
        );
    })
}

#[test]
fn no_more_calls_at_once_than_channels() {
    virtual_time(async {
        let (names, numbers) = (names(), (1..=10).map(number).collect::<Vec<_>>());
        let settings = ChainSettings {
            channels: 3,
            ..settings()
        };
        let chain = Chain::start(
            afternoon(),
            settings,
            people(&names, &numbers, vec![presses("1")]),
        )
        .await;
        let alert = chain.send(AlertKind::Urgent).await;
        chain.settled(&alert).await;
        assert_eq!(chain.phones.placed().len(), 10);
        assert_eq!(chain.phones.most_at_once(), 3);
    })
}

#[test]
fn an_acknowledgement_from_elsewhere_cancels_the_ringing_call() {
    virtual_time(async {
        let chain = Chain::start(
            afternoon(),
            settings(),
            vec![person("Test Lid Een", "+3250000001", vec![rings(120)])],
        )
        .await;
        let alert = chain.send(AlertKind::Urgent).await;
        chain.wait(10).await;
        let hold = chain.hold();
        let delivery = chain.delivery_of(&alert, "Test Lid Een").await;
        assert_eq!(delivery.state, DeliveryState::Calling);
        let first = chain
            .dispatcher
            .acknowledge(&alert, &delivery.member_id, AckHow::Api)
            .await
            .expect("acknowledge");
        assert!(first);
        drop(hold);
        assert_eq!(chain.settled(&alert).await.state, AlertState::Completed);
        let placed = chain.phones.placed();
        assert_eq!(placed.len(), 1);
        assert_eq!(placed[0].stopped, Some(Stop::IfRinging));
        assert_eq!(placed[0].ended - placed[0].started, 10 * SECOND);
        let delivery = chain.delivery_of(&alert, "Test Lid Een").await;
        assert_eq!(delivery.state, DeliveryState::Acknowledged);
    })
}

#[test]
fn an_acknowledgement_from_elsewhere_stops_the_scheduled_retry() {
    virtual_time(async {
        let chain = Chain::start(
            afternoon(),
            settings(),
            vec![person("Test Lid Een", "+3250000001", vec![busy()])],
        )
        .await;
        let alert = chain.send(AlertKind::Urgent).await;
        chain.wait(30).await;
        let hold = chain.hold();
        let delivery = chain.delivery_of(&alert, "Test Lid Een").await;
        assert_eq!(delivery.state, DeliveryState::Busy);
        assert_eq!(
            delivery.next_try_at,
            Some(afternoon() + SECOND + 2 * MINUTE)
        );
        chain
            .dispatcher
            .acknowledge(&alert, &delivery.member_id, AckHow::SmsReply)
            .await
            .expect("acknowledge");
        drop(hold);
        assert_eq!(chain.settled(&alert).await.state, AlertState::Completed);
        assert_eq!(chain.phones.placed().len(), 1);
        let delivery = chain.delivery_of(&alert, "Test Lid Een").await;
        assert_eq!(delivery.state, DeliveryState::SmsAcknowledged);
    })
}

#[test]
fn cancel_cancels_ringing_calls_lets_playing_ones_finish_and_marks_the_rest() {
    virtual_time(async {
        let numbers: Vec<String> = (1..=4).map(number).collect();
        let ringing = |n: &String| n.ends_with('1') || n.ends_with('3');
        let everyone = vec![
            person("Test Lid A", &numbers[0], vec![rings(120)]),
            person("Test Lid B", &numbers[1], vec![listens()]),
            person("Test Lid C", &numbers[2], vec![rings(120)]),
            person("Test Lid D", &numbers[3], vec![listens()]),
        ];
        let settings = ChainSettings {
            channels: 2,
            ..settings()
        };
        let chain = Chain::start(afternoon(), settings, everyone).await;
        let alert = chain.send(AlertKind::Urgent).await;
        chain.wait(10).await; // two calls: ringing, or answered at 5 s and listening
        assert!(chain.dispatcher.cancel(&alert).await.expect("cancel"));
        assert_eq!(chain.settled(&alert).await.state, AlertState::Cancelled);
        let placed = chain.phones.placed();
        assert_eq!(placed.len(), 2, "{placed:?}");
        for call in &placed {
            if ringing(&call.number) {
                assert_eq!(
                    call.stopped,
                    Some(Stop::IfRinging),
                    "a ringing call is cancelled"
                );
            } else {
                assert_eq!(call.stopped, None, "a member listening hears the end");
            }
        }
        let lines = chain.store.deliveries(&alert).await.expect("lines");
        let cancelled = lines
            .iter()
            .filter(|l| l.delivery.state == DeliveryState::Cancelled)
            .count();
        assert_eq!(cancelled, 2);
        assert!(lines.iter().all(|l| l.delivery.next_try_at.is_none()));
        assert!(!chain.dispatcher.cancel(&alert).await.expect("again"));
    })
}

#[test]
fn an_urgent_alert_stops_calling_at_its_expiry() {
    virtual_time(async {
        let mut network = test_network("BIN Verloopt");
        network.retry_policy = Some(r#"{"no_answer": {"after": "1m", "retries": 100}}"#.into());
        let settings = ChainSettings {
            urgent_expiry: Duration::from_secs(5 * 60),
            ..settings()
        };
        // Rings 2:30 each time: 0:00-2:30, then 3:30 until the expiry at 5:00 cancels it.
        let member = person("Test Lid Een", "+3250000001", vec![rings(150)]);
        let mut chain = Chain::prepare(afternoon(), settings, network, vec![member]).await;
        chain.run();
        let alert = chain.send(AlertKind::Urgent).await;
        let stored = chain.settled(&alert).await;
        let placed = chain.phones.placed();
        assert_eq!(stored.state, AlertState::Expired, "{placed:?}");
        let expiry = stored.expires_at.expect("an expiry");
        assert_eq!(expiry, afternoon() + 5 * MINUTE);
        let placed = chain.phones.placed();
        assert_eq!(placed.len(), 2, "{placed:?}");
        assert_eq!(placed[1].stopped, Some(Stop::IfRinging));
        assert_eq!(
            placed[1].started,
            afternoon() + 210 * SECOND,
            "a minute after 2:30"
        );
        assert_eq!(placed[1].ended, expiry, "cancelled at the expiry");
        let delivery = chain.delivery_of(&alert, "Test Lid Een").await;
        assert_eq!(delivery.next_try_at, None);
    })
}

#[test]
fn a_prevention_tip_waits_out_the_night_and_an_urgent_alert_does_not() {
    virtual_time(async {
        let evening = brussels("2026-11-26T22:30");
        let (names, numbers) = (names(), (1..=2).map(number).collect::<Vec<_>>());
        let chain = Chain::start(
            evening,
            settings(),
            people(&names, &numbers, vec![presses("1")]),
        )
        .await;
        let tip = chain.send(AlertKind::Prevention).await;
        chain.wait(60).await;
        assert!(
            chain.phones.placed().is_empty(),
            "nobody is called at night"
        );
        let urgent = chain.send(AlertKind::Urgent).await;
        chain.settled(&urgent).await;
        let placed = chain.phones.placed();
        assert_eq!(placed.len(), 2);
        assert!(
            placed.iter().all(|p| p.started < evening + 5 * MINUTE),
            "{placed:?}"
        );
        chain.settled(&tip).await;
        let placed = chain.phones.placed();
        assert_eq!(placed.len(), 4);
        let morning = brussels("2026-11-27T08:00");
        assert!(
            placed[2..].iter().all(|p| p.started == morning),
            "at eight exactly: {placed:?}"
        );
    })
}

#[test]
fn urgent_calls_go_before_waiting_non_urgent_ones() {
    virtual_time(async {
        let (names, numbers) = (names(), (1..=6).map(number).collect::<Vec<_>>());
        let settings = ChainSettings {
            channels: 1,
            ..settings()
        };
        let chain = Chain::start(
            afternoon(),
            settings,
            people(&names, &numbers[..5], vec![presses("1")]),
        )
        .await;
        let tip = chain.send(AlertKind::Prevention).await;
        chain.wait(1).await;
        let urgent = chain.send(AlertKind::Urgent).await;
        chain.settled(&urgent).await;
        chain.settled(&tip).await;
        // The tip's first call was under way; every urgent call comes before the tip's second.
        let placed = chain.phones.placed();
        assert_eq!(placed.len(), 10);
        let tip_calls_before_urgent_done = placed[..6]
            .iter()
            .filter(|p| p.started < placed[1].started)
            .count();
        assert_eq!(tip_calls_before_urgent_done, 1);
        let counts = chain.store.delivery_counts(&urgent).await.expect("counts");
        assert_eq!(counts.get(&DeliveryState::Acknowledged), Some(&5));
    })
}

#[test]
fn a_member_of_two_targeted_networks_is_called_once() {
    virtual_time(async {
        let chain = Chain::start(
            afternoon(),
            settings(),
            vec![person("Test Lid Een", "+3250000001", vec![presses("1")])],
        )
        .await;
        let hold = chain.hold();
        let second = chain
            .store
            .create_network(test_network("BIN Tweede"), afternoon())
            .await
            .expect("network");
        let same = chain.store.members(&chain.network).await.expect("members");
        let again = NewMember {
            external_id: None,
            name: same[0].name.clone(),
            language: "nl".into(),
            contact_points: same[0].contact_points.clone(),
            channel: Channel::Voice,
            quiet_hours: None,
            speech_rate: 1.0,
            status: MemberStatus::Active,
            consent_at: None,
        };
        chain
            .store
            .import_members(&second.id, vec![again], afternoon())
            .await
            .expect("import");
        drop(hold);
        let both = new_alert(AlertKind::Urgent, vec![chain.network.clone(), second.id]);
        let (alert, _) = chain.dispatcher.send(both).await.expect("send");
        chain.settled(&alert.id).await;
        assert_eq!(chain.phones.placed().len(), 1);
    })
}

/// What a `kill -9` leaves behind: an attempt without an end whose delivery is `calling`,
/// and an acknowledgement committed by a call that then never finished. On start the first
/// becomes a failed attempt and is retried; the second member is never called again.
#[test]
fn after_a_crash_calls_in_flight_count_as_failed_and_confirmed_members_are_left_alone() {
    virtual_time(async {
        let start = afternoon();
        let everyone = vec![
            person("Test Lid A", "+3250000001", vec![presses("1")]),
            person("Test Lid B", "+3250000002", vec![presses("1")]),
        ];
        let mut chain =
            Chain::prepare(start, settings(), test_network("BIN Herstart"), everyone).await;
        // The clock stands still while the test writes what a crash left behind.
        let hold = chain.hold();
        let store = chain.store.clone();
        let mut alert = new_alert(AlertKind::Urgent, vec![chain.network.clone()]);
        alert.expires_at = Some(start + 30 * MINUTE);
        let (alert, _) = store.create_alert(alert, start).await.expect("alert");
        store
            .set_alert_state(&alert.id, &[AlertState::Draft], AlertState::Sending, start)
            .await
            .expect("sending");
        write_deliveries(&store, &alert.id, start).await;
        for line in store.deliveries(&alert.id).await.expect("lines") {
            let delivery = line.delivery;
            let number = if line.member_name.ends_with('A') {
                "+3250000001"
            } else {
                "+3250000002"
            };
            store
                .begin_attempt(
                    &delivery.id,
                    &[DeliveryState::Pending],
                    AttemptChannel::Voice,
                    number,
                    start,
                )
                .await
                .expect("begin")
                .expect("claimed");
            if line.member_name.ends_with('B') {
                store
                    .acknowledge(
                        &alert.id,
                        &delivery.member_id,
                        AckHow::Dtmf,
                        start + 10 * SECOND,
                    )
                    .await
                    .expect("ack");
            }
        }
        drop(hold);
        chain.run();
        chain.settled(&alert.id).await;
        assert!(
            chain.phones.calls_to("+3250000002").is_empty(),
            "B confirmed before the crash"
        );
        let retried = chain.phones.calls_to("+3250000001");
        assert_eq!(retried.len(), 1);
        assert_eq!(retried[0].started, start + MINUTE, "the failed rule's wait");
        let a = chain.delivery_of(&alert.id, "Test Lid A").await;
        assert_eq!(a.state, DeliveryState::Acknowledged);
        let attempts = store.attempts(&a.id).await.expect("attempts");
        assert_eq!(attempts.len(), 2);
        assert_eq!(
            attempts[0].result.as_ref().map(|r| r.outcome.as_str()),
            Some("interrupted")
        );
        let b = chain.delivery_of(&alert.id, "Test Lid B").await;
        assert_eq!(b.state, DeliveryState::Acknowledged);
        let acks = store.acknowledgements(&alert.id).await.expect("acks");
        assert_eq!(acks.len(), 2);
        chain.stop().await;
    })
}

#[test]
fn every_change_is_published_in_order() {
    virtual_time(async {
        let chain = Chain::start(
            afternoon(),
            settings(),
            vec![person(
                "Test Lid Een",
                "+3250000001",
                vec![busy(), presses("1")],
            )],
        )
        .await;
        let mut events = chain.dispatcher.events().subscribe();
        let alert = chain.send(AlertKind::Urgent).await;
        chain.settled(&alert).await;
        let mut seen = Vec::new();
        while let Ok(event) = events.try_recv() {
            seen.push(match event {
                ChainEvent::AlertSending { .. } => "sending".to_owned(),
                ChainEvent::DeliveriesCreated { total, .. } => format!("created {total}"),
                ChainEvent::Calling { contact, .. } => format!("calling {contact}"),
                ChainEvent::CallEnded { outcome, .. } => format!("ended {outcome}"),
                ChainEvent::Delivery {
                    state, next_try_at, ..
                } => {
                    format!(
                        "{state}{}",
                        if next_try_at.is_some() { " retry" } else { "" }
                    )
                }
                ChainEvent::Acknowledged { how, .. } => format!("acknowledged by {how}"),
                ChainEvent::AlertDone { state, .. } => format!("alert {state}"),
            });
        }
        assert_eq!(
            seen,
            [
                "sending",
                "created 1",
                "calling 0",
                "ended busy",
                "busy retry",
                "calling 0",
                "acknowledged by dtmf",
                "ended acknowledged",
                "alert completed",
            ]
        );
    })
}

/// The interrupted call follows the network's own rule for failures, not the default.
#[test]
fn a_resumed_call_follows_the_networks_own_rules() {
    virtual_time(async {
        let start = afternoon();
        let mut network = test_network("BIN Eigen Herstart");
        network.retry_policy = Some(r#"{"failed": {"after": 600, "retries": 1}}"#.into());
        let member = person("Test Lid A", "+3250000001", vec![presses("1")]);
        let mut chain = Chain::prepare(start, settings(), network, vec![member]).await;
        // The clock stands still while the test writes what a crash left behind.
        let hold = chain.hold();
        let store = chain.store.clone();
        let (alert, _) = crate::chain::dispatcher::submit(
            &store,
            new_alert(AlertKind::Urgent, vec![chain.network.clone()]),
            Duration::from_secs(3600),
            start,
        )
        .await
        .expect("alert");
        write_deliveries(&store, &alert.id, start).await;
        let line = store.deliveries(&alert.id).await.expect("lines").remove(0);
        store
            .begin_attempt(
                &line.delivery.id,
                &[DeliveryState::Pending],
                AttemptChannel::Voice,
                "+3250000001",
                start,
            )
            .await
            .expect("begin")
            .expect("claimed");
        drop(hold);
        chain.run();
        let settled = chain.settled(&alert.id).await;
        assert_eq!(
            settled.state,
            AlertState::Completed,
            "a resumed alert completes"
        );
        let calls = chain.phones.calls_to("+3250000001");
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].started, start + 10 * MINUTE, "{calls:?}");
    })
}

/// An alert sent by another process (`alert send` from a shell) is found at the next look,
/// long before the next sweep.
#[test]
fn an_alert_sent_by_another_process_is_called_at_the_next_look() {
    virtual_time(async {
        let start = afternoon();
        let look = ChainSettings {
            look: Some(Duration::from_secs(2)),
            ..settings()
        };
        let member = person("Test Lid A", "+3250000001", vec![presses("1")]);
        let chain = Chain::start(start, look, vec![member]).await;
        chain.wait(30).await;
        // The clock stands still while the other process writes, so no look passes meanwhile.
        let hold = chain.hold();
        let sent = chain.clock.now();
        let (alert, _) = crate::chain::dispatcher::submit(
            &chain.store,
            new_alert(AlertKind::Urgent, vec![chain.network.clone()]),
            Duration::from_secs(3600),
            sent,
        )
        .await
        .expect("alert");
        drop(hold);
        let settled = chain.settled(&alert.id).await;
        assert_eq!(settled.state, AlertState::Completed);
        let calls = chain.phones.calls_to("+3250000001");
        assert_eq!(calls.len(), 1);
        assert!(
            calls[0].started <= sent + 2_000,
            "called at the next look, not the sweep 600 s later: sent {sent}, {calls:?}"
        );
    })
}
