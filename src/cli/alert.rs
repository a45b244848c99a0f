//! `buurtbel alert send` and `buurtbel alert cancel`: hand an alert to the dispatcher
//! (`buurtbel serve`, running against the same database) and, with `--follow`, watch it to
//! the end. `alert list` and `alert show` read alerts back afterwards ([`super::history`]).

use super::members::{DatabaseArgs, configuration, database_url, existing_network};
use super::values::one_of;
use super::words;
use super::{CliError, Task};
use crate::chain::dispatcher::submit;
use crate::speech::wav::Recording;
use crate::speech::{Language, Speech, SpeechSettings};
use crate::store::{
    Alert, AlertId, AlertKind, AlertState, Message, MessageBody, NewAlert, Store, missing_languages,
};
use crate::telephony::clock::epoch_ms;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Arguments of `buurtbel alert`.
#[derive(Debug, clap::Args)]
pub struct AlertArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: AlertCommand,
}

/// The alert subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum AlertCommand {
    /// Send an alert to every active member of one or more networks.
    Send(Box<SendArgs>),
    /// Cancel an alert: no new calls, ringing calls end, calls being heard finish.
    Cancel(CancelArgs),
    /// The alerts sent lately, newest first, with how many members confirmed.
    List(super::history::ListArgs),
    /// One alert: what was sent, how far it got, and with --members how it went for each.
    Show(super::history::ShowArgs),
}

/// Arguments of `buurtbel alert send`.
#[derive(Debug, clap::Args)]
#[command(mut_arg("config", |config| config.help(
    "A configuration file (see sip.example.toml), checked whole; its [database] url, [chain] \
     expiries and [speech] settings are used, and [trunk] may be left out (defaults: \
     sqlite:buurtbel.db in the working directory, and each section's own)"
)))]
pub struct SendArgs {
    /// Where the networks are kept.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The network (its name); repeat for several. A member of two is called once.
    #[arg(long, required = true)]
    pub network: Vec<String>,
    /// urgent (calls now, day and night), prevention or feedback (wait out quiet hours).
    #[arg(long, value_parser = one_of(AlertKind::ALL, AlertKind::as_str))]
    pub kind: AlertKind,
    /// The message in Dutch, read by the speech engine.
    #[arg(long, conflicts_with = "wav_nl")]
    pub text_nl: Option<String>,
    /// The message in French.
    #[arg(long, conflicts_with = "wav_fr")]
    pub text_fr: Option<String>,
    /// The message in German.
    #[arg(long, conflicts_with = "wav_de")]
    pub text_de: Option<String>,
    /// The message in English.
    #[arg(long, conflicts_with = "wav_en")]
    pub text_en: Option<String>,
    /// A recorded Dutch message (WAV) instead of text.
    #[arg(long)]
    pub wav_nl: Option<PathBuf>,
    /// A recorded French message.
    #[arg(long)]
    pub wav_fr: Option<PathBuf>,
    /// A recorded German message.
    #[arg(long)]
    pub wav_de: Option<PathBuf>,
    /// A recorded English message.
    #[arg(long)]
    pub wav_en: Option<PathBuf>,
    /// Stop calling after this long (urgent default: `chain.urgent_expiry`, 30 min); longer
    /// than 0 and at most `chain.max_expiry` (7 days).
    #[arg(long, value_parser = humantime::parse_duration)]
    pub expires_in: Option<Duration>,
    /// An exercise: members hear it as a test.
    #[arg(long)]
    pub drill: bool,
    /// For feedback: the alert this follows up.
    #[arg(long)]
    pub activation_of: Option<String>,
    /// Sending again with the same key does not send twice.
    #[arg(long)]
    pub key: Option<String>,
    /// Who sends it, for the record.
    #[arg(long, default_value = "cli")]
    pub created_by: String,
    /// Show live progress until the alert is done, then a summary.
    #[arg(long)]
    pub follow: bool,
}

/// Arguments of `buurtbel alert cancel`.
#[derive(Debug, clap::Args)]
pub struct CancelArgs {
    /// Where the alert is kept.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The alert's id, as `alert send` printed it.
    pub alert: String,
}

/// Runs an alert subcommand.
pub async fn run(args: AlertArgs) -> Result<(), CliError> {
    match args.command {
        AlertCommand::Send(args) => send(*args).await,
        AlertCommand::Cancel(args) => cancel(args).await,
        AlertCommand::List(args) => super::history::list(args).await,
        AlertCommand::Show(args) => super::history::show(args).await,
    }
}

async fn send(args: SendArgs) -> Result<(), CliError> {
    let config = configuration(&args.database)?;
    let chain = config.chain.clone();
    let expires_in = match args.expires_in {
        Some(asked) => Some(chain.expiry(asked).map_err(CliError::ExpiresIn)?),
        None => None,
    };
    let messages = messages(&args, config.speech_settings()?).await?;
    let url = args
        .database
        .database
        .clone()
        .unwrap_or(config.database.url);
    let store = Store::open(&url).await?;
    let mut networks = Vec::new();
    for name in &args.network {
        networks.push(existing_network(&store, name).await?);
    }
    let given: Vec<&str> = messages.iter().map(|m| m.language.as_str()).collect();
    let missing = missing_languages(&networks, &given);
    if !missing.is_empty() {
        store.close().await;
        return Err(CliError::MissingLanguages { missing });
    }
    let networks = networks.into_iter().map(|n| n.id).collect();
    let now = epoch_ms();
    let alert = NewAlert {
        kind: args.kind,
        activation_of: args.activation_of.as_deref().map(AlertId::from),
        created_by: args.created_by.clone(),
        networks,
        messages,
        expires_at: expires_in
            .map(|d| now.saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))),
        drill: args.drill,
        idempotency_key: args.key.clone(),
    };
    let (alert, created) = submit(&store, alert, chain.urgent_expiry, now).await?;
    let members = targeted(&store, &alert.id).await?;
    if created {
        println!(
            "alert {} ({}{}) sending to {}",
            alert.id,
            alert.kind,
            drill_mark(&alert),
            words::count(i64::try_from(members).unwrap_or(i64::MAX), "member")
        );
    } else {
        println!(
            "alert {} was already sent with this key ({})",
            alert.id, alert.state
        );
    }
    if args.follow {
        follow(&store, &alert, members).await?;
    }
    store.close().await;
    Ok(())
}

async fn cancel(args: CancelArgs) -> Result<(), CliError> {
    let store = Store::open(&database_url(&args.database)?).await?;
    let id = AlertId::from(args.alert.as_str());
    let still_calling = store.cancel_alert(&id, epoch_ms()).await?;
    let alert = store.alert(&id).await?;
    match alert {
        Some(alert) if alert.state == AlertState::Cancelled => println!(
            "alert {id} cancelled; {} in progress {} ending",
            words::count(still_calling.len() as i64, "call"),
            if still_calling.len() == 1 {
                "is"
            } else {
                "are"
            }
        ),
        Some(alert) => println!("alert {id} was not sending ({})", alert.state),
        None => unreachable_alert(&id),
    }
    store.close().await;
    Ok(())
}

fn unreachable_alert(id: &AlertId) {
    println!("no alert {id}");
}

/// The messages, checked: texts within `speech.max_chars` and spoken once now (so a bad
/// text or a missing engine is reported here, and the server finds the speech cached);
/// recordings that decode and are not too long.
async fn messages(args: &SendArgs, speech: SpeechSettings) -> Result<Vec<Message>, CliError> {
    let texts = [
        (Language::Nl, &args.text_nl, &args.wav_nl),
        (Language::Fr, &args.text_fr, &args.wav_fr),
        (Language::De, &args.text_de, &args.wav_de),
        (Language::En, &args.text_en, &args.wav_en),
    ];
    let mut messages = Vec::new();
    let mut to_speak = Vec::new();
    let longest = speech.max_recording;
    for (language, text, wav) in texts {
        let body = match (text, wav) {
            (Some(text), _) => {
                crate::speech::render::check_text(text, speech.max_chars)?;
                to_speak.push((language, text.clone()));
                MessageBody::Text(text.clone())
            }
            (None, Some(path)) => MessageBody::Recording(recording(path, longest)?),
            (None, None) => continue,
        };
        messages.push(Message {
            language: language.code().to_owned(),
            body,
        });
    }
    if messages.is_empty() {
        return Err(CliError::NoMessage);
    }
    tokio::task::spawn_blocking(move || -> Result<(), CliError> {
        let speech = Speech::new(speech)?;
        for (language, text) in to_speak {
            speech.message(&text, language, 1.0)?;
        }
        Ok(())
    })
    .await
    .map_err(|source| CliError::Task {
        task: Task::SpeakingTheMessage,
        source,
    })??;
    Ok(messages)
}

/// A recorded message: judged from its header (at most `speech.max_recording`) before its
/// samples are read, then decoded once so a file that does not play is refused here.
fn recording(path: &Path, longest: Duration) -> Result<Vec<u8>, CliError> {
    let recording = Recording::open(path, longest)?;
    recording.mono()?;
    Ok(recording.into_bytes())
}

/// Active members the alert targets.
async fn targeted(store: &Store, alert: &AlertId) -> Result<u64, CliError> {
    let mut count = 0;
    let mut after = None;
    loop {
        let page = store
            .targeted_members(alert, after.as_ref(), 10_000)
            .await?;
        count += page.len() as u64;
        match page.last() {
            Some(last) if page.len() == 10_000 => after = Some(last.clone()),
            _ => return Ok(count),
        }
    }
}

/// Progress until the alert is no longer sending, then the summary.
async fn follow(store: &Store, alert: &Alert, members: u64) -> Result<(), CliError> {
    let every = Duration::from_millis(500);
    let state = super::progress::watch(store, &alert.id, members, every, true).await?;
    summary(store, alert, state).await
}

async fn summary(store: &Store, alert: &Alert, state: Option<AlertState>) -> Result<(), CliError> {
    let counts = store.delivery_counts(&alert.id).await?;
    let state = state.map_or("gone".to_owned(), |s| s.to_string());
    let tally = match super::progress::tally(&counts) {
        tally if tally.is_empty() => "nobody was called".to_owned(),
        tally => tally,
    };
    println!("alert {} {state}{}: {tally}", alert.id, drill_mark(alert));
    let lines = store.deliveries(&alert.id).await?;
    let unconfirmed: Vec<_> = lines
        .iter()
        .filter(|l| !l.delivery.state.is_acknowledged())
        .collect();
    if !unconfirmed.is_empty() {
        println!("not confirmed ({}):", unconfirmed.len());
        for line in unconfirmed {
            println!(
                "  {:<32} {:<28} {}",
                line.member_name,
                words::state(line.delivery.state),
                words::count(line.delivery.attempts, "call")
            );
        }
    }
    Ok(())
}

/// Says that an alert is a drill wherever it is named, as its calls do.
fn drill_mark(alert: &Alert) -> &'static str {
    if alert.drill { ", drill" } else { "" }
}
