//! The audio a caller of the line hears: the greeting, each message in the household's
//! language and rate, and the line's prompts; or one notice alone.

use crate::chain::programs::{AlertAudio, Programs};
use crate::speech::prompts::{Prompt, PromptContext};
use crate::speech::{Language, SpeechError};
use buurtbel_proto::media::audio::{EncodedPlaylist, PlaylistSegments};
use std::sync::Arc;

/// What to render.
#[derive(Debug, Clone)]
pub(super) struct Wanted {
    /// The language prompts are spoken in (the household's first member's, or the line's).
    pub language: Language,
    /// Its speech rate.
    pub rate: f32,
    /// Spoken first: the greeting before messages, or a notice alone.
    pub opening: Prompt,
    /// The messages, in the order played; none for a notice.
    pub items: Vec<Arc<AlertAudio>>,
}

/// Renders `wanted`; blocks while the engine speaks.
pub(super) fn render(programs: &Programs, wanted: &Wanted) -> Result<EncodedPlaylist, SpeechError> {
    let speech = programs.speech();
    let context = PromptContext {
        network: "",
        callback: "",
    };
    let prompt = |prompt| -> Result<Vec<i16>, SpeechError> {
        Ok(speech
            .prompt(wanted.language, prompt, &context, wanted.rate)?
            .to_vec())
    };
    let mut segments = PlaylistSegments {
        greeting: prompt(wanted.opening)?,
        ..PlaylistSegments::default()
    };
    if !wanted.items.is_empty() {
        for audio in &wanted.items {
            segments
                .items
                .push(programs.callback_item(audio, wanted.language, wanted.rate)?);
        }
        segments.menu = prompt(Prompt::CallbackMenu)?;
        segments.thanks = prompt(Prompt::CallbackThanks)?;
        segments.listen_first = prompt(Prompt::ListenFirst)?;
        segments.goodbye = prompt(Prompt::CallbackGoodbye)?;
    }
    Ok(EncodedPlaylist::new(&segments))
}
