//! English (British usage): number words, letter names, months and abbreviations.
//!
//! Numbers take the British "and" ("one hundred and one", "two thousand and twenty-six"),
//! years are said in pairs ("twenty twenty-six", "nineteen eighty-five", but "two thousand and
//! five"). Clock times are said on the twelve-hour clock with the part of the day ("two thirty
//! in the afternoon"): English speakers living in Belgium come from everywhere, and unlike
//! "fourteen thirty", which is military or timetable English to many, the twelve-hour form is
//! understood by every one of them, the elderly first. A time typed with am or pm (`2:30 pm`,
//! `2.30 p.m.`) is said with it, "two thirty p m", not with the part of the day on top.
//! Thousands take a comma (`€1,250`), and a day may carry its suffix and come in a range
//! before the month ("from the third to the fifth of April").

use super::lexicon::{Abbreviation, Date, Lexicon, Unit, When};
use super::rules::spell_digits;

/// The English lexicon.
pub(super) struct English;

#[rustfmt::skip]
const UNITS: [&str; 20] = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
];

#[rustfmt::skip]
const TENS: [&str; 10] = [
    "", "ten", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

#[rustfmt::skip]
const MONTHS: [&str; 12] = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
];

/// Letter names spelled so espeak-ng says the name in running text. Bare capitals fail: `A`
/// after "the" is the article "ɐ". "ay" is read "aɪ", hence "eh"; "eff" is spelled out as
/// E-F-F, hence "ef"; "you" loses its stress, hence "yoo". Z is "zed", as in Britain.
/// `pronunciation.rs` checks every one.
#[rustfmt::skip]
const LETTERS: [&str; 26] = [
    "eh", "bee", "see", "dee", "ee", "ef", "gee", "aitch", "eye", "jay", "kay", "el", "em", "en",
    "oh", "pee", "cue", "ar", "ess", "tee", "yoo", "vee", "double-u", "ex", "why", "zed",
];

const ABBREVIATIONS: &[Abbreviation] = &[
    Abbreviation::new("St.", "Street", When::AfterName),
    Abbreviation::new("St.", "Saint", When::BeforeName),
    Abbreviation::new("St.", "Street", When::Always),
    Abbreviation::new("St", "Street", When::AfterName),
    Abbreviation::new("St", "Saint", When::BeforeName),
    Abbreviation::new("Dr.", "Drive", When::AfterName),
    Abbreviation::new("Dr.", "Doctor", When::BeforeName),
    Abbreviation::new("Dr", "Drive", When::AfterName),
    Abbreviation::new("Dr", "Doctor", When::BeforeName),
    Abbreviation::new("Rd.", "Road", When::EndsList),
    Abbreviation::new("Rd", "Road", When::Always),
    Abbreviation::new("Ave.", "Avenue", When::EndsList),
    Abbreviation::new("Ave", "Avenue", When::Always),
    Abbreviation::new("Blvd.", "Boulevard", When::EndsList),
    Abbreviation::new("Blvd", "Boulevard", When::Always),
    Abbreviation::new("Mr.", "Mister", When::Always),
    Abbreviation::new("Mr", "Mister", When::Always),
    Abbreviation::new("Mrs.", "Missus", When::Always),
    Abbreviation::new("Mrs", "Missus", When::Always),
    Abbreviation::new("Ms.", "Miz", When::BeforeName),
    Abbreviation::new("Ms", "Miz", When::BeforeName),
    Abbreviation::new("No.", "number", When::BeforeNumber),
    Abbreviation::new("no.", "number", When::BeforeNumber),
    Abbreviation::new("e.g.", "for example", When::Always),
    Abbreviation::new("i.e.", "that is", When::Always),
    Abbreviation::new("approx.", "approximately", When::Always),
    Abbreviation::new("approx", "approximately", When::Always),
    Abbreviation::new("max.", "maximum", When::Always),
    Abbreviation::new("incl.", "including", When::Always),
    Abbreviation::new("cf.", "see", When::Always),
    Abbreviation::new("tel.", "telephone", When::Always),
    Abbreviation::new("asap", "as soon as possible", When::Always),
    Abbreviation::new("ASAP", "as soon as possible", When::Always),
    Abbreviation::new("etc.", "et cetera", When::EndsList),
];

impl Lexicon for English {
    fn cardinal(&self, n: u64) -> String {
        let mut parts = Vec::new();
        let mut rest = n;
        let scales = [
            (1_000_000_000_000, "trillion"),
            (1_000_000_000, "billion"),
            (1_000_000, "million"),
            (1_000, "thousand"),
        ];
        for (scale, name) in scales {
            if rest >= scale {
                parts.push(format!("{} {name}", self.cardinal(rest / scale)));
                rest %= scale;
            }
        }
        match rest {
            0 if parts.is_empty() => parts.push(UNITS[0].to_owned()),
            0 => {}
            1..=99 if !parts.is_empty() => parts.push(format!("and {}", below_hundred(rest))),
            _ => parts.push(below_thousand(rest)),
        }
        parts.join(" ")
    }

    fn ordinal(&self, n: u64) -> String {
        let cardinal = self.cardinal(n);
        let split = cardinal.rfind([' ', '-']).map_or(0, |at| at + 1);
        let (head, last) = cardinal.split_at(split);
        let last = match last {
            "one" => "first".to_owned(),
            "two" => "second".to_owned(),
            "three" => "third".to_owned(),
            "five" => "fifth".to_owned(),
            "eight" => "eighth".to_owned(),
            "nine" => "ninth".to_owned(),
            "twelve" => "twelfth".to_owned(),
            word => match word.strip_suffix('y') {
                Some(stem) => format!("{stem}ieth"),
                None => format!("{word}th"),
            },
        };
        format!("{head}{last}")
    }

    fn letter(&self, c: char) -> Option<&'static str> {
        c.is_ascii_uppercase()
            .then(|| LETTERS[usize::from(c as u8 - b'A')])
    }

    fn month(&self, month: u8) -> &'static str {
        MONTHS[usize::from(month.clamp(1, 12) - 1)]
    }

    /// "the twenty-sixth of November twenty twenty-six"; no second "the" after "the".
    fn date(&self, date: Date, before: Option<&str>) -> String {
        let the = the_after(before);
        let day = format!(
            "{the}{} of {}",
            self.ordinal(u64::from(date.day)),
            self.month(date.month)
        );
        match date.year {
            Some(year) => format!("{day} {}", self.year(year)),
            None => day,
        }
    }

    /// "two thirty in the afternoon", "nine oh five in the morning", "midnight".
    fn time(&self, hour: u8, minute: u8) -> String {
        let part = match hour {
            0..=4 => "at night",
            5..=11 => "in the morning",
            12..=17 => "in the afternoon",
            _ => "in the evening",
        };
        let twelve = UNITS[usize::from(match hour % 12 {
            0 => 12,
            h => h,
        })];
        match (hour, minute) {
            (0, 0) => "midnight".to_owned(),
            (12, 0) => "twelve noon".to_owned(),
            (_, 0) => format!("{twelve} o'clock {part}"),
            (_, 1..=9) => format!("{twelve} oh {} {part}", UNITS[usize::from(minute)]),
            (_, m) => format!("{twelve} {} {part}", self.cardinal(u64::from(m))),
        }
    }

    fn money(&self, euros: u64, cents: u64) -> String {
        let euro = if euros == 1 { "euro" } else { "euros" };
        match (euros, cents) {
            (0, 1) => "one cent".to_owned(),
            (0, c) if c > 0 => format!("{} cents", self.cardinal(c)),
            (e, 0) => format!("{} {euro}", self.cardinal(e)),
            (e, c) => format!("{} {euro} {}", self.cardinal(e), self.cardinal(c)),
        }
    }

    /// "two point five": English reads decimals digit by digit.
    fn decimal(&self, whole: u64, fraction: &str) -> String {
        format!(
            "{} point {}",
            self.cardinal(whole),
            spell_digits(self, fraction)
        )
    }

    fn unit(&self, unit: Unit, plural: bool) -> Option<&'static str> {
        Some(match (unit, plural) {
            (Unit::Kilometre, false) => "kilometre",
            (Unit::Kilometre, true) => "kilometres",
            (Unit::KilometrePerHour, false) => "kilometre per hour",
            (Unit::KilometrePerHour, true) => "kilometres per hour",
            (Unit::Metre, false) => "metre",
            (Unit::Metre, true) => "metres",
            (Unit::Centimetre, false) => "centimetre",
            (Unit::Centimetre, true) => "centimetres",
            (Unit::Kilogram, false) => "kilo",
            (Unit::Kilogram, true) => "kilos",
            (Unit::Percent, _) => "per cent",
            (Unit::Hour, _) => return None,
        })
    }

    fn range_word(&self) -> &'static str {
        "to"
    }

    fn suffixed_ordinal(&self, n: u64, suffix: &str) -> Option<String> {
        ["st", "nd", "rd", "th"]
            .contains(&suffix)
            .then(|| self.ordinal(n))
    }

    fn abbreviations(&self) -> &'static [Abbreviation] {
        ABBREVIATIONS
    }

    fn call_words(&self) -> &'static [&'static str] {
        &["call", "dial", "ring", "phone", "emergency"]
    }

    /// `€1,250`: English groups thousands with a comma (a comma before one or two digits stays
    /// a decimal comma, as typed in Belgium).
    fn thousands_marks(&self) -> &'static [char] {
        &['.', ',']
    }

    /// "two thirty p m", "ten a m": the writer gave the part of the day, so it is said as
    /// written rather than as "in the afternoon".
    fn twelve_hour_time(&self, hour: u8, minute: u8, pm: bool) -> Option<String> {
        let part = if pm { "p m" } else { "a m" };
        let hour = UNITS[usize::from(hour % 20)];
        Some(match minute {
            0 => format!("{hour} {part}"),
            1..=9 => format!("{hour} oh {} {part}", UNITS[usize::from(minute)]),
            m => format!("{hour} {} {part}", self.cardinal(u64::from(m))),
        })
    }

    /// `at 7.15`: read, like `7:15`, on the twenty-four-hour clock Belgian messages use.
    fn time_words(&self) -> &'static [&'static str] {
        &["at", "around"]
    }

    fn suffixed_day(&self) -> bool {
        true
    }

    /// "the third to the fifth of April".
    fn day_range(&self, first: u8, last: Date, before: Option<&str>) -> Option<String> {
        let the = the_after(before);
        let last = self.date(last, Some("the"));
        Some(format!(
            "{the}{} to the {last}",
            self.ordinal(u64::from(first))
        ))
    }

    /// Capitalised only: "may" and "march" are also words.
    fn month_number(&self, word: &str) -> Option<u8> {
        (1..=12).find(|&m| self.month(m) == word)
    }

    /// In pairs, as years are said; 2000–2009 and round thousands as cardinals.
    fn year(&self, year: u16) -> String {
        let (century, rest) = (u64::from(year / 100), u64::from(year % 100));
        match rest {
            _ if year % 1000 < 10 => self.cardinal(u64::from(year)),
            0 => format!("{} hundred", self.cardinal(century)),
            1..=9 => format!("{} oh {}", self.cardinal(century), UNITS[rest as usize]),
            _ => format!("{} {}", self.cardinal(century), self.cardinal(rest)),
        }
    }
}

/// "the " unless the word in front already is "the".
fn the_after(before: Option<&str>) -> &'static str {
    match before.is_some_and(|w| w.eq_ignore_ascii_case("the")) {
        true => "",
        false => "the ",
    }
}

/// 1–999: "one hundred and one".
fn below_thousand(n: u64) -> String {
    match (n / 100, n % 100) {
        (0, rest) => below_hundred(rest),
        (h, 0) => format!("{} hundred", UNITS[h as usize % 10]),
        (h, rest) => format!(
            "{} hundred and {}",
            UNITS[h as usize % 10],
            below_hundred(rest)
        ),
    }
}

/// 0–99: "twenty-one".
fn below_hundred(n: u64) -> String {
    match (n / 10, n % 10) {
        (0 | 1, _) => UNITS[n as usize % 20].to_owned(),
        (t, 0) => TENS[t as usize % 10].to_owned(),
        (t, u) => format!("{}-{}", TENS[t as usize % 10], UNITS[u as usize]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn british_cardinals() {
        assert_eq!(English.cardinal(0), "zero");
        assert_eq!(English.cardinal(21), "twenty-one");
        assert_eq!(English.cardinal(101), "one hundred and one");
        assert_eq!(English.cardinal(1000), "one thousand");
        assert_eq!(English.cardinal(2026), "two thousand and twenty-six");
        assert_eq!(English.cardinal(1205), "one thousand two hundred and five");
        assert_eq!(
            English.cardinal(999_999_999),
            "nine hundred and ninety-nine million nine hundred and ninety-nine thousand nine hundred and ninety-nine"
        );
        assert!(!English.cardinal(u64::MAX).is_empty());
    }

    #[test]
    fn ordinals() {
        let said: Vec<String> = [1, 2, 3, 4, 5, 8, 9, 12, 20, 21, 100, 101]
            .iter()
            .map(|&n| English.ordinal(n))
            .collect();
        assert_eq!(
            said.join(", "),
            "first, second, third, fourth, fifth, eighth, ninth, twelfth, twentieth, twenty-first, one hundredth, one hundred and first"
        );
    }

    #[test]
    fn years_and_twelve_hour_times() {
        assert_eq!(English.year(2026), "twenty twenty-six");
        assert_eq!(English.year(2005), "two thousand and five");
        assert_eq!(English.year(2000), "two thousand");
        assert_eq!(English.year(1985), "nineteen eighty-five");
        assert_eq!(English.year(1905), "nineteen oh five");
        assert_eq!(English.year(1900), "nineteen hundred");
        assert_eq!(English.time(14, 30), "two thirty in the afternoon");
        assert_eq!(English.time(9, 5), "nine oh five in the morning");
        assert_eq!(English.time(14, 0), "two o'clock in the afternoon");
        assert_eq!(English.time(0, 0), "midnight");
        assert_eq!(English.time(12, 0), "twelve noon");
        assert_eq!(English.time(23, 15), "eleven fifteen in the evening");
    }
}
