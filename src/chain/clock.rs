//! The chain's time: epoch milliseconds.
//!
//! In service the clock reads the wall clock once at start and counts on with the runtime's
//! monotonic clock, so a step of the wall clock (NTP) never makes a retry fire early or
//! twice. Tests use a [`ManualTime`] instead: time stands still until the test moves it, so
//! an hour of retries runs in a moment and every wait is exact.

use crate::telephony::clock;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// Epoch milliseconds, from the runtime or moved by hand.
#[derive(Debug, Clone)]
pub struct ChainClock {
    source: Source,
}

#[derive(Debug, Clone)]
enum Source {
    Runtime { base: i64, origin: Instant },
    Manual(Arc<ManualTime>),
}

impl ChainClock {
    /// Starting from the wall clock now.
    pub fn system() -> ChainClock {
        ChainClock::starting_at(clock::epoch_ms())
    }

    /// The runtime's clock, calling this moment `epoch_ms`.
    pub fn starting_at(epoch_ms: i64) -> ChainClock {
        ChainClock {
            source: Source::Runtime {
                base: epoch_ms,
                origin: clock::tokio_now(),
            },
        }
    }

    /// A clock that stands at `epoch_ms` until moved through the returned handle.
    pub fn manual(epoch_ms: i64) -> (ChainClock, Arc<ManualTime>) {
        let time = Arc::new(ManualTime {
            now: watch::Sender::new(epoch_ms),
            sleepers: Mutex::new(Vec::new()),
        });
        let clock = ChainClock {
            source: Source::Manual(Arc::clone(&time)),
        };
        (clock, time)
    }

    /// Now, epoch ms.
    pub fn now(&self) -> i64 {
        match &self.source {
            Source::Runtime { base, origin } => {
                let since = clock::tokio_now().saturating_duration_since(*origin);
                let elapsed = i64::try_from(since.as_millis()).unwrap_or(i64::MAX);
                base.saturating_add(elapsed)
            }
            Source::Manual(time) => *time.now.borrow(),
        }
    }

    /// Sleeps until `at` (epoch ms); at once if it has passed.
    pub async fn sleep_until(&self, at: i64) {
        match &self.source {
            Source::Runtime { base, origin } => {
                let ahead = u64::try_from(at.saturating_sub(*base)).unwrap_or(0);
                tokio::time::sleep_until(*origin + Duration::from_millis(ahead)).await;
            }
            Source::Manual(time) => time.sleep_until(at).await,
        }
    }

    /// Sleeps for `duration`.
    pub async fn sleep(&self, duration: Duration) {
        let millis = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
        self.sleep_until(self.now().saturating_add(millis)).await;
    }
}

/// Time moved by hand; it knows who sleeps until when, so a test can move it to the next
/// moment anything happens.
#[derive(Debug)]
pub struct ManualTime {
    now: watch::Sender<i64>,
    sleepers: Mutex<Vec<i64>>,
}

impl ManualTime {
    /// Now, epoch ms.
    pub fn now(&self) -> i64 {
        *self.now.borrow()
    }

    /// The earliest moment someone sleeps until.
    pub fn next_wake(&self) -> Option<i64> {
        self.lock().iter().copied().min()
    }

    /// Moves time to `at` (never backwards) and wakes whoever's moment has come.
    pub fn advance_to(&self, at: i64) {
        self.now.send_if_modified(|now| {
            let moved = at > *now;
            *now = (*now).max(at);
            moved
        });
    }

    async fn sleep_until(&self, at: i64) {
        let mut now = self.now.subscribe();
        if *now.borrow() >= at {
            return;
        }
        let _sleeping = Sleeper::new(self, at);
        let _ = now.wait_for(|now| *now >= at).await;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<i64>> {
        self.sleepers.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A registered sleep, removed when it ends or is dropped.
struct Sleeper<'a> {
    time: &'a ManualTime,
    at: i64,
}

impl<'a> Sleeper<'a> {
    fn new(time: &'a ManualTime, at: i64) -> Sleeper<'a> {
        time.lock().push(at);
        Sleeper { time, at }
    }
}

impl Drop for Sleeper<'_> {
    fn drop(&mut self) {
        let mut sleepers = self.time.lock();
        if let Some(i) = sleepers.iter().position(|at| *at == self.at) {
            sleepers.swap_remove(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_runtime_clock_counts_on() {
        let clock = ChainClock::starting_at(1_000_000);
        assert_eq!(clock.now(), 1_000_000);
        clock.sleep_until(1_000_000 + 90_000).await;
        assert_eq!(clock.now(), 1_090_000);
        clock.sleep_until(0).await;
        assert_eq!(clock.now(), 1_090_000);
    }

    #[tokio::test]
    async fn manual_time_wakes_sleepers_when_moved() {
        let (clock, time) = ChainClock::manual(5_000);
        let sleeper = tokio::spawn({
            let clock = clock.clone();
            async move {
                clock.sleep_until(8_000).await;
                clock.now()
            }
        });
        while time.next_wake().is_none() {
            tokio::task::yield_now().await;
        }
        assert_eq!(time.next_wake(), Some(8_000));
        time.advance_to(7_000);
        assert!(!sleeper.is_finished());
        time.advance_to(8_000);
        assert_eq!(sleeper.await.unwrap(), 8_000);
        assert_eq!(time.next_wake(), None);
        time.advance_to(1);
        assert_eq!(clock.now(), 8_000, "never backwards");
    }
}
