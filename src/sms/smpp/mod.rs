//! SMPP 3.4: text messages through an SMSC, bound as a transceiver.
//!
//! - [`link`]: the supervisor task that owns the connection: it binds, keeps the link with
//!   `enquire_link` and reconnects with a doubling wait (1 s up to `max_reconnect`).
//! - [`deliveries`]: what the SMSC delivers (receipts, members' replies) goes to the
//!   application as [`Arrival`](crate::sms::Arrival)s; each `deliver_sm` is answered
//!   `ESME_ROK` only once the application kept it.
//! - [`send`]: one message, one `submit_sm` per part, within the window of outstanding
//!   `submit_sm`, the rate limit and the time-out.
//! - [`submit`], [`inbound`], [`receipt`], [`pacing`]: the protocol's arithmetic, without I/O:
//!   PDUs from messages, messages from PDUs, the token bucket and the reconnection wait.
//!
//! The SMPP codec and session are the `rusmppc` crate's (on `rusmpp`); we use its client for
//! bind, `submit_sm`, `enquire_link` and choosing each `deliver_sm_resp`'s status.
//!
//! Logs never carry numbers or texts above debug level.

pub mod deliveries;
pub mod inbound;
pub mod link;
pub mod pacing;
pub mod receipt;
pub mod send;
pub mod submit;

use crate::config::SmsConfig;
use crate::sms::{Arrivals, OutgoingSms, SendFuture, SmsSender};
use link::Link;
use pacing::TokenBucket;
use rusmppc::Client;
use std::sync::Mutex;
use std::sync::atomic::AtomicU8;
use std::time::Duration;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;

/// Text messages through an SMSC over SMPP.
///
/// Starts its supervisor task at once; sends wait for the link (up to the time-out). Dropping
/// the sender stops the supervisor and closes the link.
#[derive(Debug)]
pub struct SmppSender {
    shared: Shared,
    supervisor: JoinHandle<()>,
}

/// What each send needs.
#[derive(Debug)]
struct Shared {
    /// The bound client while the link is up.
    link: watch::Receiver<Option<Client>>,
    /// One permit per `submit_sm` waiting for its answer.
    window: Semaphore,
    /// `per_second` `submit_sm` a second.
    bucket: Mutex<TokenBucket>,
    /// How long one message may take, all its parts together.
    timeout: Duration,
    /// The next concatenation reference (8 bits, one per message).
    reference: AtomicU8,
}

impl SmppSender {
    /// Starts the link to the SMSC `config` names; what the SMSC delivers goes to
    /// `arrivals`. Must be called within a tokio runtime.
    pub fn start(config: &SmsConfig, arrivals: Arrivals) -> SmppSender {
        let (publish, link) = watch::channel(None);
        let supervisor = tokio::spawn(Link::new(config).supervise(publish, arrivals));
        SmppSender {
            shared: Shared {
                link,
                window: Semaphore::new(usize::try_from(config.window.max(1)).unwrap_or(1)),
                bucket: Mutex::new(TokenBucket::new(config.per_second)),
                timeout: config.timeout,
                reference: AtomicU8::new(rand::random()),
            },
            supervisor,
        }
    }

    /// Unbinds and stops the link: nothing more is sent or received. Sends still waiting
    /// resolve with an error.
    pub async fn close(self) {
        self.supervisor.abort();
        let client = self.shared.link.borrow().clone();
        if let Some(client) = client {
            let _ = tokio::time::timeout(self.shared.timeout, client.unbind()).await;
            let _ = client.close().await;
        }
    }

    /// Whether the link is bound now.
    pub fn is_bound(&self) -> bool {
        self.shared
            .link
            .borrow()
            .as_ref()
            .is_some_and(Client::is_active)
    }
}

impl SmsSender for SmppSender {
    fn send(&self, sms: OutgoingSms) -> SendFuture<'_> {
        Box::pin(send::send(&self.shared, sms))
    }
}

impl Drop for SmppSender {
    fn drop(&mut self) {
        self.supervisor.abort();
    }
}
