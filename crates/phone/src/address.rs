//! The pieces of header values a phone looks into: addresses (`"Name" <uri>;tag=x` or
//! `uri;tag=x`), parameter lists and comma-separated lists (RFC 3261 §20.10, §25.1).
//!
//! Only as much as a phone needs: the URI and parameters are slices of the value, not parsed
//! further, so what the gateway wrote is what a test sees.

/// An address header value (From, To, Contact, Route…) split into its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Address<'a> {
    /// The display name, quotes kept, if any.
    pub display: Option<&'a str>,
    /// The URI, without angle brackets.
    pub uri: &'a str,
    /// The header parameters after the address, each with its leading `;` (may be empty).
    pub params: &'a str,
}

impl<'a> Address<'a> {
    /// Splits an address; `None` when brackets or quotes do not close, or nothing but
    /// parameters follows the `>`.
    pub fn parse(value: &'a str) -> Option<Address<'a>> {
        let value = value.trim();
        let after_display = match value.strip_prefix('"') {
            Some(quoted) => quoted.get(closing_quote(quoted)? + 1..)?,
            None => value,
        };
        let Some(open) = after_display.find('<') else {
            if value.starts_with('"') {
                return None;
            }
            // addr-spec: the parameters after the first `;` belong to the header (§20.10).
            let (uri, params) = split_at_char(value, ';');
            return (!uri.trim().is_empty()).then_some(Address {
                display: None,
                uri: uri.trim(),
                params,
            });
        };
        let display_end = value.len() - after_display.len() + open;
        let display = value.get(..display_end)?.trim();
        let inside = after_display.get(open + 1..)?;
        let close = inside.find('>')?;
        let params = inside.get(close + 1..)?.trim();
        let well_formed = params.is_empty() || params.starts_with(';');
        well_formed.then_some(Address {
            display: (!display.is_empty()).then_some(display),
            uri: inside.get(..close)?.trim(),
            params,
        })
    }

    /// A header parameter: `Some(Some(value))`, `Some(None)` for a flag, `None` if absent.
    pub fn param(&self, name: &str) -> Option<Option<&'a str>> {
        param(self.params, name)
    }
}

/// A parameter of a `;name=value;flag` list (names without regard to case, quotes removed
/// from quoted values). Anything before the first `;` is not a parameter.
pub fn param<'a>(params: &'a str, name: &str) -> Option<Option<&'a str>> {
    params.split(';').skip(1).find_map(|pair| {
        let (key, value) = match pair.split_once('=') {
            Some((key, value)) => (key, Some(unquote(value.trim()))),
            None => (pair, None),
        };
        key.trim().eq_ignore_ascii_case(name).then_some(value)
    })
}

/// Splits a list header at commas outside quoted strings and angle brackets, each element
/// trimmed.
pub fn split_list(value: &str) -> Vec<&str> {
    let mut elements = Vec::new();
    let (mut start, mut quoted, mut escaped, mut angle) = (0, false, false, false);
    for (at, c) in value.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' if !quoted && !angle => {
                elements.push(value.get(start..at).unwrap_or_default().trim());
                start = at + 1;
            }
            _ => {}
        }
    }
    elements.push(value.get(start..).unwrap_or_default().trim());
    elements
}

/// The user part of a `sip:` or `sips:` URI (`sip:+3212345678@host` → `+3212345678`);
/// `None` for other schemes or a URI without `@`.
pub fn uri_user(uri: &str) -> Option<&str> {
    let (scheme, rest) = uri.split_once(':')?;
    if !(scheme.eq_ignore_ascii_case("sip") || scheme.eq_ignore_ascii_case("sips")) {
        return None;
    }
    let (userinfo, _) = rest.split_once('@')?;
    let (user, _password) = split_at_char(userinfo, ':');
    Some(user)
}

/// The index of the quote that closes a quoted string whose opening quote is already gone.
fn closing_quote(quoted: &str) -> Option<usize> {
    let mut escaped = false;
    for (at, c) in quoted.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(at),
            _ => {}
        }
    }
    None
}

fn unquote(value: &str) -> &str {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value)
}

/// `(before, from_the_char_on)`; the second part keeps the char, or is empty.
fn split_at_char(value: &str, c: char) -> (&str, &str) {
    match value.find(c) {
        Some(at) => value.split_at(at),
        None => (value, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_addr_with_tricky_display_name() {
        let a = Address::parse(r#""A \"<b>\"; c" <sip:x@h;lr>;tag=9;rport"#).unwrap();
        assert_eq!(a.display, Some(r#""A \"<b>\"; c""#));
        assert_eq!(a.uri, "sip:x@h;lr");
        assert_eq!(a.param("TAG"), Some(Some("9")));
        assert_eq!(a.param("rport"), Some(None));
        assert_eq!(
            a.param("lr"),
            None,
            "a URI parameter is not a header parameter"
        );
    }

    #[test]
    fn addr_spec_parameters_belong_to_the_header() {
        let a = Address::parse("sip:x@h;tag=abc").unwrap();
        assert_eq!(
            (a.display, a.uri, a.param("tag")),
            (None, "sip:x@h", Some(Some("abc")))
        );
        let b = Address::parse("Bob <sip:b@h>").unwrap();
        assert_eq!((b.display, b.uri, b.params), (Some("Bob"), "sip:b@h", ""));
    }

    #[test]
    fn broken_addresses_are_refused() {
        for bad in [
            "",
            "<sip:x@h",
            "\"open <sip:x@h>",
            "<sip:x@h>junk",
            ";tag=1",
        ] {
            assert_eq!(Address::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn lists_split_outside_quotes_and_brackets() {
        assert_eq!(
            split_list(r#""a,b" <sip:x@h;p=1,2>, <sip:y@h> ,"#),
            [r#""a,b" <sip:x@h;p=1,2>"#, "<sip:y@h>", ""]
        );
    }

    #[test]
    fn user_parts() {
        assert_eq!(
            uri_user("sip:+3212345678@trunk.test;user=phone"),
            Some("+3212345678")
        );
        assert_eq!(uri_user("SIPS:alice:secret@h"), Some("alice"));
        assert_eq!(uri_user("tel:+3212345678"), None);
        assert_eq!(uri_user("sip:h"), None);
    }
}
