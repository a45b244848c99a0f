//! French as spoken in Belgium: number words, letter names, months and abbreviations.
//!
//! Belgian French counts 70 and 90 as "septante" and "nonante" ("septante et un", "nonante-
//! neuf"), not "soixante-dix" and "quatre-vingt-dix": a listener in Wallonia or Brussels hears
//! "soixante-dix-sept" as France, and an elderly one may hesitate over it. Eighty stays
//! "quatre-vingts" (as in Brussels and most of Wallonia; "huitante" is Swiss). Hyphens follow
//! the traditional rules (only below a hundred, "deux mille vingt-six"); espeak-ng reads both.
//! Hours and minutes are feminine ("une heure", "vingt et une heures"), and so is a number
//! before one of the common feminine nouns of police messages ("une arrestation", "vingt et
//! une personnes"). Thousands are separated by a space, plain or no-break (`1 250 €`).

use super::lexicon::{Abbreviation, Date, Lexicon, Unit, When};
use super::rules::{spell_digits, value};

/// The Belgian French lexicon.
pub(super) struct French;

#[rustfmt::skip]
const UNITS: [&str; 17] = [
    "zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze",
    "douze", "treize", "quatorze", "quinze", "seize",
];

#[rustfmt::skip]
const TENS: [&str; 10] = [
    "", "dix", "vingt", "trente", "quarante", "cinquante", "soixante", "septante", "quatre-vingt",
    "nonante",
];

#[rustfmt::skip]
const MONTHS: [&str; 12] = [
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
    "novembre", "décembre",
];

/// Letter names spelled so espeak-ng (`-v fr` and `-v fr-be`) says the name in running text.
/// Bare capitals fail: `A` is read as the preposition "à" (unstressed), `Y` as the pronoun
/// "i". "emme" is read "ɑ̃m", hence "èmme"; "èffe", "èlle", "èsse" keep the open "ɛ" of the
/// names; "ah" is stressed where "a" is not. `pronunciation.rs` checks every one.
#[rustfmt::skip]
const LETTERS: [&str; 26] = [
    "ah", "bé", "cé", "dé", "e", "èffe", "gé", "ache", "i", "ji", "ka", "èlle", "èmme", "enne", "o",
    "pé", "ku", "erre", "èsse", "té", "u", "vé", "double vé", "ixe", "i grec", "zède",
];

/// Feminine nouns that police and neighbourhood messages count, so that one agrees with them
/// ("une arrestation", "vingt et une personnes"). A short list of the common ones, not a
/// dictionary: a noun missing here is counted with the masculine "un".
#[rustfmt::skip]
const FEMININE_NOUNS: &[&str] = &[
    "personne", "personnes", "arrestation", "arrestations", "interpellation", "interpellations",
    "victime", "victimes", "femme", "femmes", "fille", "filles", "jeune", "voiture", "voitures",
    "camionnette", "camionnettes", "moto", "motos", "patrouille", "patrouilles", "plainte",
    "plaintes", "heure", "heures", "minute", "minutes", "seconde", "secondes", "semaine",
    "semaines", "nuit", "nuits", "journée", "journées", "année", "années", "fois", "maison",
    "maisons", "habitation", "habitations", "porte", "portes", "fenêtre", "fenêtres", "vitre",
    "vitres", "rue", "rues", "tentative", "tentatives", "effraction", "effractions", "adresse",
    "adresses", "commune", "communes", "zone", "zones", "équipe", "équipes", "bande", "bandes",
    "cambrioleuse", "suspecte", "suspectes", "plaque", "plaques", "information", "informations",
    "intervention", "interventions", "remorque", "remorques",
];

const ABBREVIATIONS: &[Abbreviation] = &[
    Abbreviation::new("St.", "Saint", When::Always),
    Abbreviation::new("St", "Saint", When::Always),
    Abbreviation::new("Ste.", "Sainte", When::Always),
    Abbreviation::new("Ste", "Sainte", When::Always),
    Abbreviation::new("Bd.", "boulevard", When::Always),
    Abbreviation::new("Bd", "boulevard", When::Always),
    Abbreviation::new("bd.", "boulevard", When::Always),
    Abbreviation::new("bd", "boulevard", When::Always),
    Abbreviation::new("Av.", "avenue", When::Always),
    Abbreviation::new("av.", "avenue", When::Always),
    Abbreviation::new("M.", "Monsieur", When::BeforeName),
    Abbreviation::new("Mme", "Madame", When::Always),
    Abbreviation::new("n°", "numéro", When::Always),
    Abbreviation::new("N°", "numéro", When::Always),
    Abbreviation::new("ch.", "chaussée", When::Always),
    Abbreviation::new("Mlle", "Mademoiselle", When::Always),
    Abbreviation::new("MM.", "Messieurs", When::BeforeName),
    Abbreviation::new("Dr", "docteur", When::BeforeName),
    Abbreviation::new("Dr.", "docteur", When::BeforeName),
    Abbreviation::new("svp", "s'il vous plaît", When::Always),
    Abbreviation::new("SVP", "s'il vous plaît", When::Always),
    Abbreviation::new("s.v.p.", "s'il vous plaît", When::Always),
    Abbreviation::new("p.ex.", "par exemple", When::Always),
    Abbreviation::new("p. ex.", "par exemple", When::Always),
    Abbreviation::new("bte", "boîte", When::Always),
    Abbreviation::new("cf.", "voir", When::Always),
    Abbreviation::new("env.", "environ", When::Always),
    Abbreviation::new("max.", "maximum", When::Always),
    Abbreviation::new("c.-à-d.", "c'est-à-dire", When::Always),
    Abbreviation::new("càd", "c'est-à-dire", When::Always),
    Abbreviation::new("tél.", "téléphone", When::Always),
    // The 1990 spelling: espeak-ng reads "et cetera" with the conjunction's "é".
    Abbreviation::new("etc.", "etcétéra", When::EndsList),
];

impl Lexicon for French {
    fn cardinal(&self, n: u64) -> String {
        let mut parts = Vec::new();
        let mut rest = n;
        for (scale, name) in [
            (1_000_000_000_000, "billion"),
            (1_000_000_000, "milliard"),
            (1_000_000, "million"),
        ] {
            if rest >= scale {
                let count = rest / scale;
                let plural = if count > 1 { "s" } else { "" };
                parts.push(format!("{} {name}{plural}", self.cardinal(count)));
                rest %= scale;
            }
        }
        match rest / 1000 {
            0 => {}
            1 => parts.push("mille".to_owned()),
            t => parts.push(format!("{} mille", below_thousand(t, false))),
        }
        if rest % 1000 != 0 || parts.is_empty() {
            parts.push(below_thousand(rest % 1000, true));
        }
        parts.join(" ")
    }

    fn ordinal(&self, n: u64) -> String {
        if n == 1 {
            return "premier".to_owned();
        }
        let cardinal = self.cardinal(n);
        let stem = cardinal
            .strip_suffix('s')
            .filter(|s| s.ends_with("vingt") || s.ends_with("cent"));
        let stem = stem.unwrap_or(&cardinal);
        if let Some(head) = stem.strip_suffix("cinq") {
            format!("{head}cinquième")
        } else if let Some(head) = stem.strip_suffix("neuf") {
            format!("{head}neuvième")
        } else {
            format!("{}ième", stem.strip_suffix('e').unwrap_or(stem))
        }
    }

    fn letter(&self, c: char) -> Option<&'static str> {
        c.is_ascii_uppercase()
            .then(|| LETTERS[usize::from(c as u8 - b'A')])
    }

    fn month(&self, month: u8) -> &'static str {
        MONTHS[usize::from(month.clamp(1, 12) - 1)]
    }

    /// "premier décembre", "vingt-six novembre deux mille vingt-six".
    fn date(&self, date: Date, _before: Option<&str>) -> String {
        let day = match date.day {
            1 => "premier".to_owned(),
            d => self.cardinal(u64::from(d)),
        };
        let day = format!("{day} {}", self.month(date.month));
        match date.year {
            Some(year) => format!("{day} {}", self.cardinal(u64::from(year))),
            None => day,
        }
    }

    /// "quatorze heures trente", "une heure", "quatorze heures" for `14h00`.
    fn time(&self, hour: u8, minute: u8) -> String {
        let hours = if hour > 1 { "heures" } else { "heure" };
        let hour = format!("{} {hours}", feminine(self.cardinal(u64::from(hour))));
        match minute {
            0 => hour,
            m => format!("{hour} {}", feminine(self.cardinal(u64::from(m)))),
        }
    }

    fn money(&self, euros: u64, cents: u64) -> String {
        let centimes = if cents > 1 { "centimes" } else { "centime" };
        let euro = match euros {
            0 | 1 => "euro",
            e if e % 1_000_000 == 0 => "d'euros",
            _ => "euros",
        };
        match (euros, cents) {
            (0, c) if c > 0 => format!("{} {centimes}", self.cardinal(c)),
            (e, 0) => format!("{} {euro}", self.cardinal(e)),
            (e, c) => format!("{} {euro} {}", self.cardinal(e), self.cardinal(c)),
        }
    }

    fn decimal(&self, whole: u64, fraction: &str) -> String {
        let fraction = match value(fraction) {
            Some(n) if fraction.len() <= 3 && !fraction.starts_with('0') => self.cardinal(n),
            _ => spell_digits(self, fraction),
        };
        format!("{} virgule {fraction}", self.cardinal(whole))
    }

    fn unit(&self, unit: Unit, plural: bool) -> Option<&'static str> {
        Some(match (unit, plural) {
            (Unit::Kilometre, false) => "kilomètre",
            (Unit::Kilometre, true) => "kilomètres",
            (Unit::KilometrePerHour, false) => "kilomètre à l'heure",
            (Unit::KilometrePerHour, true) => "kilomètres à l'heure",
            (Unit::Metre, false) => "mètre",
            (Unit::Metre, true) => "mètres",
            (Unit::Centimetre, false) => "centimètre",
            (Unit::Centimetre, true) => "centimètres",
            (Unit::Kilogram, false) => "kilo",
            (Unit::Kilogram, true) => "kilos",
            (Unit::Percent, _) => "pour cent",
            (Unit::Hour, _) => return None,
        })
    }

    fn range_word(&self) -> &'static str {
        "à"
    }

    /// `1er` premier, `1re`/`1ère` première, `2nd(e)` second(e), `2e`/`2ème` deuxième.
    fn suffixed_ordinal(&self, n: u64, suffix: &str) -> Option<String> {
        match (n, suffix) {
            (1, "er") => Some("premier".to_owned()),
            (1, "re" | "ère" | "ere") => Some("première".to_owned()),
            (2, "nd") => Some("second".to_owned()),
            (2, "nde") => Some("seconde".to_owned()),
            (2.., "e" | "ème" | "eme" | "ième" | "è") => Some(self.ordinal(n)),
            _ => None,
        }
    }

    fn abbreviations(&self) -> &'static [Abbreviation] {
        ABBREVIATIONS
    }

    fn call_words(&self) -> &'static [&'static str] {
        &[
            "appelez", "appeler", "appelle", "appelles", "composez", "composer", "formez",
            "urgence", "urgences",
        ]
    }

    fn hour_words(&self) -> &'static [&'static str] {
        &["heures", "heure", "h"]
    }

    fn time_words(&self) -> &'static [&'static str] {
        &["à", "vers", "dès"]
    }

    /// `1 250 habitants`: French separates thousands with a space.
    fn thousands_marks(&self) -> &'static [char] {
        &['.', ' ']
    }

    /// "une personne", "vingt et une victimes": one agrees with a feminine noun.
    fn before_word(&self, n: u64, next: &str) -> String {
        match FEMININE_NOUNS.contains(&next.to_lowercase().as_str()) {
            true => feminine(self.cardinal(n)),
            false => self.cardinal(n),
        }
    }

    /// "d'un mètre quatre-vingts", "d'une heure": "de" elides before the number one, but not
    /// before a number dialled or spelled digit by digit ("de un un deux", "de un, bé, …").
    fn elided(&self, word: &str, next: &str) -> Option<&'static str> {
        let mut words = next.split([' ', '-']);
        let counted = matches!(words.next(), Some("un" | "une"))
            && !next.contains(',')
            && !words.next().is_some_and(|w| UNITS[..10].contains(&w));
        if !counted {
            return None;
        }
        match word {
            "de" => Some("d'"),
            "De" => Some("D'"),
            _ => None,
        }
    }

    /// Below two is singular in French: "un virgule cinq kilomètre".
    fn plural(&self, whole: u64, _has_fraction: bool) -> bool {
        whole >= 2
    }
}

/// A number before a feminine noun: "un" becomes "une" ("vingt et une heures").
fn feminine(cardinal: String) -> String {
    match cardinal.ends_with("un") {
        true => cardinal + "e",
        false => cardinal,
    }
}

/// 0–999; `last` when nothing multiplies it, so "quatre-vingts" and "deux cents" keep their s.
fn below_thousand(n: u64, last: bool) -> String {
    let (hundreds, rest) = (n / 100, n % 100);
    let mut words = match hundreds {
        0 => String::new(),
        1 => "cent".to_owned(),
        h => format!(
            "{} cent{}",
            UNITS[h as usize % 10],
            if rest == 0 && last { "s" } else { "" }
        ),
    };
    if rest > 0 || hundreds == 0 {
        let tens = below_hundred(rest);
        let tens = match (last, tens.strip_suffix("vingts")) {
            (false, Some(head)) => format!("{head}vingt"),
            _ => tens,
        };
        words = [words, tens]
            .into_iter()
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
    }
    words
}

/// 0–99 with septante and nonante.
fn below_hundred(n: u64) -> String {
    match (n / 10, n % 10) {
        _ if n <= 16 => UNITS[n as usize].to_owned(),
        (1, u) => format!("dix-{}", UNITS[u as usize]),
        (8, 0) => "quatre-vingts".to_owned(),
        (8, u) => format!("quatre-vingt-{}", UNITS[u as usize]),
        (t, 0) => TENS[t as usize % 10].to_owned(),
        (t, 1) => format!("{} et un", TENS[t as usize % 10]),
        (t, u) => format!("{}-{}", TENS[t as usize % 10], UNITS[u as usize]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn belgian_cardinals() {
        let said: Vec<String> = [
            0, 1, 17, 21, 70, 71, 72, 80, 81, 90, 91, 99, 100, 101, 200, 201,
        ]
        .iter()
        .map(|&n| French.cardinal(n))
        .collect();
        assert_eq!(
            said.join(", "),
            "zéro, un, dix-sept, vingt et un, septante, septante et un, septante-deux, quatre-vingts, quatre-vingt-un, nonante, nonante et un, nonante-neuf, cent, cent un, deux cents, deux cent un"
        );
        assert_eq!(French.cardinal(1000), "mille");
        assert_eq!(French.cardinal(2026), "deux mille vingt-six");
        assert_eq!(French.cardinal(80_000), "quatre-vingt mille");
        assert_eq!(French.cardinal(200_000), "deux cent mille");
        assert_eq!(French.cardinal(1_000_000), "un million");
        assert_eq!(French.cardinal(2_000_000), "deux millions");
        assert_eq!(
            French.cardinal(999_999_999),
            "neuf cent nonante-neuf millions neuf cent nonante-neuf mille neuf cent nonante-neuf"
        );
        assert!(!French.cardinal(u64::MAX).is_empty());
    }

    #[test]
    fn ordinals() {
        let said: Vec<String> = [1, 2, 4, 5, 9, 11, 21, 80, 100, 200, 1000]
            .iter()
            .map(|&n| French.ordinal(n))
            .collect();
        assert_eq!(
            said.join(", "),
            "premier, deuxième, quatrième, cinquième, neuvième, onzième, vingt et unième, quatre-vingtième, centième, deux centième, millième"
        );
    }

    #[test]
    fn hours_and_minutes_are_feminine() {
        assert_eq!(French.time(1, 1), "une heure une");
        assert_eq!(French.time(21, 0), "vingt et une heures");
        assert_eq!(French.time(0, 30), "zéro heure trente");
        assert_eq!(French.money(1, 0), "un euro");
        assert_eq!(French.money(0, 50), "cinquante centimes");
        assert_eq!(French.money(2_000_000, 0), "deux millions d'euros");
    }
}
