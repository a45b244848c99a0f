//! Licence plates and road numbers: the shapes where letters are said by name.
//!
//! A plate is spelled character by character with a comma after each, so the listener can
//! write it down: `1-ABC-234` → "één, aa, bee, cee, twee, drie, vier". Belgian plates are
//! `1-ABC-234` (also typed `1ABC234` or `1 ABC 234`) and the older `ABC-123`.
//!
//! A road number is a letter name and a cardinal: `N31` → "enn eenendertig". Only the Belgian
//! road letters A (motorway), E (European route), N (national road) and R (ring) count; with a
//! space (`E 40`) only E, N and R, since a sentence may start with "A 12…".
//!
//! Letters are written out as words (see each language's `LETTERS`) because espeak-ng does not
//! say a bare capital by name in running text.

use super::lexicon::Lexicon;
use super::rules::{Found, has_leading_zero, value};
use super::tokens::{Kind, Scan};

/// Current plates: a digit, three letters, three digits (`1-ABC-234`, `1ABC234`, `1 ABC 234`).
pub(super) fn current(lex: &dyn Lexicon, mut scan: Scan<'_, '_>) -> Option<Found> {
    let series = scan.digits(1, 1).filter(|d| *d != "0")?;
    let separator = plate_separator(&mut scan);
    let letters = scan.letters().filter(|l| is_plate_letters(l))?;
    if plate_separator(&mut scan) != separator {
        return None;
    }
    let number = scan.digits(3, 3)?;
    scan.at_boundary().then(|| {
        let spoken = spell(lex, &format!("{series}{letters}{number}"));
        Found::at(&scan, spoken)
    })
}

/// Former plates: three letters, a hyphen, three digits (`ABC-123`).
pub(super) fn former(lex: &dyn Lexicon, mut scan: Scan<'_, '_>) -> Option<Found> {
    let letters = scan.letters().filter(|l| is_plate_letters(l))?;
    if !scan.symbol('-') {
        return None;
    }
    let number = scan.digits(3, 3)?;
    scan.at_boundary()
        .then(|| Found::at(&scan, spell(lex, &format!("{letters}{number}"))))
}

/// Road numbers: `N31`, `E40`, `R4`, `A12`, `E 40`.
pub(super) fn road(lex: &dyn Lexicon, mut scan: Scan<'_, '_>) -> Option<Found> {
    let letter = scan.letters().and_then(single_char)?;
    let spaced = scan
        .peek()
        .is_some_and(|t| t.kind == Kind::Space && t.text == " ");
    let roads: &[char] = if spaced {
        &['E', 'N', 'R']
    } else {
        &['A', 'E', 'N', 'R']
    };
    if !roads.contains(&letter) {
        return None;
    }
    if spaced {
        scan.space();
    }
    let number = scan.digits(1, 3).filter(|d| !has_leading_zero(d))?;
    if !scan.at_boundary() || scan.peek().is_some_and(|t| t.is('-') || t.is('/')) {
        return None;
    }
    let spoken = format!("{} {}", lex.letter(letter)?, lex.cardinal(value(number)?));
    Some(Found::at(&scan, spoken))
}

/// Every character of a plate named, a comma after each.
pub(super) fn spell(lex: &dyn Lexicon, plate: &str) -> String {
    let names: Vec<String> = plate
        .chars()
        .filter_map(|c| match c.to_digit(10) {
            Some(d) => Some(lex.cardinal(u64::from(d))),
            None => lex.letter(c.to_ascii_uppercase()).map(str::to_owned),
        })
        .collect();
    names.join(", ")
}

/// The separator between plate parts: `-`, one space, or none.
fn plate_separator(scan: &mut Scan<'_, '_>) -> Option<char> {
    if scan.symbol('-') {
        return Some('-');
    }
    let space = scan
        .peek()
        .is_some_and(|t| t.kind == Kind::Space && t.text == " ");
    scan.pos += usize::from(space);
    space.then_some(' ')
}

fn is_plate_letters(letters: &str) -> bool {
    letters.len() == 3 && letters.chars().all(|c| c.is_ascii_uppercase())
}

fn single_char(text: &str) -> Option<char> {
    let mut chars = text.chars();
    chars.next().filter(|_| chars.next().is_none())
}
