//! Command-line subcommands. Each returns a [`CliError`] when it could not do its job at all;
//! an unanswered or busy call is a result, not an error.

mod call;

use clap::{Parser, Subcommand};

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
    /// The message or prompt audio.
    #[error(transparent)]
    Audio(#[from] crate::speech::prompts::PromptError),
    /// Sockets, resolution.
    #[error(transparent)]
    Dialer(#[from] crate::telephony::DialerError),
}

impl CliError {
    /// 2 for what the user must fix in their input, 1 for the environment.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Config(_) | CliError::Number(_) | CliError::Audio(_) => 2,
            CliError::Dialer(_) => 1,
        }
    }
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Call(args) => call::run(args).await,
    }
}

/// Logs to standard error; `RUST_LOG` overrides the default level (info).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
