//! Typed header values the user agent reads: Via, CSeq, name-addr headers (From, To, Contact,
//! Route, Record-Route), parameters and comma-separated lists.
//!
//! `ezk-sip-types` parses Via and SIP URIs. Its known gaps are closed here: list values are
//! split by us and every element must parse completely (ezk drops bad elements silently),
//! display names may hold `\"` escapes, and `tel:` URIs are accepted in address headers.

use crate::sip::method::{Method, is_token_byte};
use crate::sip::uri::{Uri, UriError};
use bytes::Bytes;
use ezk_sip_types::header::HeaderParse;
use ezk_sip_types::header::typed::Via as EzkVia;
use ezk_sip_types::host::Host as EzkHost;
use std::fmt;

/// Why a header value could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// A header the message needs is absent.
    #[error("missing {0} header")]
    Missing(&'static str),
    /// A header that may appear once appears more than once with different values.
    #[error("more than one {0} header")]
    Repeated(&'static str),
    /// A header value that does not follow its grammar.
    #[error("malformed {0} header")]
    Malformed(&'static str),
    /// A URI inside a header value.
    #[error("bad URI in {0} header: {1}")]
    Uri(&'static str, UriError),
}

/// `;name=value` parameters, in order, names compared case-insensitively.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, Option<String>)>);

impl Params {
    /// Parses `;a=b;c` (the text after the main value).
    pub fn parse(text: &str) -> Option<Params> {
        let text = text.trim();
        if text.is_empty() {
            return Some(Params::default());
        }
        let text = text.strip_prefix(';')?;
        let mut params = Vec::new();
        for part in split_outside_quotes(text, b';') {
            let (name, value) = match part.split_once('=') {
                Some((n, v)) => (n.trim(), Some(unquote(v.trim())?)),
                None => (part.trim(), None),
            };
            if name.is_empty() || !name.bytes().all(is_token_byte) {
                return None;
            }
            params.push((name.to_owned(), value));
        }
        Some(Params(params))
    }

    /// `None` when absent, `Some(None)` for a flag, `Some(Some(v))` for a value.
    pub fn get(&self, name: &str) -> Option<Option<&str>> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_deref())
    }

    /// Adds or replaces a parameter.
    pub fn set(&mut self, name: &str, value: Option<String>) {
        match self
            .0
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            Some(slot) => slot.1 = value,
            None => self.0.push((name.to_owned(), value)),
        }
    }
}

impl fmt::Display for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, value) in &self.0 {
            match value {
                Some(v)
                    if v.bytes()
                        .all(|b| is_token_byte(b) || b == b':' || b == b'[' || b == b']') =>
                {
                    write!(f, ";{name}={v}")?
                }
                Some(v) => write!(f, ";{name}={}", quote(v))?,
                None => write!(f, ";{name}")?,
            }
        }
        Ok(())
    }
}

/// `display-name <uri>;params` or `uri;params`: From, To, Contact, Route, Record-Route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameAddr {
    /// The display name, unescaped.
    pub display_name: Option<String>,
    /// The address.
    pub uri: Uri,
    /// Header parameters (`tag`, `expires`, `lr` on a Route is a URI parameter instead).
    pub params: Params,
}

impl NameAddr {
    /// An address without display name or parameters.
    pub fn new(uri: Uri) -> NameAddr {
        NameAddr {
            display_name: None,
            uri,
            params: Params::default(),
        }
    }

    /// Parses one name-addr or addr-spec; `header` names the header in errors.
    pub fn parse(text: &str, header: &'static str) -> Result<NameAddr, HeaderError> {
        let malformed = HeaderError::Malformed(header);
        let text = text.trim();
        let (display_name, rest) = display_name(text).ok_or(malformed.clone())?;
        let (uri_text, params_text) = match rest.strip_prefix('<') {
            Some(inner) => inner.split_once('>').ok_or(malformed.clone())?,
            None if display_name.is_some() => return Err(malformed),
            None => addr_spec(rest).ok_or(malformed.clone())?,
        };
        let uri = Uri::parse(uri_text.trim()).map_err(|e| HeaderError::Uri(header, e))?;
        let params = Params::parse(params_text).ok_or(malformed)?;
        Ok(NameAddr {
            display_name,
            uri,
            params,
        })
    }

    /// The `tag` parameter of a From or To header.
    pub fn tag(&self) -> Option<&str> {
        self.params.get("tag").flatten()
    }
}

impl fmt::Display for NameAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(name) = &self.display_name {
            write!(f, "{} ", quote(name))?;
        }
        write!(f, "<{}>{}", self.uri, self.params)
    }
}

/// A Via header element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Via {
    /// `UDP`, `TCP`, `TLS`…, upper-cased.
    pub transport: String,
    /// The sent-by host (IPv6 without brackets).
    pub host: String,
    /// The sent-by port, if given.
    pub port: Option<u16>,
    /// The parameters (`branch`, `received`, `rport`…).
    pub params: Params,
}

impl Via {
    /// Parses one Via element with `ezk-sip-types`, insisting the whole text is consumed.
    pub fn parse(text: &str) -> Result<Via, HeaderError> {
        let malformed = HeaderError::Malformed("Via");
        let text = text.trim();
        let src = Bytes::copy_from_slice(text.as_bytes());
        let input = std::str::from_utf8(&src).map_err(|_| malformed.clone())?;
        let (rest, via) = EzkVia::parse(&src, input).map_err(|_| malformed.clone())?;
        if !rest.trim().is_empty() {
            return Err(malformed);
        }
        let params_start = text.find(';').unwrap_or(text.len());
        let params = Params::parse(&text[params_start..]).ok_or(malformed)?;
        Ok(Via {
            transport: via.transport.to_ascii_uppercase(),
            host: match &via.sent_by.host {
                EzkHost::IP4(ip) => ip.to_string(),
                EzkHost::IP6(ip) => ip.to_string(),
                EzkHost::Name(name) => name.to_string(),
            },
            port: via.sent_by.port,
            params,
        })
    }

    /// The transaction id, when it has the RFC 3261 magic cookie.
    pub fn branch(&self) -> Option<&str> {
        self.params.get("branch").flatten()
    }
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SIP/2.0/{} ", self.transport)?;
        if self.host.contains(':') {
            write!(f, "[{}]", self.host)?;
        } else {
            f.write_str(&self.host)?;
        }
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        write!(f, "{}", self.params)
    }
}

/// The CSeq header: a sequence number and the method it counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CSeq {
    /// Below 2^31 (RFC 3261 §8.1.1.5).
    pub seq: u32,
    /// The method of the request.
    pub method: Method,
}

impl CSeq {
    /// Parses `4711 INVITE`.
    pub fn parse(text: &str) -> Result<CSeq, HeaderError> {
        let malformed = HeaderError::Malformed("CSeq");
        let mut parts = text.split_ascii_whitespace();
        let (Some(seq), Some(method), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(malformed);
        };
        if !seq.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed);
        }
        let seq: u32 = seq.parse().map_err(|_| malformed.clone())?;
        if seq >= 1 << 31 {
            return Err(malformed);
        }
        let method = Method::parse(method).ok_or(malformed)?;
        Ok(CSeq { seq, method })
    }
}

impl fmt::Display for CSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.seq, self.method)
    }
}

/// Splits a header value at commas that are outside quotes and angle brackets.
pub fn split_list(value: &str) -> Vec<&str> {
    split_outside_quotes(value, b',')
        .into_iter()
        .map(str::trim)
        .collect()
}

fn split_outside_quotes(text: &str, separator: u8) -> Vec<&str> {
    let bytes = text.as_bytes();
    let (mut parts, mut start, mut in_quotes, mut in_angle, mut i) =
        (Vec::new(), 0, false, false, 0);
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_quotes => i += 1,
            b'"' => in_quotes = !in_quotes,
            b'<' if !in_quotes => in_angle = true,
            b'>' if !in_quotes => in_angle = false,
            b if b == separator && !in_quotes && !in_angle => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(text.get(start..).unwrap_or_default());
    parts
}

/// Splits off a leading display name: a quoted string (with `\"` escapes) or tokens before `<`.
fn display_name(text: &str) -> Option<(Option<String>, &str)> {
    if text.starts_with('"') {
        let (name, rest) = quoted_string(text)?;
        let rest = rest.trim_start();
        return rest.starts_with('<').then_some((Some(name), rest));
    }
    match text.find('<') {
        Some(at) if !text[..at].contains(['"', ';', ',']) => {
            let name = text[..at].trim();
            let name = (!name.is_empty()).then(|| name.to_owned());
            Some((name, &text[at..]))
        }
        _ => Some((None, text)),
    }
}

/// Splits `uri;params` written without angle brackets. Such a URI may hold no `,` or `?`
/// (RFC 3261 §20): those are only unambiguous inside `<>` (RFC 4475 §3.1.2.13).
fn addr_spec(text: &str) -> Option<(&str, &str)> {
    let (uri, params) = text.split_at(text.find(';').unwrap_or(text.len()));
    (!uri.contains([',', '?'])).then_some((uri, params))
}

/// Reads a quoted string at the start of `text`: the unescaped content and what follows.
fn quoted_string(text: &str) -> Option<(String, &str)> {
    let mut chars = text.char_indices();
    chars.next().filter(|(_, c)| *c == '"')?;
    let mut content = String::new();
    while let Some((at, c)) = chars.next() {
        match c {
            '\\' => content.push(chars.next()?.1),
            '"' => return Some((content, &text[at + 1..])),
            _ => content.push(c),
        }
    }
    None
}

fn unquote(value: &str) -> Option<String> {
    if value.starts_with('"') {
        let (content, rest) = quoted_string(value)?;
        return rest.trim().is_empty().then_some(content);
    }
    let ok = !value.is_empty()
        && value
            .bytes()
            .all(|b| is_token_byte(b) || b"[]:".contains(&b));
    ok.then(|| value.to_owned())
}

fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn via_with_rport_and_branch() {
        let via = Via::parse("SIP/2.0/udp 192.0.2.10:5060;branch=z9hG4bK77;rport").unwrap();
        assert_eq!(via.transport, "UDP");
        assert_eq!(via.host, "192.0.2.10");
        assert_eq!(via.port, Some(5060));
        assert_eq!(via.branch(), Some("z9hG4bK77"));
        assert_eq!(via.params.get("rport"), Some(None));
        assert_eq!(
            via.to_string(),
            "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK77;rport"
        );
    }

    #[test]
    fn via_trailing_garbage_is_an_error() {
        assert!(Via::parse("SIP/2.0/UDP host;branch=z9hG4bK1 junk junk").is_err());
        assert!(Via::parse("SIP/2.0/UDP").is_err());
    }

    #[test]
    fn list_values_are_all_checked() {
        let parts = split_list("SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=\"x,y\"");
        assert_eq!(parts.len(), 2);
        let bad = split_list("SIP/2.0/UDP a;branch=z9hG4bK1, not a via");
        assert!(bad.iter().map(|v| Via::parse(v)).any(|r| r.is_err()));
    }

    #[test]
    fn display_name_with_escaped_quotes() {
        let addr = NameAddr::parse(
            r#""Jan \"de Bel\" Peeters" <sip:jan@example.org>;tag=ab"#,
            "From",
        )
        .unwrap();
        assert_eq!(
            addr.display_name.as_deref(),
            Some(r#"Jan "de Bel" Peeters"#)
        );
        assert_eq!(addr.tag(), Some("ab"));
        assert_eq!(
            addr.to_string(),
            r#""Jan \"de Bel\" Peeters" <sip:jan@example.org>;tag=ab"#
        );
    }

    #[test]
    fn addr_spec_params_belong_to_header() {
        let addr = NameAddr::parse("sip:alice@example.org;tag=1928", "To").unwrap();
        assert_eq!(addr.tag(), Some("1928"));
        assert_eq!(addr.uri.to_string(), "sip:alice@example.org");
    }

    #[test]
    fn tel_uri_in_address_header() {
        let addr = NameAddr::parse("<tel:+32471123456>;tag=9", "To").unwrap();
        assert!(matches!(addr.uri, Uri::Tel(_)));
    }

    #[test]
    fn addr_spec_with_question_mark_or_comma_needs_brackets() {
        let bare = NameAddr::parse(
            "sip:user@example.com?Route=%3Csip:x.example.com%3E",
            "Contact",
        );
        assert_eq!(bare, Err(HeaderError::Malformed("Contact")));
        assert!(NameAddr::parse("sip:a,b@example.com", "To").is_err());
        let bracketed = NameAddr::parse(
            "<sip:user@example.com?Route=%3Csip:x.example.com%3E>",
            "Contact",
        );
        assert!(bracketed.is_ok());
    }

    #[test]
    fn token_display_name() {
        let addr = NameAddr::parse("Buurt Bel <sip:bin@example.org>", "From").unwrap();
        assert_eq!(addr.display_name.as_deref(), Some("Buurt Bel"));
    }

    #[test]
    fn unterminated_quotes_fail() {
        assert!(NameAddr::parse(r#""open <sip:a@b>"#, "From").is_err());
        assert!(NameAddr::parse(r#""x" sip:a@b"#, "From").is_err());
    }

    #[test]
    fn cseq_parses_and_bounds() {
        let cseq = CSeq::parse("4711 INVITE").unwrap();
        assert_eq!((cseq.seq, cseq.method), (4711, Method::Invite));
        assert!(CSeq::parse("2147483648 INVITE").is_err());
        assert!(CSeq::parse("-1 INVITE").is_err());
        assert!(CSeq::parse("1 INVITE extra").is_err());
        assert!(CSeq::parse("1").is_err());
    }
}
