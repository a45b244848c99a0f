//! The configuration file (`sip.example.toml` documents every key).
//!
//! Key names are a contract: tests outside the project write these files. Every error names
//! the key and the problem, so an operator can fix the file without reading code.

mod api;
mod chain;
mod error;
mod inbound;
mod proxy;
mod retention;
pub mod retry;
mod sms;
mod speech;
mod webhooks;

pub use api::ApiConfig;
pub use chain::{
    ChainConfig, DatabaseConfig, ExpiryError, InstanceConfig, QuietHoursError, parse_quiet_hours,
};
pub use error::{BadValue, ConfigError, ValueProblem};
pub use inbound::InboundConfig;
pub use proxy::{ProxyAddress, ProxyError, ProxyProblem};
pub use retention::RetentionConfig;
pub use sms::{SmsConfig, SmsProvider};
pub use speech::SpeechConfig;
pub use webhooks::WebhooksConfig;

use buurtbel_proto::sip::sdp::Codec;
use serde::Deserialize;
use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::path::Path;
use std::time::Duration;

/// The whole file.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `[sip]`: our side of the signalling.
    #[serde(default)]
    pub sip: SipConfig,
    /// `[trunk]`: the SIP trunk calls go through; only commands that place calls need it.
    #[serde(default)]
    pub trunk: TrunkConfig,
    /// `[media]`: RTP.
    #[serde(default)]
    pub media: MediaConfig,
    /// `[speech]`: text to speech.
    #[serde(default)]
    pub speech: SpeechConfig,
    /// `[database]`: where the chain keeps its state.
    #[serde(default)]
    pub database: DatabaseConfig,
    /// `[chain]`: expiry, quiet hours, retries.
    #[serde(default)]
    pub chain: ChainConfig,
    /// `[instance]`: this gateway among others on one database.
    #[serde(default)]
    pub instance: InstanceConfig,
    /// `[api]`: the HTTP API of `serve`.
    #[serde(default)]
    pub api: ApiConfig,
    /// `[retention]`: how long personal records are kept.
    #[serde(default)]
    pub retention: RetentionConfig,
    /// `[webhooks]`: how events are posted to the networks' webhooks.
    #[serde(default)]
    pub webhooks: WebhooksConfig,
    /// `[sms]`: the provider text messages go through.
    #[serde(default)]
    pub sms: SmsConfig,
    /// `[inbound]`: the call-back line members phone.
    #[serde(default)]
    pub inbound: InboundConfig,
}

/// `[sip]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SipConfig {
    /// Local address and port to bind, e.g. `0.0.0.0:5060`.
    #[serde(default = "default_bind")]
    pub bind: SocketAddr,
    /// `udp` or `tcp`.
    #[serde(default)]
    pub transport: TransportKind,
    /// The address written in Via and Contact when `bind` is a wildcard.
    #[serde(default)]
    pub public_address: Option<String>,
    /// RFC 3261 T1.
    #[serde(default = "default_t1", deserialize_with = "duration")]
    pub t1: Duration,
    /// RFC 3261 T2.
    #[serde(default = "default_t2", deserialize_with = "duration")]
    pub t2: Duration,
    /// The User-Agent header.
    #[serde(default = "default_user_agent")]
    pub user_agent: String,
    /// With `transport = "tcp"`: close a connection with no traffic for this long (the one
    /// we open to the trunk excepted).
    #[serde(default = "default_tcp_idle_timeout", deserialize_with = "duration")]
    pub tcp_idle_timeout: Duration,
    /// With `transport = "tcp"`: accepted connections open at once; more are closed at once.
    #[serde(default = "default_tcp_max_connections")]
    pub tcp_max_connections: usize,
}

/// The signalling transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum TransportKind {
    /// Datagrams with retransmission timers.
    #[default]
    Udp,
    /// A stream with Content-Length framing.
    Tcp,
}

impl TransportKind {
    /// The name as the configuration writes it.
    pub fn name(self) -> &'static str {
        match self {
            TransportKind::Udp => "udp",
            TransportKind::Tcp => "tcp",
        }
    }
}

/// `[trunk]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrunkConfig {
    /// Where requests go: `host`, `host:port`, `[v6]:port` or `sip:host:port;transport=…`
    /// (port 5060 by default); see [`ProxyAddress`].
    pub proxy: String,
    /// The domain of dialled numbers: `sip:NUMBER@domain`.
    pub domain: String,
    /// Digest user name; empty when the trunk does not authenticate.
    #[serde(default)]
    pub username: String,
    /// Digest password.
    #[serde(default)]
    pub password: String,
    /// The number members see, in From.
    #[serde(default)]
    pub caller_id: String,
    /// Send REGISTER to the trunk and keep it refreshed.
    #[serde(default)]
    pub register: bool,
    /// The registration lifetime we ask for.
    #[serde(default = "default_register_expiry", deserialize_with = "duration")]
    pub register_expiry: Duration,
    /// Concurrent calls the trunk allows.
    #[serde(default = "default_max_channels")]
    pub max_channels: u32,
    /// New calls per second the trunk allows.
    #[serde(default = "default_max_cps")]
    pub max_cps: f64,
    /// How long a call may ring before we CANCEL it.
    #[serde(default = "default_ring_timeout", deserialize_with = "duration")]
    pub ring_timeout: Duration,
}

/// `[media]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaConfig {
    /// Local RTP ports, `"16000-16999"`.
    #[serde(default = "default_rtp_ports", deserialize_with = "port_range")]
    pub rtp_ports: RangeInclusive<u16>,
    /// Codecs offered, preferred first: `PCMA`, `PCMU`.
    #[serde(default = "default_codecs")]
    pub codecs: Vec<Codec>,
    /// No RTP for this long makes us ask the far end whether it is still there.
    #[serde(default = "default_rtp_timeout", deserialize_with = "duration")]
    pub rtp_timeout: Duration,
    /// How many times the menu ("press 1 to confirm, 2 to repeat") is offered.
    #[serde(default = "default_menu_rounds")]
    pub menu_rounds: u32,
    /// Silence after each menu prompt, waiting for a key.
    #[serde(default = "default_key_wait", deserialize_with = "duration")]
    pub key_wait: Duration,
    /// Listen after the answer and tell a person from an answering machine, which gets the
    /// message once with the voicemail notice (see `media::amd`).
    #[serde(default = "default_machine_detection")]
    pub machine_detection: bool,
}

impl Default for SipConfig {
    fn default() -> SipConfig {
        SipConfig {
            bind: default_bind(),
            transport: TransportKind::default(),
            public_address: None,
            t1: default_t1(),
            t2: default_t2(),
            user_agent: default_user_agent(),
            tcp_idle_timeout: default_tcp_idle_timeout(),
            tcp_max_connections: default_tcp_max_connections(),
        }
    }
}

impl Default for MediaConfig {
    fn default() -> MediaConfig {
        MediaConfig {
            rtp_ports: default_rtp_ports(),
            codecs: default_codecs(),
            rtp_timeout: default_rtp_timeout(),
            menu_rounds: default_menu_rounds(),
            key_wait: default_key_wait(),
            machine_detection: default_machine_detection(),
        }
    }
}

impl Default for TrunkConfig {
    fn default() -> TrunkConfig {
        TrunkConfig {
            proxy: String::new(),
            domain: String::new(),
            username: String::new(),
            password: String::new(),
            caller_id: String::new(),
            register: false,
            register_expiry: default_register_expiry(),
            max_channels: default_max_channels(),
            max_cps: default_max_cps(),
            ring_timeout: default_ring_timeout(),
        }
    }
}

impl TrunkConfig {
    /// `proxy` read, or what is wrong with it.
    pub fn proxy_address(&self) -> Result<ProxyAddress, ProxyError> {
        ProxyAddress::parse(&self.proxy)
    }
}

impl Config {
    /// Reads and checks a file for a command that places calls: `[trunk]` is required.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        Config::parse(&read(path)?, &path.display().to_string())
    }

    /// Reads and checks a file for a command that places no call: every key is checked as
    /// [`Config::load`] checks it, with the same errors, so a typo anywhere is refused by
    /// every command; only `[trunk]` may be left out.
    pub fn load_without_trunk(path: &Path) -> Result<Config, ConfigError> {
        Config::parse_without_trunk(&read(path)?, &path.display().to_string())
    }

    /// Parses and checks TOML text; `path` only labels errors.
    pub fn parse(text: &str, path: &str) -> Result<Config, ConfigError> {
        Config::parse_sections(text, path, true)
    }

    /// As [`Config::parse`], with `[trunk]` optional.
    pub fn parse_without_trunk(text: &str, path: &str) -> Result<Config, ConfigError> {
        Config::parse_sections(text, path, false)
    }

    /// The `[speech]` section as settings (checked when the file was read).
    pub fn speech_settings(&self) -> Result<crate::speech::SpeechSettings, ConfigError> {
        self.speech.settings().map_err(|bad| ConfigError::Value {
            path: "configuration".to_owned(),
            bad,
        })
    }

    fn parse_sections(text: &str, path: &str, trunk_required: bool) -> Result<Config, ConfigError> {
        let table = table(text, path)?;
        let has_trunk = table.contains_key("trunk");
        let config: Config = typed(table, path, "")?;
        let bad_value = |bad| ConfigError::Value {
            path: path.to_owned(),
            bad,
        };
        config.check().map_err(bad_value)?;
        if has_trunk {
            config.check_trunk().map_err(bad_value)?;
        } else if trunk_required {
            return Err(bad_value(BadValue::new("trunk", ValueProblem::NoTrunk)));
        }
        Ok(config)
    }

    /// Every section but `[trunk]`.
    fn check(&self) -> Result<(), BadValue> {
        self.speech.settings()?;
        self.chain
            .quiet_minutes()
            .map_err(|problem| BadValue::new("chain.quiet_hours", problem))?;
        self.chain.check_expiries()?;
        self.instance.check()?;
        self.api.check()?;
        self.retention.check()?;
        self.webhooks.check()?;
        self.sms.check()?;
        self.inbound.check()?;
        self.check_media()?;
        self.check_sip()
    }

    /// `[trunk]`, and whether it agrees with `[sip]`.
    fn check_trunk(&self) -> Result<(), BadValue> {
        use ValueProblem::*;
        let trunk = &self.trunk;
        let proxy = trunk
            .proxy_address()
            .map_err(|problem| BadValue::new("trunk.proxy", problem))?;
        if let Some(transport) = proxy.transport.filter(|t| *t != self.sip.transport) {
            let problem = TransportDisagrees {
                proxy: transport,
                sip: self.sip.transport,
            };
            return Err(BadValue::new("trunk.proxy", problem));
        }
        if trunk.domain.trim().is_empty() {
            return Err(BadValue::new("trunk.domain", Empty));
        }
        if trunk.max_channels == 0 {
            return Err(BadValue::new("trunk.max_channels", TooFew(1)));
        }
        if !(trunk.max_cps.is_finite() && trunk.max_cps > 0.0) {
            return Err(BadValue::new("trunk.max_cps", NotAbove0));
        }
        if trunk.ring_timeout.is_zero() {
            return Err(BadValue::new("trunk.ring_timeout", NoTime));
        }
        let least_expiry = Duration::from_secs(60);
        if trunk.register && trunk.register_expiry < least_expiry {
            return Err(BadValue::new(
                "trunk.register_expiry",
                TooShort(least_expiry),
            ));
        }
        Ok(())
    }

    fn check_media(&self) -> Result<(), BadValue> {
        use ValueProblem::*;
        if self.media.codecs.is_empty() {
            return Err(BadValue::new("media.codecs", NoCodec));
        }
        if self.media.menu_rounds == 0 || self.media.menu_rounds > 10 {
            return Err(BadValue::new("media.menu_rounds", OutOfRange(1, 10)));
        }
        let second = Duration::from_secs(1);
        if self.media.rtp_timeout < second {
            return Err(BadValue::new("media.rtp_timeout", TooShort(second)));
        }
        Ok(())
    }

    fn check_sip(&self) -> Result<(), BadValue> {
        use ValueProblem::*;
        if self.sip.t1.is_zero() || self.sip.t2 < self.sip.t1 {
            return Err(BadValue::new("sip.t2", Timers));
        }
        let second = Duration::from_secs(1);
        if self.sip.tcp_idle_timeout < second {
            return Err(BadValue::new("sip.tcp_idle_timeout", TooShort(second)));
        }
        if self.sip.tcp_max_connections == 0 {
            return Err(BadValue::new("sip.tcp_max_connections", TooFew(1)));
        }
        Ok(())
    }
}

/// The file's text; a missing file says how to start one.
fn read(path: &Path) -> Result<String, ConfigError> {
    let shown = path.display().to_string();
    std::fs::read_to_string(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => ConfigError::Missing { path: shown },
        _ => ConfigError::Read {
            path: shown,
            source,
        },
    })
}

fn table(text: &str, path: &str) -> Result<toml::Table, ConfigError> {
    text.parse().map_err(|source| ConfigError::Syntax {
        path: path.to_owned(),
        source: Box::new(source),
    })
}

/// Deserialises `value`; an error names the dotted key, under `prefix`.
fn typed<T: serde::de::DeserializeOwned>(
    value: impl serde::Deserializer<'static, Error = toml::de::Error>,
    path: &str,
    prefix: &str,
) -> Result<T, ConfigError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let key = e.path().to_string();
        ConfigError::Key {
            path: path.to_owned(),
            key: match (key.as_str(), prefix) {
                (".", "") => "(top level)".into(),
                (".", prefix) => prefix.trim_end_matches('.').to_owned(),
                (key, prefix) => format!("{prefix}{key}"),
            },
            source: Box::new(e.into_inner()),
        }
    })
}

fn default_bind() -> SocketAddr {
    SocketAddr::from(([0, 0, 0, 0], 5060))
}
fn default_t1() -> Duration {
    Duration::from_millis(500)
}
fn default_t2() -> Duration {
    Duration::from_secs(4)
}
fn default_user_agent() -> String {
    format!("buurtbel/{}", env!("CARGO_PKG_VERSION"))
}
/// Longer than any call's quiet spell on its signalling, short enough that abandoned
/// connections do not pile up.
fn default_tcp_idle_timeout() -> Duration {
    Duration::from_secs(300)
}
fn default_tcp_max_connections() -> usize {
    256
}
fn default_register_expiry() -> Duration {
    Duration::from_secs(3600)
}
fn default_max_channels() -> u32 {
    30
}
fn default_max_cps() -> f64 {
    5.0
}
fn default_ring_timeout() -> Duration {
    Duration::from_secs(30)
}
fn default_rtp_ports() -> RangeInclusive<u16> {
    16000..=16999
}
/// Silence before we ask the far end (an in-dialog OPTIONS) whether it is still there; with
/// the probe's own 16 s, a vanished far end is hung up within 30 s.
fn default_rtp_timeout() -> Duration {
    Duration::from_secs(10)
}
fn default_menu_rounds() -> u32 {
    3
}
fn default_key_wait() -> Duration {
    Duration::from_secs(4)
}
fn default_machine_detection() -> bool {
    true
}
fn default_codecs() -> Vec<Codec> {
    vec![Codec::Pcma, Codec::Pcmu]
}

/// A duration as seconds (`30`) or text (`"30s"`, `"500ms"`).
pub(crate) fn duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Seconds(u64),
        Fraction(f64),
        Text(String),
    }
    match Raw::deserialize(d)? {
        Raw::Seconds(s) => Ok(Duration::from_secs(s)),
        Raw::Fraction(s) if s.is_finite() && s >= 0.0 => Ok(Duration::from_secs_f64(s)),
        Raw::Fraction(_) => Err(serde::de::Error::custom("must not be negative")),
        Raw::Text(t) => humantime::parse_duration(&t)
            .map_err(|_| serde::de::Error::custom(format!("`{t}` is not a duration like \"30s\""))),
    }
}

fn optional_duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    duration(d).map(Some)
}

/// A port range as `"16000-16999"`.
fn port_range<'de, D: serde::Deserializer<'de>>(d: D) -> Result<RangeInclusive<u16>, D::Error> {
    let text = String::deserialize(d)?;
    let bad =
        || serde::de::Error::custom(format!("`{text}` is not a port range like \"16000-16999\""));
    let (low, high) = text.split_once('-').ok_or_else(bad)?;
    let low: u16 = low.trim().parse().map_err(|_| bad())?;
    let high: u16 = high.trim().parse().map_err(|_| bad())?;
    if low == 0 || low > high || high - low < 1 {
        return Err(bad());
    }
    Ok(low..=high)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "[trunk]\nproxy = \"127.0.0.1:5070\"\ndomain = \"trunk.test\"\n";

    #[test]
    fn minimal_file_gets_defaults() {
        let config = Config::parse(MINIMAL, "t.toml").unwrap();
        assert_eq!(config.trunk.max_channels, 30);
        assert_eq!(config.trunk.ring_timeout, Duration::from_secs(30));
        assert_eq!(config.media.rtp_ports, 16000..=16999);
        assert_eq!(config.sip.transport, TransportKind::Udp);
    }

    #[test]
    fn durations_as_numbers_or_text() {
        let text = format!("{MINIMAL}ring_timeout = 12\n[sip]\nt1 = \"250ms\"\n");
        let config = Config::parse(&text, "t.toml").unwrap();
        assert_eq!(config.trunk.ring_timeout, Duration::from_secs(12));
        assert_eq!(config.sip.t1, Duration::from_millis(250));
    }

    #[test]
    fn tcp_limits_have_defaults_and_are_checked() {
        let config = Config::parse(MINIMAL, "t.toml").unwrap();
        assert_eq!(config.sip.tcp_idle_timeout, Duration::from_secs(300));
        assert_eq!(config.sip.tcp_max_connections, 256);
        let text = format!("{MINIMAL}[sip]\ntcp_idle_timeout = \"90s\"\ntcp_max_connections = 8\n");
        let config = Config::parse(&text, "t.toml").unwrap();
        assert_eq!(config.sip.tcp_idle_timeout, Duration::from_secs(90));
        assert_eq!(config.sip.tcp_max_connections, 8);
        for (bad, key) in [
            ("tcp_idle_timeout = \"100ms\"", "sip.tcp_idle_timeout"),
            ("tcp_max_connections = 0", "sip.tcp_max_connections"),
            ("tcp_max_connections = -1", "sip.tcp_max_connections"),
        ] {
            let text = format!("{MINIMAL}[sip]\n{bad}\n");
            let err = Config::parse(&text, "t.toml").unwrap_err().to_string();
            assert!(err.contains(&format!("key `{key}`")), "{bad}: {err}");
        }
    }

    #[test]
    fn errors_name_the_key() {
        let cases = [
            (format!("{MINIMAL}max_cps = \"fast\"\n"), "trunk.max_cps"),
            (format!("{MINIMAL}max_channels = 0\n"), "trunk.max_channels"),
            (format!("{MINIMAL}colour = 1\n"), "trunk"),
            (
                format!("{MINIMAL}[media]\nrtp_ports = \"9-2\"\n"),
                "media.rtp_ports",
            ),
            (
                format!("{MINIMAL}[media]\ncodecs = [\"G729\"]\n"),
                "media.codecs",
            ),
            (
                format!("{MINIMAL}[sip]\ntransport = \"sctp\"\n"),
                "sip.transport",
            ),
            (format!("{MINIMAL}[sip]\nbind = \"nowhere\"\n"), "sip.bind"),
            ("[trunk]\ndomain = \"d\"\n".to_string(), "trunk"),
            (
                "[trunk]\nproxy = \"sip:[::1]:5070;transport=tcp\"\ndomain = \"d\"\n".to_string(),
                "trunk.proxy",
            ),
        ];
        for (text, key) in cases {
            let err = Config::parse(&text, "t.toml").unwrap_err().to_string();
            assert!(err.contains(&format!("key `{key}")), "{key}: {err}");
        }
    }

    #[test]
    fn example_file_documents_a_valid_config() {
        let text = include_str!("../../sip.example.toml");
        let config = Config::parse(text, "sip.example.toml").unwrap();
        assert_eq!(config.trunk.max_cps, 5.0);
        assert_eq!(config.trunk.register_expiry, Duration::from_secs(3600));
    }

    #[test]
    fn local_file_points_at_the_phones_on_this_machine() {
        let text = include_str!("../../config/local.toml");
        let config = Config::parse(text, "config/local.toml").unwrap();
        let proxy = config.trunk.proxy_address().unwrap();
        assert_eq!((proxy.host.as_str(), proxy.port), ("127.0.0.1", 5070));
        assert!(config.sip.bind.ip().is_loopback());
        assert!(config.database.url.starts_with("sqlite:"));
        assert!(config.speech.cache_dir.is_some());
    }

    #[test]
    fn the_proxy_is_a_host_an_address_or_a_sip_uri() {
        let with = |proxy: &str, transport: &str| {
            let text = format!(
                "[sip]\ntransport = \"{transport}\"\n[trunk]\nproxy = \"{proxy}\"\ndomain = \"d\"\n"
            );
            Config::parse(&text, "t.toml")
        };
        let uri = with("sip:sip.trunk.example:5060;transport=tcp", "tcp").unwrap();
        assert_eq!(
            uri.trunk.proxy_address().unwrap().host_port(),
            "sip.trunk.example:5060"
        );
        let v6 = with("[2001:db8::1]:5070", "udp").unwrap();
        assert_eq!(
            v6.trunk.proxy_address().unwrap().host_port(),
            "[2001:db8::1]:5070"
        );
        let disagree = with("sip:sip.trunk.example;transport=tcp", "udp").unwrap_err();
        assert!(disagree.to_string().contains("sip.transport"), "{disagree}");
        let bad = with("sip.trunk.example:port", "udp")
            .unwrap_err()
            .to_string();
        assert!(bad.contains("key `trunk.proxy`"), "{bad}");
        assert!(
            bad.contains("host, host:port, [IPv6]:port or sip:host:port;transport=udp|tcp"),
            "{bad}"
        );
    }

    #[test]
    fn the_trunk_may_be_left_out_only_where_no_call_is_placed() {
        let text = "[database]\nurl = \"sqlite:x.db\"\n";
        let config = Config::parse_without_trunk(text, "t.toml").unwrap();
        assert_eq!(config.database.url, "sqlite:x.db");
        let err = Config::parse(text, "t.toml").unwrap_err().to_string();
        assert!(err.starts_with("t.toml: key `trunk`: missing"), "{err}");
        let half = "[trunk]\ndomain = \"d\"\n";
        for parsed in [
            Config::parse(half, "t.toml"),
            Config::parse_without_trunk(half, "t.toml"),
        ] {
            let err = parsed.unwrap_err().to_string();
            assert!(err.contains("missing field `proxy`"), "{err}");
        }
        let unknown = "[trunk]\nproxy = \"p\"\ndomain = \"d\"\n[database]\nuri = \"x\"\n";
        assert_eq!(
            Config::parse(unknown, "t.toml").unwrap_err().to_string(),
            Config::parse_without_trunk(unknown, "t.toml")
                .unwrap_err()
                .to_string()
        );
    }

    #[test]
    fn a_missing_file_points_at_the_example() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sip.toml");
        let err = Config::load(&path).unwrap_err();
        assert!(matches!(err, ConfigError::Missing { .. }));
        let said = err.to_string();
        assert!(said.contains("sip.toml: no such file; copy sip.example.toml to start"));
        assert!(
            said.contains("/usr/share/doc/buurtbel/sip.example.toml"),
            "{said}"
        );
        let folder = Config::load_without_trunk(dir.path()).unwrap_err();
        assert!(matches!(folder, ConfigError::Read { .. }), "{folder}");
    }

    #[test]
    fn syntax_errors_are_reported() {
        let err = Config::parse("[trunk\n", "t.toml").unwrap_err();
        assert!(matches!(err, ConfigError::Syntax { .. }));
    }
}
