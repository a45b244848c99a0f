//! Clock times and calendar dates.
//!
//! Times: `14u30`, `14h30`, `14:30`, `9u05`, `14u`, `14h`, `14.30 uur`, `14 uur`; the hour is
//! 0–23 and the minutes 00–59, otherwise it is not a time. Dates: `26/11`, `26/11/2026`,
//! `26-11-2026`, `26.11.2026`, German `26.11.`, and a day before a month name (`26 november`,
//! `1. Dezember 2026`). A date must exist (`32/13`, `31/04` are not dates) and the year has four
//! digits. Without a year only `/` (and the German dot) marks a date, since `12-14` is a range
//! and `2.5` a decimal.

use super::lexicon::{Date, Lexicon};
use super::rules::{Found, value};
use super::tokens::{Kind, Scan};

/// Letters written between hour and minutes, or after a bare hour.
const HOUR_MARKS: [&str; 3] = ["u", "h", "uur"];

/// `26/11`, `26-11-2026`, `26/11/2026`, `26.11.2026`, `26.11.`.
pub(super) fn date(lex: &dyn Lexicon, mut scan: Scan<'_, '_>) -> Option<Found> {
    let start = scan.pos;
    let day = value(scan.digits(1, 2)?)?;
    let separator = scan.symbol_in(&['/', '-', '.'])?;
    let month = value(scan.digits(1, 2)?)?;
    let mut after_month = scan;
    let year = match after_month.symbol(separator) {
        true => after_month.digits(4, 4).and_then(value),
        false => None,
    };
    let date = Date::new(day, month, year)?;
    if year.is_some() {
        scan = after_month;
    } else if !short_date_ends(lex, &mut scan, separator) {
        return None;
    }
    let ends = scan.at_boundary() && !continues(scan, separator);
    ends.then(|| Found::at(&scan, lex.date(date, before(&scan, start))))
}

/// A day before a month name, optionally with a year: `26 november 2026`, `1. Dezember`.
pub(super) fn named_date(lex: &dyn Lexicon, mut scan: Scan<'_, '_>) -> Option<Found> {
    let start = scan.pos;
    let day = value(scan.digits(1, 2)?)?;
    if lex.dotted_day() {
        scan.symbol('.');
    }
    if !scan.space() {
        return None;
    }
    let month = scan.letters().and_then(|m| lex.month_number(m))?;
    let mut with_year = scan;
    let year = match with_year.space() {
        true => with_year
            .digits(4, 4)
            .and_then(value)
            .filter(|_| with_year.at_boundary()),
        false => None,
    };
    let date = match year.and_then(|y| Date::new(day, u64::from(month), Some(y))) {
        Some(date) => {
            scan = with_year;
            date
        }
        None => Date::new(day, u64::from(month), None)?,
    };
    Some(Found::at(&scan, lex.date(date, before(&scan, start))))
}

/// `14u30`, `14h30`, `14:30`, `14u`, `9u05`, `14.30 uur`, `14 uur`.
pub(super) fn time(lex: &dyn Lexicon, mut scan: Scan<'_, '_>) -> Option<Found> {
    let hour = value(scan.digits(1, 2)?).filter(|h| *h <= 23)?;
    let mut marked = scan;
    let minute = if marked.letters().is_some_and(|l| HOUR_MARKS.contains(&l)) {
        scan = marked;
        minutes(&mut scan).or_else(|| scan.at_boundary().then_some(0))?
    } else if scan.symbol(':') {
        let minute = minutes(&mut scan)?;
        hour_word(lex, &mut scan);
        minute
    } else if scan.symbol('.') {
        let minute = minutes(&mut scan)?;
        hour_word(lex, &mut scan).then_some(minute)?
    } else {
        hour_word(lex, &mut scan).then_some(0)?
    };
    let (hour, minute) = (u8::try_from(hour).ok()?, u8::try_from(minute).ok()?);
    scan.at_boundary()
        .then(|| Found::at(&scan, lex.time(hour, minute)))
}

/// Two-digit minutes, 00–59.
fn minutes(scan: &mut Scan<'_, '_>) -> Option<u64> {
    let mut ahead = *scan;
    let minute = ahead.digits(2, 2).and_then(value).filter(|m| *m <= 59)?;
    *scan = ahead;
    Some(minute)
}

/// Consumes a space and a word the language writes after a time (`uur`, `Uhr`, `heures`).
fn hour_word(lex: &dyn Lexicon, scan: &mut Scan<'_, '_>) -> bool {
    let mut ahead = *scan;
    ahead.space();
    let found = ahead
        .letters()
        .is_some_and(|w| lex.hour_words().contains(&w))
        && ahead.at_boundary();
    if found {
        *scan = ahead;
    }
    found
}

/// Whether a date without a year may end here: after `/`, or a German `26.11.` whose closing
/// dot is consumed unless it ends the sentence.
fn short_date_ends(lex: &dyn Lexicon, scan: &mut Scan<'_, '_>, separator: char) -> bool {
    match separator {
        '/' => true,
        '.' if lex.dotted_day() => {
            let mut ahead = *scan;
            if !ahead.symbol('.') {
                return false;
            }
            let mut after = ahead;
            let sentence_goes_on = after.space()
                && after.peek().is_some_and(|t| {
                    t.kind == Kind::Digits || (t.kind == Kind::Letters && !t.is_capitalised())
                });
            if sentence_goes_on {
                *scan = ahead;
            }
            true
        }
        _ => false,
    }
}

/// Whether the same separator leads on to more digits (`1/2/3/4` is no date).
fn continues(mut scan: Scan<'_, '_>, separator: char) -> bool {
    scan.symbol(separator) && scan.peek().is_some_and(|t| t.kind == Kind::Digits)
}

/// The word in front of the date, for German case and the English article.
fn before<'a>(scan: &Scan<'_, 'a>, start: usize) -> Option<&'a str> {
    scan.word_before(start).map(|t| t.text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::speech::Language;
    use crate::speech::normalise::lexicon_of;
    use crate::speech::normalise::rules::Rule;
    use crate::speech::normalise::tokens::tokenize;

    fn first(rule: Rule, text: &str) -> Option<String> {
        let tokens = tokenize(text);
        rule(lexicon_of(Language::Nl), Scan::new(&tokens, 0)).map(|f| f.spoken)
    }

    #[test]
    fn impossible_dates_and_times_are_not_recognised() {
        assert_eq!(first(date, "32/13"), None);
        assert_eq!(first(date, "31/04/2026"), None);
        assert_eq!(first(date, "29/02/2026"), None);
        assert_eq!(first(date, "12-14"), None);
        assert_eq!(first(date, "1/2/3/4"), None);
        assert_eq!(first(time, "24u00"), None);
        assert_eq!(first(time, "14u60"), None);
        assert_eq!(first(time, "14.30"), None);
        assert_eq!(first(time, "14ha"), None);
    }

    #[test]
    fn possible_ones_are() {
        assert_eq!(
            first(date, "29/02/2024").as_deref(),
            Some("negenentwintig februari tweeduizend vierentwintig")
        );
        assert_eq!(first(time, "0u00").as_deref(), Some("nul uur"));
        assert_eq!(
            first(time, "23:59 uur").as_deref(),
            Some("drieëntwintig uur negenenvijftig")
        );
    }
}
