//! The program's fixed prompts, recorded per language in `voices/<lang>/`: `intro.wav`
//! (optional), `menu.wav` and `thanks.wav` (required).

use crate::media::audio::Segments;
use crate::speech::wav::{WavError, read_8k};
use std::path::Path;

/// Languages a BIN speaks.
pub const LANGUAGES: [&str; 4] = ["nl", "fr", "de", "en"];

/// Why the prompts cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    /// Not one of nl, fr, de, en.
    #[error("unknown language `{0}` (nl, fr, de or en)")]
    Language(String),
    /// A required prompt file is missing.
    #[error("missing prompt {0}")]
    Missing(String),
    /// A prompt file is unusable.
    #[error(transparent)]
    Wav(#[from] WavError),
}

/// The program's segments: the prompts of `lang` around `message`.
pub fn segments(voices: &Path, lang: &str, message: Vec<i16>) -> Result<Segments, PromptError> {
    if !LANGUAGES.contains(&lang) {
        return Err(PromptError::Language(lang.to_owned()));
    }
    let dir = voices.join(lang);
    let intro_path = dir.join("intro.wav");
    let intro = if intro_path.exists() {
        read_8k(&intro_path)?
    } else {
        Vec::new()
    };
    Ok(Segments {
        intro,
        message,
        menu: required(&dir.join("menu.wav"))?,
        thanks: required(&dir.join("thanks.wav"))?,
    })
}

fn required(path: &Path) -> Result<Vec<i16>, PromptError> {
    if !path.exists() {
        return Err(PromptError::Missing(path.display().to_string()));
    }
    Ok(read_8k(path)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_prompts_load_for_every_language() {
        let voices = Path::new(env!("CARGO_MANIFEST_DIR")).join("voices");
        for lang in LANGUAGES {
            let segments = segments(&voices, lang, vec![0; 800]).unwrap();
            assert!(
                segments.menu.len() > 8000,
                "{lang} menu is at least a second"
            );
            assert!(!segments.thanks.is_empty() && !segments.intro.is_empty());
        }
    }

    #[test]
    fn unknown_language_and_missing_files_are_errors() {
        let voices = Path::new(env!("CARGO_MANIFEST_DIR")).join("voices");
        assert!(matches!(
            segments(&voices, "xx", vec![]),
            Err(PromptError::Language(_))
        ));
        let empty = tempfile::tempdir().unwrap();
        assert!(matches!(
            segments(empty.path(), "nl", vec![]),
            Err(PromptError::Missing(_))
        ));
    }
}
