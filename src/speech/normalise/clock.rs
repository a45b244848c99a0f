//! Clock times and calendar dates.
//!
//! Times: `14u30`, `14h30`, `14:30`, `9u05`, `14u`, `14h`, `14.30 uur`, `14 uur`, and English
//! `2:30 pm`, `2.30 p.m.`; the hour is 0–23 (1–12 with am/pm) and the minutes 00–59, otherwise
//! it is not a time. A dot between hour and minutes is also a decimal point, so `7.15` is a
//! time only before an hour word (`7.15 uur`, `19.30 u`, `7.00 Uhr`) or after a word that
//! announces one (`om 7.15`, `um 7.15`), and never when a unit or currency follows. Dates: `26/11`, `26/11/2026`,
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

/// A day before a month name, optionally with a year: `26 november 2026`, `1. Dezember`,
/// English `1st March`.
pub(super) fn named_date(lex: &dyn Lexicon, scan: Scan<'_, '_>) -> Option<Found> {
    let start = scan.pos;
    let (date, scan) = day_and_month(lex, scan)?;
    Some(Found::at(&scan, lex.date(date, before(&scan, start))))
}

/// English days before one month: `3 to 5 April`, `3-5 April`, `3rd–5th April 2026`.
pub(super) fn day_range(lex: &dyn Lexicon, mut scan: Scan<'_, '_>) -> Option<Found> {
    if !lex.suffixed_day() {
        return None;
    }
    let start = scan.pos;
    let first = day(lex, &mut scan)?;
    let spaced = scan.space();
    let joined = scan.symbol_in(&['-', '–']).is_some()
        || (spaced
            && scan
                .letters()
                .is_some_and(|w| ["to", "until", "till"].contains(&w)));
    if !joined {
        return None;
    }
    scan.space();
    let (last, scan) = day_and_month(lex, scan)?;
    let first = u8::try_from(first)
        .ok()
        .filter(|f| *f >= 1 && *f < last.day)?;
    let spoken = lex.day_range(first, last, before(&scan, start))?;
    Some(Found::at(&scan, spoken))
}

/// `26 november 2026`, `1. Dezember`, `1st March`, and where the cursor stands after it.
fn day_and_month<'t, 'a>(
    lex: &dyn Lexicon,
    mut scan: Scan<'t, 'a>,
) -> Option<(Date, Scan<'t, 'a>)> {
    let day = day(lex, &mut scan)?;
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
    match year.and_then(|y| Date::new(day, u64::from(month), Some(y))) {
        Some(date) => Some((date, with_year)),
        None => Some((Date::new(day, u64::from(month), None)?, scan)),
    }
}

/// A day of the month, with an ordinal suffix where the language writes one (`1st`).
fn day(lex: &dyn Lexicon, scan: &mut Scan<'_, '_>) -> Option<u64> {
    let day = value(scan.digits(1, 2)?)?;
    if lex.suffixed_day() {
        let mut ahead = *scan;
        if ahead
            .letters()
            .is_some_and(|s| lex.suffixed_ordinal(day, s).is_some())
        {
            *scan = ahead;
        }
    }
    Some(day)
}

/// `14u30`, `14h30`, `14:30`, `14u`, `9u05`, `14.30 uur`, `14 uur`, `om 7.15`, `2:30 pm`,
/// `2.30 p.m.`, `10 am`.
pub(super) fn time(lex: &dyn Lexicon, mut scan: Scan<'_, '_>) -> Option<Found> {
    let start = scan;
    let hour = value(scan.digits(1, 2)?).filter(|h| *h <= 23)?;
    let mut marked = scan;
    if marked.letters().is_some_and(|l| HOUR_MARKS.contains(&l)) {
        scan = marked;
        let minute = minutes(&mut scan).or_else(|| scan.at_boundary().then_some(0))?;
        return said(lex, scan, hour, minute);
    }
    let separator = scan.symbol_in(&[':', '.']);
    let minute = match separator {
        Some(_) => minutes(&mut scan)?,
        None => 0,
    };
    if let Some(found) = twelve_hour(lex, scan, hour, minute) {
        return Some(found);
    }
    let is_time = hour_word(lex, &mut scan)
        || match separator {
            Some(':') => true,
            Some(_) => after_time_word(lex, start, scan),
            None => false,
        };
    is_time.then(|| said(lex, scan, hour, minute))?
}

/// The time said in the language, if the match ends at a word boundary.
fn said(lex: &dyn Lexicon, scan: Scan<'_, '_>, hour: u64, minute: u64) -> Option<Found> {
    let (hour, minute) = (u8::try_from(hour).ok()?, u8::try_from(minute).ok()?);
    scan.at_boundary()
        .then(|| Found::at(&scan, lex.time(hour, minute)))
}

/// `2:30 pm`, `2.30 p.m.`, `10 AM`: an hour 1–12 and the part of the day.
fn twelve_hour(lex: &dyn Lexicon, mut scan: Scan<'_, '_>, hour: u64, minute: u64) -> Option<Found> {
    let hour = u8::try_from(hour).ok().filter(|h| (1..=12).contains(h))?;
    scan.space();
    let pm = meridiem(&mut scan)?;
    let spoken = lex.twelve_hour_time(hour, u8::try_from(minute).ok()?, pm)?;
    scan.at_boundary().then(|| Found::at(&scan, spoken))
}

/// `am`, `pm`, `a.m.`, `p.m.` in any case: true for p.m. The closing dot of `p.m.` is left
/// to end the sentence when it does.
fn meridiem(scan: &mut Scan<'_, '_>) -> Option<bool> {
    let mut ahead = *scan;
    let word = ahead.letters()?.to_ascii_lowercase();
    let pm = match word.as_str() {
        "am" => false,
        "pm" => true,
        "a" | "p" => {
            let dotted =
                ahead.symbol('.') && ahead.letters().is_some_and(|m| m.eq_ignore_ascii_case("m"));
            if !dotted {
                return None;
            }
            let mut closed = ahead;
            if closed.symbol('.') && sentence_goes_on(closed) {
                ahead = closed;
            }
            word == "p"
        }
        _ => return None,
    };
    *scan = ahead;
    Some(pm)
}

/// Whether `7.15` after `om`, `um`, `at` is a time: not when a unit or currency follows,
/// which makes it a quantity (`om 2.5 km`).
fn after_time_word(lex: &dyn Lexicon, start: Scan<'_, '_>, end: Scan<'_, '_>) -> bool {
    let word = start.word_before(start.pos).map(|t| t.text.to_lowercase());
    let after_word = word.is_some_and(|w| lex.time_words().contains(&w.as_str()));
    let quantity = super::quantity::amount(lex, start).is_some()
        || super::quantity::measure(lex, start).is_some();
    after_word && !quantity && end.at_boundary()
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
            if sentence_goes_on(ahead) {
                *scan = ahead;
            }
            true
        }
        _ => false,
    }
}

/// Whether a dot just before `after` is inside a sentence: what follows is a comma, a digit
/// or a lower-case word.
fn sentence_goes_on(mut after: Scan<'_, '_>) -> bool {
    if after.peek().is_some_and(|t| t.is(',') || t.is(';')) {
        return true;
    }
    after.space()
        && after.peek().is_some_and(|t| {
            t.kind == Kind::Digits || (t.kind == Kind::Letters && !t.is_capitalised())
        })
}

/// Whether the same separator leads on to more digits (`1/2/3/4` is no date).
fn continues(mut scan: Scan<'_, '_>, separator: char) -> bool {
    scan.symbol(separator) && scan.peek().is_some_and(|t| t.kind == Kind::Digits)
}

/// The word in front of the date, for German case and the English article. The second day of
/// a pair (`am 2. und 3. Mai`) takes the word in front of the first.
fn before<'a>(scan: &Scan<'_, 'a>, start: usize) -> Option<&'a str> {
    let word = scan.word_before(start)?;
    let mut behind = scan.behind(start).filter(|t| t.kind != Kind::Space).skip(1);
    let paired = matches!(word.text, "und" | "oder")
        && behind.next().is_some_and(|t| t.is('.'))
        && behind.next().is_some_and(|t| t.kind == Kind::Digits);
    match (paired, behind.next()) {
        (true, Some(first)) if first.kind == Kind::Letters => Some(first.text),
        _ => Some(word.text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::speech::Language;
    use crate::speech::normalise::lexicon_of;
    use crate::speech::normalise::rules::Rule;
    use crate::speech::normalise::tokens::tokenize;

    fn first(rule: Rule, text: &str) -> Option<String> {
        first_in(Language::Nl, rule, text)
    }

    fn first_in(lang: Language, rule: Rule, text: &str) -> Option<String> {
        let tokens = tokenize(text);
        rule(lexicon_of(lang), Scan::new(&tokens, 0)).map(|f| f.spoken)
    }

    #[test]
    fn twelve_hour_times_need_an_hour_from_one_to_twelve_and_english() {
        let en = |text| first_in(Language::En, time, text);
        assert_eq!(en("2.30 p.m.").as_deref(), Some("two thirty p m"));
        assert_eq!(en("12 AM").as_deref(), Some("twelve a m"));
        assert_eq!(
            en("13:00 pm").as_deref(),
            Some("one o'clock in the afternoon")
        );
        assert_eq!(en("0:30 am").as_deref(), Some("twelve thirty at night"));
        assert_eq!(en("2.30 p.n."), None);
        assert_eq!(en("2.30"), None);
        assert_eq!(first(time, "2 pm"), None);
        assert_eq!(first_in(Language::De, time, "2 am"), None);
    }

    #[test]
    fn a_day_range_runs_forward_within_one_month() {
        let en = |text| first_in(Language::En, day_range, text);
        assert_eq!(
            en("3rd-5th April").as_deref(),
            Some("the third to the fifth of April")
        );
        assert_eq!(en("5 to 3 April"), None);
        assert_eq!(en("3 to 31 April"), None);
        assert_eq!(en("3 to 5 people"), None);
        assert_eq!(first(day_range, "3 tot 5 april"), None);
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
