//! The call-back line in the store, on SQLite and (when `BUURTBEL_TEST_POSTGRES` is set)
//! PostgreSQL: who is calling and which alerts they have not confirmed, the call on the
//! trunk's shared line (a full trunk, the channels urgent calls keep, the number and members
//! held from the dispatcher), attempts that are no tries, acknowledgements that keep how the
//! caller was known, a dead instance's call-backs, and erasure. Names and numbers are
//! fictional.

#[path = "common/backends.rs"]
mod backends;
#[path = "common/fixtures.rs"]
mod fixtures;

use backends::each_backend;
use buurtbel::store::*;
use fixtures::*;
use std::slice;
use std::time::Duration;

/// `+32 470 00 00 01`, the household's landline in these tests.
const LANDLINE: &str = "+32470000001";

fn trunk(channels: u32) -> TrunkLedger {
    TrunkLedger {
        name: "trunk.test".to_owned(),
        max_channels: channels,
        max_cps: None,
    }
}

/// An alert of `kind` to `networks` created at `at`, sending, with its deliveries.
async fn alert_at(store: &Store, networks: &[&Network], kind: AlertKind, at: i64) -> AlertId {
    let (alert, _) = store
        .create_alert(new_alert(networks, kind), at)
        .await
        .expect("alert");
    let sending = store.set_alert_state(&alert.id, &[AlertState::Draft], AlertState::Sending, at);
    assert!(sending.await.expect("send"));
    deliver_all(store, &alert.id, at).await;
    alert.id
}

/// The member's delivery of the alert.
async fn delivery_of(store: &Store, alert: &AlertId, member: &MemberId) -> Delivery {
    let lines = store.deliveries(alert).await.expect("deliveries");
    let line = lines.into_iter().find(|l| &l.delivery.member_id == member);
    line.expect("a delivery").delivery
}

async fn callback(
    store: &Store,
    number: &str,
    members: &[MemberId],
    deliveries: &[DeliveryId],
    ledger: &TrunkLedger,
    reserve: u32,
) -> CallbackClaim {
    store
        .begin_callback(
            number,
            members,
            deliveries,
            Some(Identification::Asserted),
            ledger,
            reserve,
            T0 + 100,
        )
        .await
        .expect("begin the call-back")
}

fn begun(claim: CallbackClaim) -> (String, Vec<(DeliveryId, AttemptId)>) {
    match claim {
        CallbackClaim::Begun { line, attempts } => (line, attempts),
        CallbackClaim::TrunkFull => panic!("the trunk was full"),
    }
}

fn heard(attempt: &AttemptId, confirmed: bool) -> CallbackEnd {
    CallbackEnd {
        attempt: attempt.clone(),
        heard: true,
        confirmed,
        talk_ms: 40_000,
        digits: if confirmed { "1" } else { "3" }.to_owned(),
    }
}

fn not_heard(attempt: &AttemptId) -> CallbackEnd {
    CallbackEnd {
        attempt: attempt.clone(),
        heard: false,
        confirmed: false,
        talk_ms: 2_000,
        digits: String::new(),
    }
}

fn claim_of(delivery: &Delivery) -> LineClaim<'static> {
    LineClaim {
        delivery: delivery.id.clone(),
        member: delivery.member_id.clone(),
        expected: &[DeliveryState::Pending],
    }
}

#[tokio::test]
async fn the_household_member_whose_language_it_hears_comes_first() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let bin = network(&store, "BIN Een").await;
        let mut first = member("Test Lid Een", &[1]);
        first.language = "fr".into();
        first.speech_rate = 1.2;
        let second_number = member("Test Lid Twee", &[2, 1]);
        let mut away = member("Test Lid Drie", &[1]);
        away.status = MemberStatus::Suspended;
        let ids = import(&store, &bin, vec![first, second_number, away]).await;
        let later = store
            .import_members(&bin.id, vec![member("Test Lid Vier", &[1])], T0 + MINUTE)
            .await
            .expect("a later member")
            .members;

        let found = store.callback_members(LANDLINE).await.expect("look up");
        let order: Vec<&MemberId> = found.iter().map(|m| &m.id).collect();
        // Its first number before a second one, then the oldest; never a suspended member.
        assert_eq!(order, vec![&ids[0], &later[0], &ids[1]]);
        assert_eq!(
            (found[0].name.as_str(), found[0].language.as_str()),
            ("Test Lid Een", "fr")
        );
        assert!((found[0].speech_rate - 1.2).abs() < 1e-9);
        let nobody = store
            .callback_members("+32470009999")
            .await
            .expect("look up");
        assert!(nobody.is_empty());
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_caller_hears_the_unconfirmed_alerts_of_the_window_urgent_first_newest_first() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let zuid = network(&store, "BIN Zuid").await;
        let noord = network(&store, "BIN Noord").await;
        let household = vec![member("Test Lid Een", &[1]), member("Test Lid Twee", &[1])];
        let ids = import(&store, &zuid, household).await;
        import(&store, &noord, vec![member("Test Lid Buur", &[3])]).await;
        let (een, twee) = (&ids[0], &ids[1]);

        let two_days_ago = T0 - 2 * 24 * 60 * MINUTE;
        alert_at(&store, &[&zuid], AlertKind::Urgent, two_days_ago).await;
        let old_tip = alert_at(&store, &[&noord, &zuid], AlertKind::Prevention, T0).await;
        let expired = alert_at(&store, &[&zuid], AlertKind::Urgent, T0 + MINUTE).await;
        store
            .expire_alert(&expired, T0 + 90 * MINUTE)
            .await
            .unwrap();
        let cancelled = alert_at(&store, &[&zuid], AlertKind::Urgent, T0 + 2 * MINUTE).await;
        store
            .cancel_alert(&cancelled, T0 + 3 * MINUTE)
            .await
            .unwrap();
        let half = alert_at(&store, &[&zuid], AlertKind::Prevention, T0 + 3 * MINUTE).await;
        store
            .acknowledge(&half, een, AckHow::Dtmf, T0 + 4 * MINUTE)
            .await
            .unwrap();
        let done = alert_at(&store, &[&zuid], AlertKind::Urgent, T0 + 4 * MINUTE).await;
        store
            .acknowledge(&done, een, AckHow::Api, T0 + 5 * MINUTE)
            .await
            .unwrap();
        store
            .acknowledge(&done, twee, AckHow::Dtmf, T0 + 5 * MINUTE)
            .await
            .unwrap();
        let feedback = alert_at(&store, &[&zuid], AlertKind::Feedback, T0 + 5 * MINUTE).await;
        let from = [AlertState::Sending];
        let completing = store.set_alert_state(&feedback, &from, AlertState::Completed, T0);
        assert!(completing.await.unwrap());
        let (draft, _) = store
            .create_alert(new_alert(&[&zuid], AlertKind::Urgent), T0 + 6 * MINUTE)
            .await
            .unwrap();
        deliver_all(&store, &draft.id, T0 + 6 * MINUTE).await;

        let asked = [twee.clone(), een.clone()];
        let since = T0 - 24 * 60 * MINUTE;
        let alerts = store.callback_alerts(&asked, since).await.expect("look up");
        let order: Vec<&AlertId> = alerts.iter().map(|a| &a.alert).collect();
        assert_eq!(order, vec![&expired, &feedback, &half, &old_tip]);
        let members_of = |alert: &AlertId| {
            let found = alerts.iter().find(|a| &a.alert == alert).unwrap();
            found
                .deliveries
                .iter()
                .map(|(_, m)| m.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            members_of(&expired),
            vec![twee.clone(), een.clone()],
            "as asked"
        );
        assert_eq!(members_of(&half), vec![twee.clone()], "een confirmed it");
        let first = &alerts[0];
        assert!(first.urgent && first.drill);
        assert_eq!(first.created_at, T0 + MINUTE);
        assert_eq!(first.network_name, "BIN Zuid");
        assert!(!alerts[1].urgent);
        // Sent to both networks: named after the one the household belongs to.
        assert_eq!(alerts[3].network_name, "BIN Zuid");
        let delivery = delivery_of(&store, &old_tip, twee).await;
        assert_eq!(alerts[3].deliveries[0], (delivery.id, twee.clone()));

        assert!(store.callback_alerts(&[], since).await.unwrap().is_empty());
        let later = store
            .callback_alerts(&asked, T0 + 4 * MINUTE)
            .await
            .unwrap();
        let order: Vec<&AlertId> = later.iter().map(|a| &a.alert).collect();
        assert_eq!(order, vec![&feedback]);
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_callback_needs_a_channel_and_leaves_the_reserve_to_an_urgent_alert_sending() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let bin = network(&store, "BIN Een").await;
        let members = (1..=4)
            .map(|n| member(&format!("Test Lid {n}"), &[n]))
            .collect();
        let ids = import(&store, &bin, members).await;
        let number = |n: u32| format!("+3247000{n:04}");

        // One channel: one call-back, then none until it ends.
        let one = trunk(1);
        let (line, _) = begun(callback(&store, &number(2), &ids[1..2], &[], &one, 1).await);
        let full = callback(&store, &number(3), &ids[2..3], &[], &one, 0).await;
        assert_eq!(full, CallbackClaim::TrunkFull);
        store.finish_callback(&line, &[], T0 + 200).await.unwrap();
        let (line, _) = begun(callback(&store, &number(3), &ids[2..3], &[], &one, 0).await);
        store.finish_callback(&line, &[], T0 + 300).await.unwrap();

        // Two channels, one taken by an urgent alert's call: its reserve of one is kept.
        let two = trunk(2);
        let urgent = alert_at(&store, &[&bin], AlertKind::Urgent, T0).await;
        let calling = delivery_of(&store, &urgent, &ids[0]).await;
        let call = store
            .begin_line_call(&[claim_of(&calling)], &number(1), &two, T0 + 10)
            .await
            .unwrap();
        assert!(matches!(call, CallClaim::Begun(_)), "{call:?}");
        let kept = callback(&store, &number(2), &ids[1..2], &[], &two, 1).await;
        assert_eq!(kept, CallbackClaim::TrunkFull);
        let (line, _) = begun(callback(&store, &number(2), &ids[1..2], &[], &two, 0).await);
        store.finish_callback(&line, &[], T0 + 400).await.unwrap();
        // Once no urgent alert sends, the reserve is anyone's.
        store.cancel_alert(&urgent, T0 + 500).await.unwrap();
        let (line, _) = begun(callback(&store, &number(2), &ids[1..2], &[], &two, 1).await);
        let lines = store.calls_on_the_line().await.unwrap();
        assert_eq!(lines, vec![("trunk.test".into(), String::new(), 2)]);
        let full = callback(&store, &number(3), &ids[2..3], &[], &two, 0).await;
        assert_eq!(full, CallbackClaim::TrunkFull);
        store.finish_callback(&line, &[], T0 + 600).await.unwrap();
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_number_on_the_call_back_line_is_not_dialled_until_the_call_ends() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let bin = network(&store, "BIN Een").await;
        let household = vec![
            member("Test Lid Een", &[1, 2]),
            member("Test Lid Twee", &[1]),
        ];
        let ids = import(&store, &bin, household).await;
        let alert = alert_at(&store, &[&bin], AlertKind::Urgent, T0).await;
        let een = delivery_of(&store, &alert, &ids[0]).await;
        let twee = delivery_of(&store, &alert, &ids[1]).await;
        let ledger = trunk(10);

        let deliveries = [een.id.clone(), twee.id.clone()];
        let (line, attempts) =
            begun(callback(&store, LANDLINE, &ids, &deliveries, &ledger, 1).await);
        let busy = store
            .begin_line_call(&[claim_of(&twee)], LANDLINE, &ledger, T0 + 110)
            .await
            .unwrap();
        assert_eq!(busy, CallClaim::Busy, "the number is on the call-back line");
        let busy = store
            .begin_line_call(&[claim_of(&een)], "+32470000002", &ledger, T0 + 110)
            .await
            .unwrap();
        assert_eq!(busy, CallClaim::Busy, "so is the member, on any number");

        let ends = [heard(&attempts[0].1, false), not_heard(&attempts[1].1)];
        store.finish_callback(&line, &ends, T0 + 200).await.unwrap();
        assert!(store.calls_on_the_line().await.unwrap().is_empty());
        let writes = store.writes();
        store.finish_callback(&line, &ends, T0 + 300).await.unwrap();
        assert_eq!(store.writes(), writes, "a second finish changes nothing");
        let call = store
            .begin_line_call(
                &[claim_of(&een), claim_of(&twee)],
                LANDLINE,
                &ledger,
                T0 + 310,
            )
            .await
            .unwrap();
        assert!(
            matches!(&call, CallClaim::Begun(a) if a.len() == 2),
            "{call:?}"
        );
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_callback_begins_while_another_call_has_the_number() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let bin = network(&store, "BIN Een").await;
        let household = vec![member("Test Lid Een", &[1]), member("Test Lid Twee", &[1])];
        let ids = import(&store, &bin, household).await;
        let alert = alert_at(&store, &[&bin], AlertKind::Urgent, T0).await;
        let een = delivery_of(&store, &alert, &ids[0]).await;
        let twee = delivery_of(&store, &alert, &ids[1]).await;
        let ledger = trunk(10);
        let call = store
            .begin_line_call(&[claim_of(&een)], LANDLINE, &ledger, T0 + 10)
            .await
            .unwrap();
        assert!(matches!(call, CallClaim::Begun(_)), "{call:?}");

        let (line, attempts) = begun(
            callback(
                &store,
                LANDLINE,
                &ids,
                slice::from_ref(&twee.id),
                &ledger,
                1,
            )
            .await,
        );
        assert_eq!(attempts.len(), 1);
        let lines = store.calls_on_the_line().await.unwrap();
        assert_eq!(lines, vec![("trunk.test".into(), String::new(), 2)]);
        store
            .finish_callback(&line, &[heard(&attempts[0].1, true)], T0 + 200)
            .await
            .unwrap();
        assert_eq!(
            store.calls_on_the_line().await.unwrap().len(),
            1,
            "the call out stays"
        );
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_callback_is_no_try_and_shows_in_the_report() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let (alert, member, delivery) = one_delivery(&store).await;
        let before = store.delivery(&delivery).await.unwrap().expect("delivery");
        let ledger = trunk(10);
        let (line, attempts) = begun(
            callback(
                &store,
                LANDLINE,
                slice::from_ref(&member),
                slice::from_ref(&delivery),
                &ledger,
                1,
            )
            .await,
        );
        assert_eq!(attempts.len(), 1);
        let callback_attempt = attempts[0].1.clone();
        assert_eq!(
            store.delivery(&delivery).await.unwrap(),
            Some(before.clone())
        );
        // A call-back is not a call in flight, so a restart never finishes it as one.
        assert!(store.in_flight().await.unwrap().is_empty());
        assert!(store.orphaned_attempts(true).await.unwrap().is_empty());
        store
            .finish_callback(&line, &[heard(&callback_attempt, false)], T0 + 200)
            .await
            .unwrap();
        assert_eq!(store.delivery(&delivery).await.unwrap(), Some(before));
        assert!(store.acknowledgements(&alert).await.unwrap().is_empty());

        // The next try is numbered after it, and counts as the first try.
        let call = begin(&store, &delivery).await.expect("a call");
        let attempts = store.attempts(&delivery).await.unwrap();
        let seen: Vec<(i64, AttemptChannel)> =
            attempts.iter().map(|a| (a.seq, a.channel)).collect();
        assert_eq!(
            seen,
            vec![(1, AttemptChannel::Callback), (2, AttemptChannel::Voice)]
        );
        let first = &attempts[0];
        assert_eq!(first.number, LANDLINE);
        assert_eq!(first.identified_by, Some(Identification::Asserted));
        assert_eq!(attempts[1].identified_by, None);
        let result = first.result.as_ref().expect("ended");
        assert_eq!(result.outcome, "answered_no_ack");
        assert_eq!(
            (result.talk_ms, result.digits.as_deref()),
            (Some(40_000), Some("3"))
        );
        store
            .finish_attempt(&call, &answered(T0 + 300), no_ack_retry())
            .await
            .unwrap();
        let tried = store.delivery(&delivery).await.unwrap().expect("delivery");
        assert_eq!(tried.attempts, 1);

        // Phoned back after the call: the member's line in the report shows the call-back.
        let (line, again) = begun(
            callback(
                &store,
                LANDLINE,
                slice::from_ref(&member),
                slice::from_ref(&delivery),
                &ledger,
                1,
            )
            .await,
        );
        store
            .finish_callback(&line, &[not_heard(&again[0].1)], T0 + 400)
            .await
            .unwrap();
        let results = store.member_results(&alert).await.unwrap();
        let last = results[0].last_try.as_ref().expect("a last try");
        assert_eq!(last.channel, AttemptChannel::Callback);
        assert_eq!(last.outcome.as_deref(), Some(HUNG_UP));
        assert_eq!(results[0].tries, 1);
        let report = store.alert_attempts(&alert).await.unwrap();
        let seqs: Vec<i64> = report.iter().map(|a| a.seq).collect();
        assert_eq!(seqs, vec![1, 2, 3]);
        assert_eq!(store.delivery(&delivery).await.unwrap(), Some(tried));
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn finishing_a_callback_never_ends_a_call_out() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let (_, member, delivery) = one_delivery(&store).await;
        let call = begin(&store, &delivery).await.expect("a call");
        let ledger = trunk(10);
        let (line, _) = begun(callback(&store, "+32470000002", &[member], &[], &ledger, 1).await);
        store
            .finish_callback(&line, &[heard(&call, true)], T0 + 200)
            .await
            .unwrap();
        let attempts = store.attempts(&delivery).await.unwrap();
        assert_eq!(attempts[0].result, None, "the call out is still on");
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn an_acknowledgement_on_the_line_keeps_how_the_caller_was_known() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let bin = network(&store, "BIN Een").await;
        let ids = import(
            &store,
            &bin,
            vec![member("Test Lid Een", &[1]), member("Test Lid Twee", &[2])],
        )
        .await;
        let alert = alert_at(&store, &[&bin], AlertKind::Urgent, T0).await;

        assert!(store.acknowledgements(&alert).await.unwrap().is_empty());

        let first = store
            .acknowledge_identified(
                &alert,
                &ids[0],
                AckHow::Callback,
                Some(Identification::From),
                T0 + 10,
            )
            .await
            .unwrap();
        assert!(first);
        let again = store
            .acknowledge_identified(
                &alert,
                &ids[0],
                AckHow::Callback,
                Some(Identification::Asserted),
                T0 + 20,
            )
            .await
            .unwrap();
        assert!(!again, "one acknowledgement per member");
        store
            .acknowledge(&alert, &ids[1], AckHow::Dtmf, T0 + 30)
            .await
            .unwrap();
        let kept = store.acknowledgements(&alert).await.unwrap();
        let how: Vec<(AckHow, Option<Identification>)> =
            kept.iter().map(|k| (k.how, k.identified_by)).collect();
        assert_eq!(
            how,
            vec![
                (AckHow::Callback, Some(Identification::From)),
                (AckHow::Dtmf, None)
            ]
        );
        let confirmed = delivery_of(&store, &alert, &ids[0]).await;
        assert_eq!(confirmed.state, DeliveryState::Acknowledged);
        assert_eq!(confirmed.next_try_at, None);
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_dead_instances_call_back_ends_unheard_and_frees_its_line() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let (alert, member, delivery) = one_delivery(&store).await;
        let registration = Registration {
            instance: "gw-a".to_owned(),
            host: "testhost".to_owned(),
            pid: 4242,
            version: "test".to_owned(),
            trunk: "trunk.test".to_owned(),
        };
        let lease = store
            .register_instance(&registration, Duration::from_secs(10), false)
            .await
            .expect("register");
        let on_a = store.with_lease(lease.clone());
        let ledger = trunk(10);
        let (line, attempts) = begun(
            callback(
                &on_a,
                LANDLINE,
                slice::from_ref(&member),
                slice::from_ref(&delivery),
                &ledger,
                1,
            )
            .await,
        );
        assert!(!store.orphans_exist().await.unwrap());
        assert!(store.expire_lease(&lease).await.unwrap());
        assert!(store.orphans_exist().await.unwrap());
        assert_eq!(store.take_over_dead().await.unwrap(), vec![lease]);

        assert!(store.calls_on_the_line().await.unwrap().is_empty());
        assert!(store.orphaned_attempts(true).await.unwrap().is_empty());
        assert!(!store.orphans_exist().await.unwrap());
        let ended = store.attempts(&delivery).await.unwrap().remove(0);
        assert_eq!(ended.id, attempts[0].1);
        assert_eq!(
            ended.result.map(|r| r.outcome),
            Some("interrupted".to_owned())
        );
        let untouched = store.delivery(&delivery).await.unwrap().expect("delivery");
        assert_eq!(
            (untouched.state, untouched.attempts),
            (DeliveryState::Pending, 0)
        );
        assert!(store.acknowledgements(&alert).await.unwrap().is_empty());
        // The dead instance's own finish comes too late and writes nothing.
        let late = on_a
            .finish_callback(&line, &[heard(&attempts[0].1, true)], T0 + 200)
            .await;
        assert!(matches!(late, Err(StoreError::LeaseExpired(_))), "{late:?}");
        let call = store
            .begin_line_call(
                &[LineClaim {
                    delivery: delivery.clone(),
                    member,
                    expected: &[DeliveryState::Pending],
                }],
                LANDLINE,
                &ledger,
                T0 + 300,
            )
            .await
            .unwrap();
        assert!(matches!(call, CallClaim::Begun(_)), "{call:?}");
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn erasing_a_member_erases_the_number_they_called_back_from() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let (alert, member, delivery) = one_delivery(&store).await;
        let ledger = trunk(10);
        let (line, attempts) = begun(
            callback(
                &store,
                LANDLINE,
                slice::from_ref(&member),
                slice::from_ref(&delivery),
                &ledger,
                1,
            )
            .await,
        );
        store
            .finish_callback(&line, &[heard(&attempts[0].1, true)], T0 + 200)
            .await
            .unwrap();
        store
            .acknowledge_identified(
                &alert,
                &member,
                AckHow::Callback,
                Some(Identification::Asserted),
                T0 + 150,
            )
            .await
            .unwrap();
        store.erase_member(&member, T0 + 300).await.expect("erase");
        let kept = store.attempts(&delivery).await.unwrap();
        assert_eq!(kept.len(), 1, "the attempt stays, counted");
        assert_eq!(kept[0].number, ERASED_NUMBER);
        assert_eq!(kept[0].channel, AttemptChannel::Callback);
        assert!(store.callback_members(LANDLINE).await.unwrap().is_empty());
        store.close().await;
    })
    .await;
}
