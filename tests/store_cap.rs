//! What CAP messages need of the store, on SQLite and (when `BUURTBEL_TEST_POSTGRES` is set)
//! PostgreSQL: the areas networks cover, one record per sender and identifier, and an alert's
//! messages replaced while it sends (and only then).

use buurtbel::store::*;

#[path = "common/backends.rs"]
mod backends;
#[path = "common/fixtures.rs"]
mod fixtures;

use backends::each_backend;
use fixtures::*;

fn nis(code: &str) -> NetworkArea {
    NetworkArea {
        scheme: AreaScheme::Nis,
        code: code.into(),
    }
}

fn postal(code: &str) -> NetworkArea {
    NetworkArea {
        scheme: AreaScheme::Postal,
        code: code.into(),
    }
}

#[tokio::test]
async fn areas_name_the_networks_that_cover_them() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let north = network(&store, "BIN Noord").await;
        let south = network(&store, "BIN Zuid").await;
        store
            .set_network_areas(&north.id, &[nis("99001"), postal("9990")])
            .await
            .expect("north");
        store
            .set_network_areas(&south.id, &[postal("9990"), postal("9991")])
            .await
            .expect("south");
        let mut both = vec![north.id.clone(), south.id.clone()];
        both.sort();
        assert_eq!(
            store.networks_covering(&postal("9990")).await.unwrap(),
            both
        );
        assert_eq!(
            store.networks_covering(&nis("99001")).await.unwrap(),
            vec![north.id.clone()]
        );
        assert!(
            store
                .networks_covering(&nis("9990"))
                .await
                .unwrap()
                .is_empty()
        );
        // Setting again replaces.
        store
            .set_network_areas(&south.id, &[nis("99002")])
            .await
            .expect("replace");
        assert_eq!(
            store.network_areas(&south.id).await.unwrap(),
            vec![nis("99002")]
        );
        assert_eq!(
            store.networks_covering(&postal("9990")).await.unwrap(),
            vec![north.id.clone()]
        );
        assert_eq!(store.all_network_areas().await.unwrap().len(), 3);
    })
    .await;
}

#[tokio::test]
async fn a_message_is_recorded_once_per_sender_and_identifier() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let bin = network(&store, "BIN Een").await;
        let alert = sending_alert(&store, &[&bin], AlertKind::Urgent).await;
        let record = CapRecord {
            id: String::new(),
            sender: "pz-test@police.example".into(),
            identifier: "PZ-TEST-1".into(),
            sent: "2026-12-03T10:00:00+01:00".into(),
            status: "Actual".into(),
            msg_type: "Alert".into(),
            references: String::new(),
            document_sha256: "00".repeat(32),
            alert: Some(alert.clone()),
            effect: "created".into(),
            received_by: "Token Test".into(),
            received_at: T0,
        };
        assert!(store.record_cap_message(&record).await.expect("first"));
        let again = CapRecord {
            effect: "other".into(),
            ..record.clone()
        };
        assert!(!store.record_cap_message(&again).await.expect("second"));
        let stored = store
            .cap_message("pz-test@police.example", "PZ-TEST-1")
            .await
            .expect("read")
            .expect("recorded");
        assert_eq!(stored.effect, "created");
        assert_eq!(stored.alert, Some(alert.clone()));
        // Another sender may use the same identifier.
        let other = CapRecord {
            sender: "province-test@example".into(),
            ..record
        };
        assert!(
            store
                .record_cap_message(&other)
                .await
                .expect("other sender")
        );
        assert_eq!(store.alert_cap_messages(&alert).await.unwrap().len(), 2);
    })
    .await;
}

#[tokio::test]
async fn messages_are_replaced_while_sending_and_not_after() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let bin = network(&store, "BIN Een").await;
        let alert = sending_alert(&store, &[&bin], AlertKind::Urgent).await;
        assert_eq!(store.alert_revision(&alert).await.unwrap(), Some(0));
        let new = vec![
            Message {
                language: "nl".into(),
                body: MessageBody::Text("Nieuwe tekst.".into()),
            },
            Message {
                language: "fr".into(),
                body: MessageBody::Text("Nouveau texte.".into()),
            },
        ];
        let later = T0 + 60 * MINUTE;
        assert!(
            store
                .replace_messages(&alert, &new, Some(later))
                .await
                .unwrap()
        );
        assert_eq!(store.alert_revision(&alert).await.unwrap(), Some(1));
        let mut stored = store.alert_messages(&alert).await.unwrap();
        stored.sort_by(|a, b| a.language.cmp(&b.language));
        assert_eq!(stored.len(), 2);
        assert_eq!(stored[0].body, MessageBody::Text("Nouveau texte.".into()));
        let read = store.alert(&alert).await.unwrap().expect("alert");
        assert_eq!(read.expires_at, Some(later));
        // Without an expiry the old one stands; two languages in one are refused.
        let twice = vec![new[0].clone(), new[0].clone()];
        assert!(matches!(
            store.replace_messages(&alert, &twice, None).await,
            Err(StoreError::InvalidAlert(AlertProblem::RepeatedLanguage(_)))
        ));
        assert!(
            store
                .replace_messages(&alert, &new[..1], None)
                .await
                .unwrap()
        );
        let read = store.alert(&alert).await.unwrap().expect("alert");
        assert_eq!(read.expires_at, Some(later));
        assert_eq!(store.alert_revision(&alert).await.unwrap(), Some(2));
        // Over: nothing changes.
        let over = store.set_alert_state(&alert, &[AlertState::Sending], AlertState::Cancelled, T0);
        assert!(over.await.unwrap());
        assert!(!store.replace_messages(&alert, &new, None).await.unwrap());
        assert_eq!(store.alert_revision(&alert).await.unwrap(), Some(2));
        assert_eq!(store.alert_messages(&alert).await.unwrap().len(), 1);
    })
    .await;
}
