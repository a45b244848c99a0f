//! Text normalisation: what a police dispatcher types, turned into the words a synthesiser
//! (espeak-ng) says correctly to an elderly listener on a landline.
//!
//! Left alone, espeak-ng reads `101` as "honderd één", `N31` as "n eenendertig" with a bare
//! consonant, and `1-ABC-234` as a blur. Here numbers to dial are read digit by digit, phone
//! numbers in groups, plates and road numbers with letter names, and times, dates, amounts,
//! ordinals, units and abbreviations in full words of the message's language.
//!
//! One tokenizer (`tokens.rs`) and one set of recognisers (`rules.rs` tries `phone.rs`,
//! `plate.rs`, `foreign_plate.rs`, `clock.rs`, `quantity.rs`, `service.rs`, `abbrev.rs` in
//! turn) serve all four languages; what differs per language is only how things are said, in
//! a lexicon per language (`nl.rs`, `fr.rs`, `de.rs`, `en.rs`). The expected outputs live in `cases.tsv`, and
//! `pronunciation.rs` checks with the bundled synthesiser that the words are said as meant.
//! Control characters and terminal escape sequences are removed first (`control.rs`), so what
//! is spoken is what a terminal shows; everything not recognised then passes through as
//! typed, and runs of white space become one space. Nothing here panics on any input: tokens are cut on character
//! boundaries and every lookup is checked (`fuzz/fuzz_targets/speech_normalise.rs`).
//!
//! This module owns no I/O and no state; it does not decide the language (the caller does).

use super::Language;

mod abbrev;
mod clock;
mod control;
mod de;
mod en;
mod foreign_plate;
mod fr;
mod lexicon;
mod nl;
mod phone;
mod plate;
mod quantity;
mod rules;
mod service;
mod tokens;

#[cfg(test)]
mod pronunciation;
#[cfg(test)]
mod tests;

pub use control::without_controls;
use lexicon::Lexicon;
use tokens::{Kind, Token};

/// The text as it should be spoken in `lang`.
///
/// ```
/// use buurtbel::speech::Language;
/// use buurtbel::speech::normalise::normalise;
///
/// assert_eq!(
///     normalise(Language::Nl, "Bel 101."),
///     "Bel één nul één."
/// );
/// ```
pub fn normalise(lang: Language, text: &str) -> String {
    let lex = lexicon_of(lang);
    let text = without_controls(text);
    let tokens = tokens::tokenize(&text);
    let mut speech = Speech::default();
    let mut pos = 0;
    while let Some(token) = tokens.get(pos) {
        match rules::recognise(lex, &tokens, pos) {
            Some(found) => {
                speech.words(lex, &found.spoken);
                pos = found.end;
            }
            None => {
                speech.token(*token);
                pos += 1;
            }
        }
    }
    speech.finish()
}

/// `n` in words, as said on its own: nl "één", fr "un", de "eins", en "one"; Belgian French
/// "septante" and "nonante", British English "one hundred and one".
pub fn cardinal(lang: Language, n: u64) -> String {
    lexicon_of(lang).cardinal(n)
}

/// `n` as an ordinal: nl "eerste", fr "premier", de "erste", en "first".
pub fn ordinal(lang: Language, n: u64) -> String {
    lexicon_of(lang).ordinal(n)
}

/// Each ASCII digit of `digits` named, separated by spaces (nl "één nul één"); other characters
/// are skipped, so `"+32 471"` gives the digits only. For a code or number to dial.
pub fn spell_digits(lang: Language, digits: &str) -> String {
    rules::spell_digits(lexicon_of(lang), digits)
}

/// A phone number said in groups with pauses, as [`normalise`] says it in running text
/// (nl "nul vier zeven één, twaalf, vierendertig, zesenvijftig"), or `None` if `number` is not
/// one whole phone number. For reading a callback number.
pub fn phone_number(lang: Language, number: &str) -> Option<String> {
    let lex = lexicon_of(lang);
    let number = without_controls(number);
    let tokens = tokens::tokenize(number.trim());
    let start = tokens::Scan::new(&tokens, 0);
    let found = phone::national(lex, start).or_else(|| phone::international(lex, start))?;
    (found.end == tokens.len()).then_some(found.spoken)
}

/// The lexicon of `lang`.
fn lexicon_of(lang: Language) -> &'static dyn Lexicon {
    match lang {
        Language::Nl => &nl::Dutch,
        Language::Fr => &fr::French,
        Language::De => &de::German,
        Language::En => &en::English,
    }
}

/// The text being built: spoken words are kept apart from letters and digits around them,
/// white space is collapsed to single spaces.
#[derive(Debug, Default)]
struct Speech {
    text: String,
    after_words: bool,
}

impl Speech {
    /// Appends words said for a recognised stretch, eliding the word in front where the
    /// language does ("de" + "un mètre" → "d'un mètre").
    fn words(&mut self, lex: &dyn Lexicon, words: &str) {
        let kept = self.text.trim_end().len();
        let start = self.text[..kept].rfind(' ').map_or(0, |at| at + 1);
        if let Some(elided) = lex.elided(&self.text[start..kept], words) {
            self.text.truncate(start);
            self.text.push_str(elided);
        } else if self.text.ends_with(char::is_alphanumeric) {
            self.text.push(' ');
        }
        self.text.push_str(words);
        self.after_words = true;
    }

    /// Appends a token as typed.
    fn token(&mut self, token: Token<'_>) {
        if token.kind == Kind::Space {
            if !self.text.is_empty() && !self.text.ends_with(' ') {
                self.text.push(' ');
            }
        } else {
            if self.after_words && token.is_word() {
                self.text.push(' ');
            }
            self.text.push_str(token.text);
        }
        self.after_words = false;
    }

    fn finish(mut self) -> String {
        let kept = self.text.trim_end().len();
        self.text.truncate(kept);
        self.text
    }
}
