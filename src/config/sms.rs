//! `[sms]`: the provider text messages go through, who they are from, and the limits on them.
//!
//! Key names are a contract: `provider = "smpp"` with `host`, `port`, `system_id`, `password`
//! and `sender`, or `provider = "http"` with `url` (and `body`, `inbound_secret`).

use super::{BadValue, ValueProblem};
use serde::Deserialize;
use std::time::Duration;

/// The provider text messages go through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmsProvider {
    /// No text messages: members who chose SMS get none (warned at start).
    #[default]
    None,
    /// An SMSC over SMPP 3.4, bound as a transceiver.
    Smpp,
    /// An aggregator's REST API: a JSON POST per message.
    Http,
}

/// `[sms]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsConfig {
    /// `smpp`, `http`, or `none` (the default: no text messages).
    #[serde(default)]
    pub provider: SmsProvider,
    /// The sender where a network has none of its own: an international number
    /// (`+3233000000`) or short code (`8810`) that receives replies, or an alphanumeric ID of at
    /// most 11 characters (`BIN-Kessel`), to which nobody can reply.
    #[serde(default)]
    pub sender: Option<String>,
    /// SMPP: the SMSC's host name or address.
    #[serde(default)]
    pub host: Option<String>,
    /// SMPP: its port (default 2775).
    #[serde(default = "default_port")]
    pub port: u16,
    /// SMPP: the account (`system_id`, at most 15 characters).
    #[serde(default)]
    pub system_id: Option<String>,
    /// SMPP: its password (at most 8 characters).
    #[serde(default)]
    pub password: Option<String>,
    /// SMPP: the `system_type` the SMSC expects, if any.
    #[serde(default)]
    pub system_type: Option<String>,
    /// SMPP: `submit_sm` outstanding at once (default 10).
    #[serde(default = "default_window")]
    pub window: u32,
    /// SMPP: how often the link is checked with `enquire_link` (default 30 s).
    #[serde(default = "default_enquire_link", deserialize_with = "super::duration")]
    pub enquire_link: Duration,
    /// How long the provider has to answer one message (default 10 s).
    #[serde(default = "default_timeout", deserialize_with = "super::duration")]
    pub timeout: Duration,
    /// SMPP: the longest wait between reconnections (default 60 s; the first is 1 s).
    #[serde(
        default = "default_max_reconnect",
        deserialize_with = "super::duration"
    )]
    pub max_reconnect: Duration,
    /// HTTP: where each message is posted.
    #[serde(default)]
    pub url: Option<String>,
    /// HTTP: the JSON body, with `{to}`, `{from}`, `{text}` and `{reference}` replaced by JSON
    /// strings (default `{"to": {to}, "from": {from}, "text": {text}, "reference": {reference}}`).
    #[serde(default)]
    pub body: Option<String>,
    /// HTTP: a header sent with each post, such as `Authorization: Bearer …`.
    #[serde(default)]
    pub authorization: Option<String>,
    /// HTTP: the JSON field of the answer that holds the provider's message id (default `id`).
    #[serde(default = "default_id_field")]
    pub id_field: String,
    /// HTTP: the secret (`whsec_…`) that signs the aggregator's posts to
    /// `POST /v1/sms/inbound` (Standard Webhooks); without it that route answers 404.
    #[serde(default)]
    pub inbound_secret: Option<String>,
    /// Messages per second at most (default 10).
    #[serde(default = "default_per_second")]
    pub per_second: u32,
    /// Parts a long text may take before it is shortened (default 4).
    #[serde(default = "default_max_parts")]
    pub max_parts: u32,
    /// Non-urgent messages per network per day at most (default 1000); urgent ones are never
    /// held back.
    #[serde(default = "default_daily_limit")]
    pub daily_limit: u32,
}

impl Default for SmsConfig {
    fn default() -> SmsConfig {
        SmsConfig {
            provider: SmsProvider::None,
            sender: None,
            host: None,
            port: default_port(),
            system_id: None,
            password: None,
            system_type: None,
            window: default_window(),
            enquire_link: default_enquire_link(),
            timeout: default_timeout(),
            max_reconnect: default_max_reconnect(),
            url: None,
            body: None,
            authorization: None,
            id_field: default_id_field(),
            inbound_secret: None,
            per_second: default_per_second(),
            max_parts: default_max_parts(),
            daily_limit: default_daily_limit(),
        }
    }
}

impl SmsConfig {
    pub(super) fn check(&self) -> Result<(), BadValue> {
        use ValueProblem::*;
        let required = |key: &'static str, value: &Option<String>| match value {
            Some(text) if !text.trim().is_empty() => Ok(()),
            _ => Err(BadValue::new(key, Empty)),
        };
        match self.provider {
            SmsProvider::None => return Ok(()),
            SmsProvider::Smpp => {
                required("sms.host", &self.host)?;
                required("sms.system_id", &self.system_id)?;
                if self.system_id.as_ref().is_some_and(|s| s.len() > 15) {
                    return Err(BadValue::new("sms.system_id", Length(1, 15)));
                }
                if self.password.as_ref().is_some_and(|s| s.len() > 8) {
                    return Err(BadValue::new("sms.password", Length(0, 8)));
                }
                if !(1..=100).contains(&self.window) {
                    return Err(BadValue::new("sms.window", OutOfRange(1, 100)));
                }
                if self.enquire_link < Duration::from_secs(1) {
                    return Err(BadValue::new(
                        "sms.enquire_link",
                        TooShort(Duration::from_secs(1)),
                    ));
                }
                if self.max_reconnect < Duration::from_secs(1) {
                    return Err(BadValue::new(
                        "sms.max_reconnect",
                        TooShort(Duration::from_secs(1)),
                    ));
                }
            }
            SmsProvider::Http => required("sms.url", &self.url)?,
        }
        required("sms.sender", &self.sender)?;
        if self.timeout < Duration::from_secs(1) {
            return Err(BadValue::new(
                "sms.timeout",
                TooShort(Duration::from_secs(1)),
            ));
        }
        if !(1..=1000).contains(&self.per_second) {
            return Err(BadValue::new("sms.per_second", OutOfRange(1, 1000)));
        }
        if !(1..=10).contains(&self.max_parts) {
            return Err(BadValue::new("sms.max_parts", OutOfRange(1, 10)));
        }
        if self.daily_limit == 0 {
            return Err(BadValue::new("sms.daily_limit", TooFew(1)));
        }
        Ok(())
    }
}

fn default_port() -> u16 {
    2775
}

fn default_window() -> u32 {
    10
}

fn default_enquire_link() -> Duration {
    Duration::from_secs(30)
}

fn default_timeout() -> Duration {
    Duration::from_secs(10)
}

fn default_max_reconnect() -> Duration {
    Duration::from_secs(60)
}

fn default_id_field() -> String {
    "id".to_owned()
}

fn default_per_second() -> u32 {
    10
}

fn default_max_parts() -> u32 {
    4
}

fn default_daily_limit() -> u32 {
    1000
}

#[cfg(test)]
mod tests {
    use super::super::Config;
    use super::SmsProvider;

    #[test]
    fn the_contract_keys_read() {
        let text = "[sms]\nprovider = \"smpp\"\nhost = \"127.0.0.1\"\nport = 2775\n\
                    system_id = \"buurtbel\"\npassword = \"secret\"\nsender = \"BIN-Kessel\"\n";
        let config = Config::parse_without_trunk(text, "t.toml").unwrap();
        assert_eq!(config.sms.provider, SmsProvider::Smpp);
        assert_eq!(config.sms.port, 2775);
        assert_eq!(config.sms.sender.as_deref(), Some("BIN-Kessel"));
        assert_eq!(config.sms.max_parts, 4);
    }

    #[test]
    fn a_missing_or_wrong_key_is_named() {
        let cases = [
            (
                "[sms]\nprovider = \"smpp\"\nsender = \"x\"\nsystem_id = \"a\"\n",
                "sms.host",
            ),
            (
                "[sms]\nprovider = \"smpp\"\nhost = \"h\"\nsender = \"x\"\n",
                "sms.system_id",
            ),
            ("[sms]\nprovider = \"http\"\nsender = \"x\"\n", "sms.url"),
            (
                "[sms]\nprovider = \"http\"\nurl = \"http://x\"\n",
                "sms.sender",
            ),
            (
                "[sms]\nprovider = \"http\"\nurl = \"u\"\nsender = \"x\"\nmax_parts = 0\n",
                "sms.max_parts",
            ),
            (
                "[sms]\nprovider = \"smpp\"\nhost = \"h\"\nsystem_id = \"a\"\nsender = \"x\"\n\
                 password = \"longer than eight\"\n",
                "sms.password",
            ),
        ];
        for (text, key) in cases {
            let error = Config::parse_without_trunk(text, "t.toml")
                .unwrap_err()
                .to_string();
            assert!(error.contains(key), "{text}: {error}");
        }
    }
}
