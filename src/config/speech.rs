//! `[speech]`: which engine speaks, with which voices, where rendered audio is kept.

use super::{BadValue, ValueProblem};
use crate::speech::{EngineKind, Language, SpeechSettings};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

/// The limits `speech.max_recording` may be set to: a message lasts seconds, and an hour of
/// audio is already a few hundred megabytes to read.
const LONGEST_RECORDING_RANGE: std::ops::RangeInclusive<Duration> =
    Duration::from_secs(1)..=crate::speech::wav::LONGEST_ALLOWED;

/// `[speech]`.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SpeechConfig {
    /// `builtin` (default), `espeak-ng`, `piper` or `command`.
    #[serde(default)]
    pub engine: EngineKind,
    /// The program for `espeak-ng` or `piper`, if not the name on `PATH`.
    pub program: Option<PathBuf>,
    /// For `command`: program and arguments; `{lang}`, `{voice}`, `{rate}` are replaced.
    #[serde(default)]
    pub command: Vec<String>,
    /// `[speech.voice]`: a voice per language code, e.g. `nl = "mb-nl2"`.
    #[serde(default)]
    pub voice: HashMap<String, String>,
    /// Folder of `<lang>/prompts.toml`, recorded prompts and piper voices (default `voices`).
    pub voices: Option<PathBuf>,
    /// Rendered speech (default `$XDG_CACHE_HOME/buurtbel`).
    pub cache_dir: Option<PathBuf>,
    /// The longest message text, in characters (default 1000).
    pub max_chars: Option<usize>,
    /// Times the message is spoken each time it plays (default 1).
    pub message_repeats: Option<u32>,
    /// Pause between those repetitions (default `1500ms`).
    #[serde(default, deserialize_with = "super::optional_duration")]
    pub repeat_pause: Option<Duration>,
    /// The longest recorded message accepted (default `10m`), judged from the WAV's header.
    #[serde(default, deserialize_with = "super::optional_duration")]
    pub max_recording: Option<Duration>,
}

impl SpeechConfig {
    /// The settings, or the key that is wrong and why.
    pub fn settings(&self) -> Result<SpeechSettings, BadValue> {
        let defaults = SpeechSettings::default();
        let mut voices = HashMap::new();
        for (code, voice) in &self.voice {
            let language: Language = code.parse().map_err(|problem| {
                BadValue::new("speech.voice", ValueProblem::Language(problem))
            })?;
            voices.insert(language, voice.clone());
        }
        if self.engine == EngineKind::Command && self.command.is_empty() {
            return Err(BadValue::new("speech.command", ValueProblem::NoCommand));
        }
        let max_chars = self.max_chars.unwrap_or(defaults.max_chars);
        if max_chars == 0 {
            return Err(BadValue::new("speech.max_chars", ValueProblem::TooFew(1)));
        }
        let message_repeats = self.message_repeats.unwrap_or(1);
        if !(1..=5).contains(&message_repeats) {
            let problem = ValueProblem::OutOfRange(1, 5);
            return Err(BadValue::new("speech.message_repeats", problem));
        }
        let max_recording = self.max_recording.unwrap_or(defaults.max_recording);
        if !LONGEST_RECORDING_RANGE.contains(&max_recording) {
            let (least, most) = LONGEST_RECORDING_RANGE.into_inner();
            let problem = ValueProblem::DurationOutOfRange(least, most);
            return Err(BadValue::new("speech.max_recording", problem));
        }
        Ok(SpeechSettings {
            engine: self.engine,
            program: self.program.clone(),
            command: self.command.clone(),
            voices,
            prompts: self.voices.clone().unwrap_or(defaults.prompts),
            cache_dir: self.cache_dir.clone().unwrap_or(defaults.cache_dir),
            max_chars,
            message_repeats,
            repeat_pause: self.repeat_pause.unwrap_or(defaults.repeat_pause),
            max_recording,
        })
    }
}
