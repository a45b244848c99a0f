//! `buurtbel say`: a text spoken to an 8 kHz WAV, or with `--dry-run` only the text as it
//! will be read, so a dispatcher can check plates and numbers before sending.

use super::CliError;
use super::values::one_of;
use crate::config::Config;
use crate::speech::{EngineKind, Language, Speech, SpeechSettings};
use std::path::{Path, PathBuf};

/// Arguments of `buurtbel say`.
#[derive(Debug, clap::Args)]
pub struct SayArgs {
    /// Language of the text: nl, fr, de, en.
    #[arg(long, default_value = "nl", value_parser = one_of(&Language::ALL, Language::code))]
    pub lang: Language,
    /// What to say.
    #[arg(long)]
    pub text: String,
    /// Speed: 1.0 normal, 0.85 slower (0.5 to 2.0).
    #[arg(long, default_value_t = 1.0)]
    pub rate: f32,
    /// The engine, instead of the configuration's.
    #[arg(long)]
    pub engine: Option<EngineKind>,
    /// The engine's voice, instead of the configured or default one.
    #[arg(long)]
    pub voice: Option<String>,
    /// Write the speech here (8 kHz mono 16-bit WAV).
    #[arg(long, required_unless_present = "dry_run")]
    pub out: Option<PathBuf>,
    /// Print the text as it will be read, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// A configuration file (see sip.example.toml), checked whole; its [speech] section is
    /// used.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

/// Speaks or shows the text.
pub fn run(args: SayArgs) -> Result<(), CliError> {
    let mut settings = match &args.config {
        Some(path) => Config::load_without_trunk(path)?.speech_settings()?,
        None => SpeechSettings::default(),
    };
    if let Some(engine) = args.engine {
        settings.engine = engine;
    }
    if let Some(voice) = &args.voice {
        settings.voices.insert(args.lang, voice.clone());
    }
    if args.dry_run {
        // Checks the text as a rendering would, without starting an engine.
        crate::speech::render::check_text(&args.text, settings.max_chars)?;
        println!(
            "{}",
            crate::speech::normalise::normalise(args.lang, &args.text)
        );
        return Ok(());
    }
    let speech = Speech::new(settings)?;
    let rendered = speech.message(&args.text, args.lang, args.rate)?;
    let out = args.out.as_deref().unwrap_or(Path::new("speech.wav"));
    super::write_wav_atomically(out, &rendered.samples)?;
    println!("spoken:  {}", rendered.spoken);
    println!(
        "wrote:   {} ({:.1} s, 8 kHz mono 16-bit)",
        out.display(),
        rendered.samples.len() as f64 / 8000.0
    );
    Ok(())
}
