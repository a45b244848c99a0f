//! Abbreviations a dispatcher types, said in full: `dhr.` → "de heer", `t.h.v.` → "ter hoogte
//! van", `z.B.` → "zum Beispiel", `Bd` → "boulevard".
//!
//! An abbreviation matches whole tokens only and exactly as listed, case included, except that
//! one listed in lower case also matches with a capital at the start of a sentence (`O.a.` →
//! "Onder andere"): `St.` matches in `St.-Niklaas` and `St.Vith` but not in `Stad.`. Many are
//! also words or initials, so the lexicon says where each counts: `M.` and German `St.` only
//! before a name and not after a number ("la lettre M." is left alone, German `3 St. Kuchen` is
//! "drei Stück Kuchen"), English `St.` and `Dr.` after a name are "Street" and "Drive", before
//! one "Saint" and "Doctor". The first word of a sentence is no name for that purpose, so
//! "Contact Dr. Example" is a doctor.
//!
//! A street word typed `…str.` is said with the language's `straat`/`straße` (`Kerkstr.` →
//! "Kerkstraat"). An abbreviation's dot at the very end of the text also ends the sentence, so
//! a full stop is kept there; so does the dot of one that closes a list or a street name when a
//! capitalised word follows (`enz. De politie…` → "enzovoort. De politie…").

use super::lexicon::{Abbreviation, Lexicon, When};
use super::rules::Found;
use super::tokens::{Kind, Scan, Token, tokenize};

/// An abbreviation of the language, or a street word ending in `str.`.
pub(super) fn abbreviation(lex: &dyn Lexicon, scan: Scan<'_, '_>) -> Option<Found> {
    let listed = lex.abbreviations();
    listed
        .iter()
        .find_map(|abbreviation| expand(abbreviation, scan, false))
        .or_else(|| {
            let opening = opens_sentence(scan.behind(scan.pos));
            listed
                .iter()
                .filter(|_| opening)
                .find_map(|abbreviation| expand(abbreviation, scan, true))
        })
        .or_else(|| street(lex, scan))
}

/// `abbreviation` if the tokens at `scan` spell it (with a capital first letter if
/// `capitalised`) and its context fits.
fn expand(abbreviation: &Abbreviation, mut scan: Scan<'_, '_>, capitalised: bool) -> Option<Found> {
    let start = scan.pos;
    for (at, expected) in tokenize(abbreviation.text).into_iter().enumerate() {
        let token = scan.next_token()?;
        let same = match (at, capitalised) {
            (0, true) => is_capitalised_form(token, expected),
            _ => token == expected,
        };
        if !same {
            return None;
        }
    }
    let next = scan.peek_word();
    let fits = match abbreviation.when {
        When::Always | When::EndsList => true,
        When::BeforeName => next.is_some_and(|t| t.is_capitalised()) && !after_number(scan, start),
        When::BeforeNumber => next.is_some_and(|t| t.kind == Kind::Digits),
        When::AfterName => name_before(scan, start),
        When::AfterNumber => after_number(scan, start),
    };
    let dotted = abbreviation.text.ends_with('.');
    if !fits || !(scan.at_boundary() || dotted) {
        return None;
    }
    let ends_sentence = matches!(abbreviation.when, When::EndsList | When::AfterName)
        && next.is_some_and(|t| t.is_capitalised());
    let stop = if dotted && (ends_sentence || at_end(scan)) {
        "."
    } else {
        ""
    };
    let spoken = match capitalised {
        true => capitalise(abbreviation.spoken),
        false => abbreviation.spoken.to_owned(),
    };
    Some(Found::at(&scan, format!("{spoken}{stop}")))
}

/// `Kerkstr.` → "Kerkstraat", `Hauptstr.` → "Hauptstraße".
fn street(lex: &dyn Lexicon, mut scan: Scan<'_, '_>) -> Option<Found> {
    let word = scan.letters()?;
    let name = word.strip_suffix("str").filter(|name| !name.is_empty())?;
    let suffix = lex.street_suffix()?;
    if !scan.symbol('.') {
        return None;
    }
    let stop = if at_end(scan) { "." } else { "" };
    Some(Found::at(&scan, format!("{name}{suffix}{stop}")))
}

/// Whether `token` is `expected` (a lower-case word) with its first letter capitalised.
fn is_capitalised_form(token: Token<'_>, expected: Token<'_>) -> bool {
    expected.kind == Kind::Letters
        && expected.text.starts_with(|c: char| c.is_lowercase())
        && token.text == capitalise(expected.text)
}

/// `text` with its first letter in upper case.
fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// Whether a capitalised word stands right before token `start` and is not the first word of
/// its sentence.
fn name_before(scan: Scan<'_, '_>, start: usize) -> bool {
    let mut behind = scan.behind(start);
    let name = behind
        .find(|t| t.kind != Kind::Space)
        .is_some_and(|t| t.is_capitalised());
    name && !opens_sentence(behind)
}

/// Whether the tokens behind a word (nearest first) put it at the start of a sentence.
fn opens_sentence<'a>(mut behind: impl Iterator<Item = Token<'a>>) -> bool {
    match behind.find(|t| t.kind != Kind::Space) {
        None => true,
        Some(t) => t.kind == Kind::Symbol && ".!?:".contains(t.text),
    }
}

/// Whether a number stands right before token `start` (German `3 St. Kuchen` counts pieces).
fn after_number(scan: Scan<'_, '_>, start: usize) -> bool {
    scan.behind(start)
        .find(|t| t.kind != Kind::Space)
        .is_some_and(|t| t.kind == Kind::Digits)
}

/// Whether nothing but white space follows.
fn at_end(after: Scan<'_, '_>) -> bool {
    let mut rest = after;
    rest.space();
    rest.peek().is_none()
}
