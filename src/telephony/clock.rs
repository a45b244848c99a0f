//! The one place the process reads the monotonic clock; everything below takes time as an
//! argument.

use std::time::Instant;

/// The current instant.
#[allow(clippy::disallowed_methods)]
pub fn now() -> Instant {
    Instant::now()
}
