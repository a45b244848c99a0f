//! What a terminal would not show is not spoken either: control characters and terminal
//! escape sequences are removed before a text is normalised, so a message pasted from a
//! coloured terminal or a hostile API client is read as it looks, not as "31 m".
//!
//! Removed: ECMA-48 escape sequences (CSI `ESC [ … final`, the control strings OSC, DCS, SOS,
//! PM and APC up to their terminator, `ESC` with intermediates and a final, two-character
//! escapes), their 8-bit C1 forms, every other C0 and C1 control except ordinary white space
//! (tab, line feed, vertical tab, form feed, carriage return, next line), and the bidirectional
//! overrides and isolates that make a terminal show text in another order than it is read.
//! A sequence cut off by the end of the text ends there.

use std::borrow::Cow;
use std::iter::Peekable;
use std::str::Chars;

const ESC: char = '\u{1b}';
const BEL: char = '\u{7}';
/// The 8-bit String Terminator.
const ST: char = '\u{9c}';

/// `text` without control characters or escape sequences; borrowed when there were none.
pub fn without_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| is_removed(c) || c == ESC) {
        return Cow::Borrowed(text);
    }
    let mut kept = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ESC => escape(&mut chars),
            '\u{9b}' => csi(&mut chars),
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => control_string(&mut chars),
            c if is_removed(c) => {}
            c => kept.push(c),
        }
    }
    Cow::Owned(kept)
}

/// A control that is not white space, or a bidirectional formatting character.
fn is_removed(c: char) -> bool {
    (c.is_control() && !c.is_whitespace())
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// What follows an `ESC`.
fn escape(chars: &mut Peekable<Chars<'_>>) {
    match chars.peek().copied() {
        Some('[') => {
            chars.next();
            csi(chars);
        }
        Some(']' | 'P' | 'X' | '^' | '_') => {
            chars.next();
            control_string(chars);
        }
        Some(' '..='/') => {
            while chars.next_if(|c| matches!(c, ' '..='/')).is_some() {}
            chars.next_if(|c| matches!(c, '0'..='~'));
        }
        Some('0'..='~') => {
            chars.next();
        }
        _ => {}
    }
}

/// A control sequence's parameters and intermediates, up to and with its final byte; a
/// character that cannot be part of one ends it and is kept.
fn csi(chars: &mut Peekable<Chars<'_>>) {
    while chars
        .next_if(|c| matches!(c, '0'..='?' | ' '..='/'))
        .is_some()
    {}
    chars.next_if(|c| matches!(c, '@'..='~'));
}

/// A control string, up to and with its terminator (BEL, `ESC \` or ST); another `ESC` ends it
/// and starts a sequence of its own.
fn control_string(chars: &mut Peekable<Chars<'_>>) {
    while let Some(c) = chars.next_if(|c| *c != ESC) {
        if c == BEL || c == ST {
            return;
        }
    }
    let mut ahead = chars.clone();
    if ahead.next() == Some(ESC) && ahead.next() == Some('\\') {
        chars.next();
        chars.next();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_controls_are_removed_whole() {
        let cases = [
            ("Bel \u{1b}[1;31m101\u{1b}[0m.", "Bel 101."),
            ("Kerk\u{1b}[1mstraat", "Kerkstraat"),
            ("\u{1b}]0;titel\u{7}Let op", "Let op"),
            (
                "\u{1b}]8;;https://example.test\u{1b}\\link\u{1b}]8;;\u{1b}\\",
                "link",
            ),
            ("\u{1b}P1$r\u{1b}\\Tekst", "Tekst"),
            ("\u{1b}(BTekst\u{1b}7\u{1b}c", "Tekst"),
            ("\u{9b}2JTekst\u{9d}titel\u{9c}", "Tekst"),
            ("a\u{0}b\u{7}c\u{8}d\u{7f}e\u{85}f", "abcde\u{85}f"),
            ("regel\tén\r\nregel", "regel\tén\r\nregel"),
            ("\u{202e}lort\u{202c} Let op", "lort Let op"),
            ("einde\u{1b}", "einde"),
            ("einde\u{1b}[12", "einde"),
            ("open\u{1b}]titel zonder einde", "open"),
            ("\u{1b}é", "é"),
        ];
        for (text, kept) in cases {
            assert_eq!(without_controls(text), kept, "{text:?}");
        }
        assert!(matches!(without_controls("Bel 101."), Cow::Borrowed(_)));
    }
}
