//! The GSM 03.38 default alphabet and its extension table (3GPP TS 23.038 §6.2.1), one
//! septet per byte as SMPP carries them.

/// The escape to the extension table.
pub(super) const ESCAPE: u8 = 0x1B;

/// The default alphabet: the character of each septet. `ESCAPE` (0x1B) is shown as a space,
/// as 23.038 asks of a receiver that does not understand what follows it.
const BASIC: [char; 128] = [
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å', //
    'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', ' ', 'Æ', 'æ', 'ß', 'É', //
    ' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/', //
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?', //
    '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', //
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§', //
    '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', //
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à', //
];

/// The extension table: the code after `ESCAPE` and its character.
const EXTENSION: [(u8, char); 10] = [
    (0x0A, '\u{0C}'), // form feed
    (0x14, '^'),
    (0x28, '{'),
    (0x29, '}'),
    (0x2F, '\\'),
    (0x3C, '['),
    (0x3D, '~'),
    (0x3E, ']'),
    (0x40, '|'),
    (0x65, '€'),
];

/// A character's septets: one from the default alphabet, or `ESCAPE` and a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Septets {
    /// In the default alphabet.
    One(u8),
    /// In the extension table: `ESCAPE` then this code.
    Escaped(u8),
}

impl Septets {
    /// How many septets the character takes.
    pub(super) fn len(self) -> usize {
        match self {
            Septets::One(_) => 1,
            Septets::Escaped(_) => 2,
        }
    }

    /// Appends them to a payload.
    pub(super) fn push_to(self, payload: &mut Vec<u8>) {
        match self {
            Septets::One(code) => payload.push(code),
            Septets::Escaped(code) => payload.extend([ESCAPE, code]),
        }
    }
}

/// The septets of a character, or `None` when GSM 03.38 does not have it.
pub(super) fn septets(c: char) -> Option<Septets> {
    if let Some((code, _)) = EXTENSION.iter().find(|(_, ext)| *ext == c) {
        return Some(Septets::Escaped(*code));
    }
    if c == ' ' {
        // Both 0x1B and 0x20 show as a space; a space is 0x20.
        return Some(Septets::One(0x20));
    }
    let code = BASIC.iter().position(|basic| *basic == c)?;
    u8::try_from(code).ok().map(Septets::One)
}

/// Whether every character of a text is in GSM 03.38.
pub(super) fn fits(text: &str) -> bool {
    text.chars().all(|c| septets(c).is_some())
}

/// Reads unpacked septets. An escape followed by a code the extension table does not have
/// reads as that code's default-alphabet character (23.038 §6.2.1.1); an escape at the end
/// reads as a space; a byte above 0x7F (not a septet) reads as `?`.
pub(super) fn decode(payload: &[u8]) -> String {
    let mut text = String::with_capacity(payload.len());
    let mut bytes = payload.iter().copied();
    while let Some(byte) = bytes.next() {
        if byte != ESCAPE {
            text.push(basic(byte));
            continue;
        }
        match bytes.next() {
            None => text.push(' '),
            Some(code) => text.push(extension(code).unwrap_or_else(|| basic(code))),
        }
    }
    text
}

fn basic(byte: u8) -> char {
    BASIC.get(usize::from(byte)).copied().unwrap_or('?')
}

fn extension(code: u8) -> Option<char> {
    EXTENSION
        .iter()
        .find(|(ext, _)| *ext == code)
        .map(|(_, c)| *c)
}
