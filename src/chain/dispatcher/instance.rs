//! The dispatcher as one instance among several on a database: keeping its lease, fencing
//! itself when it cannot, and finishing what dead instances left.
//!
//! A store with a lease checks it in every write; this keeps it alive. Every
//! [`LeaseSettings::renew_every`] the lease is renewed; the [`LeaseClock`] turns the answers
//! into a [`Standing`] the dispatch loop obeys: no call starts unless the standing is live,
//! and when it is lost every call is ended and [`Dispatcher::run`] returns
//! [`ChainError::LeaseLost`]. After each renewal the instance looks for open attempts or
//! calls under dead leases (a crashed or fenced instance) and takes them over: it marks the
//! dead instance's row (waiting for a write it had begun), frees its lines, and finishes each
//! of its attempts as `interrupted` under the retry policy, as a restart does.

use super::{ChainError, Dispatcher};
use crate::chain::caller::{Caller, Stop};
use crate::chain::lease::{LeaseClock, LeaseSettings, Standing};
use crate::chain::program_source::ProgramSource;
use crate::store::Notice;
use crate::telephony::clock;
use buurtbel_proto::time::Instant;
use std::sync::atomic::Ordering;
use std::time::Duration;

impl<C: Caller, P: ProgramSource> Dispatcher<C, P> {
    /// Keeps the store's lease, granted by a registration sent at `granted`, until it is
    /// lost (or forever, for the caller to abort at shutdown). Without a lease, returns at
    /// once.
    pub async fn keep_lease(&self, settings: LeaseSettings, granted: Instant) {
        let Some(lease) = self.shared.store.lease().cloned() else {
            return;
        };
        // Renewals on a connection of their own: a pool busy with calls must not hold them up.
        let store = match self.shared.store.own_connection().await {
            Ok(store) => store,
            Err(e) => {
                tracing::warn!(error = %e, "no connection of its own for the lease; sharing");
                self.shared.store.clone()
            }
        };
        let mut lease_clock = LeaseClock::new(settings, granted);
        loop {
            let sent = clock::now();
            // A slow renewal is waited for, not abandoned: if it succeeds, the lease runs from
            // when it was sent. Meanwhile the standing follows the clock.
            let mut renewal = std::pin::pin!(store.renew_lease(&lease, settings.lease));
            let answer = loop {
                let change = lease_clock.next_change(clock::now());
                tokio::select! {
                    answer = &mut renewal => break answer,
                    () = clock::sleep_until(change) => {
                        if self.stand(lease_clock.standing(clock::now())) == Standing::Lost {
                            return;
                        }
                    }
                }
            };
            match answer {
                Ok(true) => lease_clock.renewed(sent),
                Ok(false) => {
                    tracing::error!(instance = %lease.instance, "the lease had expired");
                    lease_clock.refused();
                }
                Err(e) => {
                    tracing::warn!(error = %e, "renewing the lease failed");
                    lease_clock.failed();
                }
            }
            if self.stand(lease_clock.standing(clock::now())) == Standing::Lost {
                return;
            }
            if lease_clock.standing(clock::now()) == Standing::Live {
                // Beside the renewals: a long take-over must not let this lease lapse.
                let dispatcher = self.clone();
                tokio::spawn(async move { dispatcher.take_over_dead().await });
            }
            loop {
                let now = clock::now();
                let next = lease_clock
                    .next_change(now)
                    .min(sent + settings.renew_every);
                if next <= now {
                    break;
                }
                clock::sleep_until(next).await;
                if self.stand(lease_clock.standing(clock::now())) == Standing::Lost {
                    return;
                }
            }
        }
    }

    /// Where the instance stands now.
    pub fn standing(&self) -> Standing {
        *self.shared.standing.borrow()
    }

    /// Publishes the standing to the dispatch loop, logging a change; returns it.
    fn stand(&self, standing: Standing) -> Standing {
        let changed = self.shared.standing.send_if_modified(|current| {
            let changed = *current != standing && *current != Standing::Lost;
            if changed {
                *current = standing;
            }
            changed
        });
        if changed {
            match standing {
                Standing::Live => tracing::info!("lease renewed: calls start again"),
                Standing::Doubtful => {
                    tracing::warn!("the lease cannot be renewed: no new calls until it is")
                }
                Standing::Lost => tracing::error!(
                    calls = self.calls_in_progress(),
                    "the lease may run out: ending every call and stopping"
                ),
            }
        }
        *self.shared.standing.borrow()
    }

    /// Takes over the calls of instances whose lease is dead, if there are any; one take-over
    /// at a time.
    async fn take_over_dead(&self) {
        if self.shared.taking_over.swap(true, Ordering::SeqCst) {
            return;
        }
        self.take_over_now().await;
        self.shared.taking_over.store(false, Ordering::SeqCst);
    }

    async fn take_over_now(&self) {
        match self.shared.store.orphans_exist().await {
            Ok(false) => return,
            Ok(true) => {}
            Err(e) => {
                tracing::warn!(error = %e, "looking for dead instances failed");
                return;
            }
        }
        if let Err(e) = self.resume(false).await {
            tracing::error!(error = %e, "taking over a dead instance's calls failed");
        }
        self.poke();
    }

    /// On PostgreSQL, listens for news from the other instances and the command line: an
    /// alert sent or stopped sweeps the alerts at once, a call that left the line looks again
    /// at what waited for it. `None` where the database cannot tell (SQLite) or the listening
    /// connection could not be opened; the loop then polls.
    pub(super) async fn listen(&self) -> Option<tokio::task::JoinHandle<()>> {
        let mut notices = match self.shared.store.listen().await {
            Ok(Some(notices)) => notices,
            Ok(None) => return None,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for news from other instances; polling");
                return None;
            }
        };
        let dispatcher = self.clone();
        Some(tokio::spawn(async move {
            let mut broken = false;
            loop {
                match notices.next().await {
                    Ok(Some(notice)) => {
                        broken = false;
                        dispatcher.heard(notice);
                    }
                    Ok(None) => {}
                    Err(e) => {
                        if !broken {
                            tracing::warn!(error = %e, "listening for news broke; reconnecting");
                        }
                        broken = true;
                        // What was said meanwhile is lost: look at everything once.
                        dispatcher.heard(Notice::Alerts);
                        dispatcher.heard(Notice::Line);
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        }))
    }

    fn heard(&self, notice: Notice) {
        match notice {
            Notice::Alerts => self.shared.alerts_changed.store(true, Ordering::SeqCst),
            Notice::Line => self.board().schedule.line_freed(),
        }
        self.poke();
    }

    /// The lease is lost: every call ends now, and the dispatcher stops.
    pub(super) async fn fenced(&self) -> Result<(), ChainError> {
        self.board().stop(Stop::Now, |_| true);
        let all = u32::try_from(self.shared.settings.channels.max(1)).unwrap_or(u32::MAX);
        let channels = std::sync::Arc::clone(&self.shared.channels);
        let _ = tokio::time::timeout(Duration::from_secs(5), channels.acquire_many(all)).await;
        Err(ChainError::LeaseLost)
    }
}
