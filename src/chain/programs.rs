//! The audio of an alert's calls: per language and speech rate, the message (synthesised from
//! its text or taken from the recorded voice message) inside the call program's prompts,
//! encoded once in both G.711 laws and shared by every call that needs it. Rendering happens
//! on first use, so the first call of an alert waits only for its own language; the other
//! languages render while it rings.

use crate::speech::FileProblem;
use crate::speech::engine::{Pcm, SpeechError};
use crate::speech::prompts::{Prompt, PromptContext};
use crate::speech::{Language, Speech, talk_off, wav};
use buurtbel_proto::media::audio::{EncodedProgram, ItemSegments};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// An alert's message in one language.
#[derive(Debug, Clone, PartialEq)]
pub enum MessageSource {
    /// Text to synthesise.
    Text(String),
    /// A recorded WAV (any rate), as uploaded.
    Recording(Arc<Vec<u8>>),
}

/// What a program is made of.
#[derive(Debug, Clone)]
pub struct AlertAudio {
    /// The alert, for the cache.
    pub alert: String,
    /// How many times its messages were replaced: programs of another revision are not
    /// this one's.
    pub revision: i64,
    /// The network's name, spoken in the intro.
    pub network: String,
    /// The number to call back, spoken in the voicemail notice.
    pub callback: String,
    /// A drill: every intro opens with "this is an exercise".
    pub drill: bool,
    /// The message per language.
    pub messages: Vec<(Language, MessageSource)>,
}

impl AlertAudio {
    /// The language a member hears: theirs if the alert has it, else the first the alert has.
    pub fn language_for(&self, member: Language) -> Option<Language> {
        self.messages
            .iter()
            .map(|(language, _)| *language)
            .find(|l| *l == member)
            .or_else(|| self.messages.first().map(|(language, _)| *language))
    }
}

type Key = (String, i64, Language, u32);

/// Rendered programs, by alert, language and rate.
pub struct Programs {
    speech: Arc<Speech>,
    rendered: Mutex<HashMap<Key, Arc<EncodedProgram>>>,
}

impl Programs {
    /// Renders with `speech`.
    pub fn new(speech: Arc<Speech>) -> Programs {
        Programs {
            speech,
            rendered: Mutex::new(HashMap::new()),
        }
    }

    /// The program for a member of `language` at `rate` if it is made already; never blocks.
    pub fn made(
        &self,
        audio: &AlertAudio,
        member: Language,
        rate: f32,
    ) -> Option<Arc<EncodedProgram>> {
        let (key, _, _) = key(audio, member, rate).ok()?;
        self.lock().get(&key).cloned()
    }

    /// The program for a member of `language` at `rate`; blocks while rendering.
    pub fn program(
        &self,
        audio: &AlertAudio,
        member: Language,
        rate: f32,
    ) -> Result<Arc<EncodedProgram>, SpeechError> {
        let (key, language, rate) = key(audio, member, rate)?;
        if let Some(program) = self.lock().get(&key) {
            return Ok(program.clone());
        }
        let message = self.message(audio, language, rate)?;
        let context = PromptContext {
            network: &audio.network,
            callback: &audio.callback,
        };
        let segments = self
            .speech
            .segments(language, &context, audio.drill, &message, rate)?;
        let program = Arc::new(EncodedProgram::new(&segments));
        self.lock().insert(key, program.clone());
        Ok(program)
    }

    /// The speech engine the programs are rendered with.
    pub fn speech(&self) -> &Speech {
        &self.speech
    }

    /// One message of the call-back line for a member of `language` at `rate`: the intro
    /// (with the drill's "this is an exercise") and the message, in the language the member
    /// hears the alert in. Blocks while rendering.
    pub fn callback_item(
        &self,
        audio: &AlertAudio,
        member: Language,
        rate: f32,
    ) -> Result<ItemSegments, SpeechError> {
        let (_, language, rate) = key(audio, member, rate)?;
        let context = PromptContext {
            network: &audio.network,
            callback: &audio.callback,
        };
        let mut intro = Vec::new();
        if audio.drill {
            intro.extend_from_slice(&self.speech.prompt(
                language,
                Prompt::Drill,
                &context,
                rate,
            )?);
        }
        intro.extend_from_slice(
            &self
                .speech
                .prompt(language, Prompt::Intro, &context, rate)?,
        );
        Ok(ItemSegments {
            intro,
            message: self.message(audio, language, rate)?,
        })
    }

    /// Forgets an alert's programs (once it is over, or when its messages were replaced).
    pub fn forget(&self, alert: &str) {
        self.lock().retain(|(id, _, _, _), _| id != alert);
    }

    fn message(
        &self,
        audio: &AlertAudio,
        language: Language,
        rate: f32,
    ) -> Result<Vec<i16>, SpeechError> {
        let source = audio
            .messages
            .iter()
            .find(|(l, _)| *l == language)
            .map(|(_, source)| source)
            .ok_or(SpeechError::EmptyText)?;
        match source {
            MessageSource::Text(text) => {
                Ok(self.speech.message(text, language, rate)?.samples.to_vec())
            }
            MessageSource::Recording(bytes) => {
                let shown = "stored recording";
                let (samples, rate) =
                    wav::decode_stored(bytes, shown).map_err(|e| SpeechError::File {
                        path: format!("voice message of alert {}", audio.alert).into(),
                        problem: FileProblem::Recording(e),
                    })?;
                talk_off::for_telephone(&Pcm { samples, rate })
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Arc<EncodedProgram>>> {
        self.rendered.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The cache key of a member's program, with the language and rate it is made in.
fn key(
    audio: &AlertAudio,
    member: Language,
    rate: f32,
) -> Result<(Key, Language, f32), SpeechError> {
    let language = audio.language_for(member).ok_or(SpeechError::EmptyText)?;
    let rate = if (0.5..=2.0).contains(&rate) {
        rate
    } else {
        1.0
    };
    let key = (
        audio.alert.clone(),
        audio.revision,
        language,
        (rate * 1000.0).round() as u32,
    );
    Ok((key, language, rate))
}
