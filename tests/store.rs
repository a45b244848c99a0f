//! The store on SQLite always, and on PostgreSQL too when `BUURTBEL_TEST_POSTGRES` holds a
//! URL (`.ci/run` sets it). Each test body runs once per backend against a database of its
//! own: a SQLite file in a fresh temporary directory, or a fresh PostgreSQL schema reached
//! through `options=-c search_path=…` and dropped afterwards, so tests run in parallel and
//! again. Names and numbers are fictional (`+32 470 00 00 xx`).

use buurtbel::store::*;

#[path = "common/backends.rs"]
mod backends;
#[path = "common/fixtures.rs"]
mod fixtures;

use backends::each_backend;
use fixtures::*;

#[tokio::test]
async fn migrations_run_twice_harmlessly() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("first open");
        let network = network(&store, "BIN Een").await;
        store.close().await;
        let store = Store::open(&url).await.expect("second open");
        let found = store.network_by_name("BIN Een").await.expect("read");
        assert_eq!(found, Some(network));
        if store.backend() == Backend::Postgres {
            let sql = "SELECT CAST(current_schema() AS TEXT)";
            let schema: String = sqlx::query_scalar(sql)
                .fetch_one(store.pool())
                .await
                .expect("schema");
            assert!(
                schema.starts_with("buurtbel_test_"),
                "tables went to {schema}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn import_is_all_or_nothing() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let bin = network(&store, "BIN Een").await;
        let mut members = vec![member("Member Een", &[1]), member("Member Twee", &[2])];
        members.push(NewMember {
            language: "xx".into(),
            ..member("Member Drie", &[3])
        });
        let error = store
            .import_members(&bin.id, members, T0)
            .await
            .unwrap_err();
        assert!(
            matches!(
                error,
                StoreError::InvalidMember {
                    index: 2,
                    problem: MemberProblem::BadLanguage(_)
                }
            ),
            "{error}"
        );
        assert!(store.members(&bin.id).await.expect("read").is_empty());
    })
    .await;
}

#[tokio::test]
async fn contact_points_keep_their_order_and_a_second_import_updates() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let bin = network(&store, "BIN Een").await;
        let first = member("Member Een", &[7, 3, 5]);
        let summary = store
            .import_members(&bin.id, vec![first], T0)
            .await
            .expect("import");
        let id = summary.members[0].clone();
        let stored = store.member(&id).await.expect("read").expect("member");
        assert_eq!(
            numbers(&stored),
            ["+32470000007", "+32470000003", "+32470000005"]
        );

        let again = NewMember {
            external_id: None,
            name: "Member Een Bis".into(),
            ..member("", &[7, 5])
        };
        let summary = store
            .import_members(&bin.id, vec![again], T0 + 1)
            .await
            .expect("import");
        assert_eq!((summary.created, summary.updated), (0, 1));
        let all = store.members(&bin.id).await.expect("read");
        assert_eq!(all.len(), 1);
        assert_eq!(
            (all[0].id.clone(), all[0].name.as_str()),
            (id, "Member Een Bis")
        );
        assert_eq!(numbers(&all[0]), ["+32470000007", "+32470000005"]);
    })
    .await;
}

#[tokio::test]
async fn a_household_shares_a_number_and_a_second_import_changes_nothing() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let bin = network(&store, "BIN Een").await;
        let household = || {
            vec![
                member("Jan Voorbeeld", &[1]),
                member("Marie Voorbeeld", &[1, 9]),
                member("Piet Voorbeeld", &[1]),
                member("Test Lid 2", &[2]),
            ]
        };
        let first = store
            .import_members(&bin.id, household(), T0)
            .await
            .expect("import");
        assert_eq!((first.created, first.updated, first.unchanged), (4, 0, 0));
        assert_eq!((first.shared_numbers, first.members_sharing), (1, 3));
        let all = store.members(&bin.id).await.expect("read");
        assert_eq!(all.len(), 4);
        let on_one = all.iter().filter(|m| numbers(m)[0] == "+32470000001");
        assert_eq!(on_one.count(), 3);

        let writes = store.writes();
        let again = store
            .import_members(&bin.id, household(), T0 + 1)
            .await
            .expect("again");
        assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 4));
        assert_eq!(again.members, first.members);
        assert_eq!(
            store.writes(),
            writes + 1,
            "one transaction, nothing rewritten"
        );
        let stored = store.member(&first.members[0]).await.expect("read");
        assert_eq!(stored.expect("member").updated_at, T0, "left untouched");

        let twice = vec![
            member("Jan Voorbeeld", &[1]),
            member(" jan  voorbeeld", &[1]),
        ];
        let error = store.import_members(&bin.id, twice, T0).await.unwrap_err();
        assert!(
            matches!(
                error,
                StoreError::InvalidMember {
                    index: 1,
                    problem: MemberProblem::SameMember(0)
                }
            ),
            "{error}"
        );
    })
    .await;
}

/// A household of three on one number: the due scan marks the number shared, one call
/// claims all three deliveries (an attempt each, one write), its confirmation acknowledges
/// each member in one write, and finishing it completes every attempt in one write.
#[tokio::test]
async fn one_call_serves_every_member_sharing_its_number() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let bin = network(&store, "BIN Een").await;
        let members = vec![
            member("Jan Voorbeeld", &[1]),
            member("Marie Voorbeeld", &[1]),
            member("Piet Voorbeeld", &[9, 1]),
            member("Test Lid 2", &[2]),
        ];
        let ids = import(&store, &bin, members).await;
        let alert = sending_alert(&store, &[&bin], AlertKind::Urgent).await;
        deliver_all(&store, &alert, T0).await;
        let due = store.due_deliveries(T0, 10).await.expect("due");
        let shared: Vec<(&MemberId, bool)> = due
            .iter()
            .map(|d| (&d.delivery.member_id, d.shared))
            .collect();
        for (member, shared) in shared {
            let expected = *member == ids[0] || *member == ids[1];
            assert_eq!(shared, expected, "Piet dials his own number first");
        }
        let landline = "+32470000001";
        let through = store
            .deliveries_through(&alert, landline)
            .await
            .expect("through");
        let reached: Vec<&MemberId> = through.iter().map(|d| &d.delivery.member_id).collect();
        assert_eq!(reached.len(), 2);
        assert!(reached.contains(&&ids[0]) && reached.contains(&&ids[1]));

        let pending = [DeliveryState::Pending];
        let claims: Vec<(DeliveryId, &[DeliveryState])> = through
            .iter()
            .map(|d| (d.delivery.id.clone(), &pending[..]))
            .collect();
        let writes = store.writes();
        let begun = store
            .begin_call(&claims, AttemptChannel::Voice, landline, T0 + 10)
            .await
            .expect("begin");
        assert_eq!((begun.len(), store.writes()), (2, writes + 1));
        let again = store
            .begin_call(&claims, AttemptChannel::Voice, landline, T0 + 11)
            .await
            .expect("again");
        assert!(again.is_empty(), "already calling");
        assert_eq!(store.in_flight().await.expect("in flight").len(), 2);
        assert!(
            store
                .deliveries_through(&alert, landline)
                .await
                .expect("through")
                .is_empty()
        );

        let household = [ids[0].clone(), ids[1].clone()];
        let first = store
            .acknowledge_all(&alert, &household, AckHow::Dtmf, T0 + 20)
            .await
            .expect("ack");
        assert_eq!(first.len(), 2);
        assert_eq!(store.writes(), writes + 2);
        let twice = store
            .acknowledge_all(&alert, &household, AckHow::Dtmf, T0 + 21)
            .await
            .expect("ack again");
        assert!(twice.is_empty());
        let steps: Vec<(AttemptId, DeliveryStep)> = begun
            .iter()
            .map(|(_, attempt)| (attempt.clone(), no_ack_retry()))
            .collect();
        let moved = store
            .finish_call(&steps, &answered(T0 + 30))
            .await
            .expect("finish");
        assert_eq!(moved, [false, false], "the acknowledgement stands");
        assert_eq!(store.writes(), writes + 3);
        assert!(store.in_flight().await.expect("none").is_empty());
        let acks = store.acknowledgements(&alert).await.expect("acks");
        assert_eq!(acks.len(), 2);
        for (delivery, _) in &begun {
            let stored = store.delivery(delivery).await.expect("read").expect("row");
            assert_eq!(stored.state, DeliveryState::Acknowledged);
            let attempts = store.attempts(delivery).await.expect("attempts");
            assert_eq!(attempts.len(), 1);
            assert_eq!(attempts[0].number, landline);
        }
        assert_eq!(store.next_due_after(T0).await.expect("next"), None);
        assert_eq!(store.next_due_after(T0 - 1).await.expect("next"), Some(T0));
    })
    .await;
}

#[tokio::test]
async fn a_member_id_names_a_member_within_its_network() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let (een, twee) = (
            network(&store, "BIN Een").await,
            network(&store, "BIN Twee").await,
        );
        let with_id = |id: &str, name: &str, numbers: &[u32]| NewMember {
            external_id: Some(id.into()),
            ..member(name, numbers)
        };
        // Namesakes on one landline, told apart by their ids.
        let father_and_son = vec![
            with_id("1", "Jan Voorbeeld", &[1]),
            with_id("2", "Jan Voorbeeld", &[1]),
        ];
        let ids = import(&store, &een, father_and_son).await;
        assert_ne!(ids[0], ids[1]);
        // Another coordinator's "1" is somebody else.
        let other = import(&store, &twee, vec![with_id("1", "Test Lid 5", &[5])]).await;
        assert_ne!(other[0], ids[0]);
        // A corrected name and number under the id updates that member.
        let corrected = NewMember {
            language: "fr".into(),
            ..with_id("2", "Jan Voorbeeld Jr", &[1, 7])
        };
        let summary = store
            .import_members(&een.id, vec![corrected], T0 + 1)
            .await
            .expect("import");
        assert_eq!((summary.created, summary.updated), (0, 1));
        assert_eq!(summary.members[0], ids[1]);
        let all = store.members(&een.id).await.expect("read");
        assert_eq!(all.len(), 2);
        let son = all.iter().find(|m| m.id == ids[1]).expect("son");
        assert_eq!(
            (
                son.name.as_str(),
                son.language.as_str(),
                son.external_id.as_deref()
            ),
            ("Jan Voorbeeld Jr", "fr", Some("2"))
        );
        // A file without the column keeps the ids.
        import(&store, &een, vec![member("Jan Voorbeeld Jr", &[1, 7])]).await;
        let all = store.members(&een.id).await.expect("read");
        assert_eq!(all.len(), 2);
        assert!(all.iter().all(|m| m.external_id.is_some()));
    })
    .await;
}

#[tokio::test]
async fn an_import_keeps_a_suspension_and_brings_back_who_left() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let bin = network(&store, "BIN Een").await;
        let ids = import(
            &store,
            &bin,
            vec![member("Test Lid 1", &[1]), member("Test Lid 2", &[2])],
        )
        .await;
        store
            .set_member_status(&ids[0], MemberStatus::Suspended, T0)
            .await
            .expect("suspend");
        store
            .set_member_status(&ids[1], MemberStatus::Left, T0)
            .await
            .expect("leave");
        let again = store
            .import_members(
                &bin.id,
                vec![member("Test Lid 1", &[1]), member("Test Lid 2", &[2])],
                T0 + 1,
            )
            .await
            .expect("again");
        assert_eq!((again.updated, again.unchanged), (1, 1));
        let status = |i: usize| {
            let store = store.clone();
            let id = ids[i].clone();
            async move {
                store
                    .member(&id)
                    .await
                    .expect("read")
                    .expect("member")
                    .status
            }
        };
        assert_eq!(status(0).await, MemberStatus::Suspended);
        assert_eq!(status(1).await, MemberStatus::Active);
    })
    .await;
}

#[tokio::test]
async fn a_member_of_two_targeted_networks_gets_one_delivery() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let (een, twee) = (
            network(&store, "BIN Een").await,
            network(&store, "BIN Twee").await,
        );
        import(&store, &een, vec![member("Member Een", &[1])]).await;
        import(
            &store,
            &twee,
            vec![member("Member Een", &[1]), member("Test Lid 2", &[2])],
        )
        .await;
        let alert = sending_alert(&store, &[&een, &twee], AlertKind::Urgent).await;
        let page = store
            .targeted_members(&alert, None, 1)
            .await
            .expect("page 1");
        let rest = store
            .targeted_members(&alert, page.last(), 10)
            .await
            .expect("page 2");
        assert_eq!((page.len(), rest.len()), (1, 1));
        assert_eq!(
            store
                .create_deliveries(&alert, &page, T0)
                .await
                .expect("create"),
            1
        );
        let all = [page, rest].concat();
        assert_eq!(
            store
                .create_deliveries(&alert, &all, T0)
                .await
                .expect("again"),
            1
        );
        assert_eq!(store.deliveries(&alert).await.expect("list").len(), 2);
    })
    .await;
}

#[tokio::test]
async fn inactive_members_are_not_targeted() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let bin = network(&store, "BIN Een").await;
        let left = NewMember {
            status: MemberStatus::Left,
            ..member("Test Lid 3", &[3])
        };
        let members = vec![member("Test Lid 1", &[1]), member("Test Lid 2", &[2]), left];
        let ids = import(&store, &bin, members).await;
        assert!(
            store
                .set_member_status(&ids[1], MemberStatus::Suspended, T0)
                .await
                .expect("set")
        );
        let alert = sending_alert(&store, &[&bin], AlertKind::Prevention).await;
        let targeted = store
            .targeted_members(&alert, None, 100)
            .await
            .expect("targeted");
        assert_eq!(targeted, [ids[0].clone()]);
    })
    .await;
}

#[tokio::test]
async fn a_repeated_idempotency_key_returns_the_same_alert() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let bin = network(&store, "BIN Een").await;
        let mut request = new_alert(&[&bin], AlertKind::Urgent);
        request.idempotency_key = Some("activation-0001".into());
        request.messages.push(Message {
            language: "fr".into(),
            body: MessageBody::Recording(b"RIFF....WAVE".to_vec()),
        });
        let (first, created) = store
            .create_alert(request.clone(), T0)
            .await
            .expect("create");
        let (again, created_again) = store.create_alert(request, T0 + 5).await.expect("again");
        assert!(created && !created_again);
        assert_eq!(first, again);
        assert_eq!(
            store
                .alerts_in_state(AlertState::Draft)
                .await
                .expect("list")
                .len(),
            1
        );
        let messages = store.alert_messages(&first.id).await.expect("messages");
        assert_eq!(messages.len(), 2);
        assert!(
            matches!(&messages[0].body, MessageBody::Recording(wav) if wav.starts_with(b"RIFF"))
        );

        let mut follow_up = new_alert(&[&bin], AlertKind::Feedback);
        follow_up.activation_of = Some(first.id.clone());
        let (feedback, _) = store
            .create_alert(follow_up.clone(), T0)
            .await
            .expect("feedback");
        assert_eq!(feedback.activation_of, Some(first.id));
        follow_up.kind = AlertKind::Prevention;
        let refused = store.create_alert(follow_up, T0).await.unwrap_err();
        assert!(matches!(refused, StoreError::InvalidAlert(_)), "{refused}");
    })
    .await;
}

#[tokio::test]
async fn due_deliveries_put_urgent_alerts_first() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let bin = network(&store, "BIN Een").await;
        import(
            &store,
            &bin,
            vec![member("Test Lid 1", &[1]), member("Test Lid 2", &[2])],
        )
        .await;
        let advice = sending_alert(&store, &[&bin], AlertKind::Prevention).await;
        deliver_all(&store, &advice, T0).await;
        let urgent = sending_alert(&store, &[&bin], AlertKind::Urgent).await;
        deliver_all(&store, &urgent, T0 + MINUTE).await;
        let draft = store
            .create_alert(new_alert(&[&bin], AlertKind::Urgent), T0)
            .await;
        deliver_all(&store, &draft.expect("draft").0.id, T0).await;

        assert!(
            store
                .due_deliveries(T0 - 1, 10)
                .await
                .expect("none yet")
                .is_empty()
        );
        let due = store
            .due_deliveries(T0 + 2 * MINUTE, 10)
            .await
            .expect("due");
        let kinds: Vec<AlertKind> = due.iter().map(|d| d.alert_kind).collect();
        use AlertKind::{Prevention, Urgent};
        assert_eq!(kinds, [Urgent, Urgent, Prevention, Prevention]);
        assert_eq!(due[0].recipient.contact_points.len(), 1);
        assert!(
            store
                .due_deliveries(T0 + 2 * MINUTE, 1)
                .await
                .expect("one")
                .len()
                == 1
        );
    })
    .await;
}

#[tokio::test]
async fn an_acknowledged_delivery_is_not_called_again_nor_overwritten() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let (alert, member, delivery) = one_delivery(&store).await;
        let attempt = begin(&store, &delivery).await.expect("first call");
        let claim = DeliveryStep {
            state: DeliveryState::Acknowledged,
            ..no_ack_retry()
        };
        let refused = store
            .finish_attempt(&attempt, &answered(T0 + 15_000), claim)
            .await;
        assert!(matches!(refused, Err(StoreError::InvalidTransition { .. })));
        assert!(
            store
                .acknowledge(&alert, &member, AckHow::Dtmf, T0 + 20_000)
                .await
                .expect("ack")
        );
        let moved = store
            .finish_attempt(&attempt, &answered(T0 + 30_000), no_ack_retry())
            .await;
        assert!(
            !moved.expect("finish"),
            "finish must not overwrite the acknowledgement"
        );
        let stored = store
            .delivery(&delivery)
            .await
            .expect("read")
            .expect("delivery");
        assert_eq!(
            (stored.state, stored.next_try_at),
            (DeliveryState::Acknowledged, None)
        );
        let attempts = store.attempts(&delivery).await.expect("attempts");
        assert_eq!(
            attempts[0].result.as_ref().map(|r| r.outcome.as_str()),
            Some("answered")
        );
        assert_eq!(begin(&store, &delivery).await, None);
    })
    .await;
}

#[tokio::test]
async fn acknowledgements_are_recorded_once_in_any_order() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let bin = network(&store, "BIN Een").await;
        let ids = import(&store, &bin, vec![member("Test Lid 1", &[1])]).await;
        let alert = sending_alert(&store, &[&bin], AlertKind::Urgent).await;
        // The callback comes in before the delivery row exists.
        assert!(
            store
                .acknowledge(&alert, &ids[0], AckHow::Callback, T0)
                .await
                .expect("ack")
        );
        assert!(
            !store
                .acknowledge(&alert, &ids[0], AckHow::Api, T0 + 1)
                .await
                .expect("again")
        );
        deliver_all(&store, &alert, T0 + 2).await;
        let acks = store.acknowledgements(&alert).await.expect("acks");
        assert_eq!((acks.len(), acks[0].how), (1, AckHow::Callback));
        let lines = store.deliveries(&alert).await.expect("lines");
        assert_eq!(lines[0].delivery.state, DeliveryState::Acknowledged);
        assert!(
            store
                .due_deliveries(T0 + MINUTE, 10)
                .await
                .expect("due")
                .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn cancel_returns_the_calls_in_flight_and_cancels_the_rest() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let bin = network(&store, "BIN Een").await;
        let members = (1..=3)
            .map(|n| member(&format!("Test Lid {n}"), &[n]))
            .collect();
        import(&store, &bin, members).await;
        let alert = sending_alert(&store, &[&bin], AlertKind::Urgent).await;
        deliver_all(&store, &alert, T0).await;
        let calling = store.due_deliveries(T0, 1).await.expect("due")[0]
            .delivery
            .id
            .clone();
        let attempt = begin(&store, &calling).await.expect("call");

        assert_eq!(
            store.cancel_alert(&alert, T0 + 1).await.expect("cancel"),
            std::slice::from_ref(&calling)
        );
        let counts = store.delivery_counts(&alert).await.expect("counts");
        assert_eq!(counts.get(&DeliveryState::Cancelled), Some(&2));
        let tally = store.delivery_tally(&alert).await.expect("tally");
        assert_eq!(
            (tally.settled_count(), tally.open_count()),
            (2, 1),
            "{tally:?}"
        );
        assert_eq!(tally.open.get(&DeliveryState::Calling), Some(&1));
        let moved = store
            .finish_attempt(&attempt, &answered(T0 + 2), no_ack_retry())
            .await;
        assert!(moved.expect("finish"));
        let tally = store.delivery_tally(&alert).await.expect("tally");
        assert_eq!(tally.settled.get(&DeliveryState::AnsweredNoAck), Some(&1));
        assert_eq!(tally.open_count(), 0, "{tally:?}");
        let stored = store
            .delivery(&calling)
            .await
            .expect("read")
            .expect("delivery");
        assert_eq!(
            (stored.state, stored.next_try_at),
            (DeliveryState::AnsweredNoAck, None)
        );
        assert_eq!(store.open_deliveries(&alert).await.expect("open"), 0);
        let alert = store.alert(&alert).await.expect("read").expect("alert");
        assert_eq!(alert.state, AlertState::Cancelled);
    })
    .await;
}

#[tokio::test]
async fn a_delivery_waiting_to_retry_is_open_though_its_state_is_an_outcome() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let (alert, _, delivery) = one_delivery(&store).await;
        let pending = store.delivery_tally(&alert).await.expect("tally");
        assert_eq!(pending.open.get(&DeliveryState::Pending), Some(&1));
        let attempt = begin(&store, &delivery).await.expect("call");
        let moved = store
            .finish_attempt(&attempt, &answered(T0 + 2), no_ack_retry())
            .await;
        assert!(moved.expect("finish"));
        let tally = store.delivery_tally(&alert).await.expect("tally");
        assert_eq!(tally.settled_count(), 0, "{tally:?}");
        assert_eq!(tally.open.get(&DeliveryState::AnsweredNoAck), Some(&1));
    })
    .await;
}

#[tokio::test]
async fn a_cancel_racing_a_finishing_call_leaves_no_retry_scheduled() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let (alert, _, delivery) = one_delivery(&store).await;
        let attempt = begin(&store, &delivery).await.expect("call");
        // The first half of a cancel, held open while the call finishes.
        let mut cancel = store.pool().begin().await.expect("begin");
        sqlx::query("UPDATE alerts SET state = 'cancelled' WHERE id = $1")
            .bind(alert.as_str())
            .execute(&mut *cancel)
            .await
            .expect("cancel the alert");
        let finishing = tokio::spawn({
            let store = store.clone();
            async move {
                let result = answered(T0 + 1);
                store
                    .finish_attempt(&attempt, &result, no_ack_retry())
                    .await
            }
        });
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert!(!finishing.is_finished(), "finish must wait for the cancel");
        cancel.commit().await.expect("commit");
        assert!(finishing.await.expect("task").expect("finish"));
        let stored = store
            .delivery(&delivery)
            .await
            .expect("read")
            .expect("delivery");
        assert_eq!(stored.next_try_at, None, "no retry on a cancelled alert");
    })
    .await;
}

#[tokio::test]
async fn a_call_in_flight_at_a_crash_is_found_after_reopening() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let (_, _, delivery) = one_delivery(&store).await;
        let attempt = begin(&store, &delivery).await.expect("call");
        drop(store); // no finish_attempt, no orderly close: the process died

        let store = Store::open(&url).await.expect("reopen");
        let in_flight = store.in_flight().await.expect("in flight");
        assert_eq!(in_flight.len(), 1);
        assert_eq!(in_flight[0].attempt.id, attempt);
        assert_eq!(in_flight[0].delivery.state, DeliveryState::Calling);
        let interrupted = AttemptResult {
            outcome: "interrupted".into(),
            ..answered(T0 + MINUTE)
        };
        let retry = DeliveryStep {
            state: DeliveryState::Failed,
            ..no_ack_retry()
        };
        assert!(
            store
                .finish_attempt(&attempt, &interrupted, retry)
                .await
                .expect("finish")
        );
        assert!(store.in_flight().await.expect("none").is_empty());
        let error = store
            .finish_attempt(&attempt, &interrupted, retry)
            .await
            .unwrap_err();
        assert!(matches!(error, StoreError::AttemptFinished(_)), "{error}");
    })
    .await;
}

#[tokio::test]
async fn quiet_hours_postpone_a_try_and_a_member_without_numbers_is_given_up() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let (_, _, delivery) = one_delivery(&store).await;
        assert_eq!(store.next_due().await.expect("next"), Some(T0));
        let morning = T0 + 10 * 60 * MINUTE;
        assert!(
            store
                .postpone(&delivery, morning, T0)
                .await
                .expect("postpone")
        );
        assert!(
            store
                .due_deliveries(T0 + MINUTE, 10)
                .await
                .expect("due")
                .is_empty()
        );
        assert_eq!(store.next_due().await.expect("next"), Some(morning));
        let writes = store.writes();
        assert!(
            store
                .settle_unattempted(&delivery, DeliveryState::GivenUp, T0)
                .await
                .expect("give up")
        );
        let stored = store.delivery(&delivery).await.expect("read").expect("row");
        assert_eq!(stored.state, DeliveryState::GivenUp);
        assert_eq!(stored.next_try_at, None);
        assert!(!store.postpone(&delivery, morning, T0).await.expect("again"));
        assert_eq!(store.next_due().await.expect("next"), None);
        assert!(store.writes() > writes);
        let refused = store
            .settle_unattempted(&delivery, DeliveryState::Acknowledged, T0)
            .await;
        assert!(matches!(refused, Err(StoreError::InvalidTransition { .. })));
    })
    .await;
}

#[tokio::test]
async fn rounds_are_kept_with_the_next_try() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let (_, _, delivery) = one_delivery(&store).await;
        let attempt = begin(&store, &delivery).await.expect("call");
        let step = DeliveryStep {
            state: DeliveryState::Busy,
            next_try_at: Some(T0 + 2 * MINUTE),
            contact_index: 0,
            rounds: 2,
        };
        assert!(
            store
                .finish_attempt(&attempt, &answered(T0 + MINUTE), step)
                .await
                .expect("finish")
        );
        let stored = store.delivery(&delivery).await.expect("read").expect("row");
        assert_eq!(stored.rounds, 2);
        assert_eq!(stored.next_try_at, Some(T0 + 2 * MINUTE));
    })
    .await;
}

#[tokio::test]
async fn unknown_text_in_a_row_is_an_error_naming_the_column() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let (_, _, delivery) = one_delivery(&store).await;
        sqlx::query("UPDATE deliveries SET state = 'ringing'")
            .execute(store.pool())
            .await
            .expect("raw update");
        match store.delivery(&delivery).await {
            Err(StoreError::BadValue {
                table,
                column,
                value,
            }) => {
                assert_eq!(
                    (table, column, value.as_str()),
                    ("deliveries", "state", "ringing")
                );
            }
            other => panic!("expected BadValue, got {other:?}"),
        }
        let both = "INSERT INTO alert_messages (alert_id, language, text, wav) \
                    VALUES ((SELECT id FROM alerts), 'de', 'Text', NULL)";
        sqlx::query(both)
            .execute(store.pool())
            .await
            .expect("one of the two is fine");
        let neither = both.replace("'Text'", "NULL").replace("'de'", "'en'");
        assert!(
            sqlx::query(&neither).execute(store.pool()).await.is_err(),
            "CHECK refuses"
        );
    })
    .await;
}

#[tokio::test]
async fn a_call_costs_exactly_two_writes() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let (alert, member, delivery) = one_delivery(&store).await;
        let before = store.writes();
        let attempt = begin(&store, &delivery).await.expect("call");
        assert_eq!(store.writes(), before + 1);
        store
            .finish_attempt(&attempt, &answered(T0 + 1), no_ack_retry())
            .await
            .expect("finish");
        assert_eq!(store.writes(), before + 2);
        store
            .acknowledge(&alert, &member, AckHow::SmsReply, T0 + 2)
            .await
            .expect("ack");
        assert_eq!(store.writes(), before + 3);
        assert_eq!(
            begin(&store, &delivery).await,
            None,
            "refused: acknowledged"
        );
        assert_eq!(
            store.writes(),
            before + 3,
            "a refused change writes nothing"
        );
    })
    .await;
}

#[tokio::test]
async fn batches_beyond_one_statement_all_arrive() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let bin = network(&store, "BIN Groot").await;
        let members = (1..=1_200)
            .map(|n| member(&format!("Test Lid {n}"), &[n]))
            .collect();
        import(&store, &bin, members).await;
        let alert = sending_alert(&store, &[&bin], AlertKind::Urgent).await;
        assert_eq!(deliver_all(&store, &alert, T0).await, 1_200);
        let due = store.due_deliveries(T0, 1_100).await.expect("due");
        assert_eq!(due.len(), 1_100);
        assert!(due.iter().all(|d| d.recipient.contact_points.len() == 1));
    })
    .await;
}
