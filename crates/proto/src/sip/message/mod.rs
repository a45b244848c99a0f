//! SIP message framing: start line, header block, Content-Length, body as bytes.
//!
//! Framing is ours; typed header values come from [`crate::sip::header`]. Parsing never
//! panics: anything a peer sends is either a [`Message`] whose mandatory headers (Via, From,
//! To, Call-ID, CSeq) are known to be readable, and whose Content-Length, Max-Forwards and
//! Contact are readable when present, or a [`ParseError`]. `tests/rfc4475.rs` holds the
//! verdicts of RFC 4475's torture messages, and `fuzz/` the fuzz target.

use crate::sip::header::{CSeq, HeaderError, NameAddr, Via, split_list};
use crate::sip::method::Method;
use crate::sip::uri::{SipUri, Uri};
use bytes::Bytes;
use std::fmt::Write as _;

/// Why bytes from the network are not a usable SIP message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The header block is not terminated by an empty line (yet).
    #[error("incomplete message head")]
    Incomplete,
    /// The message head is not UTF-8.
    #[error("message head is not UTF-8")]
    NotUtf8,
    /// The first line is neither a request line nor a status line.
    #[error("malformed start line")]
    StartLine,
    /// A SIP version other than 2.0.
    #[error("unsupported SIP version")]
    Version,
    /// A header line without `name:`.
    #[error("malformed header line")]
    HeaderLine,
    /// Content-Length is not a number, or exceeds the bytes received.
    #[error("bad Content-Length")]
    ContentLength,
    /// A header the user agent reads is missing or malformed.
    #[error(transparent)]
    Header(#[from] HeaderError),
    /// The CSeq method differs from the request method.
    #[error("CSeq method does not match the request method")]
    CSeqMethod,
    /// A head or body larger than we accept.
    #[error("message too large")]
    TooLarge,
}

/// The largest message head we read; anything bigger is hostile or broken.
pub const MAX_HEAD: usize = 64 * 1024;
/// The largest body we read.
pub const MAX_BODY: usize = 64 * 1024;

/// A SIP request or response.
#[derive(Debug, Clone)]
pub enum Message {
    /// A request.
    Request(Request),
    /// A response.
    Response(Response),
}

impl Message {
    /// The headers of either kind.
    pub fn headers(&self) -> &Headers {
        match self {
            Message::Request(r) => &r.headers,
            Message::Response(r) => &r.headers,
        }
    }

    /// Serialises the message, setting Content-Length from the body.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Message::Request(r) => r.to_bytes(),
            Message::Response(r) => r.to_bytes(),
        }
    }
}

/// A SIP request.
#[derive(Debug, Clone)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// The Request-URI.
    pub uri: Uri,
    /// The headers, in order.
    pub headers: Headers,
    /// The body, as received.
    pub body: Bytes,
}

impl Request {
    /// A request with no headers and no body.
    pub fn new(method: Method, uri: Uri) -> Request {
        Request {
            method,
            uri,
            headers: Headers::default(),
            body: Bytes::new(),
        }
    }

    /// Serialises the request, setting Content-Length from the body.
    pub fn to_bytes(&self) -> Vec<u8> {
        let start = format!("{} {} SIP/2.0\r\n", self.method, self.uri);
        serialise(start, &self.headers, &self.body)
    }
}

/// A SIP response.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code, 100 to 699.
    pub status: u16,
    /// The reason phrase.
    pub reason: String,
    /// The headers, in order.
    pub headers: Headers,
    /// The body, as received.
    pub body: Bytes,
}

impl Response {
    /// A response with no headers and no body.
    pub fn new(status: u16, reason: &str) -> Response {
        Response {
            status,
            reason: reason.to_owned(),
            headers: Headers::default(),
            body: Bytes::new(),
        }
    }

    /// Serialises the response, setting Content-Length from the body.
    pub fn to_bytes(&self) -> Vec<u8> {
        let start = format!("SIP/2.0 {} {}\r\n", self.status, self.reason);
        serialise(start, &self.headers, &self.body)
    }

    /// `true` for 1xx.
    pub fn is_provisional(&self) -> bool {
        self.status < 200
    }
}

/// Header fields in order, names normalised to their full lower-case form.
#[derive(Debug, Clone, Default)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    /// Appends a header.
    pub fn push(&mut self, name: &str, value: impl Into<String>) {
        self.0.push((canonical_name(name), value.into()));
    }

    /// Replaces every header of this name with one value.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.remove(name);
        self.push(name, value);
    }

    /// Removes every header of this name.
    pub fn remove(&mut self, name: &str) {
        let name = canonical_name(name);
        self.0.retain(|(n, _)| *n != name);
    }

    /// The first value of a header.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.all(name).next()
    }

    /// Every value of a header, in order (one per header line, not split at commas).
    pub fn all<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> + 'a {
        let name = canonical_name(name);
        self.0
            .iter()
            .filter(move |(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every element of a list header, split at commas across all its lines.
    pub fn list<'a>(&'a self, name: &str) -> Vec<&'a str> {
        self.all(name)
            .flat_map(split_list)
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// All Via elements, top first.
    pub fn vias(&self) -> Result<Vec<Via>, HeaderError> {
        let vias: Vec<Via> = self
            .list("via")
            .into_iter()
            .map(Via::parse)
            .collect::<Result<_, _>>()?;
        if vias.is_empty() {
            return Err(HeaderError::Missing("Via"));
        }
        Ok(vias)
    }

    /// The topmost Via.
    pub fn top_via(&self) -> Result<Via, HeaderError> {
        let first = self.list("via").into_iter().next();
        Via::parse(first.ok_or(HeaderError::Missing("Via"))?)
    }

    /// The CSeq.
    pub fn cseq(&self) -> Result<CSeq, HeaderError> {
        CSeq::parse(self.single("cseq", "CSeq")?)
    }

    /// The Call-ID.
    pub fn call_id(&self) -> Result<&str, HeaderError> {
        let id = self.single("call-id", "Call-ID")?.trim();
        let valid = !id.is_empty() && !id.bytes().any(|b| b.is_ascii_whitespace());
        valid.then_some(id).ok_or(HeaderError::Malformed("Call-ID"))
    }

    /// The From header.
    pub fn from(&self) -> Result<NameAddr, HeaderError> {
        NameAddr::parse(self.single("from", "From")?, "From")
    }

    /// The To header.
    pub fn to(&self) -> Result<NameAddr, HeaderError> {
        NameAddr::parse(self.single("to", "To")?, "To")
    }

    /// Contact addresses (`*` is not a name-addr and is an error here).
    pub fn contacts(&self) -> Result<Vec<NameAddr>, HeaderError> {
        self.addresses("contact", "Contact")
    }

    /// Record-Route entries, top first.
    pub fn record_routes(&self) -> Result<Vec<NameAddr>, HeaderError> {
        self.addresses("record-route", "Record-Route")
    }

    /// The Content-Length value, if present. Two different values are a framing error
    /// (RFC 4475 §3.3.9), not a choice between them.
    pub fn content_length(&self) -> Result<Option<usize>, HeaderError> {
        let length = self.single_number("content-length", "Content-Length", u32::MAX.into())?;
        length
            .map(|n| usize::try_from(n).map_err(|_| HeaderError::Malformed("Content-Length")))
            .transpose()
    }

    /// Max-Forwards, if present: 0 to 255, leading zeros allowed (`0068` is 68).
    pub fn max_forwards(&self) -> Result<Option<u8>, HeaderError> {
        let hops = self.single_number("max-forwards", "Max-Forwards", u8::MAX.into())?;
        hops.map(|n| u8::try_from(n).map_err(|_| HeaderError::Malformed("Max-Forwards")))
            .transpose()
    }

    /// Retry-After in seconds, if present and readable (`120 (busy);duration=60`).
    pub fn retry_after(&self) -> Option<u32> {
        let value = self.get("retry-after")?.trim();
        let digits: &str = value.split(|c: char| !c.is_ascii_digit()).next()?;
        digits.parse().ok()
    }

    /// Header lines in order: (normalised name, value).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    fn single(&self, name: &str, label: &'static str) -> Result<&str, HeaderError> {
        let mut values = self.all(name);
        let first = values.next().ok_or(HeaderError::Missing(label))?;
        if values.any(|other| other.trim() != first.trim()) {
            return Err(HeaderError::Repeated(label));
        }
        Ok(first)
    }

    /// A numeric header (`1*DIGIT`, at most `max`) that may repeat only with the same number.
    fn single_number(
        &self,
        name: &str,
        label: &'static str,
        max: u64,
    ) -> Result<Option<u64>, HeaderError> {
        let numbers: Vec<u64> = self
            .all(name)
            .map(|value| decimal(value, max).ok_or(HeaderError::Malformed(label)))
            .collect::<Result<_, _>>()?;
        match numbers.split_first() {
            None => Ok(None),
            Some((first, rest)) if rest.iter().all(|n| n == first) => Ok(Some(*first)),
            Some(_) => Err(HeaderError::Repeated(label)),
        }
    }

    fn addresses(&self, name: &str, label: &'static str) -> Result<Vec<NameAddr>, HeaderError> {
        self.list(name)
            .into_iter()
            .map(|v| NameAddr::parse(v, label))
            .collect()
    }
}

/// Parses one whole datagram. The body is cut to Content-Length; a Content-Length larger
/// than what arrived is an error.
pub fn parse_datagram(bytes: &[u8]) -> Result<Message, ParseError> {
    let bytes = skip_leading_newlines(bytes);
    let (head, body_start) = split_head(bytes)?;
    let (mut message, content_length) = parse_head(head)?;
    let available = bytes.len() - body_start;
    let length = content_length.unwrap_or(available);
    if length > available || length > MAX_BODY {
        return Err(ParseError::ContentLength);
    }
    set_body(
        &mut message,
        Bytes::copy_from_slice(&bytes[body_start..body_start + length]),
    );
    Ok(message)
}

/// Parses the next message from a stream buffer: `Ok(None)` until a whole message is there,
/// then the message and how many bytes it used. Content-Length is mandatory on streams; a
/// missing one counts as zero.
pub fn parse_stream(buffer: &[u8]) -> Result<Option<(Message, usize)>, ParseError> {
    let skipped = buffer.len() - skip_leading_newlines(buffer).len();
    let bytes = &buffer[skipped..];
    let (head, body_start) = match split_head(bytes) {
        Ok(split) => split,
        Err(ParseError::Incomplete) if bytes.len() <= MAX_HEAD => return Ok(None),
        Err(ParseError::Incomplete) => return Err(ParseError::TooLarge),
        Err(e) => return Err(e),
    };
    let (mut message, content_length) = parse_head(head)?;
    let length = content_length.unwrap_or(0);
    if length > MAX_BODY {
        return Err(ParseError::TooLarge);
    }
    let Some(body) = bytes.get(body_start..body_start + length) else {
        return Ok(None);
    };
    set_body(&mut message, Bytes::copy_from_slice(body));
    Ok(Some((message, skipped + body_start + length)))
}

fn skip_leading_newlines(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| !matches!(b, b'\r' | b'\n'));
    &bytes[start.unwrap_or(bytes.len())..]
}

/// Finds the empty line: returns the head (without it) and where the body starts.
fn split_head(bytes: &[u8]) -> Result<(&[u8], usize), ParseError> {
    let search = &bytes[..bytes.len().min(MAX_HEAD + 4)];
    let crlf = find(search, b"\r\n\r\n").map(|at| (at, at + 4));
    let lf = find(search, b"\n\n").map(|at| (at, at + 2));
    let end = match (crlf, lf) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    };
    match end {
        Some((head_end, body_start)) => Ok((&bytes[..head_end], body_start)),
        None if bytes.len() > MAX_HEAD => Err(ParseError::TooLarge),
        None => Err(ParseError::Incomplete),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn parse_head(head: &[u8]) -> Result<(Message, Option<usize>), ParseError> {
    let head = std::str::from_utf8(head).map_err(|_| ParseError::NotUtf8)?;
    let mut lines = head.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let start = lines.next().ok_or(ParseError::StartLine)?;
    let headers = parse_header_lines(lines)?;
    let content_length = headers.content_length()?;
    let message = match start.strip_prefix("SIP/") {
        Some(_) => Message::Response(parse_status_line(start, headers)?),
        None => Message::Request(parse_request_line(start, headers)?),
    };
    check_mandatory(&message)?;
    Ok((message, content_length))
}

fn parse_header_lines<'a>(lines: impl Iterator<Item = &'a str>) -> Result<Headers, ParseError> {
    let mut headers = Headers::default();
    for line in lines {
        if line.starts_with([' ', '\t']) {
            let (_, value) = headers.0.last_mut().ok_or(ParseError::HeaderLine)?;
            unfold(value, line);
            continue;
        }
        let (name, value) = line.split_once(':').ok_or(ParseError::HeaderLine)?;
        let name = name.trim_end_matches([' ', '\t']);
        if name.is_empty() || !name.bytes().all(crate::sip::method::is_token_byte) {
            return Err(ParseError::HeaderLine);
        }
        headers.push(name, value.trim());
    }
    Ok(headers)
}

/// Joins a continuation line to the value it continues, with one SP between non-empty parts
/// (RFC 3261 §7.3.1), so `Contact:` + ` <sip:...>` reads `<sip:...>` with no leading space.
fn unfold(value: &mut String, line: &str) {
    let more = line.trim();
    if !value.is_empty() && !more.is_empty() {
        value.push(' ');
    }
    value.push_str(more);
}

fn parse_request_line(line: &str, headers: Headers) -> Result<Request, ParseError> {
    let mut parts = line.split(' ');
    let (Some(method), Some(uri), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ParseError::StartLine);
    };
    if version != "SIP/2.0" {
        let looks_like_version = version.len() > 4
            && (version.as_bytes().get(..4)).is_some_and(|p| p.eq_ignore_ascii_case(b"SIP/"));
        return Err(if looks_like_version {
            ParseError::Version
        } else {
            ParseError::StartLine
        });
    }
    let method = Method::parse(method).ok_or(ParseError::StartLine)?;
    let uri = Uri::parse(uri).map_err(|_| ParseError::StartLine)?;
    // RFC 3261 §19.1.1: headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11).
    if uri.as_sip().is_some_and(SipUri::has_headers) {
        return Err(ParseError::StartLine);
    }
    Ok(Request {
        method,
        uri,
        headers,
        body: Bytes::new(),
    })
}

fn parse_status_line(line: &str, headers: Headers) -> Result<Response, ParseError> {
    let mut parts = line.splitn(3, ' ');
    let (Some(version), Some(code), reason) = (parts.next(), parts.next(), parts.next()) else {
        return Err(ParseError::StartLine);
    };
    if version != "SIP/2.0" {
        return Err(ParseError::Version);
    }
    let valid_code = code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit());
    let status: u16 = valid_code
        .then(|| code.parse().ok())
        .flatten()
        .ok_or(ParseError::StartLine)?;
    if !(100..700).contains(&status) {
        return Err(ParseError::StartLine);
    }
    let reason = reason.unwrap_or_default().to_owned();
    Ok(Response {
        status,
        reason,
        headers,
        body: Bytes::new(),
    })
}

fn check_mandatory(message: &Message) -> Result<(), ParseError> {
    let headers = message.headers();
    headers.vias()?;
    headers.from()?;
    headers.to()?;
    headers.call_id()?;
    let cseq = headers.cseq()?;
    if let Message::Request(request) = message
        && request.method != cseq.method
    {
        return Err(ParseError::CSeqMethod);
    }
    headers.max_forwards()?;
    check_contacts(headers)?;
    Ok(())
}

/// Contact is what a dialog routes to, so a present one must be readable; `*` (REGISTER's
/// "all bindings") is the one value that is not an address.
fn check_contacts(headers: &Headers) -> Result<(), HeaderError> {
    if headers.list("contact") == ["*"] {
        return Ok(());
    }
    headers.contacts().map(drop)
}

/// A decimal number (RFC 3261 `1*DIGIT`, so leading zeros are fine) no larger than `max`.
fn decimal(value: &str, max: u64) -> Option<u64> {
    let value = value.trim();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let significant = value.trim_start_matches('0');
    let number = match significant {
        "" => 0,
        digits => digits.parse().ok()?,
    };
    (number <= max).then_some(number)
}

fn set_body(message: &mut Message, body: Bytes) {
    match message {
        Message::Request(r) => r.body = body,
        Message::Response(r) => r.body = body,
    }
}

fn serialise(start: String, headers: &Headers, body: &[u8]) -> Vec<u8> {
    let mut text = start;
    for (name, value) in headers.iter().filter(|(n, _)| *n != "content-length") {
        let _ = write!(text, "{}: {}\r\n", display_name(name), value);
    }
    let _ = write!(text, "Content-Length: {}\r\n\r\n", body.len());
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// Compact forms (RFC 3261 §7.3.3 and extensions) and case folded to one full name.
fn canonical_name(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    let full = match lower.as_str() {
        "i" => "call-id",
        "m" => "contact",
        "e" => "content-encoding",
        "l" => "content-length",
        "c" => "content-type",
        "f" => "from",
        "s" => "subject",
        "k" => "supported",
        "t" => "to",
        "v" => "via",
        "o" => "event",
        "r" => "refer-to",
        "u" => "allow-events",
        "x" => "session-expires",
        _ => return lower,
    };
    full.to_owned()
}

/// The conventional spelling of a normalised header name.
fn display_name(name: &str) -> String {
    match name {
        "call-id" => "Call-ID".to_owned(),
        "cseq" => "CSeq".to_owned(),
        "www-authenticate" => "WWW-Authenticate".to_owned(),
        _ => name
            .split('-')
            .map(|word| {
                let mut chars = word.chars();
                chars
                    .next()
                    .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join("-"),
    }
}

#[cfg(test)]
mod tests;
