//! Turning what an operator types (`0471 12 34 56`, `+32 2 123 45 67`, `sip:…`) into the URI we
//! dial. Belgian national and international numbers are checked and normalised to E.164 with
//! the `phonenumber` crate (libphonenumber's metadata); short codes and extensions pass as
//! digits; anything else is an error, never a dial.
//!
//! A number has at most the 15 digits E.164 allows. A `sip:`/`tel:` URI is dialled as given,
//! so it must not carry what would change the request rather than name the callee: headers
//! (`?Subject=…`, copied into the INVITE by RFC 3261 §19.1.5) or a `method` parameter.

use buurtbel_proto::sip::uri::{Uri, UriError};
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
    /// More digits than E.164 allows.
    #[error("`{0}` has more than {E164_DIGITS} digits, the most a phone number has (E.164)")]
    TooLong(String),
    /// A URI with headers (`?name=value`).
    #[error("`{0}` carries headers (`?…`); give the URI without them")]
    UriHeaders(String),
    /// A URI with a `method` parameter.
    #[error("`{0}` names a method (`;method=…`); give the URI without it")]
    UriMethod(String),
}

/// The most digits a phone number has, country code included (ITU-T E.164).
pub const E164_DIGITS: usize = 15;

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
    if digits.len() > E164_DIGITS {
        return Err(NumberError::TooLong(text.to_owned()));
    }
    let number = phonenumber::parse(Some(Id::BE), &compact)
        .map_err(|_| NumberError::Invalid(text.to_owned()))?;
    if !phonenumber::is_valid(&number) {
        return Err(NumberError::Invalid(text.to_owned()));
    }
    Ok(number.format().mode(Mode::E164).to_string())
}

/// A caller's number as a trunk sends it (`+3233000000`, `003233000000`, `033000000`, or
/// the international number without its plus, `3233000000`) in E.164; `None` when it is not
/// a phone number.
pub fn caller_e164(text: &str) -> Option<String> {
    let compact: String = text.chars().filter(|c| !is_separator(*c)).collect();
    let bare_international = compact.len() >= 10
        && !compact.starts_with('0')
        && compact.bytes().all(|b| b.is_ascii_digit());
    if bare_international && let Ok(number) = to_e164(&format!("+{compact}")) {
        return Some(number);
    }
    to_e164(&compact).ok()
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
        return dialled_uri(to);
    }
    let compact: String = to.chars().filter(|c| !is_separator(*c)).collect();
    let user = if compact.starts_with('+') || compact.starts_with('0') {
        to_e164(to)?
    } else if !compact.is_empty() && compact.bytes().all(|b| b.is_ascii_digit()) {
        if compact.len() > E164_DIGITS {
            return Err(NumberError::TooLong(to.to_owned()));
        }
        compact
    } else {
        return Err(NumberError::NotANumber(to.to_owned()));
    };
    Ok(Uri::parse(&format!("sip:{user}@{domain}"))?)
}

/// A URI given to dial: parsed, without headers or a method, and with no more digits than a
/// phone number has when it names one.
fn dialled_uri(text: &str) -> Result<Uri, NumberError> {
    // A tel URI has no `?` of its own (RFC 3966), so any is the start of headers.
    if text
        .get(..4)
        .is_some_and(|s| s.eq_ignore_ascii_case("tel:"))
        && text.contains('?')
    {
        return Err(NumberError::UriHeaders(text.to_owned()));
    }
    let uri = Uri::parse(text)?;
    let (headers, number) = match &uri {
        Uri::Sip(sip) => (
            sip.has_headers(),
            sip.user()
                .filter(|user| user.starts_with('+'))
                .unwrap_or(""),
        ),
        Uri::Tel(tel) => (false, tel.number.as_str()),
        Uri::Other(_) => return Err(NumberError::NotANumber(text.to_owned())),
    };
    if headers {
        return Err(NumberError::UriHeaders(text.to_owned()));
    }
    if names_method(text) {
        return Err(NumberError::UriMethod(text.to_owned()));
    }
    if number.bytes().filter(u8::is_ascii_digit).count() > E164_DIGITS {
        return Err(NumberError::TooLong(text.to_owned()));
    }
    Ok(uri)
}

/// Whether the URI's parameters (after the host, or a tel number; names in any case, RFC 3261
/// §19.1.4) include `method`. Only called once headers are known to be absent.
fn names_method(text: &str) -> bool {
    let after_user = text.rsplit_once('@').map_or(text, |(_, host)| host);
    after_user
        .split(';')
        .skip(1)
        .map(|p| p.split('=').next().unwrap_or_default().trim())
        .any(|name| name.eq_ignore_ascii_case("method"))
}

/// A number as reports show it: the country code and the last two digits, every other digit
/// a `•`, in groups of two from the right (`+32470123412` → `+32 ••• •• •• 12`). Enough to
/// tell a member's numbers apart, not enough to call them. A number that is not E.164 keeps
/// only its last two digits; one of four digits or fewer keeps none. A word without digits
/// (the `removed` the retention purge leaves) is shown as it is.
pub fn masked(number: &str) -> String {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() && number.starts_with(|c: char| c.is_alphabetic()) {
        return number.to_owned();
    }
    let country = if number.starts_with('+') {
        country_code(&digits)
    } else {
        None
    };
    let national = &digits[country.map_or(0, str::len)..];
    let shown = if national.len() > 4 { 2 } else { 0 };
    let hidden = national.len() - shown;
    let veiled: String = "•".repeat(hidden) + &national[hidden..];
    let grouped = pairs_from_the_right(&veiled);
    match country {
        Some(code) => format!("+{code} {grouped}"),
        None => grouped,
    }
}

/// The country calling code `digits` start with: E.164 codes (one to three digits) are
/// prefix-free, so the first prefix libphonenumber's metadata knows is the one. A look-up,
/// not a parse: a report masks thousands of numbers.
fn country_code(digits: &str) -> Option<&str> {
    (1..=3.min(digits.len()))
        .map(|n| &digits[..n])
        .find(|prefix| {
            let code = prefix.parse::<u16>().unwrap_or_default();
            phonenumber::metadata::DATABASE.by_code(&code).is_some()
        })
}

/// `abcdefghi` as `abc de fg hi`: pairs from the right, a lone first character joining the
/// next pair.
fn pairs_from_the_right(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let lead = if chars.len() % 2 == 1 { 3 } else { 2 };
    let (first, rest) = chars.split_at(lead.min(chars.len()));
    let mut groups = vec![first.iter().collect::<String>()];
    groups.extend(rest.chunks(2).map(|pair| pair.iter().collect::<String>()));
    groups.retain(|g| !g.is_empty());
    groups.join(" ")
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
    fn callers_numbers_in_every_trunk_notation() {
        for sent in ["+32471123456", "0032471123456", "0471123456", "32471123456"] {
            assert_eq!(caller_e164(sent).as_deref(), Some("+32471123456"), "{sent}");
        }
        assert_eq!(
            caller_e164("+33 1 23 45 67 89").as_deref(),
            Some("+33123456789")
        );
        for garbage in ["anonymous", "", "12", "+32 47"] {
            assert_eq!(caller_e164(garbage), None, "{garbage}");
        }
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

    #[test]
    fn more_digits_than_e164_allows_are_refused() {
        let domain = "trunk.test";
        assert!(dial_uri("123456789012345", domain).is_ok());
        for long in [
            "1234567890123456",
            "+32 470 00 00 01 23 45 67",
            "0032470000001234567",
            "tel:+3247000000123456",
            "sip:+3247000000123456@trunk.test",
        ] {
            assert!(
                matches!(dial_uri(long, domain), Err(NumberError::TooLong(_))),
                "{long}: {:?}",
                dial_uri(long, domain)
            );
        }
        assert!(matches!(
            to_e164(&"1".repeat(10_000)),
            Err(NumberError::TooLong(_))
        ));
    }

    #[test]
    fn uris_with_headers_or_a_method_are_refused_never_dialled() {
        let domain = "trunk.test";
        for (uri, headers) in [
            ("sip:+32470000001@trunk.test?Subject=Urgent", true),
            ("sip:phone@127.0.0.1:5070?Route=%3Csip:evil.test%3E", true),
            (
                "sips:phone@example.test;transport=tcp?Priority=emergency",
                true,
            ),
            ("tel:+32470000001?Subject=x", true),
            ("tel:+32470000001;x=1?Subject=x", true),
            ("sip:phone@127.0.0.1:5070;method=REGISTER", false),
            ("sip:phone@127.0.0.1:5070;METHOD=BYE", false),
            ("tel:+32470000001;method=INVITE", false),
        ] {
            let refused = dial_uri(uri, domain).unwrap_err();
            let expected = if headers {
                matches!(refused, NumberError::UriHeaders(_))
            } else {
                matches!(refused, NumberError::UriMethod(_))
            };
            assert!(expected, "{uri}: {refused:?}");
            assert!(refused.to_string().contains(uri), "{refused}");
        }
        // `?` in the user part is an unreserved character, not a header.
        assert!(dial_uri("sip:a?b@127.0.0.1:5070", domain).is_ok());
        assert!(dial_uri("sip:phone@127.0.0.1:5070;transport=tcp", domain).is_ok());
    }

    #[test]
    fn masked_numbers_keep_the_country_code_and_last_two_digits() {
        assert_eq!(masked("+32470123412"), "+32 ••• •• •• 12");
        assert_eq!(masked("+3250000001"), "+32 •• •• •• 01");
        assert_eq!(masked("+31612345678"), "+31 ••• •• •• 78");
        assert_eq!(masked("+352621123456"), "+352 ••• •• •• 56");
        assert_eq!(masked("+12025550123"), "+1 •• •• •• •• 23");
        assert_eq!(masked("+9991234567"), "•• •• •• •• 67");
        assert_eq!(masked("0470123412"), "•• •• •• •• 12");
        assert_eq!(masked("1234"), "•• ••");
        assert_eq!(masked("removed"), "removed");
        assert_eq!(masked("+"), "");
        for number in ["+32470123412", "+3250000001", "0470123412"] {
            let shown: String = masked(number)
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            let last_two = &number[number.len() - 2..];
            assert!(shown.ends_with(last_two) && shown.len() <= 5, "{shown}");
        }
    }
}
