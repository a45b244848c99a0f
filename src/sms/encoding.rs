//! GSM 03.38 7-bit or UCS-2, and concatenated messages (3GPP TS 23.040 §9.2.3.24.1).
//!
//! Sans-IO and pure.

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
