//! The one place the process reads a clock.
//!
//! Everything else takes time as an argument: the state machines of `buurtbel-proto` are
//! handed a [`buurtbel_proto::time::Instant`], the chain its epoch milliseconds. The
//! workspace's `clippy.toml` (and proto's) forbid the standard library's, tokio's and jiff's
//! clock reads and `std::thread::sleep`; this crate's own `clippy.toml` does not, so reading
//! the clock anywhere else means calling in here.
//!
//! One monotonic clock: [`now`] reads the tokio runtime's clock, which is the monotonic clock
//! except under a paused test runtime (`tokio::time::pause`, `start_paused`), where it is
//! virtual; outside a runtime it is the monotonic clock. So the instants handed to the state
//! machines, the deadlines the driver sleeps until ([`deadline`], [`sleep_until`]) and
//! [`tokio_now`] always agree: a timer that fires finds [`now`] at or past its deadline,
//! paused or not.
//!
//! A proto instant is the time since a process-wide origin, fixed the first time anyone asks.
//! The origin lies [`HEADROOM`] before that first read (where the platform's monotonic clock
//! reaches back that far), so that instants the runtime took before it still come after the
//! origin and keep their distances: a paused test runtime's clock starts when the runtime is
//! built, which may be before the test first reads the clock.
//!
//! The wall clock ([`unix_time`], [`epoch_ms`]) is read for what is dated: alerts, deliveries,
//! log lines. It is never used to time anything, since it may step (NTP).
#![warn(missing_docs)]

use buurtbel_proto::time::Instant;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long before the process first reads the clock its origin lies.
pub const HEADROOM: Duration = Duration::from_secs(24 * 60 * 60);

/// A deadline no timer reaches: a proto instant too far out for the runtime's clock.
const FAR_FUTURE: Duration = Duration::from_secs(30 * 365 * 24 * 60 * 60);

/// Now, on the runtime's clock, as the state machines take it.
pub fn now() -> Instant {
    from_tokio(tokio_now())
}

/// How long ago `since` was; zero if it is still to come.
pub fn elapsed(since: Instant) -> Duration {
    now().saturating_duration_since(since)
}

/// The runtime's current instant: virtual under a paused test runtime.
pub fn tokio_now() -> tokio::time::Instant {
    tokio::time::Instant::now()
}

/// A runtime instant as a proto instant.
pub fn from_tokio(at: tokio::time::Instant) -> Instant {
    Instant::from_origin(at.into_std().saturating_duration_since(origin()))
}

/// A proto instant as a runtime instant, to sleep until.
pub fn deadline(at: Instant) -> tokio::time::Instant {
    let origin = origin();
    let at = origin
        .checked_add(at.since_origin())
        .or_else(|| origin.checked_add(FAR_FUTURE))
        .unwrap_or(origin);
    tokio::time::Instant::from_std(at)
}

/// Sleeps until `at`; at once if it has passed.
pub async fn sleep_until(at: Instant) {
    tokio::time::sleep_until(deadline(at)).await;
}

/// Blocks the calling thread for `duration`: for threads outside the runtime that poll (a
/// child process, a file), never for a task.
pub fn sleep_blocking(duration: Duration) {
    std::thread::sleep(duration);
}

/// The wall clock: time since the Unix epoch; zero if the system clock says before it.
pub fn unix_time() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// The wall clock, epoch milliseconds: read once when the chain starts, which then counts
/// on from it with the monotonic clock.
pub fn epoch_ms() -> i64 {
    i64::try_from(unix_time().as_millis()).unwrap_or(i64::MAX)
}

fn origin() -> std::time::Instant {
    static ORIGIN: OnceLock<std::time::Instant> = OnceLock::new();
    *ORIGIN.get_or_init(|| {
        let first_read = std::time::Instant::now();
        first_read.checked_sub(HEADROOM).unwrap_or(first_read)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn now_follows_a_paused_runtime() {
        let start = now();
        tokio::time::sleep(Duration::from_secs(90)).await;
        assert_eq!(now() - start, Duration::from_secs(90));
        assert_eq!(elapsed(start), Duration::from_secs(90));
        assert_eq!(from_tokio(tokio_now()), now());
    }

    #[tokio::test(start_paused = true)]
    async fn a_sleep_until_a_proto_instant_ends_there() {
        let at = now() + Duration::from_millis(250);
        sleep_until(at).await;
        assert!(now() >= at);
        assert!(
            now() - at < Duration::from_millis(1),
            "the timer's resolution"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn instants_taken_before_the_first_read_keep_their_distance() {
        let before = tokio_now();
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(now() - from_tokio(before), Duration::from_millis(20));
    }

    #[test]
    fn deadlines_round_trip() {
        let at = now() + Duration::from_secs(5);
        assert_eq!(from_tokio(deadline(at)), at);
        assert!(deadline(Instant::from_origin(Duration::MAX)) > deadline(at));
    }

    #[test]
    fn the_wall_clock_is_after_2020() {
        assert!(epoch_ms() > 1_577_836_800_000);
    }
}
