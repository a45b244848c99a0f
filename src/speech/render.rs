//! Rendering: a message's text checked, normalised, synthesised by the configured engine,
//! processed for the telephone, and kept — on disk by content hash ([`AudioCache`]) and in
//! memory by the same key — so every call of an alert shares one synthesis, and a restart
//! reuses it.
//!
//! The key is (engine id, voice, language, rate, normalised text, post-processing version):
//! a member who asked for slower speech gets their own rendering; everyone else shares one.

use super::cache::{AudioCache, CacheKey};
use super::engine::{
    Builtin, CommandEngine, EngineKind, EspeakProgram, Piper, SpeechEngine, SpeechError, Utterance,
};
use super::prompts::{self, Prompt, PromptContext, PromptSource};
use super::{Language, normalise, post};
use buurtbel_proto::media::audio::Segments;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How speech is made: the `[speech]` settings.
#[derive(Debug, Clone)]
pub struct SpeechSettings {
    /// Which engine.
    pub engine: EngineKind,
    /// The engine's program, for `espeak-ng` and `piper` (default: the name on `PATH`).
    pub program: Option<PathBuf>,
    /// For `command`: the program and its arguments.
    pub command: Vec<String>,
    /// A voice per language; the engine's default otherwise.
    pub voices: HashMap<Language, String>,
    /// The folder of prompt templates, recordings and voice models.
    pub prompts: PathBuf,
    /// Rendered speech (and the built-in engine's data).
    pub cache_dir: PathBuf,
    /// The longest message, in characters.
    pub max_chars: usize,
    /// How many times the message is spoken each time it is played.
    pub message_repeats: u32,
    /// Silence between repetitions.
    pub repeat_pause: Duration,
    /// The longest recorded message (a WAV given instead of text) accepted.
    pub max_recording: Duration,
}

impl Default for SpeechSettings {
    fn default() -> SpeechSettings {
        SpeechSettings {
            engine: EngineKind::Builtin,
            program: None,
            command: Vec::new(),
            voices: HashMap::new(),
            prompts: PathBuf::from("voices"),
            cache_dir: default_cache_dir(),
            max_chars: 1000,
            message_repeats: 1,
            repeat_pause: Duration::from_millis(1500),
            max_recording: super::wav::LONGEST,
        }
    }
}

/// Where rendered speech goes when the configuration does not say:
/// `$XDG_CACHE_HOME/buurtbel`, `~/.cache/buurtbel`, or the temporary folder.
pub fn default_cache_dir() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("buurtbel")
}

/// One rendering.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// 8 kHz samples, shared.
    pub samples: Arc<Vec<i16>>,
    /// The text as the engine read it.
    pub spoken: String,
    /// Found in the cache rather than synthesised.
    pub cached: bool,
}

/// The speech service: an engine, its cache and the prompts.
pub struct Speech {
    engine: Box<dyn SpeechEngine>,
    cache: AudioCache,
    settings: SpeechSettings,
    memory: Mutex<HashMap<CacheKey, Arc<Vec<i16>>>>,
}

/// Renderings kept in memory; beyond this the memory starts over (the disk still has them).
const MEMORY_ENTRIES: usize = 512;

impl Speech {
    /// Starts the configured engine; fails if its program or data is missing.
    pub fn new(settings: SpeechSettings) -> Result<Speech, SpeechError> {
        let program = |name: &str| settings.program.clone().unwrap_or_else(|| name.into());
        let engine: Box<dyn SpeechEngine> = match settings.engine {
            EngineKind::Builtin => Box::new(Builtin::new_or_temporary(&settings.cache_dir)?),
            EngineKind::EspeakNg => Box::new(EspeakProgram::new(&program("espeak-ng"))?),
            EngineKind::Piper => Box::new(Piper::new(&program("piper"), &settings.prompts)?),
            EngineKind::Command => Box::new(CommandEngine::new(settings.command.clone())?),
        };
        Ok(Speech {
            engine,
            cache: AudioCache::new(&settings.cache_dir.join("speech")),
            settings,
            memory: Mutex::new(HashMap::new()),
        })
    }

    /// The settings in use.
    pub fn settings(&self) -> &SpeechSettings {
        &self.settings
    }

    /// The text as it will be spoken, after checking it: not empty, not too long.
    pub fn spoken_text(&self, text: &str, language: Language) -> Result<String, SpeechError> {
        check_text(text, self.settings.max_chars)?;
        Ok(normalise::normalise(language, text))
    }

    /// Renders a message at `rate`, repeated as configured.
    pub fn message(
        &self,
        text: &str,
        language: Language,
        rate: f32,
    ) -> Result<Rendered, SpeechError> {
        let spoken = self.spoken_text(text, language)?;
        let once = self.render(&spoken, language, rate)?;
        let repeats = self.settings.message_repeats.max(1) as usize;
        if repeats == 1 {
            return Ok(once);
        }
        let pause = post::silence(self.settings.repeat_pause);
        let mut samples = Vec::with_capacity((once.samples.len() + pause.len()) * repeats);
        for i in 0..repeats {
            if i > 0 {
                samples.extend_from_slice(&pause);
            }
            samples.extend_from_slice(&once.samples);
        }
        Ok(Rendered {
            samples: Arc::new(samples),
            ..once
        })
    }

    /// One prompt in `language`: its recording, or its template rendered.
    pub fn prompt(
        &self,
        language: Language,
        prompt: Prompt,
        context: &PromptContext<'_>,
        rate: f32,
    ) -> Result<Arc<Vec<i16>>, SpeechError> {
        match prompts::source(&self.settings.prompts, language, prompt, context)? {
            PromptSource::Recorded(samples) => Ok(Arc::new(samples)),
            PromptSource::Text(text) => {
                let spoken = normalise::normalise(language, &text);
                Ok(self.render(&spoken, language, rate)?.samples)
            }
        }
    }

    /// The call program's segments in `language`: intro, `message`, menu, thanks, the
    /// voicemail notice, which reads `callback` (a phone number, normalised like any text),
    /// and the "listen first" prompt. A drill's intro opens with "this is an exercise", so
    /// that no drill call or voicemail sounds like a real activation.
    pub fn segments(
        &self,
        language: Language,
        context: &PromptContext<'_>,
        drill: bool,
        message: &[i16],
        rate: f32,
    ) -> Result<Segments, SpeechError> {
        let part = |prompt| self.prompt(language, prompt, context, rate);
        let mut intro = Vec::new();
        if drill {
            intro.extend_from_slice(&part(Prompt::Drill)?);
        }
        intro.extend_from_slice(&part(Prompt::Intro)?);
        Ok(Segments {
            intro,
            message: message.to_vec(),
            menu: part(Prompt::Menu)?.to_vec(),
            thanks: part(Prompt::Thanks)?.to_vec(),
            listen_first: part(Prompt::ListenFirst)?.to_vec(),
            voicemail: part(Prompt::Voicemail)?.to_vec(),
        })
    }

    /// Synthesises already-normalised text, or finds it in memory or on disk.
    pub fn render(
        &self,
        spoken: &str,
        language: Language,
        rate: f32,
    ) -> Result<Rendered, SpeechError> {
        if !(0.5..=2.0).contains(&rate) {
            return Err(SpeechError::Rate(rate));
        }
        let voice = match self.settings.voices.get(&language) {
            Some(voice) => voice.clone(),
            None => self.engine.default_voice(language)?,
        };
        let key = self.key(spoken, language, &voice, rate)?;
        if let Some(samples) = self.remembered(&key) {
            return Ok(rendered(samples, spoken, true));
        }
        if let Some(samples) = self.cache.load(&key) {
            return Ok(rendered(self.remember(key, samples), spoken, true));
        }
        let pcm = self.engine.synthesise(&Utterance {
            text: spoken,
            language,
            voice: &voice,
            rate,
        })?;
        let samples = super::talk_off::for_telephone(&pcm)?;
        self.cache.store(&key, &samples);
        Ok(rendered(self.remember(key, samples), spoken, false))
    }

    fn key(
        &self,
        spoken: &str,
        language: Language,
        voice: &str,
        rate: f32,
    ) -> Result<CacheKey, SpeechError> {
        let engine = self.engine.id();
        let voice = self.engine.voice_key(voice)?;
        let rate = format!("{rate:.3}");
        let post = post::VERSION.to_string();
        Ok(CacheKey::of(&[
            &engine,
            &voice,
            language.code(),
            &rate,
            &post,
            spoken,
        ]))
    }

    fn remembered(&self, key: &CacheKey) -> Option<Arc<Vec<i16>>> {
        let memory = self.memory.lock().unwrap_or_else(|e| e.into_inner());
        memory.get(key).cloned()
    }

    fn remember(&self, key: CacheKey, samples: Vec<i16>) -> Arc<Vec<i16>> {
        let samples = Arc::new(samples);
        let mut memory = self.memory.lock().unwrap_or_else(|e| e.into_inner());
        if memory.len() >= MEMORY_ENTRIES {
            memory.clear();
        }
        memory.insert(key, samples.clone());
        samples
    }
}

/// A message text must say something, in at most `max_chars` characters.
pub fn check_text(text: &str, max_chars: usize) -> Result<(), SpeechError> {
    let chars = text.chars().count();
    if normalise::without_controls(text).trim().is_empty() {
        return Err(SpeechError::EmptyText);
    }
    if chars > max_chars {
        return Err(SpeechError::TooLong {
            chars,
            max: max_chars,
        });
    }
    Ok(())
}

fn rendered(samples: Arc<Vec<i16>>, spoken: &str, cached: bool) -> Rendered {
    Rendered {
        samples,
        spoken: spoken.to_owned(),
        cached,
    }
}
