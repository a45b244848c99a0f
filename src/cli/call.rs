//! `buurtbel call`: one call, its result on standard output.

use super::CliError;
use super::values::one_of;
use crate::config::Config;
use crate::number::dial_uri;
use crate::speech::prompts::PromptContext;
use crate::speech::wav::Recording;
use crate::speech::{Language, Speech};
use crate::telephony::pending::PendingProgram;
use crate::telephony::{CallResult, Dialer, Playback};
use buurtbel_proto::media::audio::EncodedProgram;
use buurtbel_proto::sip::call::{CallReport, Outcome, Party};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Arguments of `buurtbel call`.
#[derive(Debug, clap::Args)]
pub struct CallArgs {
    /// The configuration file (see sip.example.toml).
    #[arg(long)]
    pub config: PathBuf,
    /// A phone number (0471 12 34 56, +32…, a short code) or a sip:/tel: URI.
    #[arg(long)]
    pub to: String,
    /// How long to stay on the line once answered.
    #[arg(long, default_value = "3s", value_parser = humantime::parse_duration)]
    pub hold: Duration,
    /// Print the result as one JSON object on the last line.
    #[arg(long)]
    pub json: bool,
    /// Play this message (any WAV; resampled to 8 kHz) through the call program instead of
    /// holding the line.
    #[arg(long, conflicts_with = "text")]
    pub wav: Option<PathBuf>,
    /// Speak this text (in `--lang`) through the call program.
    #[arg(long)]
    pub text: Option<String>,
    /// Language of the message and the prompts around it: nl, fr, de, en.
    #[arg(long, default_value = "nl", value_parser = one_of(&Language::ALL, Language::code))]
    pub lang: Language,
    /// Speed of the speech: 1.0 normal, 0.85 slower.
    #[arg(long, default_value_t = 1.0)]
    pub rate: f32,
    /// The network's name, spoken in the intro.
    #[arg(long, default_value = "buurtbel")]
    pub network: String,
    /// Write what the far end sent (8 kHz WAV) to this file; needs `--wav` or `--text`.
    #[arg(long)]
    pub record: Option<PathBuf>,
    /// Folder of prompts (`<lang>/prompts.toml`, recorded `<lang>/<prompt>.wav`), instead of
    /// the configuration's `speech.voices`.
    #[arg(long)]
    pub voices: Option<PathBuf>,
}

/// Places the call and prints the result.
pub async fn run(args: CallArgs) -> Result<(), CliError> {
    let config = Config::load(&args.config)?;
    let target = dial_uri(&args.to, &config.trunk.domain)?;
    let playback = playback(&args, &config)?;
    let dialer = Dialer::start(&config).await?;
    if config.trunk.register {
        match dialer.first_registration(Duration::from_secs(10)).await {
            Some(event) => tracing::info!(?event, "registration"),
            None => tracing::warn!("no registration result within 10 s; calling anyway"),
        }
    }
    let result = dialer
        .call_recording(target, &playback, args.record.is_some())
        .await?;
    if let (Some(path), Some(recording)) = (
        &args.record,
        result.played.as_ref().and_then(|p| p.recording.as_ref()),
    ) {
        crate::speech::wav::write_8k(path, recording)?;
    }
    print_result(&result, args.json);
    Ok(())
}

/// Holding the line, or the call program around the message from `--wav` or `--text`.
fn playback(args: &CallArgs, config: &Config) -> Result<Playback, CliError> {
    if args.wav.is_none() && args.text.is_none() {
        return Ok(Playback::Hold(args.hold));
    }
    let mut settings = config.speech_settings()?;
    if let Some(voices) = &args.voices {
        settings.prompts = voices.clone();
    }
    // A recording is judged before the engine starts: a refused file costs nothing else.
    let recorded = match &args.wav {
        Some(wav) => Some(Recording::open(wav, settings.max_recording)?.samples_8k()?),
        None => None,
    };
    let speech = Speech::new(settings)?;
    let message = match (recorded, &args.text) {
        (Some(samples), _) => samples,
        (None, Some(text)) => speech.message(text, args.lang, args.rate)?.samples.to_vec(),
        (None, None) => Vec::new(),
    };
    let context = PromptContext {
        network: &args.network,
        callback: "",
    };
    let segments = speech.segments(args.lang, &context, false, &message, args.rate)?;
    Ok(Playback::Program(PendingProgram::ready(Arc::new(
        EncodedProgram::new(&segments),
    ))))
}

fn print_result(result: &CallResult, json: bool) {
    let report = &result.report;
    println!("outcome:    {}", outcome(result));
    match report.sip_status {
        Some(status) => println!("sip status: {status}"),
        None => println!("sip status: none (no final response)"),
    }
    println!("ringing:    {} ms", report.ring.as_millis());
    println!("talking:    {} ms", report.talk.as_millis());
    if let Some(played) = &result.played {
        let keys: String = played.digits.iter().map(|d| d.digit).collect();
        println!(
            "keys:       {}",
            if keys.is_empty() { "none" } else { &keys }
        );
        println!(
            "played:     {} ms, message heard {} time(s)",
            played.stats.played.as_millis(),
            played.message_starts
        );
    }
    if let Some(reason) = report.reason {
        println!("reason:     {}", reason.as_str());
    }
    if let Some(retry) = report.retry_after {
        println!("retry after {} s", retry.as_secs());
    }
    if json {
        println!("{}", json_line(result));
    }
}

/// The one-line JSON result; its field names are a contract.
pub fn json_line(result: &CallResult) -> serde_json::Value {
    let CallReport {
        outcome: _,
        sip_status,
        retry_after,
        ring,
        talk,
        hung_up_by,
        reason,
    } = &result.report;
    let played = result.played.as_ref();
    let stats = played.map(|p| p.stats).unwrap_or_default();
    serde_json::json!({
        "outcome": outcome(result),
        "sip_status": sip_status,
        "ring_ms": ring.as_millis() as u64,
        "talk_ms": talk.as_millis() as u64,
        "call_id": result.call_id,
        "retry_after_s": retry_after.map(|d| d.as_secs()),
        "hung_up_by": hung_up_by.map(|p| match p { Party::Local => "local", Party::Remote => "remote" }),
        "codec": result.media.as_ref().map(|m| m.codec.name()),
        "dtmf": played.map(|p| p.digits.clone()).unwrap_or_default(),
        "message_plays": played.map_or(0, |p| p.message_starts),
        "played_ms": stats.played.as_millis() as u64,
        "rtp_sent": stats.sent,
        "rtp_received": stats.received,
        "rtp_lost": stats.lost,
        "rtp_refused": stats.refused,
        "rtp_send_errors": stats.send_errors,
        "jitter_ms": (stats.jitter_ms * 100.0).round() / 100.0,
        "machine": played.and_then(|p| p.machine),
        "reason": reason.map(|r| r.as_str()),
    })
}

/// The call's outcome: what the member did when a program played to someone who answered
/// (`acknowledged`, `answered_no_ack`, `voicemail`), else how SIP ended it.
fn outcome(result: &CallResult) -> &'static str {
    match (&result.played, result.report.outcome) {
        (Some(_), Outcome::Answered) => result.outcome().as_str(),
        (_, sip) => sip.as_str(),
    }
}
