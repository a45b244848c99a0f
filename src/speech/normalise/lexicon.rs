//! What a language contributes to normalisation: how it says numbers, letters, dates, times,
//! amounts and units, and which abbreviations and call words it knows.
//!
//! The recognisers in [`super::rules`] decide *what* a stretch of text is (a phone number, a
//! date, a plate); a [`Lexicon`] only decides how that thing is *said*. A lexicon never looks
//! at the input text itself, so adding a language means adding tables, not patterns.

/// A unit that may follow a number and is worth saying in full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unit {
    /// `km`.
    Kilometre,
    /// `km/u`, `km/h`.
    KilometrePerHour,
    /// `m`.
    Metre,
    /// `cm`.
    Centimetre,
    /// `kg`, said as people say it: "kilo".
    Kilogram,
    /// `%`.
    Percent,
    /// `u` right after a number (Dutch "uur").
    Hour,
}

/// When an abbreviation is expanded; anywhere else it is left as typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum When {
    /// Wherever the token stands on its own.
    Always,
    /// Wherever it stands; it closes a list, so its dot also ends the sentence when a
    /// capitalised word follows (`enz. De politie` → "enzovoort. De politie").
    EndsList,
    /// Only before a capitalised word (`M. Dupont`, `Fr. Schmitz`).
    BeforeName,
    /// Only after a capitalised word that does not start the sentence (`Church St.`); its dot
    /// also ends the sentence when a capitalised word follows.
    AfterName,
    /// Only before a number (`No. 12`).
    BeforeNumber,
    /// Only after a number (German `3 St.`, pieces).
    AfterNumber,
}

/// An abbreviation as typed, token for token, and what to say instead.
#[derive(Debug, Clone, Copy)]
pub(super) struct Abbreviation {
    /// The exact text, case included (`"St."`, `"z.B."`).
    pub text: &'static str,
    /// The words said instead.
    pub spoken: &'static str,
    /// The context it needs.
    pub when: When,
}

impl Abbreviation {
    /// An abbreviation `text` said as `spoken` when the context fits.
    pub(super) const fn new(text: &'static str, spoken: &'static str, when: When) -> Self {
        Abbreviation { text, spoken, when }
    }
}

/// A valid calendar date; the year is optional (`26/11`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Date {
    /// Day of the month, 1–31.
    pub day: u8,
    /// Month, 1–12.
    pub month: u8,
    /// Four-digit year, if written.
    pub year: Option<u16>,
}

/// How one language says the things the recognisers find.
pub(super) trait Lexicon: Sync {
    /// `n` in words, as said on its own ("één", "eins").
    fn cardinal(&self, n: u64) -> String;
    /// `n` as an ordinal in its citation form ("eerste", "premier", "erste", "first").
    fn ordinal(&self, n: u64) -> String;
    /// The spoken name of an upper-case ASCII letter, written so espeak-ng says the name.
    fn letter(&self, c: char) -> Option<&'static str>;
    /// The name of month 1–12.
    fn month(&self, month: u8) -> &'static str;
    /// A date; `before` is the word in front of it (German case, English "the").
    fn date(&self, date: Date, before: Option<&str>) -> String;
    /// A clock time, 0–23 and 0–59.
    fn time(&self, hour: u8, minute: u8) -> String;
    /// An amount of euros and cents.
    fn money(&self, euros: u64, cents: u64) -> String;
    /// A decimal number: the whole part and the digits after the comma.
    fn decimal(&self, whole: u64, fraction: &str) -> String;
    /// A unit after a quantity, `plural` as [`Lexicon::plural`] decided; `None` if the
    /// language does not abbreviate it so.
    fn unit(&self, unit: Unit, plural: bool) -> Option<&'static str>;
    /// The word between the two ends of a range ("tot", "à", "bis", "to").
    fn range_word(&self) -> &'static str;
    /// The ordinal if `suffix` makes `n` one in this language (`1e`, `2ème`, `3rd`).
    fn suffixed_ordinal(&self, n: u64, suffix: &str) -> Option<String>;
    /// Abbreviations, tried in order; the first whose context fits wins.
    fn abbreviations(&self) -> &'static [Abbreviation];
    /// Lower-case words after which a number is one to dial (verbs and emergency nouns).
    fn call_words(&self) -> &'static [&'static str];
    /// Lower-case words that make the number in front of them one to dial (`101 bellen`).
    fn call_words_after(&self) -> &'static [&'static str] {
        &[]
    }
    /// Whether a day is written with a dot (German `26.11.`, `1. Dezember`).
    fn dotted_day(&self) -> bool {
        false
    }
    /// Words after a bare hour that make it a clock time (`14 uur`, `14 Uhr`).
    fn hour_words(&self) -> &'static [&'static str] {
        &[]
    }
    /// The ending of a street word written as `…str.` (`straat`, `straße`).
    fn street_suffix(&self) -> Option<&'static str> {
        None
    }
    /// `n` counting the noun after it (German "ein Fahrzeug", not "eins Fahrzeug").
    fn counting(&self, n: u64) -> String {
        self.cardinal(n)
    }
    /// `n` before the word `next` (any word, not only a noun): the counting form before a
    /// capitalised word, where German nouns are; languages with gender agree with the noun
    /// (French "une personne", German "eine Person").
    fn before_word(&self, n: u64, next: &str) -> String {
        match next.chars().next().is_some_and(char::is_uppercase) {
            true => self.counting(n),
            false => self.cardinal(n),
        }
    }
    /// The symbols that may stand between groups of three digits, besides no-break spaces;
    /// a plain space `' '` in the list means plain spaces too (French `1 250`).
    fn thousands_marks(&self) -> &'static [char] {
        &['.']
    }
    /// Lower-case words after which `7.15` is a clock time even without an hour word
    /// (`om 7.15`, `um 7.15`, `at 7.15`).
    fn time_words(&self) -> &'static [&'static str] {
        &[]
    }
    /// A time on the twelve-hour clock with a.m. or p.m. (`2:30 pm`); `None` where the
    /// language does not write times so.
    fn twelve_hour_time(&self, _hour: u8, _minute: u8, _pm: bool) -> Option<String> {
        None
    }
    /// Whether a day before a month name may carry an ordinal suffix (`1st March`), and days
    /// may be given as a range before one month (`3 to 5 April`).
    fn suffixed_day(&self) -> bool {
        false
    }
    /// The days `first` to `last.day` of `last`'s month, `before` the word in front; `None`
    /// where the language reads such a range word for word.
    fn day_range(&self, _first: u8, _last: Date, _before: Option<&str>) -> Option<String> {
        None
    }
    /// An ordinal before `noun` (German `3. Stock`), inflected after `before`; `None` when the
    /// language does not write ordinals with a bare dot.
    fn dotted_ordinal(&self, _n: u64, _before: Option<&str>, _noun: &str) -> Option<String> {
        None
    }
    /// The elided form of `word` before the spoken `next` (French "de" before "un" is "d'"),
    /// or `None` to keep both words apart.
    fn elided(&self, _word: &str, _next: &str) -> Option<&'static str> {
        None
    }
    /// Whether a quantity takes a plural noun. French counts below two as singular.
    fn plural(&self, whole: u64, has_fraction: bool) -> bool {
        whole != 1 || has_fraction
    }
    /// A four-digit year.
    fn year(&self, year: u16) -> String {
        self.cardinal(u64::from(year))
    }

    /// Month 1–12 for a month name typed in any case.
    fn month_number(&self, word: &str) -> Option<u8> {
        let word = word.to_lowercase();
        (1..=12).find(|&m| self.month(m).to_lowercase() == word)
    }
}

/// The number of days in `month` of `year` (any year if unknown: February has 29).
pub(super) fn days_in_month(month: u8, year: Option<u16>) -> u8 {
    match month {
        2 => match year {
            Some(y) if !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) => 28,
            _ => 29,
        },
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl Date {
    /// The date if it exists in the calendar.
    pub(super) fn new(day: u64, month: u64, year: Option<u64>) -> Option<Date> {
        let month = u8::try_from(month).ok().filter(|m| (1..=12).contains(m))?;
        let year = match year {
            Some(y) => Some(
                u16::try_from(y)
                    .ok()
                    .filter(|y| (1000..=2999).contains(y))?,
            ),
            None => None,
        };
        let day = u8::try_from(day).ok()?;
        (1..=days_in_month(month, year))
            .contains(&day)
            .then_some(Date { day, month, year })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_calendar_dates_exist() {
        assert!(Date::new(26, 11, Some(2026)).is_some());
        assert!(Date::new(29, 2, None).is_some());
        assert!(Date::new(29, 2, Some(2024)).is_some());
        assert!(Date::new(29, 2, Some(2026)).is_none());
        assert!(Date::new(31, 4, None).is_none());
        assert!(Date::new(32, 13, None).is_none());
        assert!(Date::new(0, 1, None).is_none());
        assert!(Date::new(1, 1, Some(99)).is_none());
    }
}
