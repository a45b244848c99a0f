//! Trunk limits shared by every call the process places: a channel limit (concurrent calls)
//! and a calls-per-second token bucket. A call waits for a channel first, then for a token,
//! so the trunk never sees more calls than it allows and never answers 503 for pace.
//!
//! Calls queue for the bucket in order and only the first in line holds a reservation, so a
//! call that gives up while queued (its alert was cancelled) leaves no slot behind: the next
//! alert's first call does not wait behind the pace of calls that were never placed.

use crate::telephony::clock;
use buurtbel_proto::time::Instant;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::{Mutex, MutexGuard, OwnedSemaphorePermit, Semaphore};

/// A token bucket, sans-IO: time is an argument.
///
/// Capacity is one token, so calls are spaced evenly and never burst. The spacing is `1/rate`
/// plus 1 %: a trunk counting CPS over any one-second window sees at most `rate` calls even
/// when timer and network jitter of a few milliseconds bring two INVITEs closer.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    interval: Duration,
    next_free: Option<Instant>,
}

impl TokenBucket {
    /// A bucket for `rate` calls per second (above zero).
    pub fn new(rate: f64) -> TokenBucket {
        TokenBucket {
            interval: Duration::from_nanos((1.01e9 / rate.max(0.001)).ceil() as u64),
            next_free: None,
        }
    }

    /// Takes a token: `Ok` when one is free at `now`, else `Err(when)` one will be. A caller
    /// that gets `Err(at)` has reserved the token at `at` and must wait until then.
    pub fn reserve(&mut self, now: Instant) -> Result<(), Instant> {
        let at = self.next_free.map_or(now, |free| free.max(now));
        self.next_free = Some(at + self.interval);
        if at <= now { Ok(()) } else { Err(at) }
    }

    /// Gives back the token reserved at `at`, if it is the last one reserved: its call was
    /// not placed.
    pub fn release(&mut self, at: Instant) {
        if self.next_free == Some(at + self.interval) {
            self.next_free = Some(at);
        }
    }
}

/// The first place in line for the bucket; a reservation not used by the time it is
/// dropped is given back.
struct Turn<'a> {
    bucket: MutexGuard<'a, TokenBucket>,
    reserved: Option<Instant>,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        if let Some(at) = self.reserved {
            self.bucket.release(at);
        }
    }
}

/// A pace shared with the trunk's other users (other gateways on one database): asked for
/// the next INVITE slot at the last moment, after this process's own bucket, so an INVITE
/// goes out at most a few milliseconds after a slot no other process holds.
pub trait SharedPace: Send + Sync + 'static {
    /// Reserves the next slot; how long until it comes.
    fn next_slot(&self) -> Pin<Box<dyn Future<Output = Duration> + Send + '_>>;
}

/// The limits of one trunk.
#[derive(Clone)]
pub struct TrunkLimits {
    channels: Arc<Semaphore>,
    bucket: Arc<Mutex<TokenBucket>>,
    shared: Arc<OnceLock<Arc<dyn SharedPace>>>,
}

impl std::fmt::Debug for TrunkLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrunkLimits")
            .field("channels", &self.channels)
            .field("bucket", &self.bucket)
            .field("shared", &self.shared.get().is_some())
            .finish()
    }
}

/// A held channel; dropping it frees the channel.
#[derive(Debug)]
pub struct Channel {
    _permit: OwnedSemaphorePermit,
}

impl TrunkLimits {
    /// `max_channels` concurrent calls, `max_cps` new calls per second.
    pub fn new(max_channels: u32, max_cps: f64) -> TrunkLimits {
        TrunkLimits {
            channels: Arc::new(Semaphore::new(max_channels as usize)),
            bucket: Arc::new(Mutex::new(TokenBucket::new(max_cps))),
            shared: Arc::default(),
        }
    }

    /// Also keeps to `pace`, shared with other processes; once, before the first call.
    pub fn share_pace(&self, pace: Arc<dyn SharedPace>) {
        let _ = self.shared.set(pace);
    }

    /// Waits for a free channel, then for the call's turn under the CPS limit.
    pub async fn acquire(&self) -> Channel {
        let permit = Arc::clone(&self.channels)
            .acquire_owned()
            .await
            .unwrap_or_else(|_| unreachable!("the channel semaphore is never closed"));
        // First in line: held while waiting for the token, so nobody behind reserves one.
        let mut turn = Turn {
            bucket: self.bucket.lock().await,
            reserved: None,
        };
        if let Err(at) = turn.bucket.reserve(clock::now()) {
            turn.reserved = Some(at);
            clock::sleep_until(at).await;
            turn.reserved = None;
        }
        if let Some(shared) = self.shared.get() {
            wait_for_shared_slot(shared.as_ref()).await;
        }
        Channel { _permit: permit }
    }

    /// Channels free right now.
    pub fn free_channels(&self) -> usize {
        self.channels.available_permits()
    }
}

/// How late after its slot an INVITE may still go out; one woken later (a busy machine)
/// takes another slot, so it never crowds the INVITEs of the slots after it.
pub const LATE_LIMIT: Duration = Duration::from_millis(20);

/// How many slots a process woken late takes before it goes with the last one anyway: a
/// machine too busy to wake on time must still place its calls.
const LATE_TRIES: u32 = 5;

/// Waits for a slot of the shared pace that this process can use on time. The database
/// chose the slot between the ask and the answer, so sleeping until `answered + wait` is
/// never early, and the lateness is counted from `asked + wait`, never less than it is.
async fn wait_for_shared_slot(shared: &dyn SharedPace) {
    for tries in 1..=LATE_TRIES {
        let asked = clock::tokio_now();
        let wait = shared.next_slot().await;
        let answered = clock::tokio_now();
        tokio::time::sleep_until(answered + wait).await;
        let late = clock::tokio_now().saturating_duration_since(asked + wait);
        if late <= LATE_LIMIT {
            return;
        }
        if tries == LATE_TRIES {
            tracing::warn!(
                late_ms = late.as_millis() as u64,
                "woken late for every INVITE slot; the trunk may count one call too many"
            );
            return;
        }
        tracing::debug!(
            late_ms = late.as_millis() as u64,
            "woken late for an INVITE slot"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// Where the bucket tests' virtual time starts.
    const START: Instant = Instant::from_origin(Duration::from_secs(1_000));

    /// A shared pace whose answer takes `answer_after` for the first `slow` asks, then none;
    /// every slot is `wait` away.
    struct Pace {
        asks: AtomicU32,
        slow: u32,
        answer_after: Duration,
        wait: Duration,
    }

    impl SharedPace for Pace {
        fn next_slot(&self) -> Pin<Box<dyn Future<Output = Duration> + Send + '_>> {
            Box::pin(async move {
                let ask = self.asks.fetch_add(1, Ordering::SeqCst);
                if ask < self.slow {
                    tokio::time::sleep(self.answer_after).await;
                }
                self.wait
            })
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_slot_used_late_is_given_up_for_the_next() {
        let pace = Pace {
            asks: AtomicU32::new(0),
            slow: 1,
            answer_after: Duration::from_millis(30),
            wait: Duration::from_millis(100),
        };
        let start = clock::tokio_now();
        wait_for_shared_slot(&pace).await;
        assert_eq!(pace.asks.load(Ordering::SeqCst), 2);
        // The first slot was reached 30 ms late; the second on time, 100 ms after the ask.
        assert_eq!(clock::tokio_now() - start, Duration::from_millis(230));
    }

    #[tokio::test(start_paused = true)]
    async fn a_process_always_late_goes_with_its_last_try() {
        let pace = Pace {
            asks: AtomicU32::new(0),
            slow: u32::MAX,
            answer_after: Duration::from_millis(25),
            wait: Duration::ZERO,
        };
        wait_for_shared_slot(&pace).await;
        assert_eq!(pace.asks.load(Ordering::SeqCst), LATE_TRIES);
    }

    #[test]
    fn bucket_spaces_calls_evenly() {
        let mut bucket = TokenBucket::new(4.0);
        assert_eq!(bucket.reserve(START), Ok(()));
        let turns: Vec<_> = (0..3)
            .map(|_| bucket.reserve(START).unwrap_err() - START)
            .collect();
        assert_eq!(
            turns,
            [252_500, 505_000, 757_500].map(Duration::from_micros)
        );
    }

    #[test]
    fn bucket_never_exceeds_rate_in_any_window() {
        let mut bucket = TokenBucket::new(3.0);
        let mut times = Vec::new();
        for i in 0..30u64 {
            let now = START + Duration::from_millis(i * 37);
            times.push(bucket.reserve(now).err().unwrap_or(now));
        }
        for (i, t) in times.iter().enumerate() {
            let in_window = times[i..]
                .iter()
                .filter(|u| **u < *t + Duration::from_secs(1))
                .count();
            assert!(in_window <= 3, "window at {i} holds {in_window}");
        }
    }

    #[test]
    fn a_released_token_goes_to_the_next_call() {
        let mut bucket = TokenBucket::new(10.0);
        assert!(bucket.reserve(START).is_ok());
        let at = bucket.reserve(START).unwrap_err();
        bucket.release(at);
        assert_eq!(bucket.reserve(START), Err(at));
    }

    #[test]
    fn idle_bucket_does_not_save_up_a_burst() {
        let mut bucket = TokenBucket::new(2.0);
        assert!(bucket.reserve(START).is_ok());
        let later = START + Duration::from_secs(10);
        assert!(bucket.reserve(later).is_ok());
        assert!(bucket.reserve(later).is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn calls_that_give_up_in_line_leave_no_slot_behind() {
        let limits = TrunkLimits::new(100, 10.0);
        let _first = limits.acquire().await;
        // Twenty calls queue for the pace, then their alert is cancelled.
        let queued: Vec<_> = (0..20)
            .map(|_| {
                let limits = limits.clone();
                tokio::spawn(async move { limits.acquire().await })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(10)).await;
        for call in &queued {
            call.abort();
        }
        let start = clock::tokio_now();
        let _next = limits.acquire().await;
        let waited = clock::tokio_now() - start;
        assert!(
            waited <= Duration::from_millis(100),
            "the next call waits at most one interval, not twenty: {waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn queued_calls_keep_the_pace() {
        let limits = TrunkLimits::new(100, 10.0);
        let start = clock::tokio_now();
        let mut times = Vec::new();
        for _ in 0..5 {
            let _call = limits.acquire().await;
            times.push(clock::tokio_now() - start);
        }
        assert_eq!(times, [0, 101, 202, 303, 404].map(Duration::from_millis));
    }

    #[tokio::test(start_paused = true)]
    async fn channel_limit_holds() {
        let limits = TrunkLimits::new(2, 1000.0);
        let a = limits.acquire().await;
        let _b = limits.acquire().await;
        assert_eq!(limits.free_channels(), 0);
        let waiting = tokio::time::timeout(Duration::from_millis(50), limits.acquire()).await;
        assert!(waiting.is_err(), "third call waits for a channel");
        drop(a);
        let _c = limits.acquire().await;
    }
}
