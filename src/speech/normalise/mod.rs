//! Text normalisation: what a synthesiser misreads, written out in words per language.

use super::Language;

/// The text as it should be spoken in `lang`.
pub fn normalise(_lang: Language, text: &str) -> String {
    text.to_owned()
}
