//! Virtual time: the one place that names the harness's time type.
//!
//! Everything else counts in `Duration` since the start; only the `Call` sees instants,
//! made here. When buurtbel-proto gets its own `time::Instant`, the alias and these two
//! helpers are all that change.

use std::time::Duration;

/// The instant type `Call` takes.
pub type Instant = std::time::Instant;

/// The start of virtual time: the one clock read the tests make. Its value never matters,
/// only offsets from it. To be swapped for the proto-owned instant's own origin.
#[allow(clippy::disallowed_methods)]
pub fn epoch() -> Instant {
    std::time::Instant::now()
}

/// How long after `start` the instant `at` is (zero for an instant before it).
pub fn since(start: Instant, at: Instant) -> Duration {
    at.saturating_duration_since(start)
}

/// Milliseconds, the unit the tests speak in.
pub fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}
