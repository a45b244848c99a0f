//! Instances and the trunk's ledger in the store, on SQLite always and on PostgreSQL when
//! `BUURTBEL_TEST_POSTGRES` is set: leases on the database's clock, writes refused under an
//! expired lease, take-over of a dead lease's attempts only, the shared line (one call per
//! number and per member, at most `max_channels` calls, INVITE slots `1/max_cps` apart), and
//! news between processes (`NOTIFY` on PostgreSQL, a notice file beside a SQLite file).

#[path = "common/backends.rs"]
mod backends;
#[path = "common/fixtures.rs"]
mod fixtures;

use backends::each_backend;
use buurtbel::store::*;
use buurtbel::telephony::clock;
use fixtures::*;
use std::time::Duration;

const LEASE: Duration = Duration::from_secs(10);

fn registration(name: &str) -> Registration {
    Registration {
        instance: name.to_owned(),
        host: "testhost".to_owned(),
        pid: 4242,
        version: "test".to_owned(),
        trunk: "trunk.test".to_owned(),
    }
}

fn trunk(channels: u32, cps: Option<f64>) -> TrunkLedger {
    TrunkLedger {
        name: "trunk.test".to_owned(),
        max_channels: channels,
        max_cps: cps,
    }
}

/// A sending alert to `count` members with a number each; their due deliveries.
async fn due(store: &Store, count: u32) -> Vec<DueDelivery> {
    let bin = network(store, "BIN Een").await;
    let members = (1..=count)
        .map(|n| member(&format!("Member {n:02}"), &[n]))
        .collect();
    import(store, &bin, members).await;
    let alert = sending_alert(store, &[&bin], AlertKind::Urgent).await;
    deliver_all(store, &alert, T0).await;
    store.due_deliveries(T0, count).await.expect("due")
}

fn line(due: &DueDelivery) -> LineClaim<'static> {
    LineClaim {
        delivery: due.delivery.id.clone(),
        member: due.delivery.member_id.clone(),
        expected: &[DeliveryState::Pending],
    }
}

fn number(due: &DueDelivery) -> String {
    due.recipient.contact_points[0].number.clone()
}

async fn call(store: &Store, due: &DueDelivery, ledger: &TrunkLedger) -> CallClaim {
    store
        .begin_line_call(&[line(due)], &number(due), ledger, T0)
        .await
        .expect("claim")
}

fn attempt_of(claim: &CallClaim) -> AttemptId {
    match claim {
        CallClaim::Begun(attempts) => attempts[0].1.clone(),
        other => panic!("not begun: {other:?}"),
    }
}

fn step() -> DeliveryStep {
    DeliveryStep {
        state: DeliveryState::NoAnswer,
        next_try_at: Some(T0 + MINUTE),
        contact_index: 0,
        rounds: 1,
    }
}

#[tokio::test]
async fn a_name_with_a_live_lease_is_refused_and_on_sqlite_any_second_instance() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let alone = store.backend() == Backend::Sqlite;
        let first = store
            .register_instance(&registration("gw-a"), LEASE, alone)
            .await
            .expect("register");
        assert_eq!(first.generation, 1);
        let again = store
            .register_instance(&registration("gw-a"), LEASE, alone)
            .await;
        match again {
            Err(StoreError::InstanceHeld(holder)) => {
                assert_eq!((holder.id.as_str(), holder.pid), ("gw-a", 4242));
                assert!(holder.is_live());
            }
            other => panic!("{other:?}"),
        }
        let other = store
            .register_instance(&registration("gw-b"), LEASE, alone)
            .await;
        assert_eq!(other.is_err(), alone, "{other:?}");
        if let Ok(lease) = &other {
            store.release_lease(lease).await.expect("release");
        }
        // Released (a graceful stop): the name starts again at once, one generation on, and
        // on SQLite so does another name.
        store.release_lease(&first).await.expect("release");
        let second = store
            .register_instance(&registration("gw-a"), LEASE, alone)
            .await
            .expect("register again");
        assert_eq!(second.generation, 2);
        store.release_lease(&second).await.expect("release");
        let other = store
            .register_instance(&registration("gw-b"), LEASE, alone)
            .await;
        assert!(other.is_ok(), "{other:?}");
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_write_under_an_expired_lease_is_refused_and_a_renewal_cannot_revive_it() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let due = due(&store, 2).await;
        let lease = store
            .register_instance(&registration("gw-a"), LEASE, false)
            .await
            .expect("register");
        let leased = store.with_lease(lease.clone());
        let ledger = trunk(10, None);
        let claim = call(&leased, &due[0], &ledger).await;
        let attempt = attempt_of(&claim);
        assert!(store.expire_lease(&lease).await.expect("expire"));
        let refused = leased
            .begin_line_call(&[line(&due[1])], &number(&due[1]), &ledger, T0)
            .await;
        assert!(
            matches!(refused, Err(StoreError::LeaseExpired(_))),
            "{refused:?}"
        );
        let finish = leased
            .finish_attempt(&attempt, &no_answer(T0 + 5), step())
            .await;
        assert!(
            matches!(finish, Err(StoreError::LeaseExpired(_))),
            "{finish:?}"
        );
        assert!(!leased.renew_lease(&lease, LEASE).await.expect("renew"));
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn only_a_dead_leases_attempts_are_taken_over() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let due = due(&store, 2).await;
        let ledger = trunk(10, None);
        let a = store
            .register_instance(&registration("gw-a"), LEASE, false)
            .await
            .expect("register a");
        let b = store
            .register_instance(&registration("gw-b"), LEASE, false)
            .await;
        let Ok(b) = b else {
            // SQLite: one instance per file; the rest of this test is PostgreSQL's.
            store.close().await;
            return;
        };
        let (on_a, on_b) = (store.with_lease(a.clone()), store.with_lease(b.clone()));
        let a_call = attempt_of(&call(&on_a, &due[0], &ledger).await);
        let b_call = attempt_of(&call(&on_b, &due[1], &ledger).await);
        assert!(!store.orphans_exist().await.expect("look"));
        assert!(
            on_b.orphaned_attempts(false)
                .await
                .expect("read")
                .is_empty()
        );
        assert!(on_b.take_over_dead().await.expect("take over").is_empty());

        assert!(store.expire_lease(&a).await.expect("a dies"));
        assert!(store.orphans_exist().await.expect("look"));
        assert_eq!(
            on_b.take_over_dead().await.expect("take over"),
            vec![a.clone()]
        );
        let orphans = on_b.orphaned_attempts(false).await.expect("read");
        let ids: Vec<&AttemptId> = orphans.iter().map(|o| &o.attempt.id).collect();
        assert_eq!(ids, vec![&a_call], "b's own call is not an orphan");
        // a's number is free again; b's is not.
        let lines = store.calls_on_the_line().await.expect("read");
        assert_eq!(lines, vec![("trunk.test".into(), "gw-b".into(), 1)]);
        on_b.finish_attempt(&a_call, &no_answer(T0 + 5), step())
            .await
            .expect("b finishes a's call");
        on_b.finish_attempt(&b_call, &no_answer(T0 + 5), step())
            .await
            .expect("b finishes its own");
        assert!(!store.orphans_exist().await.expect("look"));
        assert!(store.calls_on_the_line().await.expect("read").is_empty());
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn the_line_holds_one_call_per_number_and_member_and_the_trunks_limits() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let due = due(&store, 4).await;
        let ledger = trunk(2, None);
        let first = call(&store, &due[0], &ledger).await;
        assert!(matches!(first, CallClaim::Begun(_)), "{first:?}");
        // The same number for another member: busy.
        let same_number = store
            .begin_line_call(&[line(&due[1])], &number(&due[0]), &ledger, T0)
            .await
            .expect("claim");
        assert_eq!(same_number, CallClaim::Busy);
        // The first member again on another number (another alert's call): busy.
        let same_member = store
            .begin_line_call(&[line(&due[0])], "+32470009999", &ledger, T0)
            .await
            .expect("claim");
        assert_eq!(same_member, CallClaim::Busy);
        let second = call(&store, &due[1], &ledger).await;
        assert!(matches!(second, CallClaim::Begun(_)), "{second:?}");
        assert_eq!(call(&store, &due[2], &ledger).await, CallClaim::TrunkFull);
        store
            .finish_attempt(&attempt_of(&second), &no_answer(T0 + 5), step())
            .await
            .expect("finish");
        let third = call(&store, &due[2], &ledger).await;
        assert!(matches!(third, CallClaim::Begun { .. }), "{third:?}");
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn invite_slots_are_a_spacing_apart_on_the_databases_clock() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let spacing = Duration::from_micros(252_500);
        let start = clock::now();
        let mut waits = Vec::new();
        for _ in 0..4 {
            let asked = clock::elapsed(start);
            let wait = store.next_invite_slot("trunk.test", spacing).await;
            waits.push((wait.expect("slot"), asked, clock::elapsed(start)));
        }
        // Asked one after another: the first slot is now, each next one 253 ms (252.5 rounded
        // up) after the one before, less the time that passed since the first ask.
        assert_eq!(waits[0].0, Duration::ZERO);
        // The database read its clock somewhere between each ask and its answer.
        let tick = Duration::from_millis(2); // both clocks count whole milliseconds
        let first_answered = waits[0].2;
        for (i, (wait, asked, answered)) in waits.iter().enumerate().skip(1) {
            let due = Duration::from_millis(253 * i as u64);
            let (least, most) = (asked.saturating_sub(first_answered), *answered);
            assert!(
                *wait + least <= due + tick && *wait + most + tick >= due,
                "slot {i}: {wait:?} (asked {asked:?} after the first, answered {answered:?})"
            );
        }
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn another_process_hears_of_an_alert_sent_or_stopped() {
    each_backend(|url| async move {
        let sender = Store::open(&url).await.expect("open");
        let server = Store::open(&url).await.expect("open again");
        let bin = network(&sender, "BIN Een").await;
        let mut notices = server.listen().await.expect("listen");
        if notices.is_none() {
            // SQLite: the first look sets what later looks compare with.
            assert_eq!(server.alerts_noticed(), Some(false));
            assert_eq!(server.alerts_noticed(), Some(false), "nothing happened");
        }
        let alert = sending_alert(&sender, &[&bin], AlertKind::Urgent).await;
        match &mut notices {
            Some(notices) => {
                let heard = tokio::time::timeout(Duration::from_secs(10), notices.next()).await;
                let heard = heard.expect("a notice within 10 s").expect("listening");
                assert_eq!(heard, Some(Notice::Alerts));
            }
            None => {
                assert_eq!(server.alerts_noticed(), Some(true));
                assert_eq!(server.alerts_noticed(), Some(false), "told once");
            }
        }
        sender.cancel_alert(&alert, T0 + 5).await.expect("cancel");
        match &mut notices {
            Some(notices) => {
                let heard = tokio::time::timeout(Duration::from_secs(10), notices.next()).await;
                assert_eq!(
                    heard.expect("in time").expect("listening"),
                    Some(Notice::Alerts)
                );
            }
            None => assert_eq!(server.alerts_noticed(), Some(true)),
        }
        sender.close().await;
        server.close().await;
    })
    .await;
}

fn no_answer(ended_at: i64) -> AttemptResult {
    AttemptResult {
        ended_at,
        sip_status: Some(487),
        outcome: "no_answer".into(),
        ..AttemptResult::default()
    }
}
