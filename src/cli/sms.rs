//! `buurtbel sms send`: one text through the configured provider, for an operator checking
//! the SMS account (the sender, the route, the encoding). Prints what the provider accepted;
//! with `--json`, one object with `message_id`, `message_ids`, `parts` and `encoding`.

use super::CliError;
use crate::config::Config;
use crate::number::to_e164;
use crate::sms::{self, OutgoingSms, SmsSender, encoding, sender};
use std::path::PathBuf;
use tokio::sync::mpsc;

/// Arguments of `buurtbel sms`.
#[derive(Debug, clap::Args)]
pub struct SmsArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: SmsCommand,
}

/// The sms subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum SmsCommand {
    /// Send one text through the configured provider.
    Send(SendArgs),
}

/// Arguments of `buurtbel sms send`.
#[derive(Debug, clap::Args)]
pub struct SendArgs {
    /// The configuration file, with its `[sms]` table.
    #[arg(long)]
    pub config: PathBuf,
    /// The number to text (`0470 00 00 01`, `+32470000001`).
    #[arg(long)]
    pub to: String,
    /// The text.
    #[arg(long)]
    pub text: String,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Runs `buurtbel sms`.
pub async fn run(args: SmsArgs) -> Result<(), CliError> {
    match args.command {
        SmsCommand::Send(args) => send(args).await,
    }
}

async fn send(args: SendArgs) -> Result<(), CliError> {
    let config = Config::load_without_trunk(&args.config)?;
    let to = to_e164(&args.to)?;
    if args.text.trim().is_empty() {
        return Err(CliError::SmsSetup("--text: nothing to send".to_owned()));
    }
    let sender_text =
        config.sms.sender.clone().ok_or_else(|| {
            CliError::SmsSetup("no `[sms] sender` in the configuration".to_owned())
        })?;
    let sender =
        sender::parse(&sender_text).map_err(|e| CliError::SmsSetup(format!("sms.sender: {e}")))?;
    // Receipts and replies arriving meanwhile are not this command's business: the
    // provider is told they were not kept, so the SMSC offers them again to `serve`.
    let (arrivals, _) = mpsc::channel(1);
    let provider = sms::start(&config.sms, arrivals)
        .map_err(|e| CliError::SmsSetup(e.to_string()))?
        .ok_or_else(|| CliError::SmsSetup("`[sms] provider` is none".to_owned()))?;
    let max_parts = usize::try_from(config.sms.max_parts).unwrap_or(1);
    let message = encoding::encode(&args.text, max_parts);
    let (parts, kind, shortened) = (message.parts.len(), message.encoding, message.shortened);
    let sms = OutgoingSms {
        to,
        sender,
        message,
        reference: "cli".to_owned(),
    };
    let submitted = provider.send(sms).await;
    provider.close().await;
    let submitted = submitted.map_err(|e| CliError::SmsRefused(e.to_string()))?;
    let first = submitted.message_ids.first().cloned().unwrap_or_default();
    if args.json {
        let object = serde_json::json!({
            "message_id": first,
            "message_ids": submitted.message_ids,
            "parts": parts,
            "encoding": kind.as_str(),
            "shortened": shortened,
        });
        println!("{object}");
    } else {
        println!(
            "sent: message {first}, {parts} part(s), {}{}",
            kind.as_str(),
            if shortened { ", shortened" } else { "" }
        );
    }
    Ok(())
}
