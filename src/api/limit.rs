//! Requests per token: a token bucket per token, `rate_limit` requests a minute with bursts up
//! to the same number, so a script gone wrong slows down instead of starving the dispatchers
//! using the same gateway. Time is an argument: the bucket reads no clock.

use crate::store::TokenId;
use buurtbel_proto::time::Instant;
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// The buckets of every token seen.
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<TokenId, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    /// `per_minute` requests a minute for each token.
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter {
            per_minute: per_minute.max(1),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from `token`'s bucket at `now`; when it is empty, how long until
    /// the next request is allowed.
    pub fn take(&self, token: &TokenId, now: Instant) -> Result<(), Duration> {
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let bucket = buckets.entry(token.clone()).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        let refill = now.saturating_duration_since(bucket.at).as_secs_f64() * per_second;
        bucket.tokens = (bucket.tokens + refill).min(capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_allowed_then_one_request_per_refill() {
        let limiter = RateLimiter::new(60);
        let token = TokenId("t".to_owned());
        let start = Instant::ZERO;
        for _ in 0..60 {
            assert!(limiter.take(&token, start).is_ok());
        }
        let wait = limiter.take(&token, start).unwrap_err();
        assert_eq!(wait, Duration::from_secs(1));
        assert!(
            limiter
                .take(&token, start + Duration::from_millis(999))
                .is_err()
        );
        assert!(limiter.take(&token, start + Duration::from_secs(2)).is_ok());
    }

    #[test]
    fn tokens_have_buckets_of_their_own() {
        let limiter = RateLimiter::new(1);
        let now = Instant::ZERO;
        assert!(limiter.take(&TokenId("a".to_owned()), now).is_ok());
        assert!(limiter.take(&TokenId("a".to_owned()), now).is_err());
        assert!(limiter.take(&TokenId("b".to_owned()), now).is_ok());
    }
}
