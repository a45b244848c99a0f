//! The SMPP provider against a third-party SMSC: the npm `smpp` package's server
//! (`tests/smsc/smsc.js`), run by `node` (`cargo test --features interop --test sms_smpp`;
//! needs `npm ci --prefix tests/smsc`, which `.ci/run` does).
//!
//! Each test starts its own SMSC on a free port. The SMSC's own word is the verdict: the
//! text it reassembled from our parts, the message ids it issued, the status of each
//! `deliver_sm_resp` we answered.
#![cfg(feature = "interop")]

#[path = "common/smsc.rs"]
mod smsc;

use buurtbel::config::{SmsConfig, SmsProvider};
use buurtbel::sms::encoding;
use buurtbel::sms::smpp::SmppSender;
use buurtbel::sms::{
    Arrival, Encoding, Inbound, OutgoingSms, ReceiptState, SenderId, SmsError, SmsSender,
};
use smsc::{PASSWORD, SYSTEM_ID, Smsc, Stats};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::timeout;

/// A long Dutch text with `é` (GSM 0x05) and `€` (GSM extension 0x1B 0x65): two parts.
const LONG_TEXT: &str = "Beste buurtbewoners, de politie vraagt uw aandacht: een verdacht \
    voertuig, een witte bestelwagen, rijdt rond in de Kerkstraat en omgeving. Blijf alert, \
    noteer de nummerplaat en bel 101 als u iets ziet. Het café op de hoek zamelt 5 € in voor \
    de buurtwerking; dank u wel voor uw hulp en tot de volgende keer.";
const MEMBER: &str = "+32470000001";
const OUR_NUMBER: &str = "+3233000000";
/// Longer than any wait in these tests is allowed to take: only a hang reaches it.
const HANG: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_text_arrives_whole_and_its_receipt_comes_back() {
    let mut smsc = Smsc::start();
    let (arrivals, mut arrived) = mpsc::channel(16);
    let sender = SmppSender::start(&config(smsc.port, PASSWORD), arrivals);

    let sms = outgoing(LONG_TEXT);
    assert_eq!(sms.message.encoding, Encoding::Gsm7);
    assert!(sms.message.parts.len() >= 2 && !sms.message.shortened);
    let submitted = sender.send(sms.clone()).await.expect("the SMSC takes it");
    assert_eq!(submitted.message_ids.len(), sms.message.parts.len());

    let receipt = loop {
        let arrival = next(&mut arrived).await;
        let Inbound::Receipt(receipt) = arrival.inbound.clone() else {
            panic!("a receipt first, not {:?}", arrival.inbound);
        };
        let _ = arrival.kept.send(());
        if receipt.message_id == submitted.message_ids[0] {
            break receipt;
        }
    };
    assert_eq!(receipt.state, ReceiptState::Delivered);

    let stats = smsc.stats();
    let message = only_message(&stats);
    assert_eq!(message["to"], "32470000001");
    assert_eq!(message["text"], LONG_TEXT);
    assert_eq!(message["parts"], sms.message.parts.len());
    let ids: Vec<&str> = message["ids"]
        .as_array()
        .expect("ids")
        .iter()
        .filter_map(|id| id.as_str())
        .collect();
    assert_eq!(ids, submitted.message_ids);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_not_kept_is_sent_again_and_acknowledged_once_kept() {
    let mut smsc = Smsc::start();
    let (arrivals, mut arrived) = mpsc::channel(16);
    let sender = SmppSender::start(&config(smsc.port, PASSWORD), arrivals);
    // A first send waits for the bind, so the SMSC has a session for the MO.
    sender.send(outgoing("Test")).await.expect("bound");

    smsc.mobile_originated(MEMBER, OUR_NUMBER, "ok");
    let reply = next_reply(&mut arrived, false).await;
    assert_eq!((reply.from.as_str(), reply.text.as_str()), (MEMBER, "ok"));
    // Not kept: answered ESME_RX_T_APPN, so the SMSC sends it again.
    let again = next_reply(&mut arrived, true).await;
    assert_eq!(again, reply);
    keep_everything(arrived);

    // The receipt for "Test", the reply refused, the reply kept.
    let resps = deliver_resps(&mut smsc, 3).await;
    assert_eq!(resps.iter().filter(|s| **s == 0x64).count(), 1, "{resps:?}");
    assert_eq!(resps.iter().filter(|s| **s == 0).count(), 2, "{resps:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_in_parts_comes_whole_even_when_its_last_part_comes_again() {
    let mut smsc = Smsc::start();
    let (arrivals, mut arrived) = mpsc::channel(16);
    let sender = SmppSender::start(&config(smsc.port, PASSWORD), arrivals);
    sender.send(outgoing("Test")).await.expect("bound");

    let text = "Ja, ik heb het bericht gehoord en ik blijf alert in de Kerkstraat.";
    smsc.mobile_originated_in_parts(MEMBER, OUR_NUMBER, 3, text);
    let reply = next_reply(&mut arrived, false).await;
    assert_eq!((reply.from.as_str(), reply.text.as_str()), (MEMBER, text));
    // Not kept: the SMSC sends only the last part again; the first two were answered.
    let again = next_reply(&mut arrived, true).await;
    assert_eq!(again, reply);
    keep_everything(arrived);

    // The receipt for "Test", parts 1 and 2, part 3 refused, part 3 kept.
    let resps = deliver_resps(&mut smsc, 5).await;
    assert_eq!(resps.iter().filter(|s| **s == 0x64).count(), 1, "{resps:?}");
    assert_eq!(resps.iter().filter(|s| **s == 0).count(), 4, "{resps:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_dropped_mid_batch_loses_no_message_and_comes_back() {
    let mut smsc = Smsc::start();
    let (arrivals, arrived) = mpsc::channel(64);
    keep_everything(arrived);
    let sender = Arc::new(SmppSender::start(&config(smsc.port, PASSWORD), arrivals));
    sender.send(outgoing("Test")).await.expect("bound");

    smsc.drop_links_after(5);
    let mut batch = JoinSet::new();
    for n in 0..20 {
        let sender = Arc::clone(&sender);
        batch.spawn(
            async move { timeout(HANG, sender.send(outgoing(&format!("Bericht {n}")))).await },
        );
    }
    let mut accepted = Vec::new();
    let mut unconfirmed = 0;
    while let Some(done) = batch.join_next().await {
        match done.expect("no panic").expect("every send resolves") {
            Ok(submitted) => accepted.extend(submitted.message_ids),
            Err(SmsError::Unconfirmed(_)) => unconfirmed += 1,
            Err(SmsError::Unavailable(_)) => {}
            Err(other) => panic!("a dropped link is not {other:?}"),
        }
    }
    let issued: HashSet<String> = smsc.stats().issued.into_iter().collect();
    for id in &accepted {
        assert!(issued.contains(id), "{id} was never issued");
    }
    let distinct: HashSet<&String> = accepted.iter().collect();
    assert_eq!(distinct.len(), accepted.len());
    // The SMSC dropped the link on the sixth submit_sm, which left and got no answer.
    assert!(unconfirmed >= 1, "accepted {accepted:?}");

    let after = sender.send(outgoing("Na de onderbreking")).await;
    let id = after.expect("the sender binds again").message_ids;
    assert!(smsc.stats().issued.contains(&id[0]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_link_dropped_is_bound_again_and_closes_with_an_unbind() {
    let mut smsc = Smsc::start();
    let (arrivals, arrived) = mpsc::channel(16);
    keep_everything(arrived);
    let sender = SmppSender::start(&config(smsc.port, PASSWORD), arrivals);
    let first = sender.send(outgoing("Een")).await.expect("bound");
    smsc.drop_links();
    // Once the sender has seen the link go (a send racing the drop may meet the closed
    // socket and be unconfirmed), a send waits for the new bind.
    let noticed = tokio::time::timeout(Duration::from_secs(10), async {
        while sender.is_bound() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    noticed.await.expect("the sender sees the link go");
    let second = sender.send(outgoing("Twee")).await.expect("bound again");
    let issued = smsc.stats().issued;
    assert_eq!(issued, [first.message_ids, second.message_ids].concat());

    sender.close().await;
    assert_eq!(smsc.stats().unbinds, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_smsc_is_found_out_by_enquire_link_and_bound_again() {
    let mut smsc = Smsc::start();
    let (arrivals, arrived) = mpsc::channel(16);
    keep_everything(arrived);
    let mut config = config(smsc.port, PASSWORD);
    config.enquire_link = Duration::from_secs(1);
    config.timeout = Duration::from_secs(1);
    let sender = SmppSender::start(&config, arrivals);
    sender.send(outgoing("Test")).await.expect("bound");
    assert!(sender.is_bound());
    // The socket stays open: only the unanswered enquire_link shows the link is dead.
    smsc.mute();
    timeout(HANG, async {
        while smsc.stats().binds < 2 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("a second bind");
    let after = timeout(HANG, async {
        loop {
            // The old link may still look bound for a moment: what fails there is retried.
            match sender.send(outgoing("Test")).await {
                Ok(submitted) => break submitted,
                Err(SmsError::Unconfirmed(_) | SmsError::Unavailable(_)) => {}
                Err(other) => panic!("{other:?}"),
            }
        }
    });
    let submitted = after.await.expect("sent over the new link");
    assert!(smsc.stats().issued.contains(&submitted.message_ids[0]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_says_whether_to_try_again() {
    let mut smsc = Smsc::start();
    let (arrivals, arrived) = mpsc::channel(16);
    keep_everything(arrived);
    let sender = SmppSender::start(&config(smsc.port, PASSWORD), arrivals);
    sender.send(outgoing("Test")).await.expect("bound");
    // Throttling (0x58) and a full queue (0x14): try later; an invalid destination (0x0B): no.
    for (status, later) in [(0x58, true), (0x14, true), (0x0B, false)] {
        smsc.refuse(status, 1);
        let error = sender.send(outgoing("Test")).await.expect_err("refused");
        let expected = if later {
            matches!(error, SmsError::Throttled(_))
        } else {
            matches!(error, SmsError::Refused(_))
        };
        assert!(expected, "{status:#x}: {error:?}");
    }
    // A refusal leaves the link bound.
    sender.send(outgoing("Test")).await.expect("taken again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_answer_is_unconfirmed_and_no_bind_is_unavailable() {
    let mut smsc = Smsc::start();
    let (arrivals, arrived) = mpsc::channel(16);
    keep_everything(arrived);
    let mut config = config(smsc.port, PASSWORD);
    config.timeout = Duration::from_secs(1);
    let sender = SmppSender::start(&config, arrivals);
    sender.send(outgoing("Test")).await.expect("bound");
    smsc.stall(1);
    let stalled = sender.send(outgoing("Test")).await;
    assert!(
        matches!(stalled, Err(SmsError::Unconfirmed(_))),
        "{stalled:?}"
    );
    sender.send(outgoing("Test")).await.expect("answered again");

    // A port that takes the connection and never answers the bind.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    config.port = silent.local_addr().expect("its address").port();
    let (arrivals, _arrived) = mpsc::channel(1);
    let unbound = SmppSender::start(&config, arrivals);
    let unreachable = unbound.send(outgoing("Test")).await;
    assert!(
        matches!(unreachable, Err(SmsError::Unavailable(_))),
        "{unreachable:?}"
    );
}

#[test]
fn a_wrong_password_fails_unavailable_and_warns() {
    let logs = Logs::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let mut smsc = Smsc::start();
    let result = runtime.block_on(async {
        let (arrivals, _arrived) = mpsc::channel(1);
        let mut config = config(smsc.port, "fout");
        config.timeout = Duration::from_secs(2);
        let sender = SmppSender::start(&config, arrivals);
        sender.send(outgoing("Test")).await
    });
    assert!(
        matches!(result, Err(SmsError::Unavailable(_))),
        "{result:?}"
    );
    assert!(smsc.stats().refused_binds >= 1);
    let text = logs.text();
    assert!(
        text.contains("WARN") && text.contains("SMPP bind failed"),
        "{text}"
    );
    assert!(!text.contains("fout") && !text.contains(PASSWORD), "{text}");
}

fn config(port: u16, password: &str) -> SmsConfig {
    SmsConfig {
        provider: SmsProvider::Smpp,
        sender: Some(OUR_NUMBER.into()),
        host: Some("127.0.0.1".into()),
        port,
        system_id: Some(SYSTEM_ID.into()),
        password: Some(password.into()),
        window: 10,
        timeout: Duration::from_secs(5),
        max_reconnect: Duration::from_secs(1),
        per_second: 1000,
        ..SmsConfig::default()
    }
}

fn outgoing(text: &str) -> OutgoingSms {
    OutgoingSms {
        to: MEMBER.into(),
        sender: SenderId::Number(OUR_NUMBER.into()),
        message: encoding::encode(text, 4),
        reference: "attempt-1".into(),
    }
}

async fn next(arrived: &mut mpsc::Receiver<Arrival>) -> Arrival {
    timeout(HANG, arrived.recv())
        .await
        .expect("something arrives")
        .expect("the sender runs")
}

/// The next reply, skipping (and keeping) receipts; kept when `keep`.
async fn next_reply(arrived: &mut mpsc::Receiver<Arrival>, keep: bool) -> buurtbel::sms::Reply {
    loop {
        let arrival = next(arrived).await;
        match arrival.inbound {
            Inbound::Reply(reply) => {
                if keep {
                    let _ = arrival.kept.send(());
                }
                return reply;
            }
            Inbound::Receipt(_) => {
                let _ = arrival.kept.send(());
            }
        }
    }
}

/// The status of each `deliver_sm_resp` the SMSC got, once there are `count`.
async fn deliver_resps(smsc: &mut Smsc, count: usize) -> Vec<u64> {
    let resps = timeout(HANG, async {
        loop {
            let stats = smsc.stats();
            if stats.deliver_resps.len() >= count {
                break stats.deliver_resps;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    resps.await.expect("every deliver_sm is answered")
}

fn keep_everything(mut arrived: mpsc::Receiver<Arrival>) {
    tokio::spawn(async move {
        while let Some(arrival) = arrived.recv().await {
            let _ = arrival.kept.send(());
        }
    });
}

fn only_message(stats: &Stats) -> &serde_json::Value {
    assert_eq!(stats.messages.len(), 1, "{:?}", stats.messages);
    &stats.messages[0]
}

/// Log lines written by the test's subscriber.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("logs")).into_owned()
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("logs").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;

    fn make_writer(&'a self) -> Logs {
        self.clone()
    }
}
