//! `[sms] per_second`: a token bucket that holds one token and gains one every
//! `1 / per_second`, so messages leave evenly spaced and no second ever holds more than the
//! provider allows. Each message reserves the next free slot, so concurrent senders queue in
//! order instead of racing for the same token.
//!
//! Pure: time is an argument.

use buurtbel_proto::time::Instant;
use std::time::Duration;

const NANOS_PER_SECOND: u64 = 1_000_000_000;

/// The slots messages may leave in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pacer {
    interval: Duration,
    /// When the bucket next holds a token; `None` before the first message.
    next: Option<Instant>,
}

impl Pacer {
    /// At most `per_second` messages a second (at least one).
    pub fn new(per_second: u32) -> Pacer {
        Pacer {
            // Rounded up: three slots of 333.333333 ms would put a fourth message in the second.
            interval: Duration::from_nanos(NANOS_PER_SECOND.div_ceil(u64::from(per_second.max(1)))),
            next: None,
        }
    }

    /// Takes the next slot for a message ready at `now`: how long it must wait for it (zero
    /// when the token is there).
    pub fn reserve(&mut self, now: Instant) -> Duration {
        let slot = match self.next {
            Some(next) if next > now => next,
            _ => now,
        };
        self.next = slot.checked_add(self.interval).or(Some(slot));
        slot.saturating_duration_since(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: u64) -> Instant {
        Instant::ZERO + Duration::from_millis(ms)
    }

    #[test]
    fn messages_ready_at_once_leave_evenly_spaced() {
        let mut pacer = Pacer::new(4);
        let waits: Vec<u64> = (0..4)
            .map(|_| pacer.reserve(at(1000)).as_millis() as u64)
            .collect();
        assert_eq!(waits, [0, 250, 500, 750]);
    }

    #[test]
    fn a_pause_refills_one_token_and_no_more() {
        let mut pacer = Pacer::new(10);
        assert_eq!(pacer.reserve(at(0)), Duration::ZERO);
        assert_eq!(pacer.reserve(at(50)), Duration::from_millis(50));
        // Slots were taken up to 200 ms; after the pause one token waits, and only one.
        assert_eq!(pacer.reserve(at(5000)), Duration::ZERO);
        assert_eq!(pacer.reserve(at(5000)), Duration::from_millis(100));
        assert_eq!(pacer.reserve(at(5150)), Duration::from_millis(50));
    }

    #[test]
    fn no_second_holds_more_than_the_rate() {
        let mut pacer = Pacer::new(3);
        let mut sent = Vec::new();
        for ready in [0, 0, 0, 0, 0, 400, 900, 900, 2000] {
            let now = at(ready);
            sent.push(now + pacer.reserve(now));
        }
        for (i, start) in sent.iter().enumerate() {
            let window = sent
                .iter()
                .skip(i)
                .filter(|t| t.saturating_duration_since(*start) < Duration::from_secs(1))
                .count();
            assert!(window <= 3, "{sent:?}");
        }
    }

    #[test]
    fn a_rate_of_zero_is_read_as_one() {
        let mut pacer = Pacer::new(0);
        pacer.reserve(at(0));
        assert_eq!(pacer.reserve(at(0)), Duration::from_secs(1));
    }
}
