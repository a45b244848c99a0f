//! What a member's reply means: a confirmation, a request to stop, or anything else (kept
//! and shown to the coordinator). Sans-IO and pure.
//!
//! The comparison ignores case, spaces, punctuation and symbols (emoji among them), and folds
//! diacritics, so `Ok!`, ` ja. ` and `Arrêt` are read as meant; but the whole reply must be
//! one of the words: `ja hoor` or `1 2` is not a confirmation, and `stoppen` is not a stop.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// What a reply means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyMeaning {
    /// The member confirms they received the message (`1`, `OK`, `JA`, `OUI`, `YES`).
    Confirm,
    /// The member wants no more non-urgent text messages (`STOP`, `STOPP`, `ARRET`, `ARRÊT`).
    Stop,
    /// Anything else.
    Other,
}

const CONFIRM: [&str; 5] = ["1", "OK", "JA", "OUI", "YES"];
const STOP: [&str; 3] = ["STOP", "STOPP", "ARRET"];

/// Reads a reply.
pub fn classify(text: &str) -> ReplyMeaning {
    let folded = fold(text);
    if CONFIRM.contains(&folded.as_str()) {
        ReplyMeaning::Confirm
    } else if STOP.contains(&folded.as_str()) {
        ReplyMeaning::Stop
    } else {
        ReplyMeaning::Other
    }
}

/// The letters and digits of a text, upper case, without diacritics. Only the first few are
/// kept: no word is longer, and a long text is not worth folding whole.
fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| c.is_alphanumeric() && !is_combining_mark(*c))
        .take(8)
        .flat_map(char::to_uppercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_are_read_as_meant() {
        use ReplyMeaning::*;
        let cases = [
            ("1", Confirm),
            ("ok", Confirm),
            ("Ok!", Confirm),
            ("O.K.", Confirm),
            (" ja. ", Confirm),
            ("JA", Confirm),
            ("Oui", Confirm),
            ("yes 👍", Confirm),
            ("\n1\n", Confirm),
            ("STOP", Stop),
            ("stop", Stop),
            ("Stopp", Stop),
            ("arret", Stop),
            ("Arrêt", Stop),
            ("ARRÊT!", Stop),
            ("1 2", Other),
            ("12", Other),
            ("ja hoor", Other),
            ("", Other),
            ("   ", Other),
            ("👍", Other),
            ("stoppen", Other),
            ("nee", Other),
            ("2", Other),
            ("okay", Other),
            ("ok stop", Other),
        ];
        for (text, meaning) in cases {
            assert_eq!(classify(text), meaning, "{text:?}");
        }
    }

    #[test]
    fn a_long_reply_is_other() {
        assert_eq!(classify(&"ok".repeat(10_000)), ReplyMeaning::Other);
        assert_eq!(
            classify(&format!("{}ok{}", " ".repeat(100), "!".repeat(100))),
            ReplyMeaning::Confirm
        );
    }
}
