//! Phone numbers, said the way Belgians read them out: the zone or mobile prefix digit by
//! digit, then the groups, two-digit groups as numbers ("twaalf, vierendertig"), three-digit
//! groups digit by digit, with a comma between groups so the synthesiser pauses.
//!
//! A number counts as Belgian when its digits add up to a Belgian number: 9 digits with the
//! trunk `0` (`02 123 45 67`, `050 12 34 56`), 10 for mobiles (`0471 12 34 56`: prefixes 046–049,
//! 0455, 0456), or the same without the `0` after `+32`. Groups are kept as written when the
//! writer grouped them; a number typed in one run is grouped by the numbering plan. The country
//! code is said as a number ("plus tweeëndertig"), as Belgians say it.

use super::lexicon::Lexicon;
use super::rules::{Found, has_leading_zero, spell_digits};
use super::tokens::{Kind, Scan};

/// Symbols that may separate groups (besides a plain space).
const SEPARATORS: [char; 3] = ['/', '.', '-'];

/// Most digits in an international number (ITU-T E.164).
const MAX_DIGITS: usize = 15;

/// A national number starting with the trunk `0`.
pub(super) fn national(lex: &dyn Lexicon, scan: Scan<'_, '_>) -> Option<Found> {
    let groups = groups(scan, 10);
    let digits = joined(&groups);
    let length = 1 + belgian_length(digits.strip_prefix('0')?)?;
    let (written, end) = prefix_of_length(&groups, length)?;
    if !plausible(&written[1..]) {
        return None;
    }
    let spoken = match regular(&written) {
        true => written,
        false => plan(digits.get(..length)?, true)?,
    };
    Some(Found::at(&end, say_groups(lex, None, &spoken)))
}

/// A number written with `+` and a country code.
pub(super) fn international(lex: &dyn Lexicon, mut scan: Scan<'_, '_>) -> Option<Found> {
    if !scan.symbol('+') {
        return None;
    }
    let groups = groups(scan, MAX_DIGITS);
    let first = groups.first()?.0;
    let Some(nsn_start) = first.strip_prefix("32") else {
        return foreign(lex, &groups);
    };
    let nsn = joined(&groups).split_off(2);
    let length = belgian_length(&nsn)?;
    let (written, end) = prefix_of_length(&groups, 2 + length)?;
    if !plausible(written.get(2..).unwrap_or_default()) {
        return None;
    }
    let plus = format!("plus {}", lex.cardinal(32));
    let spoken = match nsn_start.is_empty() && regular(&written[1..]) {
        true => written[1..].to_vec(),
        false => plan(nsn.get(..length)?, false)?,
    };
    Some(Found::at(&end, say_groups(lex, Some(plus), &spoken)))
}

/// A non-Belgian number: grouped as written, or digit by digit if typed in one run.
fn foreign(lex: &dyn Lexicon, groups: &[(&str, Scan<'_, '_>)]) -> Option<Found> {
    let total: usize = groups.iter().map(|(g, _)| g.len()).sum();
    let (_, end) = *groups.last()?;
    if !(8..=MAX_DIGITS).contains(&total) || !ends_cleanly(end) {
        return None;
    }
    let written: Vec<&str> = groups.iter().map(|(g, _)| *g).collect();
    let spoken = match written.as_slice() {
        [code, rest @ ..] if code.len() <= 3 && !rest.is_empty() => say_groups(
            lex,
            Some(format!("plus {}", lex.cardinal(value(code)?))),
            rest,
        ),
        _ => format!("plus {}", spell_digits(lex, &written.concat())),
    };
    Some(Found::at(&end, spoken))
}

/// Digit runs joined by single separators, at most `max` digits in all, each with the cursor
/// after it.
fn groups<'t, 'a>(mut scan: Scan<'t, 'a>, max: usize) -> Vec<(&'a str, Scan<'t, 'a>)> {
    let mut found = Vec::new();
    let mut total = 0;
    while let Some(group) = scan.digits(1, max.saturating_sub(total)) {
        total += group.len();
        found.push((group, scan));
        let mut next = scan;
        if !separator(&mut next) || next.peek().map(|t| t.kind) != Some(Kind::Digits) {
            break;
        }
        scan = next;
    }
    found
}

/// Consumes a group separator: one of [`SEPARATORS`] or a space that stays on the line.
fn separator(scan: &mut Scan<'_, '_>) -> bool {
    let Some(token) = scan.peek() else {
        return false;
    };
    let inline_space =
        token.kind == Kind::Space && token.text.chars().all(|c| c == ' ' || c == '\u{a0}');
    if inline_space && token.text.chars().count() <= 2 {
        scan.pos += 1;
        return true;
    }
    scan.symbol_in(&SEPARATORS).is_some()
}

/// The first groups holding exactly `length` digits, and the cursor after them, if the number
/// ends there cleanly.
fn prefix_of_length<'t, 'a>(
    groups: &[(&'a str, Scan<'t, 'a>)],
    length: usize,
) -> Option<(Vec<&'a str>, Scan<'t, 'a>)> {
    let mut total = 0;
    for (count, (group, end)) in groups.iter().enumerate() {
        total += group.len();
        if total == length {
            let written = groups[..=count].iter().map(|(g, _)| *g).collect();
            return ends_cleanly(*end).then_some((written, *end));
        }
    }
    None
}

/// No letter or digit touches the end, and no separator leads on to more digits.
fn ends_cleanly(end: Scan<'_, '_>) -> bool {
    let mut next = end;
    let more_digits = next.symbol_in(&SEPARATORS).is_some()
        && next.peek().is_some_and(|t| t.kind == Kind::Digits);
    end.at_boundary() && !more_digits
}

/// The length of a Belgian national significant number (without the trunk 0).
fn belgian_length(nsn: &str) -> Option<usize> {
    let mobile = ["46", "47", "48", "49", "455", "456"]
        .iter()
        .any(|p| nsn.starts_with(p));
    match nsn.chars().next()? {
        '0' => None,
        _ if mobile => Some(9),
        _ => Some(8),
    }
}

/// Whether the groups after the prefix look like a phone number's: two to four digits each,
/// or one run to regroup. A date followed by a count (`01/12/2026 5`) does not.
fn plausible(after_prefix: &[&str]) -> bool {
    after_prefix.len() <= 1 || after_prefix.iter().all(|g| (2..=4).contains(&g.len()))
}

/// Whether written groups can be said as written: a prefix, then groups of two or three.
fn regular(written: &[&str]) -> bool {
    written.len() > 1 && written[1..].iter().all(|g| g.len() <= 3)
}

/// The Belgian numbering plan's grouping of `digits` (with the trunk 0 if `trunk`).
fn plan(digits: &str, trunk: bool) -> Option<Vec<&str>> {
    let nsn = if trunk { digits.get(1..)? } else { digits };
    let offset = usize::from(trunk);
    let lengths: [usize; 4] = match (belgian_length(nsn)?, nsn.chars().next()?) {
        (9, _) => [3, 2, 2, 2],
        (_, '2' | '3' | '4' | '9') => [1, 3, 2, 2],
        _ => [2, 2, 2, 2],
    };
    let mut start = 0;
    let mut out = Vec::with_capacity(4);
    for (i, length) in lengths.into_iter().enumerate() {
        let end = start + length + if i == 0 { offset } else { 0 };
        out.push(digits.get(start..end)?);
        start = end;
    }
    (start == digits.len()).then_some(out)
}

/// The groups said with commas between them: the first digit by digit, then two-digit groups
/// as numbers and any other group digit by digit.
fn say_groups(lex: &dyn Lexicon, prefix: Option<String>, groups: &[&str]) -> String {
    let said = groups
        .iter()
        .enumerate()
        .map(|(i, group)| match (i, value(group)) {
            (1.., Some(n)) if group.len() == 2 && !has_leading_zero(group) => lex.cardinal(n),
            _ => spell_digits(lex, group),
        });
    let parts: Vec<String> = prefix.into_iter().chain(said).collect();
    parts.join(", ")
}

fn joined(groups: &[(&str, Scan<'_, '_>)]) -> String {
    groups.iter().map(|(g, _)| *g).collect()
}

fn value(group: &str) -> Option<u64> {
    super::rules::value(group)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_groups_numbers_typed_in_one_run() {
        assert_eq!(
            plan("0471123456", true),
            Some(vec!["0471", "12", "34", "56"])
        );
        assert_eq!(plan("021234567", true), Some(vec!["02", "123", "45", "67"]));
        assert_eq!(plan("050123456", true), Some(vec!["050", "12", "34", "56"]));
        assert_eq!(
            plan("471123456", false),
            Some(vec!["471", "12", "34", "56"])
        );
        assert_eq!(plan("21234567", false), Some(vec!["2", "123", "45", "67"]));
        assert_eq!(plan("50123456", false), Some(vec!["50", "12", "34", "56"]));
        assert_eq!(plan("04711234", true), None);
    }

    #[test]
    fn mobiles_have_one_digit_more() {
        assert_eq!(belgian_length("471123456"), Some(9));
        assert_eq!(belgian_length("455"), Some(9));
        assert_eq!(belgian_length("41234567"), Some(8));
        assert_eq!(belgian_length("0"), None);
        assert_eq!(belgian_length(""), None);
    }
}
