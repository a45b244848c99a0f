//! The courier against a real receiver on loopback (axum on 127.0.0.1:0), on SQLite and on
//! PostgreSQL too when `BUURTBEL_TEST_POSTGRES` holds a URL: two gateways' couriers send the
//! events of two alerts; the receiver checks every signature as the README tells receivers
//! to, answers 500 to the first two requests and 200 after. Every event arrives once with a
//! 2xx, those answered 500 are tried again, and each alert's events arrive in the order they
//! were written, confirmations before the alert's end. Names and numbers are fictional.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use buurtbel::store::*;
use buurtbel::telephony::clock;
use buurtbel::webhooks::courier::{Courier, CourierSettings};
use buurtbel::webhooks::outbox::Outbox;
use buurtbel::webhooks::signature::{Secret, TOLERANCE_S, verify};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, watch};

#[path = "common/backends.rs"]
mod backends;
#[path = "common/fixtures.rs"]
mod fixtures;

use backends::each_backend;
use fixtures::*;

/// Long enough for the slowest machine; the test ends as soon as everything arrived.
const UNTIL_DELIVERED: Duration = Duration::from_secs(120);

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    event: String,
    body: Value,
    answered: u16,
}

/// The receiver: checks each signature with the secret, answers 500 to the first two.
struct Receiver {
    secret: Mutex<Option<Secret>>,
    got: Mutex<Vec<Received>>,
    refused: Mutex<Vec<String>>,
}

async fn receive(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let id = header("webhook-id");
    let secret = receiver.secret.lock().expect("secret").clone();
    let checked = secret.map(|secret| {
        verify(
            &secret,
            &id,
            &header("webhook-timestamp"),
            &header("webhook-signature"),
            &body,
            clock::epoch_ms() / 1000,
            TOLERANCE_S,
        )
    });
    let headers_right = header("content-type") == "application/json"
        && header("user-agent").starts_with("buurtbel/");
    if checked != Some(Ok(())) || !headers_right {
        receiver
            .refused
            .lock()
            .expect("refused")
            .push(format!("{id}: {checked:?}"));
        return StatusCode::UNAUTHORIZED;
    }
    let mut got = receiver.got.lock().expect("got");
    let answered = if got.len() < 2 { 500 } else { 200 };
    got.push(Received {
        id,
        event: header("buurtbel-event"),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        answered,
    });
    StatusCode::from_u16(answered).unwrap_or(StatusCode::OK)
}

async fn start_receiver() -> (Arc<Receiver>, String) {
    let receiver = Arc::new(Receiver {
        secret: Mutex::new(None),
        got: Mutex::new(Vec::new()),
        refused: Mutex::new(Vec::new()),
    });
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(Arc::clone(&receiver));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (
        receiver,
        format!("http://{address}/hook?key=receiver-token"),
    )
}

/// Alert one: Een and Twee confirm, then it completes; alert two: Drie confirms, then it is
/// cancelled. Returns the alerts.
async fn two_alerts(store: &Store, network: &Network) -> (AlertId, AlertId) {
    let members = vec![
        member("Member Een", &[1]),
        member("Member Twee", &[2]),
        member("Member Drie", &[3]),
    ];
    let members = import(store, network, members).await;
    let one = sending_alert(store, &[network], AlertKind::Urgent).await;
    deliver_all(store, &one, T0).await;
    for (i, member) in members[..2].iter().enumerate() {
        let at = T0 + MINUTE + i64::try_from(i).expect("small");
        assert!(
            store
                .acknowledge(&one, member, AckHow::Dtmf, at)
                .await
                .expect("ack")
        );
    }
    let done = store.set_alert_state(
        &one,
        &[AlertState::Sending],
        AlertState::Completed,
        T0 + 2 * MINUTE,
    );
    assert!(done.await.expect("complete"));
    let two = sending_alert(store, &[network], AlertKind::Prevention).await;
    deliver_all(store, &two, T0).await;
    assert!(
        store
            .acknowledge(&two, &members[2], AckHow::Api, T0 + MINUTE)
            .await
            .expect("ack")
    );
    store
        .cancel_alert(&two, T0 + 3 * MINUTE)
        .await
        .expect("cancel");
    (one, two)
}

fn quick() -> CourierSettings {
    CourierSettings {
        first_retry: Duration::from_millis(50),
        max_retry: Duration::from_millis(200),
        look_every: Duration::from_millis(50),
        ..CourierSettings::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_couriers_deliver_each_event_once_in_order_after_two_500s() {
    each_backend(|url| async move {
        let (receiver, hook_url) = start_receiver().await;
        let store = Store::open(&url).await.expect("open");
        let network = network(&store, "BIN Proef").await;
        let webhook = NewWebhook {
            network_id: network.id.clone(),
            url: hook_url,
            events: WebhookEvent::ALL.to_vec(),
            created_by: "test".into(),
        };
        let (webhook, secret) = store.add_webhook(webhook, T0).await.expect("webhook");
        *receiver.secret.lock().expect("secret") = Some(Secret::parse(&secret).expect("secret"));
        let (one, two) = two_alerts(&store, &network).await;
        // Looking back from the fixtures' time, written now: tried for a day from now.
        let mut outbox = Outbox::new(store.clone(), T0);
        let written = outbox.pass(clock::epoch_ms()).await.expect("pass");
        assert_eq!(written, 5);

        let (stop, stopped) = watch::channel(false);
        let mut couriers = Vec::new();
        for name in ["gw-1", "gw-2"] {
            let own = Store::open(&url).await.expect("a gateway's store");
            let courier = Courier::new(own, quick(), name.to_owned()).expect("courier");
            let run = courier.run(Arc::new(Notify::new()), stopped.clone());
            couriers.push(tokio::spawn(run));
        }
        let started = clock::now();
        loop {
            let tally = store
                .webhook_tallies(std::slice::from_ref(&webhook.id))
                .await
                .expect("tally");
            if tally[&webhook.id].delivered == 5 {
                break;
            }
            assert!(
                clock::elapsed(started) < UNTIL_DELIVERED,
                "not delivered: {tally:?}, {:?}",
                receiver.got.lock().expect("got")
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        stop.send(true).expect("stop");
        for courier in couriers {
            courier.await.expect("courier");
        }

        assert!(receiver.refused.lock().expect("refused").is_empty());
        let got = receiver.got.lock().expect("got").clone();
        assert_eq!(
            got.len(),
            7,
            "five events, two of them tried twice: {got:?}"
        );
        let taken: Vec<&Received> = got.iter().filter(|r| r.answered == 200).collect();
        let mut ids: Vec<&str> = taken.iter().map(|r| r.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 5, "no event taken twice");
        for refused in got.iter().filter(|r| r.answered == 500) {
            assert!(
                taken.iter().any(|r| r.id == refused.id),
                "{} tried again",
                refused.id
            );
        }
        let records = store
            .webhook_events(&webhook.id, None, 10)
            .await
            .expect("events");
        let tries: i64 = records.iter().map(|r| r.tries).sum();
        assert_eq!(tries, 7);
        assert!(records.iter().all(|r| r.state == EventState::Delivered));

        for (alert, end) in [(&one, "alert.completed"), (&two, "alert.cancelled")] {
            let order: Vec<&str> = taken
                .iter()
                .filter(|r| r.body["alert"]["id"] == alert.0.as_str())
                .map(|r| r.event.as_str())
                .collect();
            let last = order.last().copied();
            assert_eq!(last, Some(end), "{alert}: {order:?}");
            assert!(
                order[..order.len() - 1]
                    .iter()
                    .all(|e| *e == "delivery.acknowledged")
            );
            for r in taken
                .iter()
                .filter(|r| r.body["alert"]["id"] == alert.0.as_str())
            {
                assert_eq!(r.body["id"], r.id.as_str(), "the body's id is webhook-id");
                assert_eq!(r.body["type"], r.event.as_str());
            }
        }
    })
    .await;
}
