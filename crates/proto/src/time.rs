//! Monotonic time as the state machines see it: how long after an origin the driver chose.
//!
//! The state machines never read a clock; they are handed an [`Instant`] with every input and
//! answer with the [`Instant`] of their next timer. This type is not `std::time::Instant` on
//! purpose: it has no `now()`, so code in this crate cannot read the clock even by accident,
//! and tests build their instants from plain durations ([`Instant::ZERO`] plus whatever time
//! they let pass), so virtual time starts at the same point in every run. The driver maps its
//! clock onto it by choosing the origin (`buurtbel-clock`).
//!
//! Arithmetic follows `std::time::Instant`: adding or subtracting a [`Duration`] panics on
//! overflow, `checked_*` does not, and the distance between two instants saturates at zero
//! when the earlier one is later.

use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::time::Duration;

/// A moment, as the time since the driver's origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant(Duration);

impl Instant {
    /// The origin itself.
    pub const ZERO: Instant = Instant(Duration::ZERO);

    /// The moment `since` after the origin.
    pub const fn from_origin(since: Duration) -> Instant {
        Instant(since)
    }

    /// How long after the origin this moment is.
    pub const fn since_origin(self) -> Duration {
        self.0
    }

    /// How long after `earlier` this moment is; zero if `earlier` is later.
    pub fn duration_since(self, earlier: Instant) -> Duration {
        self.saturating_duration_since(earlier)
    }

    /// How long after `earlier` this moment is; `None` if `earlier` is later.
    pub fn checked_duration_since(self, earlier: Instant) -> Option<Duration> {
        self.0.checked_sub(earlier.0)
    }

    /// How long after `earlier` this moment is; zero if `earlier` is later.
    pub fn saturating_duration_since(self, earlier: Instant) -> Duration {
        self.0.saturating_sub(earlier.0)
    }

    /// The moment `duration` later, if it can be represented.
    pub fn checked_add(self, duration: Duration) -> Option<Instant> {
        self.0.checked_add(duration).map(Instant)
    }

    /// The moment `duration` earlier, if it is not before the origin.
    pub fn checked_sub(self, duration: Duration) -> Option<Instant> {
        self.0.checked_sub(duration).map(Instant)
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;

    /// # Panics
    /// When the sum overflows, as `std::time::Instant` does.
    fn add(self, duration: Duration) -> Instant {
        self.checked_add(duration)
            .expect("overflow when adding duration to instant")
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, duration: Duration) {
        *self = *self + duration;
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;

    /// # Panics
    /// When the result would lie before the origin.
    fn sub(self, duration: Duration) -> Instant {
        self.checked_sub(duration)
            .expect("overflow when subtracting duration from instant")
    }
}

impl SubAssign<Duration> for Instant {
    fn sub_assign(&mut self, duration: Duration) {
        *self = *self - duration;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;

    /// The time between the two, zero if `earlier` is later (as `std::time::Instant`).
    fn sub(self, earlier: Instant) -> Duration {
        self.saturating_duration_since(earlier)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const START: Instant = Instant::from_origin(Duration::from_secs(100));

    #[test]
    fn arithmetic_follows_std() {
        let later = START + Duration::from_millis(1_500);
        assert_eq!(later - START, Duration::from_millis(1_500));
        assert_eq!(START - later, Duration::ZERO, "saturates");
        assert_eq!(later.duration_since(START), Duration::from_millis(1_500));
        assert_eq!(START.checked_duration_since(later), None);
        assert_eq!(later - Duration::from_millis(1_500), START);
        let mut moving = START;
        moving += Duration::from_secs(1);
        moving -= Duration::from_millis(250);
        assert_eq!(moving.since_origin(), Duration::from_millis(100_750));
    }

    #[test]
    fn checked_arithmetic_stays_in_range() {
        assert_eq!(Instant::ZERO.checked_sub(Duration::from_nanos(1)), None);
        assert_eq!(
            START.checked_sub(Duration::from_secs(100)),
            Some(Instant::ZERO)
        );
        assert_eq!(START.checked_add(Duration::MAX), None);
        assert!(START < START + Duration::from_nanos(1));
    }
}
