//! When the dispatch loop looks at the alerts, sweeps them and takes due deliveries, and
//! until when it sleeps. Pure: the shell says what time it is and what each step found, and
//! sleeps until [`Rhythm::wake_at`] unless something wakes it sooner.
//!
//! A sweep reads every sending alert (new ones, expiry, completion); between sweeps an
//! optional look asks only whether another process sent or stopped one, and news sweeps at
//! once. Due deliveries are taken after a wake-up, a sweep, or when the next try comes.

use crate::store::{Alert, AlertId};

/// After a failed look at the due deliveries, when to look again.
const RETRY_AFTER_ERROR_MS: i64 = 1_000;

/// The loop's timetable, epoch ms.
#[derive(Debug, Clone)]
pub(crate) struct Rhythm {
    sweep: i64,
    look: Option<i64>,
    next_sweep: i64,
    next_look: i64,
    /// When due deliveries next need taking, unless something wakes the loop sooner; a look
    /// that finds nothing new takes nothing (and reads nothing).
    next_dispatch: i64,
}

impl Rhythm {
    /// A sweep every `sweep` ms, and a look for news every `look` ms between sweeps; the
    /// first pass does everything.
    pub(crate) fn new(sweep: i64, look: Option<i64>) -> Rhythm {
        Rhythm {
            sweep,
            look,
            next_sweep: i64::MIN,
            next_look: i64::MIN,
            next_dispatch: i64::MIN,
        }
    }

    /// Whether to look for news now: a look is due and a sweep is not (it reads everything
    /// anyway). The next look is due a look's interval from now, either way.
    pub(crate) fn look(&mut self, now: i64) -> bool {
        let Some(look) = self.look else {
            return false;
        };
        let due = now >= self.next_look && now < self.next_sweep;
        self.next_look = now.saturating_add(look);
        due
    }

    /// A look found an alert sent or stopped elsewhere: sweep at once.
    pub(crate) fn news(&mut self, now: i64) {
        self.next_sweep = now;
    }

    /// Whether a sweep is due.
    pub(crate) fn sweep_due(&self, now: i64) -> bool {
        now >= self.next_sweep
    }

    /// A sweep at `now` found `expiry` the next alert's expiry: sweep again then, or after
    /// the interval. (A sweep that failed is due again at once.)
    pub(crate) fn swept(&mut self, now: i64, expiry: Option<i64>) {
        self.next_sweep = now
            .saturating_add(self.sweep)
            .min(expiry.unwrap_or(i64::MAX));
    }

    /// Whether to take due deliveries: after a wake-up, a sweep, or when a try comes due.
    pub(crate) fn dispatch_due(&self, now: i64, woken: bool, swept: bool) -> bool {
        woken || swept || now >= self.next_dispatch
    }

    /// Due deliveries were taken: the next look is at `next`, or when something wakes the
    /// loop.
    pub(crate) fn dispatched(&mut self, next: Option<i64>) {
        self.next_dispatch = next.unwrap_or(i64::MAX);
    }

    /// Taking due deliveries at `now` failed: try again a second later.
    pub(crate) fn dispatch_failed(&mut self, now: i64) {
        self.next_dispatch = now.saturating_add(RETRY_AFTER_ERROR_MS);
    }

    /// Until when the loop sleeps, unless woken sooner.
    pub(crate) fn wake_at(&self, now: i64) -> i64 {
        let at = now
            .saturating_add(self.sweep)
            .min(self.next_sweep)
            .min(self.next_dispatch);
        match self.look {
            Some(_) => at.min(self.next_look),
            None => at,
        }
    }
}

/// What a sweep does with the sending alerts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sweep {
    /// Past their expiry: stop them.
    pub(crate) expired: Vec<AlertId>,
    /// Still running: write their deliveries if needed, complete them if settled.
    pub(crate) running: Vec<AlertId>,
    /// The earliest expiry of those still running.
    pub(crate) next_expiry: Option<i64>,
}

/// Sorts the sending alerts at `now`: an alert expires at its expiry, not a moment later.
pub(crate) fn sweep(now: i64, sending: &[Alert]) -> Sweep {
    let mut sweep = Sweep {
        expired: Vec::new(),
        running: Vec::new(),
        next_expiry: None,
    };
    for alert in sending {
        match alert.expires_at {
            Some(at) if at <= now => sweep.expired.push(alert.id.clone()),
            at => {
                sweep.next_expiry = match (sweep.next_expiry, at) {
                    (Some(next), Some(at)) => Some(next.min(at)),
                    (next, at) => next.or(at),
                };
                sweep.running.push(alert.id.clone());
            }
        }
    }
    sweep
}
