//! Command-line subcommands. Each returns a [`CliError`] when it could not do its job at all;
//! an unanswered or busy call is a result, not an error.

mod alert;
mod call;
mod demo;
mod error;
mod history;
mod host;
mod members;
mod phones;
mod progress;
mod say;
mod serve;
mod sms;
mod status;
mod token;
mod values;
mod webhook;
mod words;

pub use error::{CliError, Task};

use clap::{Parser, Subcommand};
use std::path::Path;

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
    /// Make, list or revoke the HTTP API's bearer tokens.
    Token(token::TokenArgs),
    /// Add, list or remove a network's webhooks, and show what one sent.
    Webhook(webhook::WebhookArgs),
    /// Send a text through the configured SMS provider.
    Sms(sms::SmsArgs),
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
        Command::Token(args) => token::run(args).await,
        Command::Webhook(args) => webhook::run(args).await,
        Command::Sms(args) => sms::run(args).await,
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
