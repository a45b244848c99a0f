//! Which recogniser gets the first try at a token, and what a match hands back.
//!
//! Order is the whole policy: the most specific shapes come first, so `0471 12 34 56` is a phone
//! number before its parts can be read as cardinals, `26/11/2026` a date before `26` is a
//! number, and `1-ABC-234` a plate before `12-14` style ranges. A recogniser either consumes a
//! whole shape up to a word boundary or nothing at all.

use super::lexicon::Lexicon;
use super::tokens::{Kind, Scan, Token};
use super::{abbrev, clock, foreign_plate, phone, plate, quantity, service};

/// A recognised stretch: where it ends (exclusive token index) and what to say for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Found {
    /// The index of the first token after the stretch.
    pub end: usize,
    /// The words said instead.
    pub spoken: String,
}

impl Found {
    /// A match that ends where `scan` stands.
    pub(super) fn at(scan: &Scan<'_, '_>, spoken: String) -> Found {
        Found {
            end: scan.pos,
            spoken,
        }
    }
}

/// A recogniser: tries the shape starting at the cursor.
pub(super) type Rule = fn(&dyn Lexicon, Scan<'_, '_>) -> Option<Found>;

/// Tried at a digit run, in this order.
const AT_DIGITS: &[Rule] = &[
    phone::national,
    plate::current,
    foreign_plate::plate,
    clock::date,
    clock::day_range,
    clock::named_date,
    clock::time,
    quantity::amount,
    quantity::range,
    quantity::suffixed_ordinal,
    quantity::dotted_ordinal,
    quantity::measure,
    quantity::house_number,
    service::service_number,
    quantity::number,
];

/// Tried at a letter run.
const AT_LETTERS: &[Rule] = &[
    plate::road,
    foreign_plate::plate,
    plate::former,
    abbrev::abbreviation,
];

/// Tried at a symbol.
const AT_SYMBOL: &[Rule] = &[phone::international, quantity::amount];

/// The first match at token `pos`, if any.
pub(super) fn recognise(lex: &dyn Lexicon, tokens: &[Token<'_>], pos: usize) -> Option<Found> {
    let rules = match tokens.get(pos)?.kind {
        Kind::Digits => AT_DIGITS,
        Kind::Letters => AT_LETTERS,
        Kind::Symbol => AT_SYMBOL,
        Kind::Space => return None,
    };
    rules
        .iter()
        .find_map(|rule| rule(lex, Scan::new(tokens, pos)))
        .filter(|found| found.end > pos)
}

/// Each digit of `digits` named, separated by spaces; anything else is skipped.
pub(super) fn spell_digits(lex: &dyn Lexicon, digits: &str) -> String {
    let names: Vec<String> = digits
        .chars()
        .filter_map(|c| c.to_digit(10))
        .map(|d| lex.cardinal(u64::from(d)))
        .collect();
    names.join(" ")
}

/// A run of digits as one number, if it fits in a `u64`.
pub(super) fn value(digits: &str) -> Option<u64> {
    digits.parse().ok()
}

/// Whether a digit run is written with a leading zero (`05`, not `0`).
pub(super) fn has_leading_zero(digits: &str) -> bool {
    digits.len() > 1 && digits.starts_with('0')
}
