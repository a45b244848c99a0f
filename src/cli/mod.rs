//! Command-line subcommands. Each returns a [`CliError`] when it could not do its job at all;
//! an unanswered or busy call is a result, not an error.

mod alert;
mod call;
mod demo;
mod history;
mod host;
mod members;
mod phones;
mod progress;
mod say;
mod serve;
mod status;
mod values;
mod words;

use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};

/// buurtbel: phones the members of a neighbourhood information network (BIN).
#[derive(Debug, Parser)]
#[command(name = "buurtbel", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Place one call through the trunk and print how it ended.
    Call(call::CallArgs),
    /// Speak a text to a WAV file (or show how it will be read, with --dry-run).
    Say(say::SayArgs),
    /// Import or export a network's members.
    Members(members::MembersArgs),
    /// Send, cancel, list or show alerts; `serve` places the calls.
    Alert(alert::AlertArgs),
    /// Run the alert chain: place the calls of every alert sent, until SIGTERM.
    Serve(serve::ServeArgs),
    /// The gateways serving the database, their leases and calls, and the alerts sending.
    Status(status::StatusArgs),
    /// The whole chain with simulated phones on this machine, nothing to configure.
    Demo(demo::DemoArgs),
    /// Simulated phones on the configuration's trunk address, to try `serve` on this machine.
    Phones(phones::PhonesArgs),
}

/// Why a command could not run.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The configuration file.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
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
    Store(#[from] crate::store::StoreError),
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
    /// Arguments that do not fit together.
    #[error("{0}")]
    Usage(String),
    /// Something this machine could not do (a socket, a task).
    #[error("{0}")]
    Environment(String),
    /// The alert chain.
    #[error(transparent)]
    Chain(#[from] crate::chain::dispatcher::ChainError),
    /// Starting the chain's telephony or speech.
    #[error(transparent)]
    Service(#[from] crate::chain::service::ServiceError),
    /// An alert id that names no alert.
    #[error("no alert `{0}` (`buurtbel alert list` shows the alerts of the last 7 days)")]
    NoAlert(crate::store::AlertId),
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

impl CliError {
    /// 2 for what the user must fix in their input, 1 for the environment.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Config(_) | CliError::Number(_) | CliError::Audio(_) => 2,
            CliError::Speech(e) if e.is_input() => 2,
            CliError::Speech(_) | CliError::Write { .. } | CliError::Dialer(_) => 1,
            CliError::Store(e)
            | CliError::Chain(crate::chain::dispatcher::ChainError::Store(e)) => store_exit_code(e),
            CliError::Read { .. } | CliError::MemberFile { .. } | CliError::NoNetwork { .. } => 2,
            CliError::NoAlert(_) => 2,
            CliError::Usage(_) => 2,
            CliError::Service(crate::chain::service::ServiceError::Config(_)) => 2,
            CliError::Environment(_) | CliError::Service(_) => 1,
            CliError::Chain(crate::chain::dispatcher::ChainError::LeaseLost) => 1,
        }
    }
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Call(args) => call::run(args).await,
        Command::Say(args) => say::run(args),
        Command::Members(args) => members::run(args).await,
        Command::Alert(args) => alert::run(args).await,
        Command::Serve(args) => serve::run(args).await,
        Command::Status(args) => status::run(args).await,
        Command::Demo(args) => demo::run(args).await,
        Command::Phones(args) => phones::run(args).await,
    }
}

/// A database URL or member the user gave is theirs to fix; the rest is the environment.
fn store_exit_code(error: &crate::store::StoreError) -> u8 {
    use crate::store::StoreError;
    match error {
        StoreError::UnsupportedUrl(_)
        | StoreError::InvalidMember { .. }
        | StoreError::KeyTaken { .. } => 2,
        _ => 1,
    }
}

/// Writes a WAV beside `path` and renames it into place: a file is whole or absent.
fn write_wav_atomically(path: &Path, samples: &[i16]) -> Result<(), CliError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let staging = path.with_file_name(format!(".{name}.{:08x}.part", rand::random::<u32>()));
    crate::speech::wav::write_8k(&staging, samples).inspect_err(|_| {
        let _ = std::fs::remove_file(&staging);
    })?;
    std::fs::rename(&staging, path).map_err(|source| {
        let _ = std::fs::remove_file(&staging);
        CliError::Write {
            path: path.to_owned(),
            source,
        }
    })
}

/// Logs to standard error, above a progress bar if one shows; `RUST_LOG` overrides the
/// default level (info). Coloured only on a terminal, and never with `NO_COLOR` set.
pub fn init_logging() {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let no_color = std::env::var_os("NO_COLOR");
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(progress::LogWriter)
        .with_ansi(colour(std::io::stderr().is_terminal(), no_color.as_deref()))
        .try_init();
}

/// Whether to colour standard error: on a terminal, unless `NO_COLOR` is set to anything
/// but nothing (<https://no-color.org>).
fn colour(terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    terminal && no_color.is_none_or(std::ffi::OsStr::is_empty)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn colour_only_on_a_terminal_and_never_with_no_color() {
        assert!(colour(true, None));
        assert!(colour(true, Some(OsStr::new(""))));
        assert!(!colour(true, Some(OsStr::new("1"))));
        assert!(!colour(false, None));
    }
}
