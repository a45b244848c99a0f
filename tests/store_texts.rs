//! Texts in the store, on SQLite and (when `BUURTBEL_TEST_POSTGRES` is set) PostgreSQL:
//! members who chose SMS get a text instead of calls, a due text is claimed by one gateway
//! only however many try at once, a receipt finds its text by any part, and a reply finds
//! the text it answers.

use buurtbel::store::*;

#[path = "common/backends.rs"]
mod backends;
#[path = "common/fixtures.rs"]
mod fixtures;

use backends::each_backend;
use fixtures::*;

/// One network with one member who chose SMS and one who chose calls; a sending alert.
async fn texting(store: &Store) -> (AlertId, Vec<MemberId>) {
    let bin = network(store, "BIN Een").await;
    let mut texter = member("Test Lid Sms", &[1]);
    texter.channel = Channel::Sms;
    let caller = member("Test Lid Stem", &[2]);
    let members = import(store, &bin, vec![texter, caller]).await;
    let alert = sending_alert(store, &[&bin], AlertKind::Urgent).await;
    deliver_all(store, &alert, T0).await;
    (alert, members)
}

#[tokio::test]
async fn a_member_who_chose_sms_has_a_text_due_and_no_call() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let (alert, members) = texting(&store).await;
        let calls = store.due_deliveries(T0, 10).await.expect("due calls");
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].delivery.member_id, members[1]);
        let texts = store.due_texts(T0, 10).await.expect("due texts");
        assert_eq!(texts.len(), 1);
        assert_eq!(texts[0].delivery.member_id, members[0]);
        assert_eq!(texts[0].mobiles, ["+32470000001"]);
        // The text keeps the alert open until it went out.
        assert_eq!(store.open_deliveries(&alert).await.unwrap(), 2);
        // Writing the page again changes nothing.
        deliver_all(&store, &alert, T0 + 5).await;
        assert_eq!(store.due_texts(T0 + 5, 10).await.unwrap().len(), 1);
        assert_eq!(store.due_deliveries(T0 + 5, 10).await.unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_due_text_is_claimed_once_however_many_gateways_try() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let (_, _) = texting(&store).await;
        let text = store.due_texts(T0, 10).await.unwrap().remove(0);
        let id = text.delivery.id.clone();
        let mut tries = Vec::new();
        for gateway in 0..8 {
            let store = Store::open(&url).await.expect("open again");
            let id = id.clone();
            tries.push(tokio::spawn(async move {
                let now = T0 + 100 + gateway;
                store
                    .begin_text(&id, "+32470000001", now, now + 10 * MINUTE)
                    .await
                    .expect("claim")
            }));
        }
        let mut claimed = 0;
        for attempt in tries {
            claimed += usize::from(attempt.await.expect("task").is_some());
        }
        assert_eq!(claimed, 1, "one gateway sends the text");
        assert!(store.due_texts(T0 + 200, 10).await.unwrap().is_empty());
        let attempts = store.attempts(&id).await.unwrap();
        assert_eq!(attempts.len(), 1);
        assert_eq!(attempts[0].channel, AttemptChannel::Sms);
        // Held while it is sent: due again only when the hold lapses.
        assert_eq!(
            store
                .due_texts(T0 + 10 * MINUTE + 200, 10)
                .await
                .unwrap()
                .len(),
            1
        );
    })
    .await;
}

#[tokio::test]
async fn sent_texts_settle_the_delivery_and_receipts_find_them_by_any_part() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let (alert, members) = texting(&store).await;
        let id = store.due_texts(T0, 10).await.unwrap().remove(0).delivery.id;
        let attempt = store
            .begin_text(&id, "+32470000001", T0 + 1, T0 + 10 * MINUTE)
            .await
            .unwrap()
            .expect("claimed");
        let sent = TextEnd::Sent(vec!["part-a".into(), "part-b".into()]);
        let moved = store.finish_text(&attempt, &sent, T0 + 2).await.unwrap();
        let moved = moved.expect("moved");
        assert_eq!(moved.state, DeliveryState::SmsSent);
        assert_eq!(
            store.open_deliveries(&alert).await.unwrap(),
            1,
            "the caller is open"
        );
        // Finishing again is refused: a take-over finished it already.
        assert!(
            store
                .finish_text(&attempt, &sent, T0 + 3)
                .await
                .unwrap()
                .is_none()
        );
        // A receipt of the second part says it arrived; a late failure of the first wins.
        let delivered = store
            .record_receipt("part-b", ReceiptState::Delivered, T0 + 4)
            .await
            .unwrap()
            .expect("known part");
        assert_eq!(delivered.state, DeliveryState::SmsSent);
        let failed = store
            .record_receipt("part-a", ReceiptState::Undeliverable, T0 + 5)
            .await
            .unwrap()
            .expect("known part");
        assert_eq!(failed.state, DeliveryState::Failed);
        store
            .record_receipt("part-b", ReceiptState::Delivered, T0 + 6)
            .await
            .unwrap();
        let attempts = store.attempts(&id).await.unwrap();
        let result = attempts[0].result.as_ref().expect("finished");
        assert_eq!(result.sms_receipt.as_deref(), Some("undeliverable"));
        assert_eq!(result.sms_id.as_deref(), Some("part-a"));
        assert!(
            store
                .record_receipt("nobody-sent-this", ReceiptState::Delivered, T0 + 7)
                .await
                .unwrap()
                .is_none()
        );
        // A reply finds the member's texted delivery; the caller had no text.
        let found = store.newest_texted(&members[0], T0).await.unwrap();
        assert_eq!(found.map(|d| d.id), Some(id));
        assert!(
            store
                .newest_texted(&members[1], T0)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            store.members_with_number("+32470000001").await.unwrap(),
            vec![members[0].clone()]
        );
    })
    .await;
}

#[tokio::test]
async fn stopping_the_alert_drops_its_due_texts_and_an_acknowledgement_too() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let (alert, members) = texting(&store).await;
        store
            .acknowledge(&alert, &members[0], AckHow::Api, T0 + 1)
            .await
            .unwrap();
        assert!(store.due_texts(T0 + 2, 10).await.unwrap().is_empty());
        let (other, _) = store
            .create_alert(
                NewAlert {
                    idempotency_key: Some("second".into()),
                    ..new_alert(
                        &[&store.network_by_name("BIN Een").await.unwrap().unwrap()],
                        AlertKind::Urgent,
                    )
                },
                T0 + 3,
            )
            .await
            .unwrap();
        store
            .set_alert_state(&other.id, &[AlertState::Draft], AlertState::Sending, T0 + 3)
            .await
            .unwrap();
        deliver_all(&store, &other.id, T0 + 3).await;
        assert_eq!(store.due_texts(T0 + 4, 10).await.unwrap().len(), 1);
        store.cancel_alert(&other.id, T0 + 5).await.unwrap();
        assert!(store.due_texts(T0 + 6, 10).await.unwrap().is_empty());
        assert_eq!(store.open_deliveries(&other.id).await.unwrap(), 0);
        let counts = store.delivery_counts(&other.id).await.unwrap();
        assert_eq!(counts.get(&DeliveryState::Cancelled), Some(&2));
    })
    .await;
}
