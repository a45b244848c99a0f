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
//!
//! What to do and when is decided by the pure `schedule` module (which deliveries start a
//! call, wait, are postponed or given up; each delivery's next step after its call; when the
//! loop wakes), without I/O or a clock. The rest of this module is the tokio shell around it:
//! it reads the store and the clock, feeds the scheduler, writes what it decided (before
//! acting on it), places the calls and sleeps until the scheduler's wake-up.

mod alerts;
mod attempt;
mod board;
mod dispatch;
mod instance;
mod schedule;
#[cfg(test)]
mod tests;
mod texts;

pub use texts::{TextSettings, Texting};

use crate::chain::caller::{Caller, Stop};
use crate::chain::clock::ChainClock;
use crate::chain::events::{ChainEvent, Events};
use crate::chain::lease::Standing;
use crate::chain::program_source::ProgramSource;
use crate::sms::SmsSender;
use crate::store::{
    AckHow, Alert, AlertId, AlertKind, AlertState, Identification, MemberId, NewAlert, Store,
    StoreError, TrunkLedger,
};
use board::Board;
use buurtbel_proto::policy::RetryPolicy;
use buurtbel_proto::quiet;
use jiff::tz::TimeZone;
use schedule::{Rhythm, Scheduler};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;
use tokio::sync::{Notify, Semaphore, watch};

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
    /// How texts are sent, when there is a provider.
    pub texts: TextSettings,
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
            texts: TextSettings::default(),
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
    /// Wakes the texts' loop: a text became due.
    texts_wake: Notify,
    /// The SMS provider, once given.
    texting: OnceLock<Texting>,
    channels: Arc<Semaphore>,
    /// The scheduler and the calls on its line.
    board: Mutex<Board>,
    alerts: Mutex<HashMap<AlertId, AlertRun>>,
    /// A new alert was sent here: look at the alerts on the next pass.
    alerts_changed: AtomicBool,
    /// Where the instance stands with its lease; always live without one.
    standing: watch::Sender<Standing>,
    /// A take-over of dead instances' calls is under way.
    taking_over: AtomicBool,
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
        let schedule = Scheduler::new(settings.quiet_hours, settings.zone.clone());
        Dispatcher {
            shared: Arc::new(Shared {
                store,
                caller,
                programs,
                events,
                clock,
                settings,
                wake: Notify::new(),
                texts_wake: Notify::new(),
                texting: OnceLock::new(),
                channels,
                board: Mutex::new(Board::new(schedule)),
                alerts: Mutex::new(HashMap::new()),
                alerts_changed: AtomicBool::new(false),
                standing: watch::Sender::new(Standing::Live),
                taking_over: AtomicBool::new(false),
            }),
        }
    }

    /// Sends texts through `sender` (members who chose SMS, and `voice_then_sms` members whose
    /// calls did not get through); before [`Dispatcher::run`], once.
    pub fn with_texts(self, sender: Arc<dyn SmsSender>) -> Dispatcher<C, P> {
        let settings = self.shared.settings.texts.clone();
        if self
            .shared
            .texting
            .set(Texting { sender, settings })
            .is_err()
        {
            tracing::error!("the dispatcher's SMS provider was given twice; the first stays");
        }
        self
    }

    /// How texts are sent.
    fn text_settings(&self) -> &TextSettings {
        &self.shared.settings.texts
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.shared.store
    }

    /// Where calls get their programs.
    pub fn programs(&self) -> &P {
        &self.shared.programs
    }

    /// What places the calls.
    pub fn caller(&self) -> &C {
        &self.shared.caller
    }

    /// The event stream.
    pub fn events(&self) -> &Events {
        &self.shared.events
    }

    /// Now on the chain's clock, in epoch milliseconds.
    pub fn now_ms(&self) -> i64 {
        self.shared.clock.now()
    }

    /// The clock.
    pub fn clock(&self) -> &ChainClock {
        &self.shared.clock
    }

    /// Creates the alert (or finds it by its idempotency key) and starts sending it: an
    /// urgent alert without an expiry gets the default one. Deliveries are written page by
    /// page while the first calls already go out. The boolean is true when this created it.
    pub async fn send(&self, alert: NewAlert) -> Result<(Alert, bool), ChainError> {
        let now = self.shared.clock.now();
        let expiry = self.shared.settings.urgent_expiry;
        let (stored, created) = submit(&self.shared.store, alert, expiry, now).await?;
        if created && stored.state == AlertState::Sending {
            self.shared.events.publish(ChainEvent::AlertSending {
                alert: stored.id.to_string(),
            });
        }
        if stored.state == AlertState::Sending {
            self.take_up(&stored.id);
        }
        Ok((stored, created))
    }

    /// An alert that another path moved to `sending` (an approval of a held draft): its
    /// deliveries are written and its calls start now, without waiting for the next look.
    pub fn started(&self, alert: &AlertId) {
        self.shared.events.publish(ChainEvent::AlertSending {
            alert: alert.to_string(),
        });
        self.take_up(alert);
    }

    fn take_up(&self, alert: &AlertId) {
        self.start_creating(alert);
        self.shared.alerts_changed.store(true, Ordering::SeqCst);
        self.poke();
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
        self.acknowledge_identified(alert, member, how, None).await
    }

    /// [`Dispatcher::acknowledge`], recording how the member was identified (the call-back
    /// line: `Asserted` when the trunk vouched for the number, `From` when only the From
    /// header named it).
    pub async fn acknowledge_identified(
        &self,
        alert: &AlertId,
        member: &MemberId,
        how: AckHow,
        identified_by: Option<Identification>,
    ) -> Result<bool, ChainError> {
        let now = self.shared.clock.now();
        let first = self
            .shared
            .store
            .acknowledge_identified(alert, member, how, identified_by, now)
            .await?;
        self.board().settled(alert, member);
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
        self.stop_alert(alert, AlertState::Cancelled).await
    }

    /// Runs until `shutdown` completes, then stops starting calls, lets the calls in
    /// progress finish (at most [`ChainSettings::drain`], then ends them) and returns.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) -> Result<(), ChainError> {
        self.resume(true).await?;
        let mut shutdown = std::pin::pin!(shutdown);
        let mut standing = self.shared.standing.subscribe();
        let listener = self.listen().await;
        let (stop_texts, texts_stopped) = watch::channel(false);
        let texts = {
            let dispatcher = self.clone();
            tokio::spawn(async move { dispatcher.run_texts(texts_stopped).await })
        };
        let mut rhythm = self.rhythm(listener.is_some());
        let mut woken = true;
        loop {
            let now = self.shared.clock.now();
            self.pass(&mut rhythm, now, woken).await;
            woken = false;
            tokio::select! {
                () = &mut shutdown => break,
                () = self.shared.wake.notified() => woken = true,
                () = self.shared.clock.sleep_until(rhythm.wake_at(now)) => {}
                Ok(()) = standing.changed() => {
                    if *standing.borrow_and_update() == Standing::Lost {
                        listener.inspect(tokio::task::JoinHandle::abort);
                        texts.abort();
                        return self.fenced().await;
                    }
                    woken = true;
                }
            }
        }
        listener.inspect(tokio::task::JoinHandle::abort);
        let _ = stop_texts.send(true);
        self.drain().await;
        let _ = texts.await;
        Ok(())
    }

    /// Calls in progress.
    pub fn calls_in_progress(&self) -> usize {
        self.board().schedule.calls()
    }

    /// The loop's timetable: with the database telling of changes (PostgreSQL's `NOTIFY`),
    /// or beside a notice file, sweeps are only a fallback.
    fn rhythm(&self, listening: bool) -> Rhythm {
        let settings = &self.shared.settings;
        // The first look at a notice file sets what later looks compare with: before the
        // first sweep, so news between the two is not taken for the old state.
        let noticed = self.shared.store.alerts_noticed().is_some();
        match (listening, noticed) {
            (true, _) => Rhythm::new(millis(settings.listening_sweep), None),
            // Each look is a `stat` of the notice file, not a query.
            (false, true) => {
                Rhythm::new(millis(settings.listening_sweep), settings.look.map(millis))
            }
            (false, false) => Rhythm::new(millis(settings.sweep), settings.look.map(millis)),
        }
    }

    /// One pass of the loop at `now`: a look for news, a sweep, and taking due deliveries,
    /// each when the rhythm says.
    async fn pass(&self, rhythm: &mut Rhythm, now: i64, woken: bool) {
        if rhythm.look(now) && self.alerts_moved().await {
            rhythm.news(now);
        }
        let mut swept = false;
        if rhythm.sweep_due(now) || self.shared.alerts_changed.swap(false, Ordering::SeqCst) {
            swept = true;
            match self.sweep(now).await {
                Ok(expiry) => rhythm.swept(now, expiry),
                Err(e) => tracing::error!(error = %e, "looking at the alerts failed"),
            }
        }
        if rhythm.dispatch_due(now, woken, swept) {
            match self.dispatch(now).await {
                Ok(next) => rhythm.dispatched(next),
                Err(e) => {
                    tracing::error!(error = %e, "taking due deliveries failed");
                    rhythm.dispatch_failed(now);
                }
            }
        }
    }

    /// Wakes the loop for a pass at once.
    fn poke(&self) {
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
        self.board().stop(Stop::Now, |_| true);
        let _ = tokio::time::timeout(Duration::from_secs(10), channels.acquire_many(all)).await;
    }

    fn board(&self) -> MutexGuard<'_, Board> {
        self.shared
            .board
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
