#![allow(dead_code)] // each test binary uses part of it
//! A small town for the store's tests: a network, members with numbers `+32 470 00 nn nn`,
//! a sending alert and its deliveries, the results of a call. Names and numbers are fictional.

use buurtbel::store::*;

pub const T0: i64 = 1_700_000_000_000;
pub const MINUTE: i64 = 60_000;

pub async fn network(store: &Store, name: &str) -> Network {
    let network = NewNetwork {
        name: name.into(),
        kind: NetworkKind::Residential,
        police_zone: "Zone Test".into(),
        language: "nl".into(),
        caller_id: "+3220000000".into(),
        ring_timeout_ms: None,
        retry_policy: None,
    };
    store.create_network(network, T0).await.expect("network")
}

/// A member whose numbers are `+32 470 00 00 nn` for each `nn`.
pub fn member(name: &str, numbers: &[u32]) -> NewMember {
    let point = |n: &u32| ContactPoint {
        kind: ContactKind::Mobile,
        number: format!("+3247000{n:04}"),
    };
    NewMember {
        external_id: None,
        name: name.into(),
        language: "nl".into(),
        contact_points: numbers.iter().map(point).collect(),
        channel: Channel::Voice,
        quiet_hours: Some(QuietHours {
            start: 21 * 60,
            end: 8 * 60,
        }),
        speech_rate: 1.0,
        status: MemberStatus::Active,
        consent_at: Some(T0),
    }
}

pub fn numbers(member: &Member) -> Vec<&str> {
    member
        .contact_points
        .iter()
        .map(|p| p.number.as_str())
        .collect()
}

pub async fn import(store: &Store, network: &Network, members: Vec<NewMember>) -> Vec<MemberId> {
    store
        .import_members(&network.id, members, T0)
        .await
        .expect("import")
        .members
}

pub fn new_alert(networks: &[&Network], kind: AlertKind) -> NewAlert {
    NewAlert {
        kind,
        activation_of: None,
        created_by: "Agent Test".into(),
        networks: networks.iter().map(|n| n.id.clone()).collect(),
        messages: vec![Message {
            language: "nl".into(),
            body: MessageBody::Text("Test.".into()),
        }],
        expires_at: Some(T0 + 30 * MINUTE),
        drill: true,
        idempotency_key: None,
    }
}

pub async fn sending_alert(store: &Store, networks: &[&Network], kind: AlertKind) -> AlertId {
    let (alert, _) = store
        .create_alert(new_alert(networks, kind), T0)
        .await
        .expect("alert");
    let sent = store.set_alert_state(&alert.id, &[AlertState::Draft], AlertState::Sending, T0);
    assert!(sent.await.expect("send"));
    alert.id
}

/// Creates the alert's deliveries page by page, as the dispatcher does; returns how many.
pub async fn deliver_all(store: &Store, alert: &AlertId, now: i64) -> u64 {
    let (mut after, mut created) = (None, 0);
    loop {
        let page = store
            .targeted_members(alert, after.as_ref(), 500)
            .await
            .expect("page");
        let Some(last) = page.last().cloned() else {
            return created;
        };
        created += store
            .create_deliveries(alert, &page, now)
            .await
            .expect("create");
        after = Some(last);
    }
}

/// One network, one member, one sending urgent alert and its delivery.
pub async fn one_delivery(store: &Store) -> (AlertId, MemberId, DeliveryId) {
    let bin = network(store, "BIN Een").await;
    let member = import(store, &bin, vec![member("Member Een", &[1])])
        .await
        .remove(0);
    let alert = sending_alert(store, &[&bin], AlertKind::Urgent).await;
    deliver_all(store, &alert, T0).await;
    let delivery = store
        .due_deliveries(T0, 1)
        .await
        .expect("due")
        .remove(0)
        .delivery
        .id;
    (alert, member, delivery)
}

pub async fn begin(store: &Store, delivery: &DeliveryId) -> Option<AttemptId> {
    let expected = [DeliveryState::Pending, DeliveryState::AnsweredNoAck];
    let number = "+32470000001";
    let begun = store.begin_attempt(delivery, &expected, AttemptChannel::Voice, number, T0 + 10);
    begun.await.expect("begin")
}

pub fn answered(ended_at: i64) -> AttemptResult {
    AttemptResult {
        ended_at,
        sip_status: Some(200),
        outcome: "answered".into(),
        ring_ms: Some(4_000),
        talk_ms: Some(25_000),
        ..AttemptResult::default()
    }
}

pub fn no_ack_retry() -> DeliveryStep {
    DeliveryStep {
        state: DeliveryState::AnsweredNoAck,
        next_try_at: Some(T0 + 5 * MINUTE),
        contact_index: 0,
        rounds: 1,
    }
}
