//! The retention purge: numbers dialled, alert messages, uploads and audit rows older than
//! their period go; anything newer, and anything of an alert still sending, stays.

use super::{TestApi, tone_wav, upload};
use crate::chain::dispatcher::submit;
use crate::chain::retention::Retention;
use crate::config::RetentionConfig;
use crate::store::{
    AlertId, AlertKind, AlertState, AttemptChannel, AttemptResult, AuditEntry, DeliveryState,
    DeliveryStep, Message, MessageBody, NewAlert, REMOVED_NUMBER, Role, Store,
};
use crate::telephony::clock::epoch_ms;
use std::time::Duration;

const DAY: i64 = 24 * 3600 * 1000;

#[tokio::test]
async fn each_purge_removes_only_what_is_past_its_period() {
    let api = TestApi::new().await;
    let store = &api.store;
    let t = epoch_ms();
    let old = alert_called_at(&api, t, Some(t + 1000)).await;
    let recent = alert_called_at(&api, t + 300 * DAY, Some(t + 300 * DAY + 1000)).await;
    let sending = alert_called_at(&api, t, None).await;
    let police = api.token(Role::Police, &[]).await;
    let uploaded = upload(&api, &police, tone_wav(8000, 1.0)).await;
    let uploaded = uploaded.body["id"].as_str().unwrap().to_owned();
    store.audit(&audit_at(t - 800 * DAY)).await.unwrap();
    store.audit(&audit_at(t - 100 * DAY)).await.unwrap();

    let cache = tempfile::tempdir().unwrap();
    let retention = Retention::new(store.clone(), cache.path().to_owned(), config());
    let report = retention.purge(t + 400 * DAY).await.unwrap();

    assert_eq!(number(store, &old).await, REMOVED_NUMBER);
    assert_eq!(number(store, &recent).await, "+3250000101");
    assert_eq!(
        number(store, &sending).await,
        "+3250000101",
        "an alert still sending"
    );
    assert!(store.alert_messages(&old).await.unwrap().is_empty());
    assert_eq!(store.alert_messages(&recent).await.unwrap().len(), 1);
    assert_eq!(store.alert_messages(&sending).await.unwrap().len(), 1);
    let counts = store.delivery_counts(&old).await.unwrap();
    assert!(!counts.is_empty(), "the counts stay");
    let token = store.token_by_secret(&police).await.unwrap().unwrap();
    assert!(
        store
            .recording(&uploaded, &token.id)
            .await
            .unwrap()
            .is_none()
    );
    let log = store.audit_log(None, 1000).await.unwrap();
    assert!(
        log.iter().all(|e| e.at > t - 800 * DAY),
        "the oldest audit row went"
    );
    assert!(
        log.iter().any(|e| e.at == t - 100 * DAY),
        "a newer one stays"
    );
    assert_eq!(report.records.numbers, 1);
    assert_eq!(report.records.messages, 1);
    assert_eq!(report.records.recordings, 1);
    assert_eq!(report.records.audit, 1);

    let again = retention.purge(t + 400 * DAY).await.unwrap();
    assert_eq!(
        again.records,
        Default::default(),
        "a second run finds nothing"
    );
}

#[tokio::test]
async fn nothing_is_purged_before_its_period() {
    let api = TestApi::new().await;
    let t = epoch_ms();
    let alert = alert_called_at(&api, t, Some(t + 1000)).await;
    let cache = tempfile::tempdir().unwrap();
    let retention = Retention::new(api.store.clone(), cache.path().to_owned(), config());
    let report = retention.purge(t + 30 * DAY).await.unwrap();
    assert_eq!(report.records, Default::default());
    assert_eq!(number(&api.store, &alert).await, "+3250000101");
}

fn config() -> RetentionConfig {
    RetentionConfig {
        attempts: Duration::from_secs(180 * 86400),
        alert_texts: Duration::from_secs(365 * 86400),
        speech_cache: Duration::from_secs(30 * 86400),
        audit: Duration::from_secs(730 * 86400),
        webhook_events: Duration::from_secs(30 * 86400),
    }
}

/// An alert to `BIN Noord` whose member was called at `at`; completed at `ended` if given,
/// still sending otherwise.
async fn alert_called_at(api: &TestApi, at: i64, ended: Option<i64>) -> AlertId {
    let store = &api.store;
    let alert = NewAlert {
        kind: AlertKind::Prevention,
        activation_of: None,
        created_by: "test".to_owned(),
        networks: vec![api.north.clone()],
        messages: vec![Message {
            language: "nl".to_owned(),
            body: MessageBody::Text("Een test.".to_owned()),
        }],
        expires_at: None,
        drill: true,
        idempotency_key: None,
    };
    let (alert, _) = submit(store, alert, Duration::from_secs(1800), at)
        .await
        .unwrap();
    let members = store.targeted_members(&alert.id, None, 10).await.unwrap();
    store
        .create_deliveries(&alert.id, &members, at)
        .await
        .unwrap();
    let delivery = store.deliveries(&alert.id).await.unwrap()[0]
        .delivery
        .id
        .clone();
    let attempt = store
        .begin_attempt(
            &delivery,
            &[DeliveryState::Pending],
            AttemptChannel::Voice,
            "+3250000101",
            at,
        )
        .await
        .unwrap()
        .unwrap();
    let result = AttemptResult {
        ended_at: at + 500,
        outcome: "no_answer".to_owned(),
        ..AttemptResult::default()
    };
    let step = DeliveryStep {
        state: DeliveryState::NoAnswer,
        next_try_at: None,
        contact_index: 0,
        rounds: 1,
    };
    store.finish_attempt(&attempt, &result, step).await.unwrap();
    if let Some(ended) = ended {
        let moved = store
            .set_alert_state(
                &alert.id,
                &[AlertState::Sending],
                AlertState::Completed,
                ended,
            )
            .await
            .unwrap();
        assert!(moved);
    }
    alert.id
}

async fn number(store: &Store, alert: &AlertId) -> String {
    store.alert_attempts(alert).await.unwrap()[0].number.clone()
}

fn audit_at(at: i64) -> AuditEntry {
    AuditEntry {
        at,
        actor: "cli".to_owned(),
        action: "alert.send".to_owned(),
        network: None,
        subject: None,
        address: None,
    }
}
