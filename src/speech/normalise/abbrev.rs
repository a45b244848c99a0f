//! Abbreviations a dispatcher types, said in full: `dhr.` → "de heer", `Bd` → "boulevard".
//!
//! An abbreviation matches whole tokens only and exactly as listed, case included: `St.`
//! matches in `St.-Niklaas` but not in `Stad.`, and `M.` only counts before a name, so an
//! initial or a sentence ending in "M." is left alone. A street word typed `…str.` is said with
//! the language's `straat`/`straße` (`Kerkstr.` → "Kerkstraat"). An abbreviation's dot at the
//! very end of the text also ends the sentence, so a full stop is kept there.

use super::lexicon::{Abbreviation, Lexicon, When};
use super::rules::Found;
use super::tokens::{Scan, tokenize};

/// An abbreviation of the language, or a street word ending in `str.`.
pub(super) fn abbreviation(lex: &dyn Lexicon, scan: Scan<'_, '_>) -> Option<Found> {
    lex.abbreviations()
        .iter()
        .find_map(|abbreviation| expand(abbreviation, scan))
        .or_else(|| street(lex, scan))
}

/// `abbreviation` if the tokens at `scan` spell it and its context fits.
fn expand(abbreviation: &Abbreviation, mut scan: Scan<'_, '_>) -> Option<Found> {
    let start = scan.pos;
    for expected in tokenize(abbreviation.text) {
        if scan.next_token()? != expected {
            return None;
        }
    }
    let next = scan.peek_word();
    let fits = match abbreviation.when {
        When::Always => true,
        When::BeforeName => next.is_some_and(|t| t.is_capitalised()),
        When::BeforeNumber => next.is_some_and(|t| t.kind == super::tokens::Kind::Digits),
        When::AfterName => scan.word_before(start).is_some_and(|t| t.is_capitalised()),
    };
    let spoken = format!(
        "{}{}",
        abbreviation.spoken,
        full_stop(abbreviation.text, scan)
    );
    (fits && scan.at_boundary()).then(|| Found::at(&scan, spoken))
}

/// `Kerkstr.` → "Kerkstraat", `Hauptstr.` → "Hauptstraße".
fn street(lex: &dyn Lexicon, mut scan: Scan<'_, '_>) -> Option<Found> {
    let word = scan.letters()?;
    let name = word.strip_suffix("str").filter(|name| !name.is_empty())?;
    let suffix = lex.street_suffix()?;
    if !scan.symbol('.') {
        return None;
    }
    let spoken = format!("{name}{suffix}{}", full_stop(".", scan));
    Some(Found::at(&scan, spoken))
}

/// "." if an abbreviation ending in a dot also ends the text.
fn full_stop(abbreviated: &str, after: Scan<'_, '_>) -> &'static str {
    let mut rest = after;
    rest.space();
    match abbreviated.ends_with('.') && rest.peek().is_none() {
        true => ".",
        false => "",
    }
}
