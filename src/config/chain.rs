//! `[database]` and `[chain]`: where the alert chain keeps its state and how it behaves.

use super::{BadValue, ValueProblem};
use buurtbel_proto::policy::RetryPolicy;
use serde::Deserialize;
use std::time::Duration;

/// `[database]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite:buurtbel.db` (default, a file beside the process) or `postgres://…`.
    #[serde(default = "default_url")]
    pub url: String,
}

impl Default for DatabaseConfig {
    fn default() -> DatabaseConfig {
        DatabaseConfig { url: default_url() }
    }
}

fn default_url() -> String {
    "sqlite:buurtbel.db".to_owned()
}

/// `[instance]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceConfig {
    /// This gateway's name among those on one database (`buurtbel status` shows it); by
    /// default the host's name. Two gateways on one host and one PostgreSQL need a name each.
    #[serde(default)]
    pub name: Option<String>,
}

impl InstanceConfig {
    pub(super) fn check(&self) -> Result<(), BadValue> {
        let problem = match &self.name {
            Some(name) if name.trim().is_empty() || name.len() > 64 => ValueProblem::Length(1, 64),
            Some(name) if name.chars().any(char::is_control) => ValueProblem::ControlCharacters,
            _ => return Ok(()),
        };
        Err(BadValue::new("instance.name", problem))
    }
}

/// `[chain]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainConfig {
    /// How long an urgent alert keeps calling (default 30 min).
    #[serde(default = "default_expiry", deserialize_with = "super::duration")]
    pub urgent_expiry: Duration,
    /// The longest an alert may be given to keep calling (`alert send --expires-in`),
    /// default 7 days.
    #[serde(default = "default_max_expiry", deserialize_with = "super::duration")]
    pub max_expiry: Duration,
    /// The default quiet hours for non-urgent messages, `"21:00-08:00"`.
    #[serde(default = "default_quiet_hours")]
    pub quiet_hours: String,
    /// The number members call back to hear a message again (spoken on voicemail); default
    /// `trunk.caller_id`.
    #[serde(default)]
    pub callback_number: String,
    /// Default retry rules; a network's own override these.
    #[serde(default, deserialize_with = "super::retry::policy")]
    pub retry: RetryPolicy,
}

impl Default for ChainConfig {
    fn default() -> ChainConfig {
        ChainConfig {
            urgent_expiry: default_expiry(),
            max_expiry: default_max_expiry(),
            quiet_hours: default_quiet_hours(),
            callback_number: String::new(),
            retry: RetryPolicy::default(),
        }
    }
}

impl ChainConfig {
    /// How long an alert asked to expire in `asked` keeps calling: longer than nothing and at
    /// most `max_expiry`, or what is wrong.
    pub fn expiry(&self, asked: Duration) -> Result<Duration, ExpiryError> {
        if asked.is_zero() {
            return Err(ExpiryError::Nothing);
        }
        if asked > self.max_expiry {
            return Err(ExpiryError::BeyondLongest {
                asked,
                longest: self.max_expiry,
            });
        }
        Ok(asked)
    }

    /// The expiries themselves, or the key that is wrong and why.
    pub(super) fn check_expiries(&self) -> Result<(), BadValue> {
        if self.max_expiry.is_zero() {
            return Err(BadValue::new("chain.max_expiry", ExpiryError::Nothing));
        }
        self.expiry(self.urgent_expiry)
            .map(|_| ())
            .map_err(|problem| BadValue::new("chain.urgent_expiry", problem))
    }

    /// The quiet hours as minutes of the day, or what is wrong with them.
    pub fn quiet_minutes(&self) -> Result<(u32, u32), QuietHoursError> {
        parse_quiet_hours(&self.quiet_hours)
    }
}

/// An expiry that cannot be given to an alert.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpiryError {
    /// No time at all.
    #[error("must be longer than 0")]
    Nothing,
    /// Longer than `chain.max_expiry`.
    #[error(
        "{} is longer than {} (chain.max_expiry)",
        humantime::format_duration(*.asked),
        humantime::format_duration(*.longest)
    )]
    BeyondLongest {
        /// The expiry asked for.
        asked: Duration,
        /// `chain.max_expiry`.
        longest: Duration,
    },
}

/// Quiet hours not written as `"21:00-08:00"`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not like \"21:00-08:00\"")]
pub struct QuietHoursError {
    /// What was written.
    pub text: String,
}

/// `"21:00-08:00"` as minutes of the day.
pub fn parse_quiet_hours(text: &str) -> Result<(u32, u32), QuietHoursError> {
    let bad = || QuietHoursError {
        text: text.to_owned(),
    };
    let (start, end) = text.split_once('-').ok_or_else(bad)?;
    let minutes = |t: &str| -> Result<u32, QuietHoursError> {
        let (h, m) = t.trim().split_once(':').ok_or_else(bad)?;
        let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if h > 23 || m > 59 {
            return Err(bad());
        }
        Ok(h * 60 + m)
    };
    Ok((minutes(start)?, minutes(end)?))
}

fn default_expiry() -> Duration {
    Duration::from_secs(30 * 60)
}

fn default_max_expiry() -> Duration {
    Duration::from_secs(7 * 24 * 3600)
}

fn default_quiet_hours() -> String {
    "21:00-08:00".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_expiry_is_positive_and_at_most_the_ceiling() {
        let chain = ChainConfig::default();
        let day = Duration::from_secs(24 * 3600);
        assert_eq!(chain.expiry(day), Ok(day));
        assert_eq!(chain.expiry(7 * day), Ok(7 * day));
        assert!(chain.expiry(Duration::ZERO).is_err());
        let refused = chain.expiry(8 * day).unwrap_err().to_string();
        assert_eq!(refused, "8days is longer than 7days (chain.max_expiry)");
        let tight = ChainConfig {
            max_expiry: Duration::from_secs(600),
            ..ChainConfig::default()
        };
        assert_eq!(
            tight.check_expiries().unwrap_err().key,
            "chain.urgent_expiry"
        );
    }

    #[test]
    fn quiet_hours_parse_and_bad_ones_are_named() {
        assert_eq!(parse_quiet_hours("21:00-08:00"), Ok((1260, 480)));
        assert_eq!(parse_quiet_hours(" 7:30 - 9:05 "), Ok((450, 545)));
        for bad in ["21-08", "25:00-08:00", "", "21:00"] {
            assert!(parse_quiet_hours(bad).is_err(), "{bad}");
        }
    }
}
