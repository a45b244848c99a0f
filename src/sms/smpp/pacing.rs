//! How fast we may talk to the SMSC: the `submit_sm` rate and the wait between reconnections.
//!
//! Pure arithmetic: the time is always an argument, so the limits are tested exactly.

use buurtbel_proto::time::Instant;
use std::time::Duration;

/// `per_second` `submit_sm` a second at most, with a burst of up to one second's worth.
///
/// A token bucket kept as its theoretical arrival time (GCRA): the bucket is full when
/// `next` is at or before now; each `submit_sm` moves `next` one interval on; one may go
/// while `next` is no more than the burst ahead of now. Same behaviour as counting tokens,
/// without fractions.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    interval: Duration,
    burst: Duration,
    next: Option<Instant>,
}

impl TokenBucket {
    /// A bucket for `per_second` a second (at least 1).
    pub fn new(per_second: u32) -> TokenBucket {
        let per_second = per_second.max(1);
        let interval = Duration::from_secs(1) / per_second;
        TokenBucket {
            interval,
            // One token is the one being taken; the other `per_second - 1` are the burst.
            burst: interval * (per_second - 1),
            next: None,
        }
    }

    /// Takes a token at `now`, or says how long to wait before one is there.
    pub fn take(&mut self, now: Instant) -> Result<(), Duration> {
        let next = self.next.map_or(now, |next| next.max(now));
        let ready_at = next.checked_sub(self.burst).unwrap_or(now);
        if ready_at > now {
            return Err(ready_at - now);
        }
        self.next = Some(next + self.interval);
        Ok(())
    }
}

/// The first wait after the link drops or a bind fails.
pub const FIRST_RECONNECT: Duration = Duration::from_secs(1);

/// The wait after `current`: doubled, at most `max`.
pub fn next_reconnect(current: Duration, max: Duration) -> Duration {
    current
        .saturating_mul(2)
        .min(max)
        .max(FIRST_RECONNECT.min(max))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_full_bucket_lets_one_second_through_at_once_then_paces() {
        let start = Instant::ZERO + Duration::from_secs(5);
        let mut bucket = TokenBucket::new(4);
        for _ in 0..4 {
            assert_eq!(bucket.take(start), Ok(()));
        }
        assert_eq!(bucket.take(start), Err(ms(250)));
        assert_eq!(bucket.take(start + ms(100)), Err(ms(150)));
        assert_eq!(bucket.take(start + ms(250)), Ok(()));
        assert_eq!(bucket.take(start + ms(250)), Err(ms(250)));
    }

    #[test]
    fn an_idle_bucket_refills_but_not_beyond_its_size() {
        let start = Instant::ZERO + Duration::from_secs(5);
        let mut bucket = TokenBucket::new(2);
        assert_eq!(bucket.take(start), Ok(()));
        assert_eq!(bucket.take(start), Ok(()));
        assert!(bucket.take(start).is_err());
        let later = start + Duration::from_secs(60);
        assert_eq!(bucket.take(later), Ok(()));
        assert_eq!(bucket.take(later), Ok(()));
        assert_eq!(bucket.take(later), Err(ms(500)));
    }

    #[test]
    fn one_a_second_never_bursts() {
        let start = Instant::ZERO + Duration::from_secs(5);
        let mut bucket = TokenBucket::new(1);
        assert_eq!(bucket.take(start), Ok(()));
        assert_eq!(bucket.take(start + ms(999)), Err(ms(1)));
        assert_eq!(bucket.take(start + ms(1000)), Ok(()));
    }

    #[test]
    fn the_rate_over_a_long_run_is_the_configured_one() {
        let start = Instant::ZERO + Duration::from_secs(5);
        let mut bucket = TokenBucket::new(10);
        let mut now = start;
        let mut sent = 0;
        while now < start + Duration::from_secs(10) {
            match bucket.take(now) {
                Ok(()) => sent += 1,
                Err(wait) => now += wait,
            }
        }
        // The burst of 10 at once, then one every 100 ms from 0.1 s to 9.9 s.
        assert_eq!(sent, 10 + 99);
    }

    #[test]
    fn zero_per_second_is_read_as_one() {
        let start = Instant::ZERO + Duration::from_secs(5);
        let mut bucket = TokenBucket::new(0);
        assert_eq!(bucket.take(start), Ok(()));
        assert_eq!(bucket.take(start), Err(Duration::from_secs(1)));
    }

    #[test]
    fn reconnecting_waits_double_up_to_the_maximum() {
        let max = Duration::from_secs(60);
        let mut wait = FIRST_RECONNECT;
        let mut waits = vec![wait];
        for _ in 0..8 {
            wait = next_reconnect(wait, max);
            waits.push(wait);
        }
        let seconds: Vec<u64> = waits.iter().map(Duration::as_secs).collect();
        assert_eq!(seconds, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(next_reconnect(Duration::MAX, max), max);
    }
}
