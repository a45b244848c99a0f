//! GSM 03.38 7-bit or UCS-2, and concatenated messages (3GPP TS 23.040 §9.2.3.24.1).
//!
//! Sans-IO and pure. A text goes out as GSM 7-bit when every character is in the default
//! alphabet or its extension table, else as UCS-2; it is split into parts of 153 septets or
//! 67 UCS-2 units (160 or 70 when one part holds it all), and an extension character or a
//! surrogate pair is never split between two parts. A text that needs more parts than
//! allowed is cut after its last word that fits and ends with an ellipsis; [`fit`] cuts only
//! the middle (the message), so the network's name before it and how to confirm after it
//! always survive. Texts are normalised first: CRLF to LF, then Unicode NFC (so an `e` with a
//! combining accent is the GSM `é`).
//!
//! Decoding reads what members send, which may be anything: it never panics, and reads a
//! character it does not know as a stand-in rather than dropping the message.

mod gsm;
mod split;
mod udh;

pub use udh::{Concat, split_udh, udh};

use std::borrow::Cow;
use unicode_normalization::UnicodeNormalization;

/// How a message's characters are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// GSM 03.38 default alphabet with its extension table, one septet per character (two for
    /// an extension character); carried unpacked, one septet per byte, as SMPP does.
    Gsm7,
    /// UCS-2 (UTF-16 big-endian; a character outside the BMP takes two units).
    Ucs2,
}

impl Encoding {
    /// `gsm7` or `ucs2`.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Gsm7 => "gsm7",
            Encoding::Ucs2 => "ucs2",
        }
    }

    /// SMPP's `data_coding`: 0 (the SMSC default alphabet) or 8 (UCS-2).
    pub fn data_coding(self) -> u8 {
        match self {
            Encoding::Gsm7 => 0x00,
            Encoding::Ucs2 => 0x08,
        }
    }
}

/// A text ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    /// How it is encoded.
    pub encoding: Encoding,
    /// The text as sent (shortened when it did not fit).
    pub text: String,
    /// Each part's payload without its UDH: GSM septets one per byte, or UCS-2 bytes. One part
    /// is a whole message (no UDH); several are sent with a concatenation UDH each.
    pub parts: Vec<Vec<u8>>,
    /// Whether the text was shortened to fit.
    pub shortened: bool,
}

/// Encodes a text in as few parts as it takes, at most `max_parts` (0 counts as 1): shortened
/// at a word with an ellipsis when it needs more.
pub fn encode(text: &str, max_parts: usize) -> Encoded {
    fit("", text, "", max_parts)
}

/// Encodes `head + body + tail` like [`encode`], but shortens only `body`, so that `head` (the
/// network's name) and `tail` (how to confirm) are always there whole. The encoding is chosen
/// on the whole text. Should `head` and `tail` alone not fit in `max_parts`, the whole text is
/// shortened as [`encode`] does: the limit on parts is never exceeded.
pub fn fit(head: &str, body: &str, tail: &str, max_parts: usize) -> Encoded {
    let (head, body, tail) = (normalise(head), normalise(body), normalise(tail));
    let max_parts = max_parts.max(1);
    let whole = format!("{head}{body}{tail}");
    let encoding = if gsm::fits(&whole) {
        Encoding::Gsm7
    } else {
        Encoding::Ucs2
    };
    if split::count(&whole, encoding) <= max_parts {
        return encoded(whole, encoding, false);
    }
    let ellipsis = match encoding {
        Encoding::Gsm7 => "...",
        Encoding::Ucs2 => "\u{2026}",
    };
    let text = match split::shorten(&head, &body, ellipsis, &tail, encoding, max_parts) {
        Some(prefix) => format!("{head}{prefix}{ellipsis}{tail}"),
        None => {
            let prefix = split::shorten("", &whole, ellipsis, "", encoding, max_parts);
            format!("{}{ellipsis}", prefix.unwrap_or_default())
        }
    };
    encoded(text, encoding, true)
}

/// Whether GSM 03.38 (its default alphabet or extension table) has the character.
pub fn is_gsm(c: char) -> bool {
    gsm::septets(c).is_some()
}

/// Reads a `short_message` payload (without its UDH) in the SMPP `data_coding` it came with:
/// 0x00 (the default alphabet, read as unpacked GSM septets), 0x01 (IA5/ASCII), 0x03
/// (Latin-1), 0x08 (UCS-2), and 0xF0 to 0xF3 (GSM 7-bit with a message class). `None` for an
/// alphabet it does not read (binary, Cyrillic…) or UCS-2 of odd length. A byte outside the
/// alphabet reads as `?`, an unpaired surrogate as U+FFFD.
pub fn decode(data_coding: u8, payload: &[u8]) -> Option<String> {
    match data_coding {
        0x00 | 0xF0..=0xF3 => Some(gsm::decode(payload)),
        0x01 => Some(
            payload
                .iter()
                .map(|&b| if b.is_ascii() { char::from(b) } else { '?' })
                .collect(),
        ),
        0x03 => Some(payload.iter().map(|&b| char::from(b)).collect()),
        0x08 => {
            let units: Vec<u16> = payload
                .chunks(2)
                .map(|pair| match pair {
                    &[high, low] => Some(u16::from_be_bytes([high, low])),
                    _ => None,
                })
                .collect::<Option<_>>()?;
            Some(String::from_utf16_lossy(&units))
        }
        _ => None,
    }
}

fn encoded(text: String, encoding: Encoding, shortened: bool) -> Encoded {
    let parts = split::payloads(&text, encoding);
    Encoded {
        encoding,
        text,
        parts,
        shortened,
    }
}

/// CRLF to LF, then NFC.
fn normalise(text: &str) -> String {
    let text = if text.contains("\r\n") {
        Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        Cow::Borrowed(text)
    };
    text.nfc().collect()
}

#[cfg(test)]
mod tests;
