//! The configuration's errors. Each names the file and the key, and says what is wrong in
//! the operator's words; the facts behind the words (the key, the limit, the value written)
//! stay typed, so a caller can tell one problem from another without reading the text.

use super::TransportKind;
use super::chain::{ExpiryError, QuietHoursError};
use super::proxy::ProxyError;
use crate::speech::UnknownLanguage;
use std::time::Duration;

/// Why a configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// There is no such file. The example is in the source folder, and where the package
    /// installs it (`packaging/`).
    #[error(
        "cannot read {path}: no such file; copy sip.example.toml to start \
         (installed: /usr/share/doc/buurtbel/sip.example.toml)"
    )]
    Missing {
        /// The file.
        path: String,
    },
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Not valid TOML.
    #[error("{path}: not valid TOML: {}", .source.message())]
    Syntax {
        /// The file.
        path: String,
        /// What the TOML parser said.
        source: Box<toml::de::Error>,
    },
    /// A key with a wrong type, or an unknown key.
    #[error("{path}: key `{key}`: {}", .source.message())]
    Key {
        /// The file.
        path: String,
        /// The dotted key, e.g. `trunk.max_cps`.
        key: String,
        /// What the TOML reader said.
        source: Box<toml::de::Error>,
    },
    /// A value out of range, or one that does not agree with another.
    #[error("{path}: key `{}`: {}", .bad.key, .bad.problem)]
    Value {
        /// The file.
        path: String,
        /// The key and what is wrong with its value.
        #[source]
        bad: BadValue,
    },
}

/// A value a key holds that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {problem}")]
pub struct BadValue {
    /// The dotted key, e.g. `trunk.max_cps`.
    pub key: &'static str,
    /// What is wrong with its value.
    #[source]
    pub problem: ValueProblem,
}

impl BadValue {
    /// `problem` with the value of `key`.
    pub fn new(key: &'static str, problem: impl Into<ValueProblem>) -> BadValue {
        BadValue {
            key,
            problem: problem.into(),
        }
    }
}

/// What is wrong with a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueProblem {
    /// `[trunk]` left out by a command that places calls.
    #[error("missing: the SIP trunk calls go through (proxy and domain at least)")]
    NoTrunk,
    /// Empty text.
    #[error("must not be empty")]
    Empty,
    /// A count below its least.
    #[error("must be at least {0}")]
    TooFew(u64),
    /// A count outside its range.
    #[error("must be {0} to {1}")]
    OutOfRange(u32, u32),
    /// Text shorter or longer than allowed, in characters.
    #[error("must be {0} to {1} characters")]
    Length(usize, usize),
    /// Text with control characters.
    #[error("must not hold control characters")]
    ControlCharacters,
    /// A rate that is not a positive number.
    #[error("must be a number above 0")]
    NotAbove0,
    /// A duration of nothing.
    #[error("must be longer than 0 s")]
    NoTime,
    /// A duration below its least, in whole seconds.
    #[error("must be at least {} s", .0.as_secs())]
    TooShort(Duration),
    /// A duration outside its range.
    #[error("must be {} to {}", humantime::format_duration(*.0), humantime::format_duration(*.1))]
    DurationOutOfRange(Duration, Duration),
    /// No codec offered.
    #[error("must list at least one of PCMA, PCMU")]
    NoCodec,
    /// T1 zero, or T2 below T1.
    #[error("T1 must be above 0 and T2 at least T1")]
    Timers,
    /// `speech.engine = "command"` without the program.
    #[error("engine `command` needs the program to run")]
    NoCommand,
    /// `trunk.proxy` names a transport other than `sip.transport`.
    #[error(
        "names transport {} but sip.transport is {}; make them agree",
        .proxy.name(),
        .sip.name()
    )]
    TransportDisagrees {
        /// The proxy URI's `;transport=`.
        proxy: TransportKind,
        /// `sip.transport`.
        sip: TransportKind,
    },
    /// One of two keys that only go together.
    #[error("needs `{0}` too")]
    Paired(&'static str),
    /// An SMS sender the providers' rules refuse.
    #[error("{0}")]
    Sender(String),
    /// A phone number that is not one.
    #[error("{0}")]
    Number(String),
    /// Not a network in CIDR notation nor an address.
    #[error("`{0}` is not a network like 192.0.2.0/24 or an address")]
    Network(String),
    /// An expiry.
    #[error(transparent)]
    Expiry(#[from] ExpiryError),
    /// Quiet hours.
    #[error(transparent)]
    QuietHours(#[from] QuietHoursError),
    /// The trunk's address.
    #[error(transparent)]
    Proxy(#[from] ProxyError),
    /// A language code.
    #[error(transparent)]
    Language(#[from] UnknownLanguage),
}

#[cfg(test)]
mod tests {
    use super::super::Config;

    const TRUNK: &str = "[trunk]\nproxy = \"127.0.0.1:5070\"\ndomain = \"trunk.test\"\n";

    #[test]
    fn each_problem_reads_as_the_operator_knows_it() {
        let cases = [
            (
                format!("{TRUNK}max_channels = 0\n"),
                "key `trunk.max_channels`: must be at least 1",
            ),
            (
                format!("{TRUNK}register = true\nregister_expiry = 30\n"),
                "key `trunk.register_expiry`: must be at least 60 s",
            ),
            (
                format!("{TRUNK}ring_timeout = 0\n"),
                "key `trunk.ring_timeout`: must be longer than 0 s",
            ),
            (
                "[trunk]\nproxy = \"sip:h;transport=tcp\"\ndomain = \"d\"\n".to_owned(),
                "key `trunk.proxy`: names transport tcp but sip.transport is udp; make them agree",
            ),
            (
                "[trunk]\nproxy = \"h:0\"\ndomain = \"d\"\n".to_owned(),
                "key `trunk.proxy`: `h:0` is not a trunk address (the port is 1 to 65535); \
                 write host, host:port, [IPv6]:port or sip:host:port;transport=udp|tcp",
            ),
            (
                format!("{TRUNK}[media]\nmenu_rounds = 11\n"),
                "key `media.menu_rounds`: must be 1 to 10",
            ),
            (
                format!("{TRUNK}[speech]\nmax_recording = \"2h\"\n"),
                "key `speech.max_recording`: must be 1s to 1h",
            ),
            (
                format!("{TRUNK}[speech]\nvoice = {{ xx = \"v\" }}\n"),
                "key `speech.voice`: unknown language `xx` (nl, fr, de or en)",
            ),
            (
                format!("{TRUNK}[chain]\nurgent_expiry = \"8days\"\n"),
                "key `chain.urgent_expiry`: 8days is longer than 7days (chain.max_expiry)",
            ),
            (
                format!("{TRUNK}[chain]\nquiet_hours = \"late\"\n"),
                "key `chain.quiet_hours`: `late` is not like \"21:00-08:00\"",
            ),
            (
                format!("{TRUNK}[instance]\nname = \"\"\n"),
                "key `instance.name`: must be 1 to 64 characters",
            ),
            (
                String::new(),
                "key `trunk`: missing: the SIP trunk calls go through (proxy and domain at least)",
            ),
        ];
        for (text, expected) in cases {
            let said = Config::parse(&text, "t.toml").unwrap_err().to_string();
            assert_eq!(said, format!("t.toml: {expected}"), "{text}");
        }
    }
}
