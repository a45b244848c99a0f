//! Numbers to dial, read digit by digit: `101` is "één nul één", never "honderdeen".
//!
//! The rule, for a number of one to six digits without a leading zero:
//!
//! * a Belgian or European service number ([`SERVICE_NUMBERS`]) after a call word is always
//!   dialled (`bel 1733 voor de dokter van wacht`);
//! * a service number without a call word, or any other number after one, is dialled only when
//!   it stands alone: nothing but punctuation, the end of the text, a conjunction or a call verb
//!   follows it (`bel 112 of 100.`), so `100 meter`, `112 personen` and `bel binnen 15 minuten`
//!   stay quantities.
//!
//! A call word comes before the number in the same clause, at most four words back (`bel 101`,
//! `appelez le 101`, `rufen Sie 101 an`, `call the police on 101`), or a call verb follows it
//! (`101 bellen`, `110 anrufen`).

use super::lexicon::Lexicon;
use super::rules::{Found, has_leading_zero, spell_digits};
use super::tokens::{Kind, Scan};

/// Belgian and European service numbers: 100 (ambulance and fire, old), 101 (police), 110 (police
/// in Germany), 112 (European emergency), 1722 (fire brigade non-urgent, storms), 1733 (doctor
/// on duty), 116000 (missing children).
pub(super) const SERVICE_NUMBERS: [&str; 7] =
    ["100", "101", "110", "112", "1722", "1733", "116000"];

/// Words that may follow a number to dial (`101 of 112`, German `rufen Sie 101 an`).
const FOLLOWERS: [&str; 9] = ["of", "en", "ou", "et", "oder", "und", "or", "and", "an"];

/// Punctuation that ends a clause, and with it a call verb's reach.
const CLAUSE_ENDS: [char; 8] = ['.', ',', ';', ':', '!', '?', '(', ')'];

/// How many words back a call word still counts.
const REACH: usize = 4;

/// How many tokens back to look at most, so a long run of numbers stays linear.
const LOOK_BACK: usize = 24;

/// A number to dial, digit by digit.
pub(super) fn service_number(lex: &dyn Lexicon, mut scan: Scan<'_, '_>) -> Option<Found> {
    let start = scan.pos;
    let digits = scan.digits(1, 6).filter(|d| !has_leading_zero(d))?;
    if goes_on(scan) {
        return None;
    }
    let called = called_before(lex, scan, start) || called_after(lex, scan);
    let dialled = match (SERVICE_NUMBERS.contains(&digits), called) {
        (true, true) => true,
        (true, false) | (false, true) => stands_alone(lex, scan),
        (false, false) => false,
    };
    dialled.then(|| Found::at(&scan, spell_digits(lex, digits)))
}

/// Whether the number goes on past a separator (`101,5`, `101-112`, `101/2`).
fn goes_on(scan: Scan<'_, '_>) -> bool {
    let mut after = scan;
    let separated = after.symbol_in(&['.', ',', '-', '/', ':']).is_some();
    !scan.at_boundary() || (separated && after.peek().is_some_and(|t| t.is_word()))
}

/// Whether nothing follows but punctuation, the end, or a word that may follow a number to dial.
fn stands_alone(lex: &dyn Lexicon, scan: Scan<'_, '_>) -> bool {
    match scan.peek_word() {
        None => true,
        Some(word) if word.kind == Kind::Digits => false,
        Some(word) => {
            let word = word.text.to_lowercase();
            FOLLOWERS.contains(&word.as_str()) || lex.call_words_after().contains(&word.as_str())
        }
    }
}

/// Whether a call word comes before the number in the same clause.
fn called_before(lex: &dyn Lexicon, scan: Scan<'_, '_>, start: usize) -> bool {
    let mut words = 0;
    for token in scan.behind(start).take(LOOK_BACK) {
        match token.kind {
            Kind::Symbol if CLAUSE_ENDS.iter().any(|&c| token.is(c)) => return false,
            Kind::Letters
                if lex
                    .call_words()
                    .contains(&token.text.to_lowercase().as_str()) =>
            {
                return true;
            }
            Kind::Letters => words += 1,
            _ => {}
        }
        if words >= REACH {
            return false;
        }
    }
    false
}

/// Whether a call verb follows the number (`101 bellen`).
fn called_after(lex: &dyn Lexicon, scan: Scan<'_, '_>) -> bool {
    scan.peek_word().is_some_and(|w| {
        lex.call_words_after()
            .contains(&w.text.to_lowercase().as_str())
    })
}
