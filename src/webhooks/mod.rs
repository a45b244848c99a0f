//! Signed webhooks out, per network: `alert.completed`, `alert.cancelled` and
//! `delivery.acknowledged` posted as JSON to the URLs a network's systems gave, signed as the
//! Standard Webhooks specification says (`signature`), retried with back-off for a day, in
//! order per alert.
//!
//! Two tasks per `serve`, beside the chain and never in a call's path: the producer
//! (`outbox`) turns what the database says happened into events in the store's outbox, the
//! courier (`courier`) sends them. Every gateway on a database runs both: the store writes
//! each event once, and a claim lets one gateway send it (at least once: a gateway that dies
//! mid-request leaves the event to be sent again). Payloads carry ids only, never a name or a
//! number (`payload`). This module reads the clock only in its loops; everything else takes
//! the time as an argument.

pub mod courier;
pub mod outbox;
pub mod payload;
pub mod signature;
pub mod target;

use crate::chain::events::Events;
use crate::store::Store;
use crate::telephony::clock;
use courier::{Courier, CourierSettings};
use outbox::Outbox;
use std::sync::Arc;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

/// The producer and the courier of one `serve`.
#[derive(Debug)]
pub struct Webhooks {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Webhooks {
    /// Starts both over `store` (under the instance's lease), claiming as `instance`; the
    /// chain's `events` wake the producer early. A courier that cannot start (no TLS roots)
    /// is logged, and its events wait for another gateway or the next start.
    pub fn start(
        store: Store,
        settings: CourierSettings,
        instance: String,
        events: Option<Events>,
    ) -> Webhooks {
        let (stop, stopped) = watch::channel(false);
        let written = Arc::new(Notify::new());
        let outbox = Outbox::new(store.clone(), clock::epoch_ms());
        let mut tasks = vec![tokio::spawn(outbox.run(
            events,
            Arc::clone(&written),
            stopped.clone(),
        ))];
        match Courier::new(store, settings, instance) {
            Ok(courier) => tasks.push(tokio::spawn(courier.run(written, stopped))),
            Err(error) => {
                tracing::error!(%error,
                    "the webhook courier cannot start; this gateway sends no webhook");
            }
        }
        Webhooks { stop, tasks }
    }

    /// Stops looking and sending: the producer looks once more, the requests in flight
    /// finish (each within the courier's time-out) and are recorded; whatever is still at it
    /// after `within` is ended (its claims run out and another try sends it again).
    pub async fn stop(self, within: std::time::Duration) {
        let _ = self.stop.send(true);
        let aborts: Vec<_> = self.tasks.iter().map(JoinHandle::abort_handle).collect();
        let all = async {
            for task in self.tasks {
                let _ = task.await;
            }
        };
        if tokio::time::timeout(within, all).await.is_err() {
            tracing::warn!("the webhook tasks did not stop in time; ended");
            for abort in aborts {
                abort.abort();
            }
        }
    }

    /// Ends both at once (the lease is lost: nothing could be recorded anyway).
    pub fn abort(self) {
        for task in self.tasks {
            task.abort();
        }
    }
}
