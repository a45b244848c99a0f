//! Splitting a text into parts, and shortening it when it needs more parts than allowed.
//!
//! Sizes are counted in payload bytes: a GSM septet is one byte (unpacked), a UCS-2 unit two,
//! so a single part holds 160 bytes of septets or 140 of UCS-2, and each part of a
//! concatenated message 153 or 134 (the 6-byte UDH takes the rest of the 140 octets).

use super::Encoding;
use super::gsm;

/// Bytes of payload one part holds: (alone, in a concatenated message).
fn capacity(encoding: Encoding) -> (usize, usize) {
    match encoding {
        Encoding::Gsm7 => (160, 153),
        Encoding::Ucs2 => (140, 134),
    }
}

/// How a character is encoded: its payload bytes, in order.
fn push_char(c: char, encoding: Encoding, payload: &mut Vec<u8>) {
    match encoding {
        Encoding::Gsm7 => match gsm::septets(c) {
            Some(septets) => septets.push_to(payload),
            None => payload.push(b'?'),
        },
        Encoding::Ucs2 => {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                payload.extend(unit.to_be_bytes());
            }
        }
    }
}

/// The payload bytes a character takes.
fn cost(c: char, encoding: Encoding) -> usize {
    match encoding {
        Encoding::Gsm7 => gsm::septets(c).map_or(1, gsm::Septets::len),
        Encoding::Ucs2 => 2 * c.len_utf16(),
    }
}

/// How many parts a text takes. A character is never split between two parts, so an
/// extension character or a surrogate pair that would straddle a boundary starts the next.
pub(super) fn count(text: &str, encoding: Encoding) -> usize {
    let (single, multi) = capacity(encoding);
    let total: usize = text.chars().map(|c| cost(c, encoding)).sum();
    if total <= single {
        return 1;
    }
    let mut parts = 1;
    let mut used = 0;
    for size in text.chars().map(|c| cost(c, encoding)) {
        if used + size > multi {
            parts += 1;
            used = 0;
        }
        used += size;
    }
    parts
}

/// Each part's payload, split as [`count`] counts them.
pub(super) fn payloads(text: &str, encoding: Encoding) -> Vec<Vec<u8>> {
    let (single, multi) = capacity(encoding);
    let mut whole = Vec::with_capacity(text.len() * 2);
    let mut ends = Vec::new();
    let mut part_start = 0;
    for c in text.chars() {
        let before = whole.len();
        push_char(c, encoding, &mut whole);
        if whole.len() - part_start > multi {
            ends.push(before);
            part_start = before;
        }
    }
    if whole.len() <= single {
        return vec![whole];
    }
    let mut parts = Vec::with_capacity(ends.len() + 1);
    let mut start = 0;
    for end in ends.into_iter().chain([whole.len()]) {
        parts.push(whole.get(start..end).unwrap_or_default().to_vec());
        start = end;
    }
    parts
}

/// The longest start of `body` that, written between `head` and `ellipsis + tail`, fits in
/// `max_parts`: cut after a word when the first word fits, else after a character. `None`
/// when not even an empty body fits.
pub(super) fn shorten<'b>(
    head: &str,
    body: &'b str,
    ellipsis: &str,
    tail: &str,
    encoding: Encoding,
    max_parts: usize,
) -> Option<&'b str> {
    let fits =
        |prefix: &str| count(&format!("{head}{prefix}{ellipsis}{tail}"), encoding) <= max_parts;
    if !fits("") {
        return None;
    }
    let words: Vec<&str> = body
        .char_indices()
        .filter(|(_, c)| c.is_whitespace())
        .map(|(at, _)| trim_cut(body.get(..at).unwrap_or_default()))
        .filter(|prefix| !prefix.is_empty())
        .collect();
    if let Some(prefix) = longest(&words, &fits) {
        return Some(prefix);
    }
    let characters: Vec<&str> = body
        .char_indices()
        .map(|(at, _)| body.get(..at).unwrap_or_default())
        .collect();
    Some(longest(&characters, &fits).unwrap_or_default())
}

/// The last of `prefixes` (ordered by length) that fits; fitting is monotone in the length.
fn longest<'b>(prefixes: &[&'b str], fits: &dyn Fn(&str) -> bool) -> Option<&'b str> {
    let fitting = prefixes.partition_point(|prefix| fits(prefix));
    fitting
        .checked_sub(1)
        .and_then(|last| prefixes.get(last))
        .copied()
}

/// A cut text without the spaces and the separating punctuation it ends with, so that the
/// ellipsis follows the last word.
fn trim_cut(prefix: &str) -> &str {
    prefix.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-'))
}
