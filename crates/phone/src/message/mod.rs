//! Framing: a start line, header lines and a body cut to Content-Length (RFC 3261 §7, §18.3).
//!
//! A parsed [`Message`] is only framed, not validated: the fields a phone reads are checked
//! when they are read ([`crate::fields`]), so a test can tell which header the gateway got
//! wrong. The head must be UTF-8 with CRLF line ends; the body is bytes.

use crate::headers::Headers;

/// The largest message head read; a longer one is refused rather than buffered for ever.
pub const MAX_HEAD: usize = 64 * 1024;
/// The largest body read.
pub const MAX_BODY: usize = 64 * 1024;

/// Why bytes are not a SIP message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// No empty line ends the head (yet).
    #[error("no empty line ends the message head")]
    Incomplete,
    /// The head is longer than [`MAX_HEAD`].
    #[error("the message head is longer than {MAX_HEAD} bytes")]
    HeadTooLarge,
    /// The head is not UTF-8.
    #[error("the message head is not UTF-8")]
    NotUtf8,
    /// A line of the head ends in a bare CR or LF instead of CRLF.
    #[error("line {line} of the head does not end in CRLF")]
    LineEnding {
        /// The line, counting the start line as 1.
        line: usize,
    },
    /// The first line is neither `METHOD URI SIP/2.0` nor `SIP/2.0 CODE REASON`.
    #[error("the start line is neither a request line nor a status line")]
    StartLine,
    /// The method is not a token.
    #[error("the request method is not a token")]
    Method,
    /// A version other than SIP/2.0.
    #[error("the SIP version is not SIP/2.0")]
    Version,
    /// The status code is not three digits from 100 to 699.
    #[error("the status code is not three digits from 100 to 699")]
    Status,
    /// A header line without a token name and a colon.
    #[error("line {line} is not `name: value`")]
    HeaderLine {
        /// The line, counting the start line as 1.
        line: usize,
    },
    /// A folded line (starting with a space) with no header before it to continue.
    #[error("line {line} continues no header")]
    Continuation {
        /// The line, counting the start line as 1.
        line: usize,
    },
    /// Content-Length is not a number, or is given twice with different numbers.
    #[error("Content-Length is unreadable")]
    ContentLength,
    /// A message on a stream without Content-Length (RFC 3261 §18.3: it is mandatory there).
    #[error("a message on a stream has no Content-Length")]
    MissingContentLength,
    /// Content-Length promises more bytes than the datagram holds.
    #[error("Content-Length is {declared} but only {available} bytes follow the head")]
    Truncated {
        /// What Content-Length says.
        declared: usize,
        /// What arrived.
        available: usize,
    },
    /// Content-Length is larger than [`MAX_BODY`].
    #[error("the body is longer than {MAX_BODY} bytes")]
    BodyTooLarge,
}

/// The first line of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartLine {
    /// `METHOD URI SIP/2.0`.
    Request {
        /// The method, case-sensitive (RFC 3261 §7.1).
        method: String,
        /// The Request-URI as written.
        uri: String,
    },
    /// `SIP/2.0 CODE REASON`.
    Response {
        /// 100 to 699.
        status: u16,
        /// The reason phrase (may be empty).
        reason: String,
    },
}

/// A framed SIP message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The request or status line.
    pub start: StartLine,
    /// The header lines in order.
    pub headers: Headers,
    /// The body, cut to Content-Length.
    pub body: Vec<u8>,
}

impl Message {
    /// A request without headers or body.
    pub fn request(method: &str, uri: &str) -> Message {
        Message::new(StartLine::Request {
            method: method.to_owned(),
            uri: uri.to_owned(),
        })
    }

    /// A response without headers or body.
    pub fn response(status: u16, reason: &str) -> Message {
        Message::new(StartLine::Response {
            status,
            reason: reason.to_owned(),
        })
    }

    /// The method of a request; `None` for a response.
    pub fn method(&self) -> Option<&str> {
        match &self.start {
            StartLine::Request { method, .. } => Some(method),
            StartLine::Response { .. } => None,
        }
    }

    /// `true` for a request with this method (methods are case-sensitive).
    pub fn is_request(&self, method: &str) -> bool {
        self.method() == Some(method)
    }

    /// The Request-URI of a request.
    pub fn uri(&self) -> Option<&str> {
        match &self.start {
            StartLine::Request { uri, .. } => Some(uri),
            StartLine::Response { .. } => None,
        }
    }

    /// The status of a response; `None` for a request.
    pub fn status(&self) -> Option<u16> {
        match self.start {
            StartLine::Response { status, .. } => Some(status),
            StartLine::Request { .. } => None,
        }
    }

    /// The wire form, CRLF throughout, with a Content-Length that fits the body (whatever
    /// Content-Length the headers held).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut text = match &self.start {
            StartLine::Request { method, uri } => format!("{method} {uri} SIP/2.0\r\n"),
            StartLine::Response { status, reason } => format!("SIP/2.0 {status} {reason}\r\n"),
        };
        for (name, value) in self.headers.iter() {
            if !name.eq_ignore_ascii_case("content-length") {
                text.push_str(&format!("{name}: {value}\r\n"));
            }
        }
        text.push_str(&format!("Content-Length: {}\r\n\r\n", self.body.len()));
        let mut bytes = text.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }

    fn new(start: StartLine) -> Message {
        Message {
            start,
            headers: Headers::default(),
            body: Vec::new(),
        }
    }
}

/// Parses one datagram. Without Content-Length the body is the rest of the datagram; with
/// it, bytes beyond are dropped (§18.3) and a shorter datagram is [`ParseError::Truncated`].
pub fn parse_datagram(bytes: &[u8]) -> Result<Message, ParseError> {
    let bytes = skip_keep_alives(bytes);
    let (head, rest) = split_head(bytes)?;
    let mut message = parse_head(head)?;
    let length = content_length(&message.headers)?.unwrap_or(rest.len());
    let body = rest.get(..length).ok_or(ParseError::Truncated {
        declared: length,
        available: rest.len(),
    })?;
    message.body = body.to_vec();
    Ok(message)
}

/// Parses the next message of a stream: `Ok(None)` until all of it has arrived, then the
/// message and how many bytes of `buffer` it took (CRLFs before it included).
pub fn parse_stream(buffer: &[u8]) -> Result<Option<(Message, usize)>, ParseError> {
    let bytes = skip_keep_alives(buffer);
    let skipped = buffer.len() - bytes.len();
    let (head, rest) = match split_head(bytes) {
        Err(ParseError::Incomplete) => return Ok(None),
        other => other?,
    };
    let mut message = parse_head(head)?;
    let length = content_length(&message.headers)?.ok_or(ParseError::MissingContentLength)?;
    let Some(body) = rest.get(..length) else {
        return Ok(None);
    };
    message.body = body.to_vec();
    let used = skipped + (bytes.len() - rest.len()) + length;
    Ok(Some((message, used)))
}

/// RFC 3261 §7.5: CRLFs before a start line are ignored (keep-alives on streams).
fn skip_keep_alives(bytes: &[u8]) -> &[u8] {
    let mut rest = bytes;
    while let Some(after) = rest.strip_prefix(b"\r\n") {
        rest = after;
    }
    rest
}

/// The head (without its empty line) and everything after it.
fn split_head(bytes: &[u8]) -> Result<(&[u8], &[u8]), ParseError> {
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n");
    match end {
        Some(at) if at > MAX_HEAD => Err(ParseError::HeadTooLarge),
        Some(at) => Ok((
            bytes.get(..at).unwrap_or_default(),
            bytes.get(at + 4..).unwrap_or_default(),
        )),
        None if bytes.len() > MAX_HEAD => Err(ParseError::HeadTooLarge),
        None => Err(ParseError::Incomplete),
    }
}

fn parse_head(head: &[u8]) -> Result<Message, ParseError> {
    let head = std::str::from_utf8(head).map_err(|_| ParseError::NotUtf8)?;
    let lines: Vec<&str> = head.split("\r\n").collect();
    if let Some(at) = lines.iter().position(|l| l.contains(['\r', '\n'])) {
        return Err(ParseError::LineEnding { line: at + 1 });
    }
    let mut lines = (1..).zip(lines);
    let (_, start) = lines.next().ok_or(ParseError::StartLine)?;
    let mut message = Message::new(parse_start_line(start)?);
    for (number, line) in lines {
        if line.starts_with([' ', '\t']) {
            let continued = message.headers.last_value_mut();
            fold(
                continued.ok_or(ParseError::Continuation { line: number })?,
                line,
            );
            continue;
        }
        let (name, value) = line
            .split_once(':')
            .ok_or(ParseError::HeaderLine { line: number })?;
        let name = name.trim_end_matches([' ', '\t']);
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(ParseError::HeaderLine { line: number });
        }
        message.headers.push(name, value.trim_matches([' ', '\t']));
    }
    Ok(message)
}

/// A folded line continues the value before it, joined by one space (RFC 3261 §7.3.1).
fn fold(value: &mut String, line: &str) {
    let more = line.trim_matches([' ', '\t']);
    if !value.is_empty() && !more.is_empty() {
        value.push(' ');
    }
    value.push_str(more);
}

fn parse_start_line(line: &str) -> Result<StartLine, ParseError> {
    if line
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("SIP/"))
    {
        return parse_status_line(line);
    }
    let parts: Vec<&str> = line.split(' ').collect();
    let [method, uri, version] = parts.as_slice() else {
        return Err(ParseError::StartLine);
    };
    if method.is_empty() || !method.bytes().all(is_token_byte) {
        return Err(ParseError::Method);
    }
    if uri.is_empty() {
        return Err(ParseError::StartLine);
    }
    if !version.eq_ignore_ascii_case("SIP/2.0") {
        return Err(ParseError::Version);
    }
    Ok(StartLine::Request {
        method: (*method).to_owned(),
        uri: (*uri).to_owned(),
    })
}

fn parse_status_line(line: &str) -> Result<StartLine, ParseError> {
    let mut parts = line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    if !version.eq_ignore_ascii_case("SIP/2.0") {
        return Err(ParseError::Version);
    }
    let code = parts.next().unwrap_or_default();
    let status = (code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()))
        .then(|| code.parse::<u16>().ok())
        .flatten()
        .filter(|s| (100..700).contains(s))
        .ok_or(ParseError::Status)?;
    let reason = parts.next().unwrap_or_default().to_owned();
    Ok(StartLine::Response { status, reason })
}

/// Content-Length, if present; several lines must agree.
fn content_length(headers: &Headers) -> Result<Option<usize>, ParseError> {
    let mut length = None;
    for value in headers.all("content-length") {
        let digits = value.trim();
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ParseError::ContentLength);
        }
        let n: usize = digits.parse().map_err(|_| ParseError::BodyTooLarge)?;
        if length.is_some_and(|l| l != n) {
            return Err(ParseError::ContentLength);
        }
        length = Some(n);
    }
    match length {
        Some(n) if n > MAX_BODY => Err(ParseError::BodyTooLarge),
        other => Ok(other),
    }
}

/// RFC 3261 §25.1 `token`.
pub(crate) fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&b)
}

#[cfg(test)]
mod tests;
