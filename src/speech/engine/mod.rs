//! Speech engines: text in one language and voice, at a rate, to PCM samples at the engine's
//! own sample rate. Everything after that (8 kHz, loudness, leading silence) is
//! [`crate::speech::post`], the same for every engine, so engines can be swapped without
//! changing what a member hears in level or timing.
//!
//! Engines block (a synthesis or a child process); callers on a tokio runtime run them on a
//! blocking thread. An engine's [`SpeechEngine::id`] changes whenever its output may change
//! (program version, voice file), because it is part of the audio cache key.

mod builtin;
mod process;

pub use builtin::Builtin;
pub use process::{CommandEngine, EspeakProgram, Piper};

use super::Language;
pub use super::error::SpeechError;

/// Samples from an engine, before telephone processing.
#[derive(Debug, Clone, PartialEq)]
pub struct Pcm {
    /// Mono samples, full scale ±1.0.
    pub samples: Vec<f32>,
    /// Samples per second.
    pub rate: u32,
}

/// What to say and how.
#[derive(Debug, Clone, Copy)]
pub struct Utterance<'a> {
    /// Normalised text.
    pub text: &'a str,
    /// Its language.
    pub language: Language,
    /// The engine's voice name or file (`nl`, `mb-nl2`, `voices/nl/x.onnx`).
    pub voice: &'a str,
    /// Speed relative to the engine's normal: 0.85 is slower, 1.2 faster.
    pub rate: f32,
}

/// Turns text into samples.
pub trait SpeechEngine: Send + Sync {
    /// The engine's name and version, and anything else its output depends on.
    fn id(&self) -> String;
    /// The voice used for `language` when the configuration names none.
    fn default_voice(&self, language: Language) -> Result<String, SpeechError>;
    /// What stands for `voice` in the cache key: its name, or for a voice file, enough of the
    /// file to notice it was replaced.
    fn voice_key(&self, voice: &str) -> Result<String, SpeechError> {
        Ok(voice.to_owned())
    }
    /// Synthesises one utterance.
    fn synthesise(&self, utterance: &Utterance<'_>) -> Result<Pcm, SpeechError>;
}

/// The engines an operator can choose in `speech.engine`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum EngineKind {
    /// The embedded pure-Rust eSpeak NG; needs nothing installed.
    #[default]
    Builtin,
    /// The system `espeak-ng` program (and its MBROLA voices).
    EspeakNg,
    /// The `piper` program with an operator-supplied `.onnx` voice.
    Piper,
    /// Any program reading text on stdin and writing a WAV on stdout.
    Command,
}

/// Words per minute at rate 1.0 for the eSpeak engines: slower than eSpeak's own 175, for
/// listeners on a landline who hear the message once.
pub const BASE_WORDS_PER_MINUTE: f32 = 150.0;

/// eSpeak's words-per-minute for a relative rate.
pub fn words_per_minute(rate: f32) -> u32 {
    (BASE_WORDS_PER_MINUTE * rate).round().clamp(80.0, 450.0) as u32
}
