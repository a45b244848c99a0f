//! Why a command could not run, and the exit code that says whose move it is: 2 for what the
//! user must fix in their input (arguments, files, configuration), 1 for the environment (a
//! socket, the database server, a task). The text of each case is what the user reads after
//! `error: `; scripts and tests hold on to it, so it changes only on purpose.

use super::members;
use super::phones::ScriptProblem;
use crate::chain::dispatcher::ChainError;
use crate::chain::service::ServiceError;
use crate::config::{BadValue, ExpiryError};
use crate::store::StoreError;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Why a command could not run.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The configuration file.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// A configuration value a command cannot use.
    #[error(transparent)]
    Value(#[from] BadValue),
    /// The destination.
    #[error("--to: {0}")]
    Number(#[from] crate::number::NumberError),
    /// The message text, its speech or the prompts.
    #[error(transparent)]
    Speech(#[from] crate::speech::SpeechError),
    /// An audio file.
    #[error(transparent)]
    Audio(#[from] crate::speech::wav::WavError),
    /// An output file.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Sockets, resolution.
    #[error(transparent)]
    Dialer(#[from] crate::telephony::DialerError),
    /// The database.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// `sms send`: the provider cannot be used as configured.
    #[error("sms: {0}")]
    SmsSetup(String),
    /// `sms send`: the provider did not take the message.
    #[error("sms: {0}")]
    SmsRefused(String),
    /// The HTTP API cannot start or stopped.
    #[error(transparent)]
    Api(#[from] crate::api::server::ServeError),
    /// An input file that cannot be opened.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A member file with bad rows (each already printed as `FILE:LINE: problem`) or a bad
    /// header; nothing was imported.
    #[error("{}: {}", path.display(), members::refusal(source))]
    MemberFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        source: crate::members::ImportError,
    },
    /// `alert send --expires-in` that the chain does not allow.
    #[error("--expires-in: {0}")]
    ExpiresIn(#[source] ExpiryError),
    /// `alert send` without a message in any language.
    #[error(
        "give the message: --text-nl \"…\" (or --text-fr, --text-de, --text-en, --wav-nl FILE…)"
    )]
    NoMessage,
    /// `alert send` without a text in a language one of its networks needs.
    #[error(
        "the networks need the message in {}: add {}",
        missing.join(", "),
        missing.iter().map(|l| format!("--text-{l} \"…\"")).collect::<Vec<_>>().join(", ")
    )]
    MissingLanguages {
        /// The languages without a text, e.g. `fr`.
        missing: Vec<String>,
    },
    /// A task of the command ended without its result (it panicked or was cancelled).
    #[error("{task}: {source}")]
    Task {
        /// Which.
        task: Task,
        /// How it ended.
        source: tokio::task::JoinError,
    },
    /// The demo's simulated exchange cannot start.
    #[error("the simulated exchange: {0}")]
    Exchange(#[source] std::io::Error),
    /// The demo's simulated SMS centre cannot start.
    #[error("the simulated SMS centre: {0}")]
    SmsCentre(#[source] std::io::Error),
    /// `buurtbel phones` cannot listen on the trunk's address.
    #[error("the phones cannot listen on {bind}: {source}")]
    PhonesListen {
        /// The address.
        bind: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// `trunk.proxy` cannot be looked up.
    #[error("trunk.proxy `{proxy}`: {source}")]
    ProxyLookup {
        /// As written.
        proxy: String,
        /// What the resolver said.
        source: std::io::Error,
    },
    /// `trunk.proxy` resolves to no address.
    #[error("trunk.proxy `{proxy}` names no address")]
    ProxyNoAddress {
        /// As written.
        proxy: String,
    },
    /// `media.key_wait` too short for the simulated phones to press their key in it.
    #[error(
        "media.key_wait is {}: the simulated phones press their key after {} of silence \
         (speech.repeat_pause plus {}), so it must be at least {}",
        humantime::format_duration(*.key_wait),
        humantime::format_duration(*.pause),
        humantime::format_duration(*.beyond_repeat_pause),
        humantime::format_duration(*.least)
    )]
    KeyWait {
        /// `media.key_wait`.
        key_wait: Duration,
        /// The silence after which the phones press.
        pause: Duration,
        /// What that silence adds to `speech.repeat_pause`.
        beyond_repeat_pause: Duration,
        /// The shortest key wait that leaves room for the key.
        least: Duration,
    },
    /// A behaviours file that is not valid TOML.
    #[error("{}: {}", .path.display(), .source.message())]
    ScriptSyntax {
        /// The file.
        path: PathBuf,
        /// What the TOML reader said.
        source: Box<toml::de::Error>,
    },
    /// A behaviours file with an entry that cannot be used.
    #[error("{}: {key}: {problem}", .path.display())]
    Script {
        /// The file.
        path: PathBuf,
        /// `default` or `numbers."NUMBER"`.
        key: String,
        /// What is wrong with it.
        #[source]
        problem: ScriptProblem,
    },
    /// The alert chain.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// Starting the chain's telephony or speech.
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// An alert id that names no alert.
    #[error("no alert `{0}` (`buurtbel alert list` shows the alerts of the last 7 days)")]
    NoAlert(crate::store::AlertId),
    /// A token id that names no live token.
    #[error("no live token `{0}` (`buurtbel token list` shows them)")]
    NoToken(crate::store::TokenId),
    /// A webhook id that names no live webhook.
    #[error("no webhook `{0}` (`buurtbel webhook list` shows them)")]
    NoWebhook(crate::store::WebhookId),
    /// `webhook add --url` that cannot be a webhook's.
    #[error("--url: {0}")]
    WebhookUrl(#[source] crate::webhooks::target::UrlProblem),
    /// A network name that names no network.
    #[error(
        "no network named `{name}` ({}; `members import --create` adds one)",
        members::known_networks(known)
    )]
    NoNetwork {
        /// The name given.
        name: String,
        /// The networks there are.
        known: Vec<String>,
    },
}

/// A command's task that can end without its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Task {
    /// `alert send` rendering the message once, to refuse what cannot be spoken.
    #[error("speaking the message stopped")]
    SpeakingTheMessage,
    /// `demo` rendering what its phones say.
    #[error("preparing the phones' voices stopped")]
    DemoVoices,
    /// `phones` rendering what its phones say.
    #[error("preparing the phones' voices")]
    PhoneVoices,
    /// `demo`'s dispatcher.
    #[error("the dispatcher stopped")]
    Dispatcher,
}

impl CliError {
    /// 2 for what the user must fix in their input, 1 for the environment.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Config(_) | CliError::Value(_) | CliError::Number(_) => 2,
            CliError::Audio(_) => 2,
            CliError::Speech(e) if e.is_input() => 2,
            CliError::Speech(_) | CliError::Write { .. } | CliError::Dialer(_) => 1,
            CliError::Store(e) | CliError::Chain(ChainError::Store(e)) => store_exit_code(e),
            CliError::Read { .. } | CliError::MemberFile { .. } | CliError::NoNetwork { .. } => 2,
            CliError::NoAlert(_) | CliError::ExpiresIn(_) | CliError::NoMessage => 2,
            CliError::NoToken(_) | CliError::MissingLanguages { .. } => 2,
            CliError::NoWebhook(_) | CliError::WebhookUrl(_) => 2,
            CliError::SmsSetup(_) => 2,
            CliError::SmsRefused(_) => 1,
            CliError::KeyWait { .. } | CliError::ProxyNoAddress { .. } => 2,
            CliError::ScriptSyntax { .. } | CliError::Script { .. } => 2,
            CliError::Task { task, .. } => task.exit_code(),
            CliError::Service(ServiceError::Config(_)) => 2,
            CliError::Exchange(_) | CliError::SmsCentre(_) | CliError::PhonesListen { .. } => 1,
            CliError::Api(crate::api::server::ServeError::Tls { .. }) => 2,
            CliError::Api(_) => 1,
            CliError::ProxyLookup { .. } | CliError::Service(_) => 1,
            CliError::Chain(ChainError::LeaseLost) => 1,
        }
    }
}

impl Task {
    /// The exit code these tasks have always given.
    fn exit_code(self) -> u8 {
        match self {
            Task::SpeakingTheMessage | Task::DemoVoices => 2,
            Task::PhoneVoices | Task::Dispatcher => 1,
        }
    }
}

/// A database URL or member the user gave is theirs to fix; the rest is the environment.
fn store_exit_code(error: &StoreError) -> u8 {
    match error {
        StoreError::UnsupportedUrl(_)
        | StoreError::InvalidMember { .. }
        | StoreError::KeyTaken { .. } => 2,
        _ => 1,
    }
}
