//! What the API asks of the chain: send an alert, cancel one, and say how the trunk and the
//! calls stand. `serve` hands it the dispatcher that places the calls, so a new alert's first
//! INVITE leaves without waiting for the dispatcher's next look at the database.
//! [`StoreDesk`] only writes to the database, for a dispatcher in another process (and the
//! router tests) to act on.

use crate::chain::dispatcher::{ChainError, Dispatcher, submit};
use crate::chain::service::LiveDispatcher;
use crate::store::{Alert, AlertId, AlertState, NewAlert, Store};
use crate::telephony::clock::epoch_ms;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// A future the desk returns.
pub type DeskFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, ChainError>> + Send + 'a>>;

/// The chain as the API sees it.
pub trait AlertDesk: Send + Sync + 'static {
    /// Creates the alert (or finds it by its idempotency key) and starts sending it; true
    /// when this created it.
    fn send(&self, alert: NewAlert) -> DeskFuture<'_, (Alert, bool)>;

    /// Cancels a sending alert; false when it was not sending.
    fn cancel<'a>(&'a self, alert: &'a AlertId) -> DeskFuture<'a, bool>;

    /// The alert was moved to `sending` in the database (approved): start it now.
    fn started(&self, alert: &AlertId);

    /// Calls up or ringing in this process.
    fn calls_in_progress(&self) -> usize;

    /// Whether the trunk accepted our registration: `None` when we do not register.
    fn trunk_registered(&self) -> Option<bool>;
}

impl AlertDesk for LiveDispatcher {
    fn send(&self, alert: NewAlert) -> DeskFuture<'_, (Alert, bool)> {
        Box::pin(Dispatcher::send(self, alert))
    }

    fn cancel<'a>(&'a self, alert: &'a AlertId) -> DeskFuture<'a, bool> {
        Box::pin(Dispatcher::cancel(self, alert))
    }

    fn started(&self, alert: &AlertId) {
        Dispatcher::started(self, alert);
    }

    fn calls_in_progress(&self) -> usize {
        Dispatcher::calls_in_progress(self)
    }

    fn trunk_registered(&self) -> Option<bool> {
        self.caller().registered()
    }
}

/// Alerts written to the database for a dispatcher elsewhere to send.
#[derive(Debug, Clone)]
pub struct StoreDesk {
    store: Store,
    urgent_expiry: Duration,
}

impl StoreDesk {
    /// Writes to `store`; an urgent alert without an expiry gets `urgent_expiry`.
    pub fn new(store: Store, urgent_expiry: Duration) -> StoreDesk {
        StoreDesk {
            store,
            urgent_expiry,
        }
    }
}

impl AlertDesk for StoreDesk {
    fn send(&self, alert: NewAlert) -> DeskFuture<'_, (Alert, bool)> {
        Box::pin(submit(&self.store, alert, self.urgent_expiry, epoch_ms()))
    }

    fn cancel<'a>(&'a self, alert: &'a AlertId) -> DeskFuture<'a, bool> {
        Box::pin(async move {
            let sending = self.store.alert(alert).await?.map(|a| a.state);
            if !matches!(sending, Some(AlertState::Sending | AlertState::Draft)) {
                return Ok(false);
            }
            self.store.cancel_alert(alert, epoch_ms()).await?;
            let now = self.store.alert(alert).await?.map(|a| a.state);
            Ok(now == Some(AlertState::Cancelled))
        })
    }

    fn started(&self, _: &AlertId) {
        // The database's notice tells the dispatcher, wherever it runs.
    }

    fn calls_in_progress(&self) -> usize {
        0
    }

    fn trunk_registered(&self) -> Option<bool> {
        None
    }
}
