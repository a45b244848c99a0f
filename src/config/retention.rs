//! `[retention]`: how long each kind of personal record is kept before `serve`'s hourly
//! purge removes it (see `docs/PRIVACY.md` for why each period).

use super::{BadValue, ValueProblem};
use serde::Deserialize;
use std::time::Duration;

/// The shortest period: a purge must never race an alert still being followed.
const SHORTEST: Duration = Duration::from_secs(24 * 3600);

/// `[retention]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    /// Numbers dialled, from the attempt (default 180 days); the attempt itself stays. Texts
    /// members sent are deleted after as long.
    #[serde(default = "default_attempts", deserialize_with = "super::duration")]
    pub attempts: Duration,
    /// Texts and recordings of alerts that are over, from their end (default 1 year).
    #[serde(default = "default_alert_texts", deserialize_with = "super::duration")]
    pub alert_texts: Duration,
    /// Rendered speech in `speech.cache_dir` (default 30 days).
    #[serde(default = "default_speech_cache", deserialize_with = "super::duration")]
    pub speech_cache: Duration,
    /// The audit log (default 2 years).
    #[serde(default = "default_audit", deserialize_with = "super::duration")]
    pub audit: Duration,
    /// Webhook events sent or given up, and removed webhooks (default 30 days).
    #[serde(
        default = "default_webhook_events",
        deserialize_with = "super::duration"
    )]
    pub webhook_events: Duration,
}

impl Default for RetentionConfig {
    fn default() -> RetentionConfig {
        RetentionConfig {
            attempts: default_attempts(),
            alert_texts: default_alert_texts(),
            speech_cache: default_speech_cache(),
            audit: default_audit(),
            webhook_events: default_webhook_events(),
        }
    }
}

impl RetentionConfig {
    pub(super) fn check(&self) -> Result<(), BadValue> {
        for (key, period) in [
            ("retention.attempts", self.attempts),
            ("retention.alert_texts", self.alert_texts),
            ("retention.speech_cache", self.speech_cache),
            ("retention.audit", self.audit),
            ("retention.webhook_events", self.webhook_events),
        ] {
            if period < SHORTEST {
                return Err(BadValue::new(key, ValueProblem::TooShort(SHORTEST)));
            }
        }
        Ok(())
    }
}

const DAY: u64 = 24 * 3600;

fn default_attempts() -> Duration {
    Duration::from_secs(180 * DAY)
}

fn default_alert_texts() -> Duration {
    Duration::from_secs(365 * DAY)
}

fn default_speech_cache() -> Duration {
    Duration::from_secs(30 * DAY)
}

fn default_audit() -> Duration {
    Duration::from_secs(730 * DAY)
}

fn default_webhook_events() -> Duration {
    Duration::from_secs(30 * DAY)
}

#[cfg(test)]
mod tests {
    use super::super::Config;
    use std::time::Duration;

    #[test]
    fn periods_have_defaults_and_a_least() {
        let config = Config::parse_without_trunk("", "t.toml").unwrap();
        assert_eq!(config.retention.attempts, Duration::from_secs(180 * 86400));
        assert_eq!(config.retention.audit, Duration::from_secs(730 * 86400));
        let config =
            Config::parse_without_trunk("[retention]\nspeech_cache = \"7d\"\n", "t.toml").unwrap();
        assert_eq!(
            config.retention.speech_cache,
            Duration::from_secs(7 * 86400)
        );
        let error = Config::parse_without_trunk("[retention]\naudit = \"1h\"\n", "t.toml")
            .unwrap_err()
            .to_string();
        assert!(error.contains("retention.audit"), "{error}");
    }
}
