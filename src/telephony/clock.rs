//! The one place the process reads the monotonic clock; everything below takes time as an
//! argument.

use std::time::Instant;

/// The current instant.
#[allow(clippy::disallowed_methods)]
pub fn now() -> Instant {
    Instant::now()
}

/// The wall clock, epoch milliseconds: read once when the chain starts, which then counts
/// on from it with the monotonic clock.
#[allow(clippy::disallowed_methods)]
pub fn epoch_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The runtime's current instant: virtual under a paused test runtime.
#[allow(clippy::disallowed_methods)]
pub fn tokio_now() -> tokio::time::Instant {
    tokio::time::Instant::now()
}
