//! Numbers that count or measure: amounts of money, ranges, ordinals, house numbers, numbers
//! with a unit, and plain cardinals and decimals.
//!
//! A number is typed Belgian-style: a comma before decimals (`2,5 km`, `€ 12,50`) and a dot
//! or a no-break space between thousands (`1.500`, `1 500`). A dot before one or two digits is
//! read as a decimal point too (`2.5`), as dispatchers type both. Each language adds its own
//! thousands marks: French a plain space (`1 250 personnes`), English a comma (`€1,250`,
//! where `2,5` stays a decimal). A number written with a leading zero (`007`) or longer than
//! twelve digits is read digit by digit: it is a code, not a quantity.
//!
//! A length in metres and centimetres is said as people give a height: `1m80`, `1,80 m` and
//! `1.80 m` are "één meter tachtig", not "één komma tachtig meter".

use super::lexicon::{Lexicon, Unit};
use super::rules::{Found, has_leading_zero, spell_digits, value};
use super::tokens::{Kind, Scan};

/// Most digits read as one number; longer runs are codes.
const MAX_DIGITS: usize = 12;

/// Words (any case) after a number that make it an amount of euros.
const EURO_WORDS: [&str; 3] = ["euro", "euros", "eur"];

/// The metre written out, after which a height is still read as one (`1,80 meter`).
#[rustfmt::skip]
const METRE_WORDS: [&str; 9] = [
    "meter", "Meter", "meters", "metre", "metres", "mètre", "mètres", "mtr", "Metern",
];

/// Which spaces may separate thousands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spaces {
    /// Only no-break and thin spaces (`1\u{a0}500`): a plain space separates numbers.
    NoBreak,
    /// Plain spaces too, where the context says it is one amount (`€ 1 500`).
    Any,
}

/// A number as typed.
#[derive(Debug, Clone, Copy)]
struct Quantity<'a> {
    whole: u64,
    fraction: Option<&'a str>,
}

/// `€ 50`, `€50`, `50 €`, `50 euro`, `€ 12,50`, `12,50 EUR`, `€ 12,-`.
pub(super) fn amount(lex: &dyn Lexicon, mut scan: Scan<'_, '_>) -> Option<Found> {
    let prefixed = scan.symbol('€');
    if prefixed {
        scan.space();
    }
    let quantity = quantity(lex, &mut scan, Spaces::Any)?;
    let mut ahead = scan;
    if ahead.symbol(',') && ahead.symbol('-') {
        scan = ahead;
    }
    if !prefixed {
        let mut ahead = scan;
        ahead.space();
        let euro = ahead.symbol('€')
            || ahead
                .letters()
                .is_some_and(|w| EURO_WORDS.contains(&w.to_lowercase().as_str()));
        if !euro {
            return None;
        }
        scan = ahead;
    }
    let cents = cents(quantity.fraction)?;
    scan.at_boundary()
        .then(|| Found::at(&scan, lex.money(quantity.whole, cents)))
}

/// `12-14`: the first smaller than the second, said with the language's "to".
pub(super) fn range(lex: &dyn Lexicon, mut scan: Scan<'_, '_>) -> Option<Found> {
    let from = plain(scan.digits(1, 6)?)?;
    if !scan.symbol('-') {
        return None;
    }
    let to = plain(scan.digits(1, 6)?)?;
    let mut after = scan;
    let more = after.symbol('-') && after.peek().is_some_and(|t| t.kind == Kind::Digits);
    let spoken = format!(
        "{} {} {}",
        lex.cardinal(from),
        lex.range_word(),
        lex.cardinal(to)
    );
    (from < to && scan.at_boundary() && !more).then(|| Found::at(&scan, spoken))
}

/// A number with an ordinal suffix: `1e`, `2de`, `1er`, `2ème`, `3rd`.
pub(super) fn suffixed_ordinal(lex: &dyn Lexicon, mut scan: Scan<'_, '_>) -> Option<Found> {
    let n = plain(scan.digits(1, 9)?)?;
    let spoken = lex.suffixed_ordinal(n, scan.letters()?)?;
    scan.at_boundary().then(|| Found::at(&scan, spoken))
}

/// A German ordinal with a dot before a noun that takes one: `3. Stock`, `1. Etage`.
pub(super) fn dotted_ordinal(lex: &dyn Lexicon, mut scan: Scan<'_, '_>) -> Option<Found> {
    let start = scan.pos;
    let n = plain(scan.digits(1, 3)?)?;
    let mut noun = scan;
    if !(noun.symbol('.') && noun.space()) {
        return None;
    }
    scan.symbol('.');
    let before = scan.word_before(start).map(|t| t.text);
    let spoken = lex.dotted_ordinal(n, before, noun.letters()?)?;
    Some(Found::at(&scan, spoken))
}

/// A number and a unit: `50 km`, `2,5 km`, `90 km/u`, `100 m`, `5%`, Dutch `24u`; a height
/// `1m80`, `1,80 m`.
pub(super) fn measure(lex: &dyn Lexicon, mut scan: Scan<'_, '_>) -> Option<Found> {
    let quantity = quantity(lex, &mut scan, spaces_of(lex))?;
    scan.space();
    let before_unit = scan;
    let Some(unit) = unit(&mut scan) else {
        scan = before_unit;
        let metres = scan.letters().is_some_and(|w| METRE_WORDS.contains(&w));
        return metres.then(|| height(lex, scan, quantity, Unit::Metre))?;
    };
    if let Some(found) = height(lex, scan, quantity, unit) {
        return Some(found);
    }
    let plural = lex.plural(quantity.whole, quantity.fraction.is_some());
    let name = lex.unit(unit, plural)?;
    let number = match quantity.fraction {
        Some(fraction) => lex.decimal(quantity.whole, fraction),
        None => lex.counting(quantity.whole),
    };
    scan.at_boundary()
        .then(|| Found::at(&scan, format!("{number} {name}")))
}

/// Metres and two digits of centimetres, after the unit (`1m80`) or as decimals (`1,80 m`):
/// "één meter tachtig", "un mètre quatre-vingts", "ein Meter achtzig", "one metre eighty".
fn height(
    lex: &dyn Lexicon,
    mut scan: Scan<'_, '_>,
    quantity: Quantity<'_>,
    unit: Unit,
) -> Option<Found> {
    if unit != Unit::Metre || !(1..=9).contains(&quantity.whole) {
        return None;
    }
    let centimetres = match quantity.fraction {
        Some(fraction) => fraction,
        None => scan.digits(2, 2)?,
    };
    let centimetres = value(centimetres).filter(|_| centimetres.len() == 2)?;
    let metres = lex.unit(unit, lex.plural(quantity.whole, false))?;
    let mut spoken = format!("{} {metres}", lex.counting(quantity.whole));
    if centimetres > 0 {
        spoken = format!("{spoken} {}", lex.cardinal(centimetres));
    }
    scan.at_boundary().then(|| Found::at(&scan, spoken))
}

/// `12bis`, `12ter`, `12A`, `12b`: the number, then the suffix by name.
pub(super) fn house_number(lex: &dyn Lexicon, mut scan: Scan<'_, '_>) -> Option<Found> {
    let n = plain(scan.digits(1, 4)?)?;
    let suffix = scan.letters()?;
    let said = match suffix {
        "bis" | "ter" => suffix,
        _ => {
            let mut chars = suffix.chars();
            let letter = chars
                .next()
                .filter(|c| c.is_ascii_alphabetic() && chars.next().is_none())?;
            if "hmux".contains(letter.to_ascii_lowercase()) {
                return None;
            }
            lex.letter(letter.to_ascii_uppercase())?
        }
    };
    scan.at_boundary()
        .then(|| Found::at(&scan, format!("{} {said}", lex.cardinal(n))))
}

/// Any other number: a cardinal, a decimal, or a code read digit by digit.
pub(super) fn number(lex: &dyn Lexicon, mut scan: Scan<'_, '_>) -> Option<Found> {
    let digits = scan.peek().filter(|t| t.kind == Kind::Digits)?.text;
    if digits.len() > MAX_DIGITS || has_leading_zero(digits) {
        scan.next_token();
        return Some(Found::at(&scan, spell_digits(lex, digits)));
    }
    let quantity = quantity(lex, &mut scan, spaces_of(lex))?;
    let next = scan.peek_word().filter(|t| t.kind == Kind::Letters);
    let spoken = match (quantity.fraction, next) {
        (Some(fraction), _) => lex.decimal(quantity.whole, fraction),
        (None, Some(word)) => lex.before_word(quantity.whole, word.text),
        (None, None) => lex.cardinal(quantity.whole),
    };
    Some(Found::at(&scan, spoken))
}

/// Which spaces separate thousands in running text: plain ones too where the language
/// writes them so (French).
fn spaces_of(lex: &dyn Lexicon) -> Spaces {
    match lex.thousands_marks().contains(&' ') {
        true => Spaces::Any,
        false => Spaces::NoBreak,
    }
}

/// A number with optional thousands separators and decimals.
fn quantity<'a>(
    lex: &dyn Lexicon,
    scan: &mut Scan<'_, 'a>,
    spaces: Spaces,
) -> Option<Quantity<'a>> {
    let first = scan.digits(1, MAX_DIGITS)?;
    let mut whole = value(first)?;
    if first.len() <= 3 && !has_leading_zero(first) {
        while let Some(group) = thousands(lex, scan, spaces) {
            whole = whole.checked_mul(1000)?.checked_add(value(group)?)?;
        }
    }
    let fraction = fraction(scan);
    Some(Quantity { whole, fraction })
}

/// Consumes a thousands separator and the three digits after it.
fn thousands<'a>(lex: &dyn Lexicon, scan: &mut Scan<'_, 'a>, spaces: Spaces) -> Option<&'a str> {
    let mut ahead = *scan;
    let separator = ahead.next_token()?;
    let no_break = ["\u{a0}", "\u{202f}", "\u{2009}"].contains(&separator.text);
    let space = no_break || (spaces == Spaces::Any && separator.text == " ");
    let mark =
        separator.kind == Kind::Symbol && lex.thousands_marks().iter().any(|&c| separator.is(c));
    if !(mark || space) {
        return None;
    }
    let group = ahead.digits(3, 3)?;
    let mut after = ahead;
    let more = separator.is('.') && after.symbol('.') && after.digits(1, 2).is_some();
    (!more).then(|| {
        *scan = ahead;
        group
    })
}

/// Consumes decimals: a comma and digits, or a dot and one or two digits.
fn fraction<'a>(scan: &mut Scan<'_, 'a>) -> Option<&'a str> {
    let mut ahead = *scan;
    let separator = ahead.symbol_in(&[',', '.'])?;
    let max = if separator == ',' { 6 } else { 2 };
    let digits = ahead.digits(1, max)?;
    let mut after = ahead;
    if after.symbol(separator) && after.peek().is_some_and(|t| t.kind == Kind::Digits) {
        return None;
    }
    *scan = ahead;
    Some(digits)
}

/// A unit after a number.
fn unit(scan: &mut Scan<'_, '_>) -> Option<Unit> {
    if scan.symbol('%') {
        return Some(Unit::Percent);
    }
    let unit = match scan.letters()? {
        "km" => {
            let mut ahead = *scan;
            let per_hour =
                ahead.symbol('/') && ahead.letters().is_some_and(|l| l == "u" || l == "h");
            if per_hour {
                *scan = ahead;
                return Some(Unit::KilometrePerHour);
            }
            Unit::Kilometre
        }
        "m" => Unit::Metre,
        "cm" => Unit::Centimetre,
        "kg" => Unit::Kilogram,
        "u" => Unit::Hour,
        _ => return None,
    };
    Some(unit)
}

/// Cents from typed decimals: none, `5` (50 cents) or `50`.
fn cents(fraction: Option<&str>) -> Option<u64> {
    match fraction {
        None => Some(0),
        Some(f) if f.len() == 1 => value(f).map(|v| v * 10),
        Some(f) if f.len() == 2 => value(f),
        Some(_) => None,
    }
}

/// A digit run without a leading zero, as a number.
fn plain(digits: &str) -> Option<u64> {
    value(digits).filter(|_| !has_leading_zero(digits))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::speech::Language;
    use crate::speech::normalise::lexicon_of;
    use crate::speech::normalise::tokens::tokenize;

    fn typed(text: &str) -> Option<(u64, Option<String>, usize)> {
        typed_in(Language::Nl, text)
    }

    fn typed_in(lang: Language, text: &str) -> Option<(u64, Option<String>, usize)> {
        let tokens = tokenize(text);
        let mut scan = Scan::new(&tokens, 0);
        let lex = lexicon_of(lang);
        let q = quantity(lex, &mut scan, spaces_of(lex))?;
        Some((q.whole, q.fraction.map(str::to_owned), scan.pos))
    }

    #[test]
    fn thousands_and_decimals_are_read_belgian_style() {
        assert_eq!(typed("1.500"), Some((1500, None, 3)));
        assert_eq!(
            typed("1.500.000,25"),
            Some((1_500_000, Some("25".into()), 7))
        );
        assert_eq!(typed("1\u{a0}500"), Some((1500, None, 3)));
        assert_eq!(typed("2,5"), Some((2, Some("5".into()), 3)));
        assert_eq!(typed("2.5"), Some((2, Some("5".into()), 3)));
        assert_eq!(typed("1,2,3"), Some((1, None, 1)));
        assert_eq!(typed("1500.250"), Some((1500, None, 1)));
        assert_eq!(typed("999.999.999.999.999.999.999"), None);
    }

    #[test]
    fn each_language_groups_thousands_its_own_way() {
        assert_eq!(typed("1,250"), Some((1, Some("250".into()), 3)));
        assert_eq!(typed_in(Language::En, "1,250"), Some((1250, None, 3)));
        assert_eq!(
            typed_in(Language::En, "2,5"),
            Some((2, Some("5".into()), 3))
        );
        assert_eq!(typed_in(Language::Fr, "1 250"), Some((1250, None, 3)));
        assert_eq!(typed_in(Language::Fr, "21 22"), Some((21, None, 1)));
        assert_eq!(typed("1 250"), Some((1, None, 1)));
    }

    #[test]
    fn cents_take_one_or_two_digits() {
        assert_eq!(cents(Some("5")), Some(50));
        assert_eq!(cents(Some("05")), Some(5));
        assert_eq!(cents(Some("505")), None);
    }
}
