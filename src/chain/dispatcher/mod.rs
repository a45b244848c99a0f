//! The dispatcher: turns sending alerts into calls.
//!
//! One loop ([`Dispatcher::run`]) looks at the alerts now and then (new ones, expiry,
//! completion) and, whenever a channel is free, takes the due deliveries (urgent first) and
//! starts one task per call. A number is dialled once at a time: a call to a number several
//! members of the alert share (a household landline) serves all their deliveries that have a
//! try scheduled, and a delivery whose number is in use waits for that call to end. Each
//! task commits `begin_call` (an attempt per delivery served) before the INVITE, commits the
//! acknowledgement of every member the call reached the moment the call confirms, and commits
//! `finish_call` with the retry policy's decision for each member when the call is over; each
//! change is then published on [`Events`]. Nothing is kept only in memory: after a crash,
//! [`Dispatcher::run`] finishes the calls that were in flight as failed attempts and carries
//! on from the database.
//!
//! Acknowledgements from other channels and cancellations go through [`Dispatcher`] too, so
//! a ringing call for that alert, or one that no longer serves anybody unconfirmed, is
//! cancelled at once.

mod alerts;
mod attempt;
mod dispatch;
mod instance;
mod lines;
#[cfg(test)]
mod tests;

use crate::chain::caller::{Caller, Stop};
use crate::chain::clock::ChainClock;
use crate::chain::events::{ChainEvent, Events};
use crate::chain::lease::Standing;
use crate::chain::program_source::ProgramSource;
use crate::store::{
    AckHow, Alert, AlertId, AlertKind, AlertState, MemberId, NewAlert, Store, StoreError,
    TrunkLedger,
};
use buurtbel_proto::policy::RetryPolicy;
use buurtbel_proto::quiet;
use jiff::tz::TimeZone;
use lines::Lines;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::{Notify, Semaphore, watch};

/// After a failed look at the due deliveries, when to look again.
const RETRY_AFTER_ERROR_MS: i64 = 1_000;

/// How the dispatcher behaves.
#[derive(Debug, Clone)]
pub struct ChainSettings {
    /// Calls at once (the trunk's channels).
    pub channels: usize,
    /// Retry rules where a network has none of its own.
    pub retry: RetryPolicy,
    /// Default quiet hours for non-urgent alerts, minutes of the day.
    pub quiet_hours: (u32, u32),
    /// The networks' time zone.
    pub zone: TimeZone,
    /// How long an urgent alert without its own expiry keeps calling.
    pub urgent_expiry: Duration,
    /// How often alerts are looked at: new ones sent by another process, expiry.
    pub sweep: Duration,
    /// Between sweeps, how often to look only for alerts another process sent or stopped
    /// (`alert send`, `alert cancel`); a look that finds one sweeps at once.
    pub look: Option<Duration>,
    /// Members in the first page of deliveries (small: the first calls go out sooner).
    pub first_page: u32,
    /// Members per page at most; pages double from the first up to this.
    pub page: u32,
    /// At shutdown, how long calls in progress may go on before they are ended.
    pub drain: Duration,
    /// How often alerts are looked at while the database tells of changes (PostgreSQL's
    /// `NOTIFY`): only a fallback for news lost while the listening connection was down.
    pub listening_sweep: Duration,
    /// The trunk's shared ledger: calls on the line and calls per second across every
    /// instance on the database.
    pub trunk: TrunkLedger,
}

impl Default for ChainSettings {
    fn default() -> ChainSettings {
        ChainSettings {
            channels: 30,
            retry: RetryPolicy::default(),
            quiet_hours: quiet::DEFAULT_QUIET,
            zone: quiet::brussels(),
            urgent_expiry: Duration::from_secs(30 * 60),
            sweep: Duration::from_secs(1),
            look: None,
            first_page: 100,
            page: 1000,
            drain: Duration::from_secs(120),
            listening_sweep: Duration::from_secs(5),
            trunk: TrunkLedger {
                name: "trunk".to_owned(),
                max_channels: 30,
                max_cps: None,
            },
        }
    }
}

/// Why the chain could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The database.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The instance lost its lease: its calls were ended and it stopped, so that another
    /// instance can take them over.
    #[error("the instance's lease was lost (the database did not renew it); calls ended")]
    LeaseLost,
}

/// Runs the alert chain; cheap to clone.
pub struct Dispatcher<C, P> {
    shared: Arc<Shared<C, P>>,
}

impl<C, P> Clone for Dispatcher<C, P> {
    fn clone(&self) -> Self {
        Dispatcher {
            shared: Arc::clone(&self.shared),
        }
    }
}

struct Shared<C, P> {
    store: Store,
    caller: C,
    programs: P,
    events: Events,
    clock: ChainClock,
    settings: ChainSettings,
    wake: Notify,
    channels: Arc<Semaphore>,
    lines: Mutex<Lines>,
    alerts: Mutex<HashMap<AlertId, AlertRun>>,
    working: Arc<AtomicUsize>,
    /// A new alert was sent here: look at the alerts on the next pass.
    alerts_changed: AtomicBool,
    /// The loop was woken and has not yet looked: it counts as working until it has, so a
    /// test's clock does not move in between.
    poked: AtomicBool,
    /// Where the instance stands with its lease; always live without one.
    standing: watch::Sender<Standing>,
    /// A take-over of dead instances' calls is under way.
    taking_over: AtomicBool,
}

/// Counts a piece of work under way (a loop pass, a write, a call being set up or recorded)
/// for [`Dispatcher::is_idle`].
struct Busy(Arc<AtomicUsize>);

impl Busy {
    fn new(working: &Arc<AtomicUsize>) -> Busy {
        working.fetch_add(1, Ordering::SeqCst);
        Busy(Arc::clone(working))
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What the dispatcher keeps about a sending alert.
#[derive(Debug, Clone)]
struct AlertRun {
    /// Every targeted member has a delivery.
    created: bool,
    /// Pages are being written.
    creating: bool,
    /// Its retry rules.
    policy: RetryPolicy,
}

impl<C: Caller, P: ProgramSource> Dispatcher<C, P> {
    /// A dispatcher over `store`, calling through `caller`.
    pub fn new(
        store: Store,
        caller: C,
        programs: P,
        events: Events,
        clock: ChainClock,
        settings: ChainSettings,
    ) -> Dispatcher<C, P> {
        let channels = Arc::new(Semaphore::new(settings.channels.max(1)));
        Dispatcher {
            shared: Arc::new(Shared {
                store,
                caller,
                programs,
                events,
                clock,
                settings,
                wake: Notify::new(),
                channels,
                lines: Mutex::new(Lines::default()),
                alerts: Mutex::new(HashMap::new()),
                working: Arc::new(AtomicUsize::new(0)),
                alerts_changed: AtomicBool::new(false),
                poked: AtomicBool::new(false),
                standing: watch::Sender::new(Standing::Live),
                taking_over: AtomicBool::new(false),
            }),
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.shared.store
    }

    /// The event stream.
    pub fn events(&self) -> &Events {
        &self.shared.events
    }

    /// The clock.
    pub fn clock(&self) -> &ChainClock {
        &self.shared.clock
    }

    /// Creates the alert (or finds it by its idempotency key) and starts sending it: an
    /// urgent alert without an expiry gets the default one. Deliveries are written page by
    /// page while the first calls already go out. The boolean is true when this created it.
    pub async fn send(&self, alert: NewAlert) -> Result<(Alert, bool), ChainError> {
        let _busy = self.busy();
        let now = self.shared.clock.now();
        let expiry = self.shared.settings.urgent_expiry;
        let (stored, created) = submit(&self.shared.store, alert, expiry, now).await?;
        if created && stored.state == AlertState::Sending {
            self.shared.events.publish(ChainEvent::AlertSending {
                alert: stored.id.to_string(),
            });
        }
        if stored.state == AlertState::Sending {
            self.start_creating(&stored.id);
            self.shared.alerts_changed.store(true, Ordering::SeqCst);
            self.poke();
        }
        Ok((stored, created))
    }

    /// Records an acknowledgement that came another way (SMS reply, callback, API) and stops
    /// a call to that member that is still ringing, unless it also serves someone else who
    /// has not confirmed (a shared number); true when it was the first.
    pub async fn acknowledge(
        &self,
        alert: &AlertId,
        member: &MemberId,
        how: AckHow,
    ) -> Result<bool, ChainError> {
        let _busy = self.busy();
        let now = self.shared.clock.now();
        let first = self
            .shared
            .store
            .acknowledge(alert, member, how, now)
            .await?;
        self.lines().settled(alert, member);
        if first {
            self.shared.events.publish(ChainEvent::Acknowledged {
                alert: alert.to_string(),
                member: member.to_string(),
                how: how.as_str().to_owned(),
            });
            self.check_complete(alert).await;
        }
        Ok(first)
    }

    /// Cancels the alert: no new calls, ringing ones are cancelled, calls being played end
    /// normally, the rest is marked `cancelled`. False when it was not sending.
    pub async fn cancel(&self, alert: &AlertId) -> Result<bool, ChainError> {
        let _busy = self.busy();
        self.stop_alert(alert, AlertState::Cancelled).await
    }

    /// Runs until `shutdown` completes, then stops starting calls, lets the calls in
    /// progress finish (at most [`ChainSettings::drain`], then ends them) and returns.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) -> Result<(), ChainError> {
        let busy = self.busy();
        self.resume(true).await?;
        drop(busy);
        let mut shutdown = std::pin::pin!(shutdown);
        let mut standing = self.shared.standing.subscribe();
        let listener = self.listen().await;
        let settings = &self.shared.settings;
        // The first look at a notice file sets what later looks compare with: before the
        // first sweep, so news between the two is not taken for the old state.
        let noticed = self.shared.store.alerts_noticed().is_some();
        let (sweep, look) = match (&listener, noticed) {
            (Some(_), _) => (millis(settings.listening_sweep), None),
            // Each look is a `stat` of the notice file, not a query.
            (None, true) => (millis(settings.listening_sweep), settings.look.map(millis)),
            (None, false) => (millis(settings.sweep), settings.look.map(millis)),
        };
        let mut next_sweep = i64::MIN;
        let mut next_look = i64::MIN;
        // When due deliveries next need taking, unless something wakes the loop sooner; a
        // look that finds nothing new takes nothing (and reads nothing).
        let mut next_dispatch = i64::MIN;
        let mut nudged = true;
        loop {
            let busy = self.busy();
            if self.shared.poked.swap(false, Ordering::SeqCst) {
                self.shared.working.fetch_sub(1, Ordering::SeqCst);
            }
            let now = self.shared.clock.now();
            let mut wake_at = now.saturating_add(sweep);
            if let Some(look) = look {
                if now >= next_look && now < next_sweep && self.alerts_moved().await {
                    next_sweep = now;
                }
                next_look = now.saturating_add(look);
                wake_at = wake_at.min(next_look);
            }
            let mut swept = false;
            if now >= next_sweep || self.shared.alerts_changed.swap(false, Ordering::SeqCst) {
                swept = true;
                match self.sweep(now).await {
                    Ok(expiry) => {
                        next_sweep = now.saturating_add(sweep).min(expiry.unwrap_or(i64::MAX))
                    }
                    Err(e) => tracing::error!(error = %e, "looking at the alerts failed"),
                }
            }
            wake_at = wake_at.min(next_sweep);
            if nudged || swept || now >= next_dispatch {
                next_dispatch = match self.dispatch(now).await {
                    Ok(next) => next.unwrap_or(i64::MAX),
                    Err(e) => {
                        tracing::error!(error = %e, "taking due deliveries failed");
                        now.saturating_add(RETRY_AFTER_ERROR_MS)
                    }
                };
            }
            wake_at = wake_at.min(next_dispatch);
            nudged = false;
            drop(busy);
            tokio::select! {
                () = &mut shutdown => break,
                () = self.shared.wake.notified() => nudged = true,
                () = self.shared.clock.sleep_until(wake_at) => {}
                Ok(()) = standing.changed() => {
                    if *standing.borrow_and_update() == Standing::Lost {
                        listener.inspect(tokio::task::JoinHandle::abort);
                        return self.fenced().await;
                    }
                    nudged = true;
                }
            }
        }
        listener.inspect(tokio::task::JoinHandle::abort);
        self.drain().await;
        Ok(())
    }

    /// Calls in progress.
    pub fn calls_in_progress(&self) -> usize {
        self.lines().calls()
    }

    /// True when the dispatcher only waits: for time to pass or for calls on the line. A
    /// test that moves a manual clock moves it only then, so no step is skipped.
    pub fn is_idle(&self) -> bool {
        self.shared.working.load(Ordering::SeqCst) == 0
    }

    fn busy(&self) -> Busy {
        Busy::new(&self.shared.working)
    }

    /// Wakes the loop for a look at once; until that look, the dispatcher is not idle.
    fn poke(&self) {
        if !self.shared.poked.swap(true, Ordering::SeqCst) {
            self.shared.working.fetch_add(1, Ordering::SeqCst);
        }
        self.shared.wake.notify_one();
    }

    /// Waits for the calls in progress, then ends those still going.
    async fn drain(&self) {
        let all = self.shared.settings.channels.max(1);
        let all = u32::try_from(all).unwrap_or(u32::MAX);
        let channels = Arc::clone(&self.shared.channels);
        let waited = tokio::time::timeout(self.shared.settings.drain, channels.acquire_many(all));
        if waited.await.is_ok() {
            return;
        }
        tracing::warn!(
            calls = self.calls_in_progress(),
            "ending the calls still in progress"
        );
        self.lines().stop(Stop::Now, |_| true);
        let _ = tokio::time::timeout(Duration::from_secs(10), channels.acquire_many(all)).await;
    }

    fn lines(&self) -> MutexGuard<'_, Lines> {
        self.shared
            .lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn alert_runs(&self) -> MutexGuard<'_, HashMap<AlertId, AlertRun>> {
        self.shared
            .alerts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Creates the alert (or finds it by its idempotency key) and marks it sending, for a
/// dispatcher to pick up, here or in another process; an urgent alert without an expiry gets
/// `urgent_expiry`. The boolean is true when this created it.
pub async fn submit(
    store: &Store,
    mut alert: NewAlert,
    urgent_expiry: Duration,
    now: i64,
) -> Result<(Alert, bool), ChainError> {
    if alert.kind == AlertKind::Urgent && alert.expires_at.is_none() {
        alert.expires_at = Some(now.saturating_add(millis(urgent_expiry)));
    }
    let (mut stored, created) = store.create_alert(alert, now).await?;
    if created
        && store
            .set_alert_state(&stored.id, &[AlertState::Draft], AlertState::Sending, now)
            .await?
    {
        stored.state = AlertState::Sending;
    }
    Ok((stored, created))
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
