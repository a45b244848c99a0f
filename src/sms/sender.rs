//! Who a text message is from: a number or a short code that members can reply to, or an
//! alphanumeric ID (`BIN-Kessel`) that they cannot, checked against the rules providers apply
//! so that a bad sender is refused at start rather than by the SMSC at the first alert.

use crate::number::{NumberError, to_e164};

/// A message's sender, as the provider's rules allow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SenderId {
    /// An international number that receives replies, E.164 (`+3233000000`).
    Number(String),
    /// A short code that receives replies (3 to 8 digits).
    ShortCode(String),
    /// An alphanumeric ID of at most 11 characters (`BIN-Kessel`): nobody can reply to it.
    Alphanumeric(String),
}

/// The most characters an alphanumeric sender has (3GPP TS 23.040: 11 GSM characters).
pub const ALPHANUMERIC_MAX: usize = 11;

/// Why a sender cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadSender {
    /// Nothing given.
    #[error("no sender given")]
    Empty,
    /// An alphanumeric sender over 11 characters.
    #[error("an alphanumeric sender has at most {ALPHANUMERIC_MAX} characters; `{0}` has {1}")]
    TooLong(String, usize),
    /// A character an alphanumeric sender may not have.
    #[error(
        "`{1}` may not be in an alphanumeric sender (`{0}`): letters A-Z, digits, spaces and - . _ & only"
    )]
    Character(String, char),
    /// Digits that are neither a phone number nor a short code.
    #[error(
        "`{0}` is not a short code (3 to 8 digits); write a number with its country code (+32…)"
    )]
    ShortCode(String),
    /// A phone number that is not valid.
    #[error("bad sender number: {0}")]
    Number(#[from] NumberError),
}

/// Reads a sender: `+3233000000` or `03 300 00 00` (a number, normalised to E.164), `8810` (a
/// short code), or `BIN-Kessel` (alphanumeric).
pub fn parse(text: &str) -> Result<SenderId, BadSender> {
    let text = text.trim();
    if text.is_empty() {
        return Err(BadSender::Empty);
    }
    let compact: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '/' | '(' | ')'))
        .collect();
    let digits = compact.strip_prefix('+').unwrap_or(&compact);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return numeric(text, &compact);
    }
    alphanumeric(text)
}

impl SenderId {
    /// The sender as written.
    pub fn as_str(&self) -> &str {
        match self {
            SenderId::Number(text) | SenderId::ShortCode(text) | SenderId::Alphanumeric(text) => {
                text
            }
        }
    }

    /// Whether a member can reply to it.
    pub fn can_receive_replies(&self) -> bool {
        !matches!(self, SenderId::Alphanumeric(_))
    }

    /// The SMPP `source_addr_ton`, `source_addr_npi` and `source_addr`: an international
    /// number (1, 1, digits without `+`), a network-specific short code (3, 0), or an
    /// alphanumeric ID (5, 0). All three are ASCII.
    pub fn smpp_address(&self) -> (u8, u8, String) {
        match self {
            SenderId::Number(number) => (1, 1, number.trim_start_matches('+').to_owned()),
            SenderId::ShortCode(code) => (3, 0, code.clone()),
            SenderId::Alphanumeric(text) => (5, 0, text.clone()),
        }
    }
}

fn numeric(text: &str, compact: &str) -> Result<SenderId, BadSender> {
    if compact.starts_with('+') || compact.starts_with('0') {
        return Ok(SenderId::Number(to_e164(compact)?));
    }
    if (3..=8).contains(&compact.len()) {
        return Ok(SenderId::ShortCode(compact.to_owned()));
    }
    Err(BadSender::ShortCode(text.to_owned()))
}

fn alphanumeric(text: &str) -> Result<SenderId, BadSender> {
    // ASCII letters only, though GSM has `é` and `ü`: SMPP carries `source_addr` as an ASCII
    // C-octet string, and providers refuse anything else in a sender.
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '.' | '_' | '&');
    if let Some(c) = text.chars().find(|c| !allowed(*c)) {
        return Err(BadSender::Character(text.to_owned(), c));
    }
    let length = text.chars().count();
    if length > ALPHANUMERIC_MAX {
        return Err(BadSender::TooLong(text.to_owned(), length));
    }
    Ok(SenderId::Alphanumeric(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn senders_are_read_by_kind() {
        let cases = [
            ("+3233000000", SenderId::Number("+3233000000".into())),
            ("+32 3 300 00 00", SenderId::Number("+3233000000".into())),
            ("03 300 00 00", SenderId::Number("+3233000000".into())),
            ("0032 470 00 00 01", SenderId::Number("+32470000001".into())),
            ("8810", SenderId::ShortCode("8810".into())),
            ("101", SenderId::ShortCode("101".into())),
            ("12345678", SenderId::ShortCode("12345678".into())),
            ("BIN-Kessel", SenderId::Alphanumeric("BIN-Kessel".into())),
            (" BIN Leuven ", SenderId::Alphanumeric("BIN Leuven".into())),
            ("Politie&BIN", SenderId::Alphanumeric("Politie&BIN".into())),
            ("BIN_Liege", SenderId::Alphanumeric("BIN_Liege".into())),
            ("bin.be", SenderId::Alphanumeric("bin.be".into())),
        ];
        for (text, sender) in cases {
            assert_eq!(parse(text), Ok(sender), "{text}");
        }
    }

    #[test]
    fn bad_senders_say_why() {
        assert_eq!(parse(""), Err(BadSender::Empty));
        assert_eq!(parse("   "), Err(BadSender::Empty));
        assert!(matches!(
            parse("BIN-Kessel-Lo"),
            Err(BadSender::TooLong(_, 13))
        ));
        assert!(matches!(parse("BIN!"), Err(BadSender::Character(_, '!'))));
        assert!(matches!(parse("BIN€"), Err(BadSender::Character(_, '€'))));
        assert!(matches!(
            parse("BIN Łódź"),
            Err(BadSender::Character(_, 'Ł'))
        ));
        assert!(matches!(parse("12"), Err(BadSender::ShortCode(_))));
        assert!(matches!(parse("3233000000"), Err(BadSender::ShortCode(_))));
        assert!(matches!(parse("+999"), Err(BadSender::Number(_))));
        assert!(matches!(parse("0000"), Err(BadSender::Number(_))));
        assert!(
            parse("BIN-Kessel-Lo")
                .unwrap_err()
                .to_string()
                .contains("11")
        );
    }

    #[test]
    fn replies_and_smpp_addresses_follow_the_kind() {
        let number = parse("+3233000000").unwrap();
        assert!(number.can_receive_replies());
        assert_eq!(number.smpp_address(), (1, 1, "3233000000".into()));
        assert_eq!(number.as_str(), "+3233000000");
        let code = parse("8810").unwrap();
        assert!(code.can_receive_replies());
        assert_eq!(code.smpp_address(), (3, 0, "8810".into()));
        let name = parse("BIN-Kessel").unwrap();
        assert!(!name.can_receive_replies());
        assert_eq!(name.smpp_address(), (5, 0, "BIN-Kessel".into()));
        assert_eq!(name.as_str(), "BIN-Kessel");
    }
}
