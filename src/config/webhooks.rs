//! `[webhooks]`: how the courier posts events to the networks' webhooks, and how long it
//! keeps trying.

use super::{BadValue, ValueProblem};
use serde::Deserialize;
use std::time::Duration;

/// The longest time-out: a try must end well within the claim that covers it.
const LONGEST_TIMEOUT: Duration = Duration::from_secs(30);

/// `[webhooks]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhooksConfig {
    /// How long a receiver has to answer (default 10 s, at most 30 s).
    #[serde(default = "default_timeout", deserialize_with = "super::duration")]
    pub timeout: Duration,
    /// The wait before the first retry (default 5 s); each next wait doubles.
    #[serde(default = "default_first_retry", deserialize_with = "super::duration")]
    pub first_retry: Duration,
    /// The longest wait between tries (default 1 h).
    #[serde(default = "default_max_retry", deserialize_with = "super::duration")]
    pub max_retry: Duration,
    /// How long an event is tried before it is given up (default 24 h).
    #[serde(
        default = "default_give_up_after",
        deserialize_with = "super::duration"
    )]
    pub give_up_after: Duration,
}

impl Default for WebhooksConfig {
    fn default() -> WebhooksConfig {
        WebhooksConfig {
            timeout: default_timeout(),
            first_retry: default_first_retry(),
            max_retry: default_max_retry(),
            give_up_after: default_give_up_after(),
        }
    }
}

impl WebhooksConfig {
    pub(super) fn check(&self) -> Result<(), BadValue> {
        use ValueProblem::*;
        let shortest = Duration::from_secs(1);
        if self.timeout < shortest || self.timeout > LONGEST_TIMEOUT {
            let range = DurationOutOfRange(shortest, LONGEST_TIMEOUT);
            return Err(BadValue::new("webhooks.timeout", range));
        }
        if self.first_retry.is_zero() {
            return Err(BadValue::new("webhooks.first_retry", NoTime));
        }
        if self.max_retry < self.first_retry {
            return Err(BadValue::new(
                "webhooks.max_retry",
                TooShort(self.first_retry),
            ));
        }
        if self.give_up_after < self.first_retry {
            return Err(BadValue::new(
                "webhooks.give_up_after",
                TooShort(self.first_retry),
            ));
        }
        Ok(())
    }
}

fn default_timeout() -> Duration {
    Duration::from_secs(10)
}

fn default_first_retry() -> Duration {
    Duration::from_secs(5)
}

fn default_max_retry() -> Duration {
    Duration::from_secs(3600)
}

fn default_give_up_after() -> Duration {
    Duration::from_secs(24 * 3600)
}

#[cfg(test)]
mod tests {
    use super::super::Config;
    use std::time::Duration;

    #[test]
    fn timings_have_defaults_and_bounds() {
        let config = Config::parse_without_trunk("", "t.toml").unwrap();
        assert_eq!(config.webhooks.timeout, Duration::from_secs(10));
        assert_eq!(config.webhooks.give_up_after, Duration::from_secs(86400));
        let text = "[webhooks]\nfirst_retry = \"200ms\"\nmax_retry = \"1s\"\n";
        let config = Config::parse_without_trunk(text, "t.toml").unwrap();
        assert_eq!(config.webhooks.first_retry, Duration::from_millis(200));
        for (text, key) in [
            ("[webhooks]\ntimeout = \"1m\"\n", "webhooks.timeout"),
            ("[webhooks]\ntimeout = 0\n", "webhooks.timeout"),
            ("[webhooks]\nfirst_retry = 0\n", "webhooks.first_retry"),
            ("[webhooks]\nmax_retry = \"1s\"\n", "webhooks.max_retry"),
            (
                "[webhooks]\ngive_up_after = \"1s\"\n",
                "webhooks.give_up_after",
            ),
            ("[webhooks]\nretries = 3\n", "webhooks"),
        ] {
            let error = Config::parse_without_trunk(text, "t.toml")
                .unwrap_err()
                .to_string();
            assert!(error.contains(key), "{text}: {error}");
        }
    }
}
