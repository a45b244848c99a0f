//! Licence plates from abroad, spelled character by character like Belgian ones
//! (`AB-123-CD` → "aa, bee, één, twee, drie, cee, dee"): the plates of the neighbours and of
//! Britain, which Belgian police alerts name most often.
//!
//! A plate is a run of upper-case letter groups and digit groups joined by hyphens or single
//! spaces, and counts only in one of these shapes:
//! - NL: three groups joined by hyphens, six characters, letters and digits (`AB-123-C`,
//!   `12-ABC-3`, `XX-99-XX`: every sidecode);
//! - F: two letters, three digits, two letters (`AB-123-CD`, `AB 123 CD`);
//! - D: a district of one to three letters, one or two letters, one to four digits without a
//!   leading zero, and an `E` (electric) or `H` (historic) glued to them (`AC-AB 123`,
//!   `K AB 1234`, `B-MW 1234E`);
//! - L: two letters, a space, four digits (`AB 1234`);
//! - GB: two letters and two digits, then three letters (`AB12 CDE`).
//!
//! Lower-case letters never make a plate, nor do digits alone, so words, times, dates, phone
//! and house numbers stay what they are; a road number is one letter glued to its number
//! (`N31`), which no shape has. A plate may not touch a word, and may not go on with more
//! digits (`AB 1234 56` is not a plate followed by a number).
//!
//! The country letters typed in front (`NL`, `F`, `D`, `L`, `GB` or `UK`, and `B` before a
//! Belgian plate) are spelled with the plate, as letters: they are printed on the plate's blue
//! band, which is what a listener looking at a car compares with, and a dispatcher who wants
//! the country said writes it ("een Franse nummerplaat"), which is read as written. They count
//! only before a plate of their own country.

use super::lexicon::Lexicon;
use super::plate::spell;
use super::rules::{Found, has_leading_zero};
use super::tokens::{Kind, Scan};

/// How a group is joined to the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Join {
    /// Nothing between (`AB12`), or the first group.
    Glued,
    /// A hyphen.
    Hyphen,
    /// One space.
    Space,
}

/// A group of a plate: upper-case letters or digits.
#[derive(Debug, Clone, Copy)]
struct Group<'a> {
    text: &'a str,
    digits: bool,
    join: Join,
    /// The token index after the group.
    end: usize,
}

/// Most groups a plate has: country letters, district, letters, digits, suffix.
const MOST_GROUPS: usize = 5;

/// A foreign plate, with or without its country letters, starting at the cursor.
pub(super) fn plate(lex: &dyn Lexicon, scan: Scan<'_, '_>) -> Option<Found> {
    if scan
        .behind(scan.pos)
        .next()
        .is_some_and(|t| t.is_word() || t.is('-'))
    {
        return None;
    }
    let groups = groups(scan);
    (2..=groups.len()).rev().find_map(|count| {
        let plate = &groups[..count];
        let mut end = scan;
        end.pos = plate[count - 1].end;
        let known = with_country(plate) || shape_of_any_country(plate);
        (known && ends_cleanly(end)).then(|| {
            let characters: String = plate.iter().map(|g| g.text).collect();
            Found::at(&end, spell(lex, &characters))
        })
    })
}

/// The groups at the cursor, as far as they go.
fn groups<'a>(mut scan: Scan<'_, 'a>) -> Vec<Group<'a>> {
    let mut found = Vec::new();
    let mut join = Join::Glued;
    while found.len() < MOST_GROUPS {
        let Some(token) = scan.peek() else { break };
        let digits = token.kind == Kind::Digits;
        let letters = token.kind == Kind::Letters && is_upper(token.text);
        if !(digits || letters) || token.text.len() > 4 {
            break;
        }
        scan.pos += 1;
        found.push(Group {
            text: token.text,
            digits,
            join,
            end: scan.pos,
        });
        join = if scan.symbol('-') {
            Join::Hyphen
        } else if scan.peek().is_some_and(|t| t.text == " ") {
            scan.pos += 1;
            Join::Space
        } else {
            Join::Glued
        };
    }
    found
}

/// Country letters, a space, and a plate of that country.
fn with_country(plate: &[Group<'_>]) -> bool {
    let [country, rest @ ..] = plate else {
        return false;
    };
    if country.digits || rest.first().is_none_or(|g| g.join != Join::Space) {
        return false;
    }
    match country.text {
        "NL" => dutch(rest),
        "F" => french(rest),
        "D" => german(rest),
        "L" => luxembourgish(rest),
        "GB" | "UK" => british(rest),
        "B" => belgian(rest),
        _ => false,
    }
}

/// A plate without country letters.
fn shape_of_any_country(plate: &[Group<'_>]) -> bool {
    let word = |g: &Group<'_>| CAPITALISED_WORDS.contains(&g.text);
    let luxembourg = luxembourgish(plate) && !plate.first().is_some_and(word);
    let spaced = plate.iter().skip(1).all(|g| g.join != Join::Hyphen);
    let german = german(plate) && !(spaced && plate.iter().take(2).any(word));
    dutch(plate) || french(plate) || german || luxembourg || british(plate)
}

/// Whether `group` is letters (or digits) of `min..=max` characters.
fn is(group: &Group<'_>, digits: bool, min: usize, max: usize) -> bool {
    group.digits == digits && (min..=max).contains(&group.text.len())
}

const LETTERS: bool = false;
const DIGITS: bool = true;

/// `AB-123-C`, `12-ABC-3`, `XX-99-XX`: six characters in three groups, hyphens between.
fn dutch(plate: &[Group<'_>]) -> bool {
    let [a, b, c] = plate else { return false };
    let groups = [a, b, c];
    let length: usize = groups.iter().map(|g| g.text.len()).sum();
    b.join == Join::Hyphen
        && c.join == Join::Hyphen
        && length == 6
        && groups.iter().all(|g| g.text.len() <= 3)
        && groups.iter().any(|g| g.digits)
        && groups.iter().any(|g| !g.digits)
}

/// `AB-123-CD`, `AB 123 CD`.
fn french(plate: &[Group<'_>]) -> bool {
    let [a, b, c] = plate else { return false };
    is(a, LETTERS, 2, 2)
        && is(b, DIGITS, 3, 3)
        && is(c, LETTERS, 2, 2)
        && b.join == c.join
        && b.join != Join::Glued
}

/// Words alerts write in capitals right before a plate, which are no German district here:
/// "een BMW AB 1234" is a BMW with a Luxembourg plate. (`BIN` is Bingen on a German plate, but
/// in a Belgian alert it is the network.)
const NEVER_A_DISTRICT: [&str; 9] = ["BIN", "BMW", "VW", "KIA", "DAF", "SUV", "PZ", "ZP", "GSM"];

/// `AC-AB 123`, `K AB 1234`, `B-MW 1234E`.
fn german(plate: &[Group<'_>]) -> bool {
    let (district, letters, number, suffix) = match plate {
        [a, b, c] => (a, b, c, None),
        [a, b, c, d] => (a, b, c, Some(d)),
        _ => return false,
    };
    is(district, LETTERS, 1, 3)
        && !NEVER_A_DISTRICT.contains(&district.text)
        && is(letters, LETTERS, 1, 2)
        && is(number, DIGITS, 1, 4)
        && !has_leading_zero(number.text)
        && number.text != "0"
        && letters.join != Join::Glued
        && number.join != Join::Glued
        && suffix.is_none_or(|s| s.join == Join::Glued && matches!(s.text, "E" | "H"))
}

/// Two-letter words of the four languages, which a message typed in capitals puts before a
/// number (`AT 1430`, `OM 1430`, `UP TO 2000`): without the country letters they start no
/// Luxembourg plate, nor a German one written with spaces only (`IN-AB 123` still is one).
/// "AB", German "from", stays a plate: it is also the commonest example plate.
#[rustfmt::skip]
const CAPITALISED_WORDS: [&str; 33] = [
    "AT", "ON", "IN", "TO", "BY", "OF", "OR", "IS", "IT", "NO", "UP", "AN", "AS", "SO", "WE",
    "OM", "OP", "EN", "DE", "TE", "NA", "AU", "LE", "LA", "ET", "OU", "UN", "IL", "UM", "AM",
    "IM", "ZU", "ES",
];

/// `AB 1234`.
fn luxembourgish(plate: &[Group<'_>]) -> bool {
    let [letters, number] = plate else {
        return false;
    };
    is(letters, LETTERS, 2, 2)
        && is(number, DIGITS, 4, 4)
        && number.join == Join::Space
        && !number.text.starts_with('0')
}

/// `AB12 CDE`, `AB12CDE`.
fn british(plate: &[Group<'_>]) -> bool {
    let [area, age, letters] = plate else {
        return false;
    };
    is(area, LETTERS, 2, 2)
        && is(age, DIGITS, 2, 2)
        && is(letters, LETTERS, 3, 3)
        && age.join == Join::Glued
        && letters.join != Join::Hyphen
}

/// `1-ABC-234`, `1 ABC 234`, `1ABC234` and `ABC-123`, after `B`.
fn belgian(plate: &[Group<'_>]) -> bool {
    match plate {
        [series, letters, number] => {
            is(series, DIGITS, 1, 1)
                && series.text != "0"
                && is(letters, LETTERS, 3, 3)
                && is(number, DIGITS, 3, 3)
                && letters.join == number.join
        }
        [letters, number] => {
            is(letters, LETTERS, 3, 3) && is(number, DIGITS, 3, 3) && number.join == Join::Hyphen
        }
        _ => false,
    }
}

/// No letter or digit touches the end, and nothing after it goes on like a plate: a
/// separator and digits, or a hyphen and upper-case letters.
fn ends_cleanly(end: Scan<'_, '_>) -> bool {
    let mut next = end;
    let hyphen = next.symbol('-');
    let separated = hyphen || next.symbol_in(&['/', '.']).is_some() || next.space();
    let goes_on = next.peek().is_some_and(|t| {
        t.kind == Kind::Digits || (hyphen && t.kind == Kind::Letters && is_upper(t.text))
    });
    end.at_boundary() && !(separated && goes_on)
}

fn is_upper(text: &str) -> bool {
    text.chars().all(|c| c.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::super::nl::Dutch;
    use super::super::tokens::tokenize;
    use super::*;

    fn found(text: &str) -> Option<String> {
        let tokens = tokenize(text);
        plate(&Dutch, Scan::new(&tokens, 0)).map(|f| f.spoken)
    }

    #[test]
    fn every_country_shape_is_a_plate() {
        for text in [
            "AB-123-C",
            "12-ABC-3",
            "GH-99-JK",
            "99-XXX-9",
            "AB-123-CD",
            "AB 123 CD",
            "AC-AB 123",
            "K AB 1234",
            "B-MW 123E",
            "AB 1234",
            "AB12 CDE",
            "AB12CDE",
            "NL AB-12-CD",
            "D AC-AB 123",
            "GB AB12 CDE",
            "UK AB12 CDE",
            "B 1-ABC-234",
            "B ABC-123",
            "L OM 1430",
            "IN-AB 123",
            "D IN AB 123",
        ] {
            assert!(found(text).is_some(), "{text}");
        }
        assert_eq!(
            found("F AB-123-CD.").as_deref(),
            Some("ef, aa, bee, één, twee, drie, cee, dee")
        );
    }

    #[test]
    fn words_numbers_and_roads_are_not_plates() {
        for text in [
            "AB-12-CD-34",
            "AB 1234 56",
            "Ab-12-CD",
            "ab 1234",
            "E40-N31",
            "N31",
            "E 40",
            "BMW",
            "12-14",
            "26-11-2026",
            "AB 0123",
            "K AB 0",
            "K AB 123X",
            "AB-123",
            "F 12-ABC-3",
            "NL AB-123-CD",
            "AB12-CDE",
            "ABCDE 12",
            "AB-12-CD-EF",
            "BMW AB 1234",
            "AT 1430",
            "OM 1430",
            "UP TO 2000",
            "IN AB 123",
        ] {
            assert_eq!(found(text), None, "{text}");
        }
        let tokens = tokenize("1AB-12-CD");
        assert_eq!(tokens[1].text, "AB");
        assert_eq!(plate(&Dutch, Scan::new(&tokens, 1)), None);
    }
}
