//! Where an instance stands with its lease, from its own point of view.
//!
//! The lease's expiry is kept on the database's clock; the instance only knows when it sent
//! each renewal that succeeded. Since the database started the new lease after that moment,
//! the lease certainly runs until `sent + lease` on the instance's own clock, whatever the two
//! clocks say. From that the instance decides, without I/O and tested in virtual time:
//!
//! - **live**: the last renewal succeeded and is recent; calls may start;
//! - **doubtful**: a renewal failed or is overdue; no call starts (the instance fences
//!   itself at once), calls in progress go on;
//! - **lost**: the database refused a renewal (the lease had expired), or the lease may
//!   run out within `margin`: every call is ended now, so none is still on the line when
//!   another instance takes it over, and the instance stops.

use buurtbel_proto::time::Instant;
use std::time::Duration;

/// How an instance keeps its lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaseSettings {
    /// How long a lease lasts from a renewal, on the database's clock.
    pub lease: Duration,
    /// How often the lease is renewed (and dead instances looked for).
    pub renew_every: Duration,
    /// How long before the lease could run out every call is ended.
    pub margin: Duration,
}

impl Default for LeaseSettings {
    fn default() -> LeaseSettings {
        LeaseSettings {
            lease: Duration::from_secs(10),
            renew_every: Duration::from_secs(2),
            margin: Duration::from_secs(2),
        }
    }
}

/// The instance's standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Calls may start.
    Live,
    /// No call starts until a renewal succeeds.
    Doubtful,
    /// Every call ends now and the instance stops.
    Lost,
}

/// The lease as the instance sees it.
#[derive(Debug, Clone)]
pub struct LeaseClock {
    settings: LeaseSettings,
    /// When the last successful renewal was sent.
    renewed: Instant,
    failed: bool,
    refused: bool,
}

impl LeaseClock {
    /// A lease just granted by a registration sent at `sent`.
    pub fn new(settings: LeaseSettings, sent: Instant) -> LeaseClock {
        LeaseClock {
            settings,
            renewed: sent,
            failed: false,
            refused: false,
        }
    }

    /// A renewal sent at `sent` succeeded.
    pub fn renewed(&mut self, sent: Instant) {
        if !self.refused {
            self.renewed = self.renewed.max(sent);
            self.failed = false;
        }
    }

    /// A renewal could not be made (the database did not answer or failed).
    pub fn failed(&mut self) {
        self.failed = true;
    }

    /// The database refused the renewal: the lease had expired. Final.
    pub fn refused(&mut self) {
        self.refused = true;
    }

    /// The standing at `now`.
    pub fn standing(&self, now: Instant) -> Standing {
        let age = now.saturating_duration_since(self.renewed);
        let deadline = self.settings.lease.saturating_sub(self.settings.margin);
        if self.refused || age >= deadline {
            Standing::Lost
        } else if self.failed || age > self.settings.renew_every * 2 {
            Standing::Doubtful
        } else {
            Standing::Live
        }
    }

    /// When the standing next changes if nothing else happens: the moment a renewal becomes
    /// overdue, or the lease's deadline.
    pub fn next_change(&self, now: Instant) -> Instant {
        let deadline = self.settings.lease.saturating_sub(self.settings.margin);
        let overdue = self.renewed + self.settings.renew_every * 2;
        if now < overdue {
            overdue
        } else {
            self.renewed + deadline
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(start: Instant, ms: u64) -> Instant {
        start + Duration::from_millis(ms)
    }

    #[test]
    fn renewals_keep_it_live_and_a_silent_database_ends_the_calls_before_the_expiry() {
        let start = Instant::ZERO;
        let mut lease = LeaseClock::new(LeaseSettings::default(), start);
        assert_eq!(lease.standing(at(start, 1_900)), Standing::Live);
        lease.renewed(at(start, 2_000));
        assert_eq!(lease.standing(at(start, 5_900)), Standing::Live);
        // The database stops answering: no call starts at once, calls go on…
        lease.failed();
        assert_eq!(lease.standing(at(start, 4_000)), Standing::Doubtful);
        assert_eq!(lease.standing(at(start, 9_999)), Standing::Doubtful);
        // …until 2 s before the lease could run out (10 s after the last renewal was sent).
        assert_eq!(lease.standing(at(start, 10_000)), Standing::Lost);
    }

    #[test]
    fn an_overdue_renewal_fences_before_any_failure_is_reported() {
        let start = Instant::ZERO;
        let lease = LeaseClock::new(LeaseSettings::default(), start);
        assert_eq!(lease.standing(at(start, 4_000)), Standing::Live);
        assert_eq!(lease.next_change(at(start, 100)), at(start, 4_000));
        assert_eq!(lease.standing(at(start, 4_001)), Standing::Doubtful);
        assert_eq!(lease.next_change(at(start, 4_001)), at(start, 8_000));
        assert_eq!(lease.standing(at(start, 8_000)), Standing::Lost);
    }

    #[test]
    fn a_recovered_database_lets_calls_start_again_but_a_refusal_is_final() {
        let start = Instant::ZERO;
        let mut lease = LeaseClock::new(LeaseSettings::default(), start);
        lease.failed();
        assert_eq!(lease.standing(at(start, 3_000)), Standing::Doubtful);
        lease.renewed(at(start, 3_000));
        assert_eq!(lease.standing(at(start, 3_500)), Standing::Live);
        lease.refused();
        lease.renewed(at(start, 3_600));
        assert_eq!(lease.standing(at(start, 3_700)), Standing::Lost);
    }

    #[test]
    fn a_late_answer_to_an_old_renewal_does_not_move_the_lease_back() {
        let start = Instant::ZERO;
        let mut lease = LeaseClock::new(LeaseSettings::default(), start);
        lease.renewed(at(start, 4_000));
        lease.renewed(at(start, 2_000));
        assert_eq!(lease.standing(at(start, 7_000)), Standing::Live);
    }
}
