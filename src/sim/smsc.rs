//! A simulated SMS centre: an SMPP 3.4 server on loopback for the demo and the tests, in the
//! place of an operator's SMSC.
//!
//! It accepts `bind_transceiver`, `bind_transmitter` and `bind_receiver` with one account,
//! answers `enquire_link` and `unbind`, and takes `submit_sm` (a part of a concatenated message
//! named by its UDH or by the `sar_*` parameters), answering each with a fresh `message_id`.
//! After the receipt delay it sends a delivery receipt per part, when `registered_delivery`
//! asked for one (`UNDELIV` for the numbers set unreachable); members set to reply answer
//! every message they receive; a test can send a member's message with [`SmsCentre::reply`].
//! What it sends to the application (receipts and members' messages) goes to a session bound
//! to receive; while none is, it waits, as a real centre would, and it is sent again when the
//! application refuses it (`deliver_sm_resp` with an error) or the session ends before the
//! answer came: the centre loses nothing, so the application's handling of repeats shows.
//!
//! The PDUs are rusmpp's, read and written with its codec; the framing around it is the
//! centre's own so that a corrupt PDU gets a `generic_nack` and the session goes on. Nothing
//! read from a socket can make it panic.

mod assembly;
mod pdus;
mod session;

pub use assembly::ReceivedSms;

use crate::telephony::clock;
use assembly::Assembly;
use pdus::{Fate, Part, ReceiptRequest};
use rusmpp::pdus::DeliverSm;
use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// How the centre behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CentreSettings {
    /// Where it listens (default `127.0.0.1:0`, a free port).
    pub bind: SocketAddr,
    /// The account's `system_id`.
    pub system_id: String,
    /// The account's password.
    pub password: String,
    /// How long after a part is submitted its receipt is sent.
    pub receipt_delay: Duration,
    /// How long after the application refused a `deliver_sm` it is sent again.
    pub redelivery_delay: Duration,
    /// Members who answer every message they receive.
    pub replies: Vec<ScriptedReply>,
    /// Numbers (E.164) no message reaches: their receipts say `UNDELIV`.
    pub unreachable: Vec<String>,
}

impl Default for CentreSettings {
    fn default() -> CentreSettings {
        CentreSettings {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            system_id: "buurtbel".to_owned(),
            password: "secret".to_owned(),
            receipt_delay: Duration::from_millis(500),
            redelivery_delay: Duration::from_secs(1),
            replies: Vec::new(),
            unreachable: Vec::new(),
        }
    }
}

/// A member who answers every message they receive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptedReply {
    /// The member's number, E.164 (`+32470000001`).
    pub number: String,
    /// What they answer (`1`, `ok`, `STOP`…).
    pub text: String,
    /// How long after the message arrived they answer.
    pub after: Duration,
}

/// A running centre; it stops when dropped.
pub struct SmsCentre {
    shared: Arc<Shared>,
    address: SocketAddr,
    accept: JoinHandle<()>,
    received: watch::Receiver<usize>,
}

impl SmsCentre {
    /// Listens on `settings.bind` and serves every connection until [`SmsCentre::close`].
    pub async fn start(settings: CentreSettings) -> io::Result<SmsCentre> {
        let listener = TcpListener::bind(settings.bind).await?;
        let address = listener.local_addr()?;
        let (count, received) = watch::channel(0);
        let shared = Arc::new(Shared {
            settings,
            state: Mutex::default(),
            count,
        });
        let accept = tokio::spawn(accept(listener, Arc::clone(&shared)));
        Ok(SmsCentre {
            shared,
            address,
            accept,
            received,
        })
    }

    /// Where to connect.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Every message received whole so far, in the order their last part arrived.
    pub fn messages(&self) -> Vec<ReceivedSms> {
        self.shared.state().messages.clone()
    }

    /// Waits until at least `count` messages have been received whole, and returns them all.
    pub async fn wait_for_messages(&self, count: usize) -> Vec<ReceivedSms> {
        let mut received = self.received.clone();
        // The sender lives in `self.shared`, so the channel cannot close while we wait.
        let _ = received.wait_for(|received| *received >= count).await;
        self.messages()
    }

    /// Sends a member's message (mobile-originated) from `from` (E.164) to `to` (the number or
    /// short code they answer), in as many parts as it takes.
    pub fn reply(&self, from: &str, to: &str, text: &str) {
        self.shared.send_mobile_originated(from, to, text);
    }

    /// Closes every session at once, without `unbind` (as a network failure would); the
    /// centre goes on accepting connections.
    pub fn drop_connections(&self) {
        self.shared.drop_connections();
    }

    /// Stops listening and closes every session.
    pub fn close(&self) {
        self.accept.abort();
        self.shared.drop_connections();
    }
}

impl Drop for SmsCentre {
    fn drop(&mut self) {
        self.close();
    }
}

/// What the accept loop and the sessions share.
struct Shared {
    settings: CentreSettings,
    state: Mutex<State>,
    count: watch::Sender<usize>,
}

#[derive(Default)]
struct State {
    messages: Vec<ReceivedSms>,
    assembly: Assembly,
    next_message: u64,
    next_reference: u8,
    next_session: u64,
    sessions: BTreeMap<u64, mpsc::UnboundedSender<Outgoing>>,
    receivers: BTreeMap<u64, mpsc::UnboundedSender<Outgoing>>,
    waiting: VecDeque<DeliverSm>,
}

/// What a session is told to do by the rest of the centre.
enum Outgoing {
    /// Send this `deliver_sm`.
    Deliver(DeliverSm),
    /// Close the connection now.
    Close,
}

async fn accept(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(session::serve(stream, Arc::clone(&shared)));
            }
            Err(error) => {
                tracing::warn!(%error, "simulated SMS centre: accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers a new session: its id and what it will be told.
    fn open_session(&self) -> (u64, mpsc::UnboundedReceiver<Outgoing>) {
        let (outbox, inbox) = mpsc::unbounded_channel();
        let mut state = self.state();
        state.next_session += 1;
        let id = state.next_session;
        state.sessions.insert(id, outbox);
        (id, inbox)
    }

    /// A session bound to receive: what waited for one goes to it.
    fn bound_receiver(&self, id: u64) {
        let mut state = self.state();
        let Some(outbox) = state.sessions.get(&id).cloned() else {
            return;
        };
        while let Some(pdu) = state.waiting.pop_front() {
            if let Err(mpsc::error::SendError(Outgoing::Deliver(pdu))) =
                outbox.send(Outgoing::Deliver(pdu))
            {
                state.waiting.push_front(pdu);
                return;
            }
        }
        state.receivers.insert(id, outbox);
    }

    /// A session ended: what it had not had acknowledged waits for the next.
    fn close_session(&self, id: u64, unacknowledged: Vec<DeliverSm>) {
        let mut state = self.state();
        state.sessions.remove(&id);
        state.receivers.remove(&id);
        for pdu in unacknowledged.into_iter().rev() {
            state.waiting.push_front(pdu);
        }
        let receivers: Vec<u64> = state.receivers.keys().copied().collect();
        drop(state);
        for receiver in receivers {
            self.bound_receiver(receiver);
        }
    }

    /// Sends a `deliver_sm` through a session bound to receive, or keeps it until one is.
    fn deliver(&self, pdu: DeliverSm) {
        let mut state = self.state();
        let mut pdu = pdu;
        while let Some((&id, outbox)) = state.receivers.first_key_value() {
            match outbox.send(Outgoing::Deliver(pdu)) {
                Ok(()) => return,
                Err(mpsc::error::SendError(outgoing)) => {
                    state.receivers.remove(&id);
                    let Outgoing::Deliver(back) = outgoing else {
                        return;
                    };
                    pdu = back;
                }
            }
        }
        state.waiting.push_back(pdu);
    }

    /// Sends a `deliver_sm` again after the redelivery delay.
    fn redeliver(self: &Arc<Self>, pdu: DeliverSm) {
        let shared = Arc::clone(self);
        tokio::spawn(async move {
            tokio::time::sleep(shared.settings.redelivery_delay).await;
            shared.deliver(pdu);
        });
    }

    fn drop_connections(&self) {
        let sessions: Vec<_> = self.state().sessions.values().cloned().collect();
        for outbox in sessions {
            let _ = outbox.send(Outgoing::Close);
        }
    }

    /// Takes a submitted part: its message id. Schedules its receipt and, once the message is
    /// whole, the member's scripted answer.
    fn submitted(self: &Arc<Self>, part: Part) -> String {
        let submitted_ms = clock::epoch_ms();
        let (message_id, whole) = {
            let mut state = self.state();
            state.next_message += 1;
            let message_id = format!("{:010X}", state.next_message);
            let whole = state.assembly.add(part.clone(), message_id.clone());
            if let Some(message) = &whole {
                state.messages.push(message.clone());
                self.count.send_replace(state.messages.len());
            }
            (message_id, whole)
        };
        let reachable = !self.settings.unreachable.contains(&part.to);
        self.schedule_receipt(part, message_id.clone(), reachable, submitted_ms);
        if let Some(message) = whole.filter(|_| reachable) {
            self.schedule_answer(&message);
        }
        message_id
    }

    fn schedule_receipt(self: &Arc<Self>, part: Part, id: String, delivered: bool, at: i64) {
        let wanted = match part.receipt {
            ReceiptRequest::Never => false,
            ReceiptRequest::Always => true,
            ReceiptRequest::OnFailure => !delivered,
        };
        if !wanted {
            return;
        }
        let shared = Arc::clone(self);
        tokio::spawn(async move {
            tokio::time::sleep(shared.settings.receipt_delay).await;
            let text = crate::sms::encoding::decode(part.data_coding, &part.payload);
            let fate = Fate {
                message_id: &id,
                delivered,
                submitted_ms: at,
                done_ms: clock::epoch_ms(),
                text: text.as_deref().unwrap_or_default(),
            };
            shared.deliver(pdus::receipt(&part, &fate));
        });
    }

    fn schedule_answer(self: &Arc<Self>, message: &ReceivedSms) {
        let Some(script) = self
            .settings
            .replies
            .iter()
            .find(|r| r.number == message.to)
        else {
            return;
        };
        let (shared, script, to) = (Arc::clone(self), script.clone(), message.from.clone());
        tokio::spawn(async move {
            tokio::time::sleep(script.after).await;
            shared.send_mobile_originated(&script.number, &to, &script.text);
        });
    }

    fn send_mobile_originated(&self, from: &str, to: &str, text: &str) {
        let reference = {
            let mut state = self.state();
            state.next_reference = state.next_reference.wrapping_add(1);
            state.next_reference
        };
        for pdu in pdus::mobile_originated(from, to, text, reference) {
            self.deliver(pdu);
        }
    }
}

#[cfg(test)]
mod tests;
