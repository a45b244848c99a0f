//! URIs as the rest of buurtbel sees them: `sip:`/`sips:` parsed with `ezk-sip-types`,
//! `tel:` (RFC 3966) parsed here because that crate has no tel URIs, anything else kept opaque.
//!
//! Every URI keeps the exact text it was parsed from, so a Request-URI or Route we echo back
//! is byte-for-byte what the peer sent.

use ezk_sip_types::host::Host as EzkHost;
use ezk_sip_types::parse::Parse;
use ezk_sip_types::uri::{SipUri as EzkSipUri, SipUriUserPart};
use std::fmt;
use std::net::IpAddr;

/// Why a URI could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UriError {
    /// No `scheme:` prefix.
    #[error("URI has no scheme")]
    NoScheme,
    /// A `sip:`/`sips:` URI that does not follow RFC 3261 §25.1.
    #[error("malformed SIP URI")]
    MalformedSip,
    /// A `tel:` URI that does not follow RFC 3966.
    #[error("malformed tel URI")]
    MalformedTel,
}

/// A URI from a request line or an address header.
#[derive(Clone, PartialEq, Eq)]
pub enum Uri {
    /// `sip:` or `sips:`.
    Sip(SipUri),
    /// `tel:` (RFC 3966).
    Tel(TelUri),
    /// Any other absolute URI, kept as text.
    Other(String),
}

impl Uri {
    /// Parses a URI, whatever its scheme.
    pub fn parse(text: &str) -> Result<Uri, UriError> {
        let (scheme, _) = text.split_once(':').ok_or(UriError::NoScheme)?;
        if !is_scheme(scheme) {
            return Err(UriError::NoScheme);
        }
        match scheme.to_ascii_lowercase().as_str() {
            "sip" | "sips" => SipUri::parse(text).map(Uri::Sip),
            "tel" => TelUri::parse(text).map(Uri::Tel),
            _ if text.bytes().any(|b| b.is_ascii_whitespace() || b < 0x21) => {
                Err(UriError::NoScheme)
            }
            _ => Ok(Uri::Other(text.to_owned())),
        }
    }

    /// The SIP URI, when this is one.
    pub fn as_sip(&self) -> Option<&SipUri> {
        match self {
            Uri::Sip(uri) => Some(uri),
            _ => None,
        }
    }
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Uri::Sip(uri) => f.write_str(&uri.raw),
            Uri::Tel(uri) => f.write_str(&uri.raw),
            Uri::Other(raw) => f.write_str(raw),
        }
    }
}

impl fmt::Debug for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Uri({self})")
    }
}

/// A `sip:` or `sips:` URI.
#[derive(Clone)]
pub struct SipUri {
    raw: String,
    inner: EzkSipUri,
}

impl SipUri {
    /// Parses `sip:user@host:port;params?headers`.
    pub fn parse(text: &str) -> Result<SipUri, UriError> {
        let inner = EzkSipUri::parse_str(text).map_err(|_| UriError::MalformedSip)?;
        Ok(SipUri {
            raw: text.to_owned(),
            inner,
        })
    }

    /// `true` for `sips:`.
    pub fn is_secure(&self) -> bool {
        self.inner.sips
    }

    /// The user part, if any (`alice` in `sip:alice@host`).
    pub fn user(&self) -> Option<&str> {
        match &self.inner.user_part {
            SipUriUserPart::Empty => None,
            SipUriUserPart::User(user) => Some(user),
            SipUriUserPart::UserPw(user_pw) => Some(&user_pw.user),
        }
    }

    /// The host, without brackets for IPv6.
    pub fn host(&self) -> String {
        match &self.inner.host_port.host {
            EzkHost::IP4(ip) => ip.to_string(),
            EzkHost::IP6(ip) => ip.to_string(),
            EzkHost::Name(name) => name.to_string(),
        }
    }

    /// The host as an IP address, when it is one.
    pub fn ip(&self) -> Option<IpAddr> {
        self.inner.host_port.ip()
    }

    /// The explicit port, if any.
    pub fn port(&self) -> Option<u16> {
        self.inner.host_port.port
    }

    /// A URI parameter: `None` when absent, `Some(None)` for a flag like `;lr`.
    pub fn param(&self, name: &str) -> Option<Option<&str>> {
        let param = self.inner.uri_params.get(name)?;
        Some(param.value.as_deref())
    }

    /// `true` when the URI carries `?header=value` parts (allowed in a Contact, not in a
    /// Request-URI).
    pub fn has_headers(&self) -> bool {
        !self.inner.header_params.is_empty()
    }

    /// The exact text this URI was parsed from.
    pub fn as_str(&self) -> &str {
        &self.raw
    }
}

impl PartialEq for SipUri {
    fn eq(&self, other: &SipUri) -> bool {
        self.inner.compare(&other.inner)
    }
}

impl Eq for SipUri {}

impl fmt::Display for SipUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl fmt::Debug for SipUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SipUri({})", self.raw)
    }
}

/// A `tel:` URI (RFC 3966): a global number (`+32...`) or a local one with `phone-context`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TelUri {
    raw: String,
    /// The digits, with `+` for a global number and visual separators removed.
    pub number: String,
}

impl TelUri {
    /// Parses `tel:+32-2-123-45-67;params`.
    pub fn parse(text: &str) -> Result<TelUri, UriError> {
        let rest = text
            .get(4..)
            .filter(|_| text[..4].eq_ignore_ascii_case("tel:"))
            .ok_or(UriError::MalformedTel)?;
        let mut parts = rest.split(';');
        let subscriber = parts.next().unwrap_or_default();
        let has_context = parts
            .map(|p| p.split('=').next().unwrap_or_default())
            .any(|name| name.eq_ignore_ascii_case("phone-context"));
        let number = tel_digits(subscriber).ok_or(UriError::MalformedTel)?;
        if !number.starts_with('+') && !has_context {
            return Err(UriError::MalformedTel);
        }
        Ok(TelUri {
            raw: text.to_owned(),
            number,
        })
    }
}

fn tel_digits(subscriber: &str) -> Option<String> {
    let (plus, body) = match subscriber.strip_prefix('+') {
        Some(body) => ("+", body),
        None => ("", subscriber),
    };
    let mut digits = String::from(plus);
    for c in body.chars() {
        match c {
            '0'..='9' | '*' | '#' | 'A'..='D' | 'a'..='d' => digits.push(c),
            '-' | '.' | '(' | ')' => {}
            _ => return None,
        }
    }
    (digits.len() > plus.len()).then_some(digits)
}

fn is_scheme(scheme: &str) -> bool {
    let mut bytes = scheme.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sip_uri_parts() {
        let uri = Uri::parse("sip:john.doe@trunk.example.net:5062;transport=tcp;lr").unwrap();
        let sip = uri.as_sip().unwrap();
        assert_eq!(sip.user(), Some("john.doe"));
        assert_eq!(sip.host(), "trunk.example.net");
        assert_eq!(sip.port(), Some(5062));
        assert_eq!(sip.param("transport"), Some(Some("tcp")));
        assert_eq!(sip.param("lr"), Some(None));
        assert_eq!(sip.param("maddr"), None);
        assert_eq!(
            uri.to_string(),
            "sip:john.doe@trunk.example.net:5062;transport=tcp;lr"
        );
    }

    #[test]
    fn ipv6_host() {
        let sip = SipUri::parse("sip:[2001:db8::10]:5070").unwrap();
        assert_eq!(sip.host(), "2001:db8::10");
        assert_eq!(sip.port(), Some(5070));
        assert!(sip.ip().is_some());
    }

    #[test]
    fn tel_uris() {
        let Uri::Tel(tel) = Uri::parse("tel:+32-471-12.34.56").unwrap() else {
            panic!("not tel")
        };
        assert_eq!(tel.number, "+32471123456");
        assert!(Uri::parse("tel:1234;phone-context=example.net").is_ok());
        assert_eq!(Uri::parse("tel:1234"), Err(UriError::MalformedTel));
        assert_eq!(Uri::parse("tel:+32 471"), Err(UriError::MalformedTel));
        assert_eq!(Uri::parse("tel:+"), Err(UriError::MalformedTel));
    }

    #[test]
    fn other_schemes_are_opaque() {
        assert_eq!(
            Uri::parse("mailto:someone@example.net").unwrap(),
            Uri::Other("mailto:someone@example.net".into())
        );
        assert_eq!(Uri::parse("no-scheme"), Err(UriError::NoScheme));
        assert_eq!(Uri::parse("1x:abc"), Err(UriError::NoScheme));
    }

    #[test]
    fn uri_headers_are_seen() {
        let with = SipUri::parse("sip:user@example.com?Route=%3Csip:x.example.com%3E").unwrap();
        assert!(with.has_headers());
        // `?` in the user part is user-unreserved, not a header.
        assert!(!SipUri::parse("sip:a?b@example.com").unwrap().has_headers());
    }

    #[test]
    fn malformed_sip_is_an_error() {
        assert_eq!(Uri::parse("sip:"), Err(UriError::MalformedSip));
        assert_eq!(
            Uri::parse("sip:user@host:99999"),
            Err(UriError::MalformedSip)
        );
    }
}
