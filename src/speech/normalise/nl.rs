//! Dutch as spoken in Flanders: number words, letter names, months and abbreviations.
//!
//! One on its own is written "één": espeak-ng reads a bare "een" as the article ("ən"), so a
//! dialled "101" would become "ən nul ən". Inside a compound it stays "een" ("eenentwintig",
//! "honderdeen"), which espeak-ng stresses correctly. A space follows "duizend" ("tweeduizend
//! zesentwintig"): espeak-ng slurs the unbroken compound ("tweeduizendzəzəntwintig").
//!
//! Twee and drie before "en" take the trema of the spelling, "tweeëntwintig", "drieëntwintig":
//! the text the dispatcher checks is written as Dutch is written, and both engines read it
//! whole.

use super::lexicon::{Abbreviation, Date, Lexicon, Unit, When};
use super::rules::spell_digits;

/// The Dutch lexicon.
pub(super) struct Dutch;

#[rustfmt::skip]
const UNITS: [&str; 20] = [
    "nul", "één", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen", "tien", "elf",
    "twaalf", "dertien", "veertien", "vijftien", "zestien", "zeventien", "achttien", "negentien",
];

#[rustfmt::skip]
const TENS: [&str; 10] = [
    "", "tien", "twintig", "dertig", "veertig", "vijftig", "zestig", "zeventig", "tachtig",
    "negentig",
];

#[rustfmt::skip]
const ORDINALS: [&str; 20] = [
    "nulde", "eerste", "tweede", "derde", "vierde", "vijfde", "zesde", "zevende", "achtste",
    "negende", "tiende", "elfde", "twaalfde", "dertiende", "veertiende", "vijftiende", "zestiende",
    "zeventiende", "achttiende", "negentiende",
];

#[rustfmt::skip]
const MONTHS: [&str; 12] = [
    "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
    "oktober", "november", "december",
];

/// Letter names spelled so espeak-ng says the name in running text; checked letter by letter
/// with `espeak-ng -q --ipa -v nl` in a list ("één, X, twee") and before a number ("op de X
/// eenendertig"). Bare capitals fail there: `S` → "s", `U` → "y" (the pronoun, unstressed).
/// "enn" and "êr" because "en" and "er" are read as the unstressed words "ɛn", "ər" ("èr"
/// works with the system espeak-ng but the bundled engine drops it); "ix" because "iks" loses
/// its stress; Y is "i-grec" as in Flanders. `pronunciation.rs` checks every one.
#[rustfmt::skip]
const LETTERS: [&str; 26] = [
    "aa", "bee", "cee", "dee", "ee", "ef", "gee", "ha", "ie", "jee", "ka", "el", "em", "enn", "oo",
    "pee", "ku", "êr", "es", "tee", "uu", "vee", "wee", "ix", "i-grec", "zet",
];

const ABBREVIATIONS: &[Abbreviation] = &[
    Abbreviation::new("St.", "Sint", When::Always),
    Abbreviation::new("dhr.", "de heer", When::Always),
    Abbreviation::new("Dhr.", "De heer", When::Always),
    Abbreviation::new("mevr.", "mevrouw", When::Always),
    Abbreviation::new("Mevr.", "Mevrouw", When::Always),
    Abbreviation::new("nr.", "nummer", When::Always),
    Abbreviation::new("Nr.", "Nummer", When::Always),
    Abbreviation::new("tel.", "telefoon", When::Always),
    Abbreviation::new("Tel.", "Telefoon", When::Always),
    Abbreviation::new("bv.", "bijvoorbeeld", When::Always),
    Abbreviation::new("Bv.", "Bijvoorbeeld", When::Always),
    Abbreviation::new("bvb.", "bijvoorbeeld", When::Always),
    Abbreviation::new("bvb", "bijvoorbeeld", When::Always),
    Abbreviation::new("bijv.", "bijvoorbeeld", When::Always),
    Abbreviation::new("ca.", "ongeveer", When::Always),
    Abbreviation::new("t.h.v.", "ter hoogte van", When::Always),
    Abbreviation::new("thv", "ter hoogte van", When::Always),
    Abbreviation::new("z.s.m.", "zo snel mogelijk", When::Always),
    Abbreviation::new("zsm", "zo snel mogelijk", When::Always),
    Abbreviation::new("o.a.", "onder andere", When::Always),
    Abbreviation::new("i.v.m.", "in verband met", When::Always),
    Abbreviation::new("ivm", "in verband met", When::Always),
    Abbreviation::new("m.b.t.", "met betrekking tot", When::Always),
    Abbreviation::new("n.a.v.", "naar aanleiding van", When::Always),
    Abbreviation::new("i.p.v.", "in plaats van", When::Always),
    Abbreviation::new("ipv", "in plaats van", When::Always),
    Abbreviation::new("m.a.w.", "met andere woorden", When::Always),
    Abbreviation::new("t.e.m.", "tot en met", When::Always),
    Abbreviation::new("a.u.b.", "alstublieft", When::Always),
    Abbreviation::new("aub", "alstublieft", When::Always),
    Abbreviation::new("evt.", "eventueel", When::Always),
    Abbreviation::new("incl.", "inclusief", When::Always),
    Abbreviation::new("max.", "maximaal", When::BeforeNumber),
    Abbreviation::new("max.", "maximum", When::Always),
    Abbreviation::new("cf.", "zie", When::Always),
    Abbreviation::new("enz.", "enzovoort", When::EndsList),
    Abbreviation::new("Dr.", "dokter", When::BeforeName),
    Abbreviation::new("dr.", "dokter", When::BeforeName),
    Abbreviation::new("Mr.", "meester", When::BeforeName),
    Abbreviation::new("mr.", "meester", When::BeforeName),
];

impl Lexicon for Dutch {
    fn cardinal(&self, n: u64) -> String {
        let mut parts = Vec::new();
        let mut rest = n;
        for (scale, name) in [
            (1_000_000_000_000, "biljoen"),
            (1_000_000_000, "miljard"),
            (1_000_000, "miljoen"),
        ] {
            if rest >= scale {
                parts.push(format!("{} {name}", self.cardinal(rest / scale)));
                rest %= scale;
            }
        }
        match rest / 1000 {
            0 => {}
            1 => parts.push("duizend".to_owned()),
            t => parts.push(format!("{}duizend", below_thousand(t, true))),
        }
        if rest % 1000 != 0 || parts.is_empty() {
            parts.push(below_thousand(rest % 1000, false));
        }
        parts.join(" ")
    }

    fn ordinal(&self, n: u64) -> String {
        let last = n % 100;
        if !(1..=19).contains(&last) {
            return if n == 0 {
                ORDINALS[0].to_owned()
            } else {
                self.cardinal(n) + "ste"
            };
        }
        let ordinal = ORDINALS[last as usize];
        match n - last {
            0 => ordinal.to_owned(),
            head if head % 1000 == 0 => format!("{} {ordinal}", self.cardinal(head)),
            head => format!("{}{ordinal}", self.cardinal(head)),
        }
    }

    fn letter(&self, c: char) -> Option<&'static str> {
        c.is_ascii_uppercase()
            .then(|| LETTERS[usize::from(c as u8 - b'A')])
    }

    fn month(&self, month: u8) -> &'static str {
        MONTHS[usize::from(month.clamp(1, 12) - 1)]
    }

    fn date(&self, date: Date, _before: Option<&str>) -> String {
        let day = format!(
            "{} {}",
            self.cardinal(u64::from(date.day)),
            self.month(date.month)
        );
        match date.year {
            Some(year) => format!("{day} {}", self.year(year)),
            None => day,
        }
    }

    fn time(&self, hour: u8, minute: u8) -> String {
        let hour = format!("{} uur", self.cardinal(u64::from(hour)));
        match minute {
            0 => hour,
            m => format!("{hour} {}", self.cardinal(u64::from(m))),
        }
    }

    fn money(&self, euros: u64, cents: u64) -> String {
        match (euros, cents) {
            (0, c) if c > 0 => format!("{} cent", self.cardinal(c)),
            (e, 0) => format!("{} euro", self.cardinal(e)),
            (e, c) => format!("{} euro {}", self.cardinal(e), self.cardinal(c)),
        }
    }

    fn decimal(&self, whole: u64, fraction: &str) -> String {
        format!(
            "{} komma {}",
            self.cardinal(whole),
            fraction_words(self, fraction)
        )
    }

    fn unit(&self, unit: Unit, _plural: bool) -> Option<&'static str> {
        Some(match unit {
            Unit::Kilometre => "kilometer",
            Unit::KilometrePerHour => "kilometer per uur",
            Unit::Metre => "meter",
            Unit::Centimetre => "centimeter",
            Unit::Kilogram => "kilo",
            Unit::Percent => "procent",
            Unit::Hour => "uur",
        })
    }

    fn range_word(&self) -> &'static str {
        "tot"
    }

    fn suffixed_ordinal(&self, n: u64, suffix: &str) -> Option<String> {
        ["e", "ste", "de"]
            .contains(&suffix)
            .then(|| self.ordinal(n))
    }

    fn abbreviations(&self) -> &'static [Abbreviation] {
        ABBREVIATIONS
    }

    fn call_words(&self) -> &'static [&'static str] {
        &[
            "bel",
            "belt",
            "bellen",
            "contacteer",
            "verwittig",
            "noodnummer",
            "alarmnummer",
        ]
    }

    fn call_words_after(&self) -> &'static [&'static str] {
        &["bellen"]
    }

    fn hour_words(&self) -> &'static [&'static str] {
        &["uur", "u"]
    }

    fn time_words(&self) -> &'static [&'static str] {
        &["om", "omstreeks", "rond", "vanaf"]
    }

    fn street_suffix(&self) -> Option<&'static str> {
        Some("straat")
    }

    /// 1100–1999 in hundreds, as years are said: "negentienhonderd vijfentachtig".
    fn year(&self, year: u16) -> String {
        match (year / 100, year % 100) {
            (11..=19, 0) => format!("{}honderd", UNITS[usize::from(year / 100)]),
            (11..=19, rest) => {
                format!(
                    "{}honderd {}",
                    UNITS[usize::from(year / 100)],
                    self.cardinal(u64::from(rest))
                )
            }
            _ => self.cardinal(u64::from(year)),
        }
    }
}

/// Decimals as a number ("komma vijfentwintig"), or digit by digit after a zero or when long.
fn fraction_words(lex: &Dutch, fraction: &str) -> String {
    match super::rules::value(fraction) {
        Some(n) if fraction.len() <= 3 && !fraction.starts_with('0') => lex.cardinal(n),
        _ => spell_digits(lex, fraction),
    }
}

/// 0–999; `compound` when a scale word follows ("eenduizend" is never said, but "een" in
/// "eenentwintigduizend" is).
fn below_thousand(n: u64, compound: bool) -> String {
    let (hundreds, rest) = (n / 100, n % 100);
    let mut words = match hundreds {
        0 => String::new(),
        1 => "honderd".to_owned(),
        h => format!("{}honderd", UNITS[h as usize % 10]),
    };
    if rest > 0 || hundreds == 0 {
        words += &below_hundred(rest, compound || hundreds > 0);
    }
    words
}

/// 0–99: "één" alone, "een" inside a compound; "ën" after twee and drie (see the module).
fn below_hundred(n: u64, compound: bool) -> String {
    let one = |u: u64| {
        if u == 1 && compound {
            "een"
        } else {
            UNITS[u as usize % 20]
        }
    };
    match (n / 10, n % 10) {
        (0 | 1, _) => one(n).to_owned(),
        (t, 0) => TENS[t as usize % 10].to_owned(),
        (t, 1) => format!("eenen{}", TENS[t as usize % 10]),
        (t, u) => {
            let unit = UNITS[u as usize];
            let and = if unit.ends_with('e') { "ën" } else { "en" };
            format!("{unit}{and}{}", TENS[t as usize % 10])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cardinals() {
        let said: Vec<String> = [
            0, 1, 3, 13, 20, 21, 22, 23, 24, 80, 99, 100, 101, 121, 200, 999,
        ]
        .iter()
        .map(|&n| Dutch.cardinal(n))
        .collect();
        assert_eq!(
            said.join(", "),
            "nul, één, drie, dertien, twintig, eenentwintig, tweeëntwintig, drieëntwintig, vierentwintig, tachtig, negenennegentig, honderd, honderdeen, honderdeenentwintig, tweehonderd, negenhonderdnegenennegentig"
        );
        assert_eq!(Dutch.cardinal(1000), "duizend");
        assert_eq!(Dutch.cardinal(1001), "duizend één");
        assert_eq!(Dutch.cardinal(2026), "tweeduizend zesentwintig");
        assert_eq!(Dutch.cardinal(21_000), "eenentwintigduizend");
        assert_eq!(Dutch.cardinal(1_000_000), "één miljoen");
        assert_eq!(
            Dutch.cardinal(999_999_999),
            "negenhonderdnegenennegentig miljoen negenhonderdnegenennegentigduizend negenhonderdnegenennegentig"
        );
        assert!(!Dutch.cardinal(u64::MAX).is_empty());
    }

    #[test]
    fn ordinals() {
        let said: Vec<String> = [1, 2, 3, 8, 19, 20, 21, 100, 101, 1000, 2003]
            .iter()
            .map(|&n| Dutch.ordinal(n))
            .collect();
        assert_eq!(
            said.join(", "),
            "eerste, tweede, derde, achtste, negentiende, twintigste, eenentwintigste, honderdste, honderdeerste, duizendste, tweeduizend derde"
        );
    }

    #[test]
    fn years_times_and_money() {
        assert_eq!(Dutch.year(1985), "negentienhonderd vijfentachtig");
        assert_eq!(Dutch.year(1900), "negentienhonderd");
        assert_eq!(Dutch.year(2026), "tweeduizend zesentwintig");
        assert_eq!(Dutch.time(9, 5), "negen uur vijf");
        assert_eq!(Dutch.money(0, 50), "vijftig cent");
        assert_eq!(Dutch.decimal(2, "05"), "twee komma nul vijf");
    }
}
