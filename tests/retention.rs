//! The retention purge on SQLite, and on PostgreSQL too when `BUURTBEL_TEST_POSTGRES` holds a
//! URL: numbers dialled, messages of alerts that are over, uploads and audit rows older than
//! their period go; an alert still sending keeps everything. Numbers are fictional.

use buurtbel::store::*;
use std::time::Duration;

#[path = "common/backends.rs"]
mod backends;
#[path = "common/fixtures.rs"]
mod fixtures;

use backends::each_backend;
use fixtures::*;

const DAY: i64 = 24 * 3600 * 1000;

fn periods() -> RetentionPeriods {
    RetentionPeriods {
        attempts: Duration::from_secs(180 * 86400),
        alert_texts: Duration::from_secs(365 * 86400),
        audit: Duration::from_secs(730 * 86400),
        webhook_events: Duration::from_secs(30 * 86400),
    }
}

#[tokio::test]
async fn the_purge_removes_what_is_past_its_period_on_either_database() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let bin = network(&store, "BIN Een").await;
        import(&store, &bin, vec![member("Member Een", &[1])]).await;
        let over = called_alert(&store, &bin).await;
        let moved = store.set_alert_state(&over, &[AlertState::Sending], AlertState::Completed, T0);
        assert!(moved.await.expect("complete"));
        let sending = called_alert(&store, &bin).await;
        let token = NewToken {
            name: "test".into(),
            role: Role::Police,
            networks: Vec::new(),
            created_by: "test".into(),
        };
        let (token, _) = store.create_token(token, T0).await.expect("token");
        let old_upload = store
            .create_recording(b"RIFF", 1000, &token.id, T0)
            .await
            .unwrap();
        let new_upload = store
            .create_recording(b"RIFF", 1000, &token.id, T0 + 300 * DAY)
            .await
            .unwrap();
        for at in [T0 - 800 * DAY, T0] {
            let entry = AuditEntry {
                at,
                actor: "cli".into(),
                action: "alert.send".into(),
                network: None,
                subject: None,
                address: None,
            };
            store.audit(&entry).await.expect("audit");
        }

        let purged = store
            .purge(&periods(), T0 + 400 * DAY)
            .await
            .expect("purge");
        assert_eq!(
            purged,
            Purged {
                numbers: 1,
                messages: 1,
                recordings: 1,
                audit: 1,
                webhook_events: 0,
                sms_replies: 0,
            }
        );
        let number = |alert: AlertId| {
            let store = store.clone();
            async move {
                store.alert_attempts(&alert).await.unwrap()[0]
                    .number
                    .clone()
            }
        };
        assert_eq!(number(over.clone()).await, REMOVED_NUMBER);
        assert_eq!(number(sending.clone()).await, "+32470000001");
        assert!(store.alert_messages(&over).await.unwrap().is_empty());
        assert_eq!(store.alert_messages(&sending).await.unwrap().len(), 1);
        assert!(
            store
                .recording(&old_upload, &token.id)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .recording(&new_upload, &token.id)
                .await
                .unwrap()
                .is_some()
        );
        assert_eq!(store.audit_log(None, 10).await.unwrap().len(), 1);
        let again = store
            .purge(&periods(), T0 + 400 * DAY)
            .await
            .expect("again");
        assert_eq!(again, Purged::default());
    })
    .await;
}

/// A sending alert to `network` whose one member was called (and did not confirm) at T0.
async fn called_alert(store: &Store, network: &Network) -> AlertId {
    let alert = sending_alert(store, &[network], AlertKind::Urgent).await;
    deliver_all(store, &alert, T0).await;
    let delivery = store.deliveries(&alert).await.unwrap()[0]
        .delivery
        .id
        .clone();
    let attempt = begin(store, &delivery).await.expect("begun");
    let step = DeliveryStep {
        next_try_at: None,
        ..no_ack_retry()
    };
    store
        .finish_attempt(&attempt, &answered(T0 + 30_000), step)
        .await
        .expect("finish");
    alert
}
