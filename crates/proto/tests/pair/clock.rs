//! Virtual time: the one place that names the harness's time type.
//!
//! Everything else counts in `Duration` since the start; only the `Call` sees instants,
//! made here.

use std::time::Duration;

/// The instant type `Call` takes.
pub type Instant = buurtbel_proto::time::Instant;

/// The start of virtual time. Its value never matters, only offsets from it.
pub fn epoch() -> Instant {
    Instant::ZERO
}

/// How long after `start` the instant `at` is (zero for an instant before it).
pub fn since(start: Instant, at: Instant) -> Duration {
    at.saturating_duration_since(start)
}

/// Milliseconds, the unit the tests speak in.
pub fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}
