//! `[inbound]`: the call-back line, where members phone the network's number to hear the
//! messages they have not confirmed and confirm them.
//!
//! Key names are a contract: `numbers` (the numbers the line answers) and `allow` (the
//! networks calls may come from, CIDR), used by `buurtbel serve`.

use super::{BadValue, ValueProblem};
use crate::speech::Language;
use ipnet::IpNet;
use serde::Deserialize;
use std::net::IpAddr;
use std::time::Duration;

/// `[inbound]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InboundConfig {
    /// The numbers the line answers, as the trunk sends them in the Request-URI (any notation
    /// `members import` reads: `+3233000000`, `033 00 00 00`). None: no call is answered.
    #[serde(default)]
    pub numbers: Vec<String>,
    /// The networks the trunk's calls come from, as CIDR (`192.0.2.0/24`) or single
    /// addresses. None: only `trunk.proxy`'s address.
    #[serde(default)]
    pub allow: Vec<String>,
    /// How far back a caller hears the messages they have not confirmed (default 24 h).
    #[serde(default = "default_window", deserialize_with = "super::duration")]
    pub window: Duration,
    /// Trunk channels a call-back may not take while an urgent alert is sending, so its calls
    /// are never starved (default 1).
    #[serde(default = "default_reserve")]
    pub reserve: u32,
    /// The language of a caller the line does not know (default `nl`).
    #[serde(default = "default_language")]
    pub language: String,
    /// The longest a call-back lasts before the line says goodbye (default 15 min).
    #[serde(default = "default_longest", deserialize_with = "super::duration")]
    pub longest: Duration,
}

impl Default for InboundConfig {
    fn default() -> InboundConfig {
        InboundConfig {
            numbers: Vec::new(),
            allow: Vec::new(),
            window: default_window(),
            reserve: default_reserve(),
            language: default_language(),
            longest: default_longest(),
        }
    }
}

impl InboundConfig {
    /// The line answers calls.
    pub fn enabled(&self) -> bool {
        !self.numbers.is_empty()
    }

    /// The numbers the line answers, in E.164 (checked when the file was read).
    pub fn numbers_e164(&self) -> Vec<String> {
        self.numbers
            .iter()
            .filter_map(|n| crate::number::to_e164(n).ok())
            .collect()
    }

    /// The line's number in E.164 when `called` (a Request-URI's user part) is one of
    /// `numbers`; `None` for any other.
    pub fn line_number(&self, called: &str) -> Option<String> {
        let called = crate::number::to_e164(called).ok()?;
        self.numbers_e164().into_iter().find(|n| *n == called)
    }

    /// The networks calls may come from (checked when the file was read).
    pub fn allowed(&self) -> Vec<IpNet> {
        self.allow.iter().filter_map(|a| network(a).ok()).collect()
    }

    /// The line's language (checked when the file was read).
    pub fn language(&self) -> Language {
        self.language.parse().unwrap_or(Language::Nl)
    }

    pub(super) fn check(&self) -> Result<(), BadValue> {
        for number in &self.numbers {
            crate::number::to_e164(number).map_err(|e| {
                BadValue::new("inbound.numbers", ValueProblem::Number(e.to_string()))
            })?;
        }
        for allow in &self.allow {
            network(allow).map_err(|()| {
                BadValue::new("inbound.allow", ValueProblem::Network(allow.clone()))
            })?;
        }
        let (shortest, longest) = (Duration::from_secs(3600), Duration::from_secs(7 * 86_400));
        if self.window < shortest || self.window > longest {
            let range = ValueProblem::DurationOutOfRange(shortest, longest);
            return Err(BadValue::new("inbound.window", range));
        }
        let (shortest, longest) = (Duration::from_secs(60), Duration::from_secs(3600));
        if self.longest < shortest || self.longest > longest {
            let range = ValueProblem::DurationOutOfRange(shortest, longest);
            return Err(BadValue::new("inbound.longest", range));
        }
        self.language
            .parse::<Language>()
            .map_err(|e| BadValue::new("inbound.language", ValueProblem::Language(e)))?;
        Ok(())
    }
}

/// `192.0.2.0/24`, or one address as a network of one.
fn network(text: &str) -> Result<IpNet, ()> {
    let text = text.trim();
    if let Ok(net) = text.parse::<IpNet>() {
        return Ok(net.trunc());
    }
    text.parse::<IpAddr>().map(IpNet::from).map_err(|_| ())
}

fn default_window() -> Duration {
    Duration::from_secs(24 * 3600)
}

fn default_reserve() -> u32 {
    1
}

fn default_language() -> String {
    "nl".into()
}

fn default_longest() -> Duration {
    Duration::from_secs(15 * 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<InboundConfig, BadValue> {
        let config: InboundConfig = toml::from_str(text).expect("syntax");
        config.check().map(|()| config)
    }

    #[test]
    fn numbers_and_networks_are_read_and_checked() {
        let config = parsed(
            "numbers = [\"+32 3 300 00 00\", \"03 300 00 01\"]\nallow = [\"192.0.2.7/24\", \"2001:db8::1\"]\n",
        )
        .unwrap();
        assert_eq!(config.numbers_e164(), ["+3233000000", "+3233000001"]);
        let allowed = config.allowed();
        assert!(allowed[0].contains(&"192.0.2.200".parse::<IpAddr>().unwrap()));
        assert!(!allowed[0].contains(&"192.0.3.1".parse::<IpAddr>().unwrap()));
        assert!(allowed[1].contains(&"2001:db8::1".parse::<IpAddr>().unwrap()));
        assert_eq!(config.window, Duration::from_secs(86_400));
        assert_eq!(config.reserve, 1);
        assert!(config.enabled());
        assert!(!InboundConfig::default().enabled());
    }

    #[test]
    fn wrong_values_name_their_key() {
        for (text, key) in [
            ("numbers = [\"not a number\"]", "inbound.numbers"),
            ("allow = [\"192.0.2.0/33\"]", "inbound.allow"),
            ("allow = [\"trunk.example\"]", "inbound.allow"),
            ("window = \"10m\"", "inbound.window"),
            ("longest = \"2h\"", "inbound.longest"),
            ("language = \"xx\"", "inbound.language"),
        ] {
            let error = parsed(text).unwrap_err();
            assert_eq!(error.key, key, "{text}");
        }
    }
}
