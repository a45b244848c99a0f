//! Turning what an operator types (`0471 12 34 56`, `+32 2 123 45 67`, `sip:…`) into the URI we
//! dial. Belgian national and international numbers are checked and normalised to E.164 with
//! the `phonenumber` crate (libphonenumber's metadata); short codes and extensions pass as
//! digits; anything else is an error, never a dial.

use crate::sip::uri::{Uri, UriError};
use phonenumber::Mode;
use phonenumber::country::Id;

/// Why a destination cannot be dialled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    /// Empty input.
    #[error("no number given")]
    Empty,
    /// Not a SIP/tel URI and not a phone number.
    #[error("`{0}` is not a phone number or SIP URI")]
    NotANumber(String),
    /// Looks like a phone number but is not a valid one.
    #[error("`{0}` is not a valid phone number")]
    Invalid(String),
    /// A URI that does not parse.
    #[error("bad URI: {0}")]
    Uri(#[from] UriError),
}

/// Normalises a phone number to E.164 (`+32471123456`), reading national numbers as Belgian.
pub fn to_e164(text: &str) -> Result<String, NumberError> {
    let mut compact: String = text.chars().filter(|c| !is_separator(*c)).collect();
    if compact.is_empty() {
        return Err(NumberError::Empty);
    }
    if let Some(international) = compact.strip_prefix("00") {
        // Belgium's international prefix, which the metadata parser does not apply itself.
        compact = format!("+{international}");
    }
    let digits = compact.strip_prefix('+').unwrap_or(&compact);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NumberError::NotANumber(text.to_owned()));
    }
    let number = phonenumber::parse(Some(Id::BE), &compact)
        .map_err(|_| NumberError::Invalid(text.to_owned()))?;
    if !phonenumber::is_valid(&number) {
        return Err(NumberError::Invalid(text.to_owned()));
    }
    Ok(number.format().mode(Mode::E164).to_string())
}

/// The URI to dial for `--to`: a SIP or tel URI as given, a national or international number
/// as `sip:+E164@domain`, and a short code or extension (digits not starting with 0) as
/// `sip:DIGITS@domain`.
pub fn dial_uri(to: &str, domain: &str) -> Result<Uri, NumberError> {
    let to = to.trim();
    if to.is_empty() {
        return Err(NumberError::Empty);
    }
    let lower = to.to_ascii_lowercase();
    if lower.starts_with("sip:") || lower.starts_with("sips:") || lower.starts_with("tel:") {
        return Ok(Uri::parse(to)?);
    }
    let compact: String = to.chars().filter(|c| !is_separator(*c)).collect();
    let user = if compact.starts_with('+') || compact.starts_with('0') {
        to_e164(to)?
    } else if !compact.is_empty() && compact.bytes().all(|b| b.is_ascii_digit()) {
        compact
    } else {
        return Err(NumberError::NotANumber(to.to_owned()));
    };
    Ok(Uri::parse(&format!("sip:{user}@{domain}"))?)
}

fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '.' | '-' | '/' | '(' | ')' | '\u{a0}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn belgian_numbers_become_e164() {
        assert_eq!(to_e164("0471 12 34 56").unwrap(), "+32471123456");
        assert_eq!(to_e164("+32 471 12 34 56").unwrap(), "+32471123456");
        assert_eq!(to_e164("0032 2 511 22 33").unwrap(), "+3225112233");
        assert_eq!(to_e164("02/511.22.33").unwrap(), "+3225112233");
    }

    #[test]
    fn invalid_numbers_are_errors() {
        assert!(matches!(to_e164("0471 12"), Err(NumberError::Invalid(_))));
        assert!(matches!(to_e164("04a1"), Err(NumberError::NotANumber(_))));
        assert_eq!(to_e164("  "), Err(NumberError::Empty));
    }

    #[test]
    fn dial_uris() {
        let domain = "trunk.test";
        assert_eq!(
            dial_uri("0471 12 34 56", domain).unwrap().to_string(),
            "sip:+32471123456@trunk.test"
        );
        assert_eq!(
            dial_uri("1234", domain).unwrap().to_string(),
            "sip:1234@trunk.test"
        );
        assert_eq!(
            dial_uri("sip:phone@127.0.0.1:5070", domain)
                .unwrap()
                .to_string(),
            "sip:phone@127.0.0.1:5070"
        );
        assert!(dial_uri("tel:+32471123456", domain).is_ok());
        assert!(dial_uri("call me", domain).is_err());
        assert!(dial_uri("0999", domain).is_err());
        assert!(dial_uri("sip:", domain).is_err());
    }
}
