//! The webhook outbox in the store, on SQLite and on PostgreSQL too when
//! `BUURTBEL_TEST_POSTGRES` holds a URL: two producers write each event once, an alert's
//! confirmations before its end and only through the networks the member belongs to; two
//! gateways claim an event once; one alert's events go one at a time; a failed try waits its
//! back-off, a given-up event lets the next go, a removed webhook gets nothing more. Names
//! and numbers are fictional.

use buurtbel::store::*;
use buurtbel::webhooks::outbox::Outbox;

#[path = "common/backends.rs"]
mod backends;
#[path = "common/fixtures.rs"]
mod fixtures;

use backends::each_backend;
use fixtures::*;

const NOW: i64 = T0 + 10 * MINUTE;

/// Two networks; Member Een in North (coordinator's id `N-1`), Member Twee in both, Member
/// Drie in South; an urgent alert to both networks, confirmed by Een and Twee, completed.
struct Town {
    north: Network,
    south: Network,
    members: Vec<MemberId>,
    alert: AlertId,
}

async fn town(store: &Store) -> Town {
    let north = network(store, "BIN Noord").await;
    let south = network(store, "BIN Zuid").await;
    let een = NewMember {
        external_id: Some("N-1".into()),
        ..member("Member Een", &[1])
    };
    let mut members = import(store, &north, vec![een, member("Member Twee", &[2])]).await;
    let south_members = vec![member("Member Twee", &[2]), member("Member Drie", &[3])];
    let in_south = import(store, &south, south_members).await;
    assert_eq!(in_south[0], members[1], "one member in two networks");
    members.push(in_south[1].clone());
    let alert = sending_alert(store, &[&north, &south], AlertKind::Urgent).await;
    deliver_all(store, &alert, T0).await;
    Town {
        north,
        south,
        members,
        alert,
    }
}

async fn hook(store: &Store, network: &Network, at: i64) -> WebhookId {
    let webhook = NewWebhook {
        network_id: network.id.clone(),
        url: "http://127.0.0.1:9/hook".into(),
        events: WebhookEvent::ALL.to_vec(),
        created_by: "test".into(),
    };
    store.add_webhook(webhook, at).await.expect("webhook").0.id
}

async fn confirm_and_complete(store: &Store, town: &Town) {
    for (i, member) in town.members[..2].iter().enumerate() {
        let at = T0 + MINUTE + i64::try_from(i).unwrap();
        let first = store.acknowledge(&town.alert, member, AckHow::Dtmf, at);
        assert!(first.await.expect("acknowledge"));
    }
    let done = store.set_alert_state(
        &town.alert,
        &[AlertState::Sending],
        AlertState::Completed,
        T0 + 2 * MINUTE,
    );
    assert!(done.await.expect("complete"));
}

/// Each webhook's events as `(event, payload)`, in the order they are numbered.
async fn written(store: &Store, webhook: &WebhookId) -> Vec<(WebhookEvent, serde_json::Value)> {
    let rows =
        sqlx::query("SELECT event, payload FROM webhook_events WHERE webhook_id = $1 ORDER BY id")
            .bind(webhook.as_str())
            .fetch_all(store.pool())
            .await
            .expect("events");
    rows.iter()
        .map(|row| {
            use sqlx::Row;
            let event: String = row.get("event");
            let payload: String = row.get("payload");
            (
                event.parse().expect("event"),
                serde_json::from_str(&payload).expect("json"),
            )
        })
        .collect()
}

#[tokio::test]
async fn two_producers_write_each_event_once_confirmations_first_and_per_network() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let other = Store::open(&url).await.expect("a second gateway's store");
        let town = town(&store).await;
        let north = hook(&store, &town.north, T0).await;
        let south = hook(&store, &town.south, T0).await;
        confirm_and_complete(&store, &town).await;

        let mut first = Outbox::new(store.clone(), NOW);
        let mut second = Outbox::new(other.clone(), NOW);
        let (a, b) = tokio::join!(first.pass(NOW), second.pass(NOW));
        assert_eq!(
            a.expect("first") + b.expect("second"),
            5,
            "3 for North, 2 for South"
        );
        assert_eq!(first.pass(NOW + 1000).await.expect("again"), 0);

        let north_events = written(&store, &north).await;
        let kinds: Vec<WebhookEvent> = north_events.iter().map(|(e, _)| *e).collect();
        use WebhookEvent::{AlertCompleted, DeliveryAcknowledged};
        assert_eq!(
            kinds,
            [DeliveryAcknowledged, DeliveryAcknowledged, AlertCompleted]
        );
        let een = north_events
            .iter()
            .find(|(_, p)| p["delivery"]["member_id"] == town.members[0].0.as_str())
            .expect("Een's confirmation");
        assert_eq!(een.1["delivery"]["external_id"], "N-1");
        assert_eq!(een.1["delivery"]["network"], "BIN Noord");
        assert_eq!(een.1["how"], "dtmf");
        let end = &north_events[2].1;
        assert_eq!(end["alert"]["state"], "completed");
        assert_eq!(end["alert"]["totals"]["confirmed"], 2);
        assert_eq!(end["alert"]["totals"]["members"], 3);
        assert_eq!(
            end["alert"]["networks"],
            serde_json::json!(["BIN Noord", "BIN Zuid"])
        );
        for (_, payload) in &north_events {
            let text = payload.to_string();
            assert!(!text.contains("Member") && !text.contains("+32"), "{text}");
        }

        // South hears of Twee (a member of South) and not of Een (North only).
        let south_events = written(&store, &south).await;
        let confirmed: Vec<&str> = south_events
            .iter()
            .filter(|(e, _)| *e == DeliveryAcknowledged)
            .filter_map(|(_, p)| p["delivery"]["member_id"].as_str())
            .collect();
        assert_eq!(confirmed, [town.members[1].0.as_str()]);
        assert_eq!(south_events.last().map(|(e, _)| *e), Some(AlertCompleted));
        let uids: std::collections::HashSet<String> = north_events
            .iter()
            .chain(&south_events)
            .map(|(_, p)| p["id"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(uids.len(), 5, "each event its own id");
    })
    .await;
}

#[tokio::test]
async fn a_webhook_added_later_gets_nothing_of_before_and_a_removed_one_nothing_more() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let town = town(&store).await;
        confirm_and_complete(&store, &town).await;
        let late = hook(&store, &town.north, T0 + 5 * MINUTE).await;
        let removed = hook(&store, &town.north, T0).await;
        assert!(
            store
                .remove_webhook(&removed, T0 + 3 * MINUTE)
                .await
                .expect("remove")
        );
        assert!(
            !store
                .remove_webhook(&removed, T0 + 3 * MINUTE)
                .await
                .expect("again")
        );
        let written = Outbox::new(store.clone(), NOW)
            .pass(NOW)
            .await
            .expect("pass");
        assert_eq!(written, 0);
        assert!(
            store
                .webhook_events(&late, None, 10)
                .await
                .expect("late")
                .is_empty()
        );
        assert!(
            store
                .webhooks(None)
                .await
                .expect("live")
                .iter()
                .all(|w| w.id == late)
        );
    })
    .await;
}

#[tokio::test]
async fn one_gateway_claims_an_event_and_an_alerts_events_go_one_at_a_time() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let town = town(&store).await;
        let webhook = hook(&store, &town.north, T0).await;
        confirm_and_complete(&store, &town).await;
        Outbox::new(store.clone(), NOW)
            .pass(NOW)
            .await
            .expect("pass");

        let due = store.due_webhook_events(NOW, 10).await.expect("due");
        assert_eq!(due.len(), 1, "only the head of the alert's line: {due:?}");
        assert_eq!(due[0].event, WebhookEvent::DeliveryAcknowledged);
        assert!(due[0].secret.starts_with(WEBHOOK_SECRET_PREFIX));
        let ids = [due[0].id];
        let until = NOW + MINUTE;
        let one = store.claim_webhook_events(&ids, "gw-1", NOW, until);
        let two = store.claim_webhook_events(&ids, "gw-2", NOW, until);
        let (one, two) = tokio::join!(one, two);
        let claims: Vec<EventClaim> = [one.expect("gw-1"), two.expect("gw-2")].concat();
        assert_eq!(claims.len(), 1, "{claims:?}");
        assert!(
            store
                .due_webhook_events(NOW, 10)
                .await
                .expect("due")
                .is_empty()
        );

        let delivered = TryOutcome::Delivered { status: 204 };
        assert!(
            store
                .record_webhook_try(&claims[0], &delivered, NOW + 5)
                .await
                .unwrap()
        );
        assert!(
            !store
                .record_webhook_try(&claims[0], &delivered, NOW + 6)
                .await
                .unwrap()
        );
        let next = store.due_webhook_events(NOW + 5, 10).await.expect("next");
        assert_eq!(next.len(), 1);
        assert!(next[0].id > ids[0]);
        let tally = store
            .webhook_tallies(std::slice::from_ref(&webhook))
            .await
            .unwrap()[&webhook]
            .clone();
        assert_eq!((tally.delivered, tally.pending), (1, 2));
        assert_eq!(
            (tally.last_status, tally.last_delivered_at),
            (Some(204), Some(NOW + 5))
        );
    })
    .await;
}

#[tokio::test]
async fn a_failed_try_waits_its_back_off_a_given_up_event_lets_the_next_go() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let town = town(&store).await;
        let webhook = hook(&store, &town.north, T0).await;
        confirm_and_complete(&store, &town).await;
        Outbox::new(store.clone(), NOW)
            .pass(NOW)
            .await
            .expect("pass");
        let head = store
            .due_webhook_events(NOW, 10)
            .await
            .expect("due")
            .remove(0);

        let first = claim(&store, head.id, NOW).await;
        let failed = TryOutcome::Failed {
            status: Some(500),
            error: "answered 500 Internal Server Error".into(),
            retry_at: Some(NOW + 5_000),
        };
        assert!(
            store
                .record_webhook_try(&first, &failed, NOW + 10)
                .await
                .unwrap()
        );
        assert!(
            store
                .due_webhook_events(NOW + 4_999, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store.next_webhook_try(NOW + 10).await.unwrap(),
            Some(NOW + 5_000)
        );
        let again = store.due_webhook_events(NOW + 5_000, 10).await.unwrap();
        assert_eq!((again[0].id, again[0].tries), (head.id, 1));

        // A lease that ran out is another gateway's to take; the first records nothing.
        let stale = claim(&store, head.id, NOW + 5_000).await;
        let later = NOW + 5_000 + MINUTE + 1;
        let ids = [head.id];
        let taken = store.claim_webhook_events(&ids, "gw-2", later, later + MINUTE);
        let taken = taken.await.unwrap().remove(0);
        assert!(
            !store
                .record_webhook_try(&stale, &failed, later)
                .await
                .unwrap()
        );

        let given_up = TryOutcome::Failed {
            status: None,
            error: "cannot connect: connection refused".into(),
            retry_at: None,
        };
        assert!(
            store
                .record_webhook_try(&taken, &given_up, later + 1)
                .await
                .unwrap()
        );
        let failed_ones = store.webhook_events(&webhook, Some(EventState::Failed), 10);
        let failed_ones = failed_ones.await.unwrap();
        assert_eq!(failed_ones.len(), 1);
        assert_eq!(
            (failed_ones[0].tries, failed_ones[0].last_status),
            (2, None)
        );
        let next = store.due_webhook_events(later + 1, 10).await.unwrap();
        assert_eq!(next.len(), 1, "the next event of the alert may go");
        assert!(next[0].id > head.id);

        assert!(store.remove_webhook(&webhook, later + 2).await.unwrap());
        assert!(
            store
                .due_webhook_events(later + 2, 10)
                .await
                .unwrap()
                .is_empty()
        );
        let pending = store.webhook_events(&webhook, Some(EventState::Pending), 10);
        assert!(
            pending.await.unwrap().is_empty(),
            "a removal gives up what waited"
        );
        let tally = store
            .webhook_tallies(std::slice::from_ref(&webhook))
            .await
            .unwrap()[&webhook]
            .clone();
        assert_eq!(tally.failed, 3);
        let reasons = store.webhook_events(&webhook, Some(EventState::Failed), 10);
        let reasons: Vec<Option<String>> = reasons
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.last_error)
            .collect();
        assert_eq!(
            reasons
                .iter()
                .filter(|r| r.as_deref() == Some(REMOVED_BEFORE_SENT))
                .count(),
            2
        );
    })
    .await;
}

#[tokio::test]
async fn the_purge_removes_old_sent_events_and_long_removed_webhooks() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let town = town(&store).await;
        let kept = hook(&store, &town.north, T0).await;
        let gone = hook(&store, &town.south, T0).await;
        confirm_and_complete(&store, &town).await;
        Outbox::new(store.clone(), NOW)
            .pass(NOW)
            .await
            .expect("pass");
        let head = store.due_webhook_events(NOW, 10).await.unwrap();
        for event in &head {
            let claim = claim(&store, event.id, NOW).await;
            let delivered = TryOutcome::Delivered { status: 200 };
            assert!(
                store
                    .record_webhook_try(&claim, &delivered, NOW)
                    .await
                    .unwrap()
            );
        }
        assert!(store.remove_webhook(&gone, NOW).await.unwrap());
        let periods = RetentionPeriods {
            attempts: std::time::Duration::from_secs(180 * 86400),
            alert_texts: std::time::Duration::from_secs(365 * 86400),
            audit: std::time::Duration::from_secs(730 * 86400),
            webhook_events: std::time::Duration::from_secs(30 * 86400),
        };
        let day = 24 * 60 * MINUTE;
        let purged = store.purge(&periods, NOW + 31 * day).await.expect("purge");
        assert_eq!(
            purged.webhook_events, 3,
            "North's delivered one and all of South's"
        );
        assert_eq!(store.webhook(&gone).await.unwrap(), None);
        let left = store.webhook_events(&kept, None, 10).await.unwrap();
        assert_eq!(left.len(), 2, "North's pending events stay");
        assert!(left.iter().all(|e| e.state == EventState::Pending));
    })
    .await;
}

async fn claim(store: &Store, id: i64, now: i64) -> EventClaim {
    let claims = store
        .claim_webhook_events(&[id], "gw-1", now, now + MINUTE)
        .await;
    claims.expect("claim").remove(0)
}

#[tokio::test]
async fn erasing_a_member_takes_their_coordinator_id_out_of_webhook_bodies() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let town = town(&store).await;
        let north = hook(&store, &town.north, T0).await;
        confirm_and_complete(&store, &town).await;
        Outbox::new(store.clone(), NOW)
            .pass(NOW)
            .await
            .expect("pass");
        let ids = |events: &[(WebhookEvent, serde_json::Value)]| -> Vec<serde_json::Value> {
            events
                .iter()
                .map(|(_, p)| p["delivery"]["external_id"].clone())
                .collect()
        };
        assert!(ids(&written(&store, &north).await).contains(&"N-1".into()));
        store
            .erase_member(&town.members[0], NOW)
            .await
            .expect("erase");
        let after = written(&store, &north).await;
        assert!(!ids(&after).contains(&"N-1".into()), "{after:?}");
        let een = after
            .iter()
            .find(|(_, p)| p["delivery"]["member_id"] == town.members[0].0.as_str());
        assert!(een.is_some(), "the confirmation itself stays");
    })
    .await;
}
