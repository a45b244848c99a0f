//! Alerts read back afterwards, on SQLite always and on PostgreSQL too when
//! `BUURTBEL_TEST_POSTGRES` holds a URL: the recent alerts with their networks and counts, one
//! alert's summary, and each member's last try and confirmation. Names and numbers are
//! fictional (`+32 470 00 00 xx`).

use buurtbel::store::*;

#[path = "common/backends.rs"]
mod backends;
#[path = "common/fixtures.rs"]
mod fixtures;

use backends::each_backend;
use fixtures::*;

const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// Creates an alert at `at`, marked sending, with its deliveries.
async fn alert_at(store: &Store, networks: &[&Network], kind: AlertKind, at: i64) -> AlertId {
    let (alert, _) = store
        .create_alert(new_alert(networks, kind), at)
        .await
        .expect("alert");
    let sent = store.set_alert_state(&alert.id, &[AlertState::Draft], AlertState::Sending, at);
    assert!(sent.await.expect("send"));
    deliver_all(store, &alert.id, at).await;
    alert.id
}

/// The delivery of the member with this name.
async fn delivery_of(store: &Store, alert: &AlertId, name: &str) -> DeliveryId {
    let lines = store.deliveries(alert).await.expect("deliveries");
    let line = lines.into_iter().find(|l| l.member_name == name);
    line.expect("member's delivery").delivery.id
}

/// One call to `number` that ends with `outcome` and `status`, moving the delivery to `to`.
async fn call(
    store: &Store,
    delivery: &DeliveryId,
    number: &str,
    at: i64,
    (outcome, status): (&str, u16),
    to: DeliveryStep,
) {
    let expected = [
        DeliveryState::Pending,
        DeliveryState::Busy,
        DeliveryState::NoAnswer,
        DeliveryState::AnsweredNoAck,
    ];
    let attempt = store
        .begin_attempt(delivery, &expected, AttemptChannel::Voice, number, at)
        .await
        .expect("begin")
        .expect("claimed");
    let result = AttemptResult {
        ended_at: at + 30_000,
        sip_status: Some(status),
        outcome: outcome.into(),
        ..AttemptResult::default()
    };
    store
        .finish_attempt(&attempt, &result, to)
        .await
        .expect("finish");
}

fn retry(state: DeliveryState, at: i64, contact_index: i64) -> DeliveryStep {
    DeliveryStep {
        state,
        next_try_at: Some(at),
        contact_index,
        rounds: 0,
    }
}

fn given_up() -> DeliveryStep {
    DeliveryStep {
        state: DeliveryState::GivenUp,
        next_try_at: None,
        contact_index: 0,
        rounds: 1,
    }
}

#[tokio::test]
async fn recent_alerts_are_newest_first_with_networks_and_counts() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let north = network(&store, "BIN Noord").await;
        let south = network(&store, "BIN Zuid").await;
        let in_north = vec![member("Test Lid Een", &[1]), member("Test Lid Twee", &[2])];
        let members = import(&store, &north, in_north).await;
        import(&store, &south, vec![member("Test Lid Drie", &[3])]).await;

        let old = alert_at(&store, &[&north], AlertKind::Urgent, T0 - 8 * DAY).await;
        let both = alert_at(&store, &[&south, &north], AlertKind::Prevention, T0).await;
        let south_only = alert_at(&store, &[&south], AlertKind::Urgent, T0 + HOUR).await;
        let confirmed = store.acknowledge(&both, &members[0], AckHow::Api, T0 + MINUTE);
        assert!(confirmed.await.expect("ack"));

        let recent = store.recent_alerts(T0 - DAY, None).await.expect("recent");
        let ids: Vec<&AlertId> = recent.iter().map(|s| &s.alert.id).collect();
        assert_eq!(
            ids,
            [&south_only, &both],
            "newest first, none older than since"
        );
        let summary = &recent[1];
        assert_eq!(summary.network_names, ["BIN Noord", "BIN Zuid"]);
        let mut targeted = vec![north.id.clone(), south.id.clone()];
        targeted.sort();
        assert_eq!(summary.alert.networks, targeted);
        assert_eq!(summary.alert.kind, AlertKind::Prevention);
        assert_eq!(
            summary.deliveries,
            [
                (DeliveryState::Pending, 2),
                (DeliveryState::Acknowledged, 1)
            ]
            .into_iter()
            .collect()
        );
        assert_eq!((summary.members(), summary.confirmed()), (3, 1));

        let north_only = store
            .recent_alerts(T0 - 30 * DAY, Some(&north.id))
            .await
            .expect("by network");
        let ids: Vec<&AlertId> = north_only.iter().map(|s| &s.alert.id).collect();
        assert_eq!(ids, [&both, &old]);
        assert_eq!(north_only[1].network_names, ["BIN Noord"]);

        let none = store
            .recent_alerts(T0 + 2 * HOUR, None)
            .await
            .expect("none");
        assert!(none.is_empty());
    })
    .await;
}

#[tokio::test]
async fn one_alert_summary_or_none() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let (alert, _, _) = one_delivery(&store).await;
        let summary = store
            .alert_summary(&alert)
            .await
            .expect("read")
            .expect("the alert");
        assert_eq!(summary.alert, store.alert(&alert).await.unwrap().unwrap());
        assert_eq!(summary.network_names, ["BIN Een"]);
        assert_eq!((summary.members(), summary.confirmed()), (1, 0));
        let unknown = AlertId::from("no-such-alert");
        assert_eq!(store.alert_summary(&unknown).await.expect("read"), None);
    })
    .await;
}

#[tokio::test]
async fn each_member_has_their_last_try_and_confirmation() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let bin = network(&store, "BIN Een").await;
        let members = vec![
            member("Test Lid Een", &[1]),
            member("Test Lid Twee", &[2, 12]),
            member("Test Lid Drie", &[3]),
        ];
        let ids = import(&store, &bin, members).await;
        let alert = alert_at(&store, &[&bin], AlertKind::Urgent, T0).await;

        let one = delivery_of(&store, &alert, "Test Lid Een").await;
        let step = retry(DeliveryState::AnsweredNoAck, T0 + 5 * MINUTE, 0);
        call(&store, &one, "+32470000001", T0, ("answered", 200), step).await;
        let ack = store.acknowledge(&alert, &ids[0], AckHow::Dtmf, T0 + 20_000);
        assert!(ack.await.expect("ack"));

        let two = delivery_of(&store, &alert, "Test Lid Twee").await;
        let busy = retry(DeliveryState::Busy, T0, 1);
        call(&store, &two, "+32470000002", T0, ("busy", 486), busy).await;
        let rang_out = ("no_answer", 487);
        call(
            &store,
            &two,
            "+32470000012",
            T0 + MINUTE,
            rang_out,
            given_up(),
        )
        .await;

        let results = store.member_results(&alert).await.expect("results");
        let names: Vec<&str> = results.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["Test Lid Drie", "Test Lid Een", "Test Lid Twee"]);

        let (drie, een, twee) = (&results[0], &results[1], &results[2]);
        assert_eq!(
            (drie.state, drie.tries, drie.number.as_deref()),
            (DeliveryState::Pending, 0, Some("+32470000003")),
            "never tried: the first number"
        );
        assert_eq!((&drie.last_try, &drie.confirmation), (&None, &None));

        assert_eq!((een.state, een.tries), (DeliveryState::Acknowledged, 1));
        assert_eq!(
            een.confirmation,
            Some(Confirmation {
                how: AckHow::Dtmf,
                at: T0 + 20_000
            })
        );
        assert_eq!(een.member_id, ids[0]);

        assert_eq!((twee.state, twee.tries), (DeliveryState::GivenUp, 2));
        assert_eq!(
            twee.number.as_deref(),
            Some("+32470000012"),
            "the last dialled"
        );
        assert_eq!(twee.confirmation, None);
        assert_eq!(
            twee.last_try,
            Some(LastTry {
                channel: AttemptChannel::Voice,
                started_at: T0 + MINUTE,
                ended_at: Some(T0 + MINUTE + 30_000),
                outcome: Some("no_answer".into()),
                sip_status: Some(487),
            })
        );
    })
    .await;
}

#[tokio::test]
async fn a_call_in_flight_has_no_end_yet() {
    each_backend(|url| async move {
        let store = Store::open(&url).await.expect("open");
        let (alert, _, delivery) = one_delivery(&store).await;
        begin(&store, &delivery).await.expect("calling");
        let results = store.member_results(&alert).await.expect("results");
        let only = &results[0];
        assert_eq!((only.state, only.tries), (DeliveryState::Calling, 1));
        let last = only.last_try.as_ref().expect("the call");
        assert_eq!(
            (last.ended_at, &last.outcome, last.sip_status),
            (None, &None, None)
        );
        let unknown = AlertId::from("no-such-alert");
        let none = store.member_results(&unknown).await.expect("read");
        assert!(none.is_empty());
    })
    .await;
}
