//! German as spoken in the German-speaking Community: number words, letter names, months,
//! abbreviations, and the inflected ordinals German dates need.
//!
//! One is "eins" on its own and at the end of a number ("hunderteins") but "ein" inside a
//! compound ("einundzwanzig", "eintausend" is said "tausend") and before a noun ("ein Euro",
//! "ein Uhr"). German writes an ordinal as a number and a dot (`1. Dezember`, `3. Stock`),
//! which is also how a sentence ends after a number; we read the dot as an ordinal before a
//! month name, before a few nouns that are counted so (`3. Stock`, `2. Täter`), and before any
//! word after an article or a preposition that asks for one (`am 2. Dienstag`, `der 3.
//! Täter`), unless that word starts a new sentence. The ending follows the word in front and
//! the noun's gender ("am ersten Dezember", "der dritte Täter", "ein zweites Fahrzeug",
//! "erster Dezember" without one); the gender comes from short lists and the usual endings
//! (-ung, -heit, -e feminine; -chen neuter), masculine otherwise.

use super::lexicon::{Abbreviation, Date, Lexicon, Unit, When};
use super::rules::spell_digits;

/// The German lexicon.
pub(super) struct German;

#[rustfmt::skip]
const UNITS: [&str; 20] = [
    "null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn",
    "elf", "zwölf", "dreizehn", "vierzehn", "fünfzehn", "sechzehn", "siebzehn", "achtzehn",
    "neunzehn",
];

#[rustfmt::skip]
const TENS: [&str; 10] = [
    "", "zehn", "zwanzig", "dreißig", "vierzig", "fünfzig", "sechzig", "siebzig", "achtzig",
    "neunzig",
];

/// Ordinal stems below twenty; an ending is added ("erst" + "e").
#[rustfmt::skip]
const STEMS: [&str; 20] = [
    "nullt", "erst", "zweit", "dritt", "viert", "fünft", "sechst", "siebt", "acht", "neunt",
    "zehnt", "elft", "zwölft", "dreizehnt", "vierzehnt", "fünfzehnt", "sechzehnt", "siebzehnt",
    "achtzehnt", "neunzehnt",
];

#[rustfmt::skip]
const MONTHS: [&str; 12] = [
    "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
    "November", "Dezember",
];

/// Nouns a dotted ordinal may stand before; "Etage" is the feminine one.
#[rustfmt::skip]
const FLOORS: [&str; 5] = [
    "Stock", "Stockwerk", "Etage", "Obergeschoss", "Untergeschoss",
];

/// Nouns an ordinal written with a dot stands before even without an article (`2. Täter`).
#[rustfmt::skip]
const ORDINAL_NOUNS: [&str; 14] = [
    "Mal", "Täter", "Tatverdächtige", "Fahrzeug", "Person", "Hälfte", "Tag", "Woche", "Montag",
    "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag",
];

/// Contractions and articles in the dative or genitive: the ordinal ends in "-en".
const DATIVE: [&str; 10] = [
    "am", "im", "vom", "zum", "zur", "beim", "dem", "des", "den", "ins",
];

/// Capitalised words that start a new sentence rather than stand after an ordinal.
#[rustfmt::skip]
const SENTENCE_STARTS: [&str; 16] = [
    "Der", "Die", "Das", "Ein", "Eine", "Er", "Sie", "Es", "Wir", "Ich", "Bitte", "Dann",
    "Danach", "Am", "Im", "Um",
];

/// Grammatical gender, for the ending of an ordinal and for "eine".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gender {
    Masculine,
    Feminine,
    Neuter,
}

#[rustfmt::skip]
const FEMININE_NOUNS: [&str; 6] = ["Person", "Frau", "Tür", "Nacht", "Hand", "Uhr"];

#[rustfmt::skip]
const NEUTER_NOUNS: [&str; 16] = [
    "Mal", "Fahrzeug", "Auto", "Haus", "Stockwerk", "Obergeschoss", "Untergeschoss", "Geschoss",
    "Jahr", "Kind", "Opfer", "Fenster", "Gebäude", "Wochenende", "Motorrad", "Fahrrad",
];

/// Masculine nouns ending in "-e", which would otherwise be taken for feminine.
#[rustfmt::skip]
const MASCULINE_IN_E: [&str; 7] = [
    "Junge", "Name", "Zeuge", "Kunde", "Tatverdächtige", "Beamte", "Verdächtige",
];

/// Letter names spelled so espeak-ng says the name in running text. `-v de` reads bare
/// capitals correctly, but the other languages do not, and one rule for all keeps plates
/// uniform. "ix" would be read as a Roman numeral ("römisch neun"), hence "iks"; "äff" keeps
/// the stress "eff" loses after an article; V is "fau" ("vau" is read "vaʊ").
/// `pronunciation.rs` checks every one.
#[rustfmt::skip]
const LETTERS: [&str; 26] = [
    "a", "be", "ze", "de", "e", "äff", "ge", "ha", "i", "jott", "ka", "ell", "emm", "enn", "o",
    "pe", "ku", "err", "ess", "te", "u", "fau", "we", "iks", "ypsilon", "zett",
];

const ABBREVIATIONS: &[Abbreviation] = &[
    Abbreviation::new("Str.", "Straße", When::Always),
    Abbreviation::new("Nr.", "Nummer", When::Always),
    Abbreviation::new("Hr.", "Herr", When::BeforeName),
    Abbreviation::new("Fr.", "Frau", When::BeforeName),
    Abbreviation::new("ca.", "circa", When::Always),
    Abbreviation::new("z.B.", "zum Beispiel", When::Always),
    Abbreviation::new("z. B.", "zum Beispiel", When::Always),
    Abbreviation::new("Tel.", "Telefon", When::Always),
    Abbreviation::new("St.", "Sankt", When::BeforeName),
    Abbreviation::new("St.", "Stück", When::AfterNumber),
    Abbreviation::new("Dr. med.", "Doktor", When::BeforeName),
    Abbreviation::new("Dr.", "Doktor", When::BeforeName),
    Abbreviation::new("u.a.", "unter anderem", When::Always),
    Abbreviation::new("u. a.", "unter anderem", When::Always),
    Abbreviation::new("ggf.", "gegebenenfalls", When::Always),
    Abbreviation::new("ggfs.", "gegebenenfalls", When::Always),
    Abbreviation::new("bzw.", "beziehungsweise", When::Always),
    Abbreviation::new("evtl.", "eventuell", When::Always),
    Abbreviation::new("d.h.", "das heißt", When::Always),
    Abbreviation::new("d. h.", "das heißt", When::Always),
    Abbreviation::new("v.a.", "vor allem", When::Always),
    Abbreviation::new("u.U.", "unter Umständen", When::Always),
    Abbreviation::new("bzgl.", "bezüglich", When::Always),
    Abbreviation::new("inkl.", "inklusive", When::Always),
    Abbreviation::new("max.", "maximal", When::BeforeNumber),
    Abbreviation::new("vgl.", "vergleiche", When::Always),
    Abbreviation::new("Hbf.", "Hauptbahnhof", When::Always),
    Abbreviation::new("usw.", "und so weiter", When::EndsList),
    Abbreviation::new("o.ä.", "oder Ähnliches", When::EndsList),
];

impl Lexicon for German {
    fn cardinal(&self, n: u64) -> String {
        let mut parts = Vec::new();
        let mut rest = n;
        let scales = [
            (1_000_000_000_000, "eine Billion", "Billionen"),
            (1_000_000_000, "eine Milliarde", "Milliarden"),
            (1_000_000, "eine Million", "Millionen"),
        ];
        for (scale, one, many) in scales {
            if rest >= scale {
                let count = rest / scale;
                parts.push(match count {
                    1 => one.to_owned(),
                    c => format!("{} {many}", self.counting(c)),
                });
                rest %= scale;
            }
        }
        let mut word = match rest / 1000 {
            0 => String::new(),
            1 => "tausend".to_owned(),
            t => below_thousand(t, false) + "tausend",
        };
        if rest % 1000 != 0 || (word.is_empty() && parts.is_empty()) {
            word += &below_thousand(rest % 1000, true);
        }
        parts.extend((!word.is_empty()).then_some(word));
        parts.join(" ")
    }

    fn ordinal(&self, n: u64) -> String {
        stem(self, n) + "e"
    }

    fn letter(&self, c: char) -> Option<&'static str> {
        c.is_ascii_uppercase()
            .then(|| LETTERS[usize::from(c as u8 - b'A')])
    }

    fn month(&self, month: u8) -> &'static str {
        MONTHS[usize::from(month.clamp(1, 12) - 1)]
    }

    /// "sechsundzwanzigster November zweitausendsechsundzwanzig", "am ersten Dezember".
    fn date(&self, date: Date, before: Option<&str>) -> String {
        let day = stem(self, u64::from(date.day)) + ending(before, Gender::Masculine);
        let day = format!("{day} {}", self.month(date.month));
        match date.year {
            Some(year) => format!("{day} {}", self.year(year)),
            None => day,
        }
    }

    /// "vierzehn Uhr dreißig", "ein Uhr".
    fn time(&self, hour: u8, minute: u8) -> String {
        let hour = format!("{} Uhr", self.counting(u64::from(hour)));
        match minute {
            0 => hour,
            m => format!("{hour} {}", self.cardinal(u64::from(m))),
        }
    }

    fn money(&self, euros: u64, cents: u64) -> String {
        match (euros, cents) {
            (0, c) if c > 0 => format!("{} Cent", self.counting(c)),
            (e, 0) => format!("{} Euro", self.counting(e)),
            (e, c) => format!("{} Euro {}", self.counting(e), self.cardinal(c)),
        }
    }

    /// "zwei Komma fünf": German reads decimals digit by digit.
    fn decimal(&self, whole: u64, fraction: &str) -> String {
        format!(
            "{} Komma {}",
            self.cardinal(whole),
            spell_digits(self, fraction)
        )
    }

    fn unit(&self, unit: Unit, _plural: bool) -> Option<&'static str> {
        match unit {
            Unit::Kilometre => Some("Kilometer"),
            Unit::KilometrePerHour => Some("Kilometer pro Stunde"),
            Unit::Metre => Some("Meter"),
            Unit::Centimetre => Some("Zentimeter"),
            Unit::Kilogram => Some("Kilo"),
            Unit::Percent => Some("Prozent"),
            Unit::Hour => None,
        }
    }

    fn range_word(&self) -> &'static str {
        "bis"
    }

    fn suffixed_ordinal(&self, _n: u64, _suffix: &str) -> Option<String> {
        None
    }

    fn abbreviations(&self) -> &'static [Abbreviation] {
        ABBREVIATIONS
    }

    fn call_words(&self) -> &'static [&'static str] {
        &[
            "rufen",
            "ruft",
            "rufe",
            "anrufen",
            "wählen",
            "wählt",
            "wähle",
            "notruf",
            "notrufnummer",
        ]
    }

    fn call_words_after(&self) -> &'static [&'static str] {
        &["anrufen", "wählen"]
    }

    fn hour_words(&self) -> &'static [&'static str] {
        &["Uhr"]
    }

    fn time_words(&self) -> &'static [&'static str] {
        &["um", "gegen", "ab"]
    }

    /// "eine Person", "ein Fahrzeug": one agrees with a feminine noun.
    fn before_word(&self, n: u64, next: &str) -> String {
        let noun = next.chars().next().is_some_and(char::is_uppercase);
        match (n, noun) {
            (1, true) if gender(next) == Gender::Feminine => "eine".to_owned(),
            (_, true) => self.counting(n),
            (_, false) => self.cardinal(n),
        }
    }

    fn dotted_day(&self) -> bool {
        true
    }

    fn street_suffix(&self) -> Option<&'static str> {
        Some("straße")
    }

    /// "ein" before a noun, also at the end of a longer number ("hundertein").
    fn counting(&self, n: u64) -> String {
        let cardinal = self.cardinal(n);
        match cardinal.strip_suffix("eins") {
            Some(head) => format!("{head}ein"),
            None => cardinal,
        }
    }

    fn dotted_ordinal(&self, n: u64, before: Option<&str>, next: &str) -> Option<String> {
        let ordinal = FLOORS.contains(&next)
            || ORDINAL_NOUNS.contains(&next)
            || (before.is_some_and(takes_ordinal) && !SENTENCE_STARTS.contains(&next));
        ordinal.then(|| stem(self, n) + ending(before, gender(next)))
    }

    /// 1100–1999 in hundreds: "neunzehnhundertfünfundachtzig".
    fn year(&self, year: u16) -> String {
        let (century, rest) = (u64::from(year / 100), u64::from(year % 100));
        match century {
            11..=19 if rest == 0 => below_hundred(century, false) + "hundert",
            11..=19 => below_hundred(century, false) + "hundert" + &below_hundred(rest, true),
            _ => self.cardinal(u64::from(year)),
        }
    }
}

/// The ordinal without its ending: "erst", "dritt", "zwanzigst", "hunderterst".
fn stem(lex: &German, n: u64) -> String {
    let last = n % 100;
    if !(1..=19).contains(&last) {
        return if n == 0 {
            STEMS[0].to_owned()
        } else {
            lex.cardinal(n) + "st"
        };
    }
    let small = STEMS[last as usize];
    match lex.cardinal(n - last) {
        _ if n == last => small.to_owned(),
        head if head.contains(' ') => format!("{head} {small}"),
        head => head + small,
    }
}

/// The adjective ending after the word in front: dative after "am", "im", "zum" …; weak after
/// an article; strong without one, by the noun's gender. "bis" stands for "bis zum" (`vom 3.
/// bis 5. Mai`).
fn ending(before: Option<&str>, gender: Gender) -> &'static str {
    let before = before.map(str::to_lowercase);
    match (before.as_deref(), gender) {
        (Some(word), _) if DATIVE.contains(&word) => "en",
        (Some("einen" | "einem" | "einer" | "eines" | "bis"), _) => "en",
        (Some("der"), Gender::Feminine) => "en",
        (Some("der" | "die" | "das" | "eine"), _) => "e",
        (Some("ein"), Gender::Neuter) => "es",
        (Some("ein"), _) => "er",
        (_, Gender::Feminine) => "e",
        (_, Gender::Neuter) => "es",
        (_, Gender::Masculine) => "er",
    }
}

/// Words in front that make a dotted number before any word an ordinal (`am 2. Dienstag`,
/// `der 3. Täter`, `zum 2. Mal`).
fn takes_ordinal(before: &str) -> bool {
    let before = before.to_lowercase();
    DATIVE.contains(&before.as_str())
        || [
            "der", "die", "das", "den", "ein", "eine", "einen", "einem", "einer", "eines", "jeden",
            "jeder", "jede", "jedes", "bis",
        ]
        .contains(&before.as_str())
}

/// A noun's grammatical gender, as far as a few endings and lists tell; masculine otherwise,
/// and for a word that is no noun (`der 2. verdächtige Wagen`).
fn gender(noun: &str) -> Gender {
    if !noun.chars().next().is_some_and(char::is_uppercase) {
        return Gender::Masculine;
    }
    const FEMININE_ENDINGS: [&str; 8] = ["ung", "heit", "keit", "schaft", "ion", "tät", "ei", "e"];
    const NEUTER_ENDINGS: [&str; 4] = ["chen", "lein", "ment", "um"];
    if NEUTER_NOUNS.contains(&noun) || NEUTER_ENDINGS.iter().any(|e| noun.ends_with(e)) {
        Gender::Neuter
    } else if MASCULINE_IN_E.contains(&noun) {
        Gender::Masculine
    } else if FEMININE_NOUNS.contains(&noun) || FEMININE_ENDINGS.iter().any(|e| noun.ends_with(e)) {
        Gender::Feminine
    } else {
        Gender::Masculine
    }
}

/// 0–999; `last` when it ends the number, so one is "eins" rather than "ein".
fn below_thousand(n: u64, last: bool) -> String {
    let (hundreds, rest) = (n / 100, n % 100);
    let mut words = match hundreds {
        0 => String::new(),
        1 => "hundert".to_owned(),
        h => format!("{}hundert", UNITS[h as usize % 10]),
    };
    if rest > 0 || hundreds == 0 {
        words += &below_hundred(rest, last);
    }
    words
}

/// 0–99: "einundzwanzig", "eins" only at the end.
fn below_hundred(n: u64, last: bool) -> String {
    let unit = |u: u64| {
        if u == 1 && !last {
            "ein"
        } else {
            UNITS[u as usize % 20]
        }
    };
    match (n / 10, n % 10) {
        (0 | 1, _) => unit(n).to_owned(),
        (t, 0) => TENS[t as usize % 10].to_owned(),
        (t, 1) => format!("einund{}", TENS[t as usize % 10]),
        (t, u) => format!("{}und{}", UNITS[u as usize], TENS[t as usize % 10]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cardinals() {
        let said: Vec<String> = [0, 1, 16, 17, 21, 30, 99, 100, 101, 1000, 2026, 21_000]
            .iter()
            .map(|&n| German.cardinal(n))
            .collect();
        assert_eq!(
            said.join(", "),
            "null, eins, sechzehn, siebzehn, einundzwanzig, dreißig, neunundneunzig, hundert, hunderteins, tausend, zweitausendsechsundzwanzig, einundzwanzigtausend"
        );
        assert_eq!(German.cardinal(1_000_000), "eine Million");
        assert_eq!(German.cardinal(2_000_001), "zwei Millionen eins");
        assert_eq!(
            German.cardinal(999_999_999),
            "neunhundertneunundneunzig Millionen neunhundertneunundneunzigtausendneunhundertneunundneunzig"
        );
        assert_eq!(German.counting(1), "ein");
        assert!(!German.cardinal(u64::MAX).is_empty());
    }

    #[test]
    fn ordinals_are_inflected() {
        assert_eq!(German.ordinal(1), "erste");
        assert_eq!(German.ordinal(3), "dritte");
        assert_eq!(German.ordinal(7), "siebte");
        assert_eq!(German.ordinal(20), "zwanzigste");
        assert_eq!(German.ordinal(101), "hunderterste");
        assert_eq!(
            German.dotted_ordinal(3, Some("im"), "Stock").as_deref(),
            Some("dritten")
        );
        assert_eq!(
            German.dotted_ordinal(1, None, "Etage").as_deref(),
            Some("erste")
        );
        assert_eq!(
            German.dotted_ordinal(1, Some("der"), "Etage").as_deref(),
            Some("ersten")
        );
        assert_eq!(
            German.dotted_ordinal(2, None, "Stock").as_deref(),
            Some("zweiter")
        );
        assert_eq!(German.dotted_ordinal(2, None, "Haus"), None);
    }

    #[test]
    fn years_and_times() {
        assert_eq!(German.year(1985), "neunzehnhundertfünfundachtzig");
        assert_eq!(German.time(1, 0), "ein Uhr");
        assert_eq!(German.time(14, 1), "vierzehn Uhr eins");
        assert_eq!(German.money(1, 50), "ein Euro fünfzig");
    }
}
