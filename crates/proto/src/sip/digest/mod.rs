//! Digest authentication, client side (RFC 3261 §22, RFC 7616, RFC 8760): reads the
//! challenges of a 401 or 407 and adds Authorization or Proxy-Authorization to later requests.
//!
//! Owns the challenge state per realm and the nonce count per nonce. Does not resend
//! requests, bump CSeq (the caller must, RFC 3261 §22.1), choose a cnonce (the caller passes
//! one, so nothing here needs randomness) or read a clock.
//!
//! Invariants: parsing challenges never panics; every value echoed to the server passed the
//! quoted-string grammar, so a hostile realm or nonce cannot smuggle CR/LF into our headers;
//! a nonce count starts at 1 for each new nonce.

use crate::sip::message::{Request, Response};
use crate::sip::method::is_token_byte;
use md5::Md5;
use sha2::{Digest, Sha256, Sha512_256};
use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

/// The secret a user agent proves it knows.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name, sent in clear.
    pub username: String,
    /// The password, never sent.
    pub password: String,
}

/// Why a response gave us no challenge we can answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    /// Not a 401 or 407, or no Digest challenge in it.
    #[error("no digest challenge")]
    NoChallenge,
    /// Only algorithms we do not implement (the name is cut to 32 characters).
    #[error("unsupported digest algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    /// A qop list without `auth` or `auth-int`, or a `-sess` algorithm without qop.
    #[error("no supported qop")]
    UnsupportedQop,
    /// The challenge does not follow the auth-param grammar.
    #[error("malformed challenge")]
    Malformed,
    /// A mandatory challenge parameter is absent.
    #[error("challenge lacks {0}")]
    Missing(&'static str),
    /// The nonce we answered was challenged again without `stale=true`: wrong credentials.
    #[error("credentials rejected")]
    Rejected,
}

/// The hash function behind a digest algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    /// MD5 (RFC 2617), still the only one many trunks offer.
    Md5,
    /// SHA-256 (RFC 7616, RFC 8760).
    Sha256,
    /// SHA-512/256 (RFC 7616, RFC 8760).
    Sha512_256,
}

/// A digest algorithm: a hash, and whether the session key also binds nonce and cnonce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Algorithm {
    /// The hash function.
    pub hash: Hash,
    /// `true` for the `-sess` variants.
    pub session: bool,
}

/// The quality of protection we answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qop {
    /// Authenticates method and Request-URI.
    Auth,
    /// Also authenticates the body; used only when `auth` is not offered.
    AuthInt,
}

/// Who challenged: the server itself (401) or a proxy on the way (407).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Challenger {
    /// 401 with WWW-Authenticate, answered with Authorization.
    Server,
    /// 407 with Proxy-Authenticate, answered with Proxy-Authorization.
    Proxy,
}

/// One Digest challenge, as much of it as a client needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The protection space; credentials are cached per realm.
    pub realm: String,
    /// The server nonce.
    pub nonce: String,
    /// Opaque data to echo unchanged.
    pub opaque: Option<String>,
    /// The algorithm, MD5 when the challenge names none.
    pub algorithm: Algorithm,
    /// The `algorithm` token exactly as the server spelled it, echoed back when present.
    pub algorithm_token: Option<String>,
    /// The qop we chose from the offered list; `None` for RFC 2069 servers.
    pub qop: Option<Qop>,
    /// `stale=true`: the previous nonce expired but the credentials were right.
    pub stale: bool,
}

/// Everything a request-digest depends on (RFC 7616 §3.4.1).
#[derive(Debug, Clone, Copy)]
pub struct ResponseInput<'a> {
    /// Algorithm of the challenge.
    pub algorithm: Algorithm,
    /// User name.
    pub username: &'a str,
    /// Password.
    pub password: &'a str,
    /// Realm of the challenge.
    pub realm: &'a str,
    /// Server nonce.
    pub nonce: &'a str,
    /// Client nonce (unused without qop).
    pub cnonce: &'a str,
    /// Nonce count (unused without qop).
    pub nc: u32,
    /// Chosen qop; `None` gives the RFC 2069 digest.
    pub qop: Option<Qop>,
    /// Request method.
    pub method: &'a str,
    /// The `uri` parameter: the Request-URI as sent.
    pub uri: &'a str,
    /// Request body, hashed for `auth-int` only.
    pub body: &'a [u8],
}

/// Answers Digest challenges for one set of credentials.
#[derive(Debug, Clone)]
pub struct DigestClient {
    credentials: Credentials,
    sessions: Vec<Session>,
}

impl DigestClient {
    /// A client that knows no challenge yet.
    pub fn new(credentials: Credentials) -> Self {
        DigestClient {
            credentials,
            sessions: Vec::new(),
        }
    }

    /// Reads every WWW-Authenticate (401) or Proxy-Authenticate (407) challenge of the
    /// response and remembers the best one per realm: the strongest hash, the server's order
    /// among equals. Unusable challenges are skipped; their first error is returned only when
    /// none is usable. `userhash` is ignored (the plain user name is sent, which RFC 7616
    /// allows). Err(Rejected) when a nonce we already answered comes back without
    /// `stale=true`; then nothing is remembered and the caller should stop retrying.
    pub fn handle_challenge(&mut self, response: &Response) -> Result<(), DigestError> {
        let challenger = Challenger::for_status(response.status).ok_or(DigestError::NoChallenge)?;
        let offered = usable_challenges(response, challenger)?;
        if offered.iter().any(|c| self.rejects(challenger, c)) {
            return Err(DigestError::Rejected);
        }
        for challenge in offered {
            self.remember(challenger, challenge);
        }
        Ok(())
    }

    /// Adds Authorization / Proxy-Authorization for every remembered challenge, computed for
    /// the request's method, Request-URI and body, replacing such headers already there.
    /// Each use of a nonce takes the next nonce count. Does nothing when no challenge is known.
    pub fn authorize(&mut self, request: &mut Request, cnonce: &str) {
        for challenger in [Challenger::Server, Challenger::Proxy] {
            if self.sessions.iter().any(|s| s.challenger == challenger) {
                request.headers.remove(challenger.credentials_header());
            }
        }
        for session in &mut self.sessions {
            session.nc = session.nc.saturating_add(1);
            let value = session.credentials_value(&self.credentials, request, cnonce);
            request
                .headers
                .push(session.challenger.credentials_header(), value);
        }
    }

    /// `true` once a challenge is remembered, so [`DigestClient::authorize`] adds headers.
    pub fn has_challenge(&self) -> bool {
        !self.sessions.is_empty()
    }

    fn rejects(&self, challenger: Challenger, challenge: &Challenge) -> bool {
        !challenge.stale
            && self
                .session(challenger, &challenge.realm)
                .is_some_and(|s| s.nc > 0 && s.challenge.nonce == challenge.nonce)
    }

    fn remember(&mut self, challenger: Challenger, challenge: Challenge) {
        let index = self
            .sessions
            .iter()
            .position(|s| s.answers(challenger, &challenge.realm));
        let Some(session) = index.and_then(|i| self.sessions.get_mut(i)) else {
            self.sessions.push(Session {
                challenger,
                challenge,
                nc: 0,
            });
            return;
        };
        if session.challenge.nonce != challenge.nonce {
            session.nc = 0;
        }
        session.challenge = challenge;
    }

    fn session(&self, challenger: Challenger, realm: &str) -> Option<&Session> {
        self.sessions.iter().find(|s| s.answers(challenger, realm))
    }
}

impl Challenge {
    /// The realm of the first usable challenge in a 401 or 407, for telling an operator
    /// where credentials were refused; empty when there is none.
    pub fn realm_of(response: &Response) -> String {
        Challenger::for_status(response.status)
            .and_then(|c| response.headers.get(c.challenge_header()))
            .and_then(|value| Challenge::parse_all(value).into_iter().find_map(Result::ok))
            .map(|challenge| challenge.realm)
            .unwrap_or_default()
    }

    /// Parses one WWW-Authenticate or Proxy-Authenticate value, which may hold several
    /// challenges; challenges in other schemes are skipped. Never panics.
    pub fn parse_all(value: &str) -> Vec<Result<Challenge, DigestError>> {
        match schemes(value) {
            Err(error) => vec![Err(error)],
            Ok(schemes) => schemes
                .iter()
                .filter(|s| s.name.eq_ignore_ascii_case("digest"))
                .map(|s| Challenge::from_params(&s.params))
                .collect(),
        }
    }

    fn from_params(elements: &[&str]) -> Result<Challenge, DigestError> {
        let mut params = named_params(elements)?;
        let algorithm_token = params.remove("algorithm");
        let algorithm = algorithm_token
            .as_deref()
            .map_or(Ok(Algorithm::MD5), Algorithm::parse)?;
        let qop = params
            .remove("qop")
            .as_deref()
            .map(Qop::choose)
            .transpose()?;
        if algorithm.session && qop.is_none() {
            return Err(DigestError::UnsupportedQop);
        }
        Ok(Challenge {
            realm: params
                .remove("realm")
                .ok_or(DigestError::Missing("realm"))?,
            nonce: params
                .remove("nonce")
                .ok_or(DigestError::Missing("nonce"))?,
            opaque: params.remove("opaque"),
            algorithm,
            algorithm_token,
            qop,
            stale: params
                .get("stale")
                .is_some_and(|v| v.eq_ignore_ascii_case("true")),
        })
    }
}

/// The request-digest, lower-case hex: KD(H(A1), nonce:nc:cnonce:qop:H(A2)) with qop,
/// H(H(A1):nonce:H(A2)) without (RFC 7616 §3.4.1, RFC 2069).
pub fn response(input: &ResponseInput<'_>) -> String {
    let hash = input.algorithm.hash;
    let ha1 = session_key(input);
    let ha2 = hash.hex(a2(input).as_bytes());
    let data = match input.qop {
        None => format!("{ha1}:{}:{ha2}", input.nonce),
        Some(qop) => format!(
            "{ha1}:{}:{:08x}:{}:{}:{ha2}",
            input.nonce,
            input.nc,
            input.cnonce,
            qop.as_str()
        ),
    };
    hash.hex(data.as_bytes())
}

impl Algorithm {
    /// Plain MD5, the default when a challenge names no algorithm.
    pub const MD5: Algorithm = Algorithm {
        hash: Hash::Md5,
        session: false,
    };

    /// Reads an algorithm token, case-insensitively.
    pub fn parse(name: &str) -> Result<Algorithm, DigestError> {
        let lower = name.to_ascii_lowercase();
        let (base, session) = match lower.strip_suffix("-sess") {
            Some(base) => (base, true),
            None => (lower.as_str(), false),
        };
        let hash = match base {
            "md5" => Hash::Md5,
            "sha-256" => Hash::Sha256,
            "sha-512-256" => Hash::Sha512_256,
            _ => {
                return Err(DigestError::UnsupportedAlgorithm(
                    name.chars().take(32).collect(),
                ));
            }
        };
        Ok(Algorithm { hash, session })
    }
}

impl Hash {
    /// Lower-case hex digest of `data`.
    pub fn hex(self, data: &[u8]) -> String {
        match self {
            Hash::Md5 => hex::encode(Md5::digest(data)),
            Hash::Sha256 => hex::encode(Sha256::digest(data)),
            Hash::Sha512_256 => hex::encode(Sha512_256::digest(data)),
        }
    }

    /// Preference when one realm offers several: anything over MD5; equals keep server order.
    fn strength(self) -> u8 {
        match self {
            Hash::Md5 => 0,
            Hash::Sha256 | Hash::Sha512_256 => 1,
        }
    }
}

impl Qop {
    /// The token on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Qop::Auth => "auth",
            Qop::AuthInt => "auth-int",
        }
    }

    /// Picks from an offered list such as `auth,auth-int`: `auth` when offered.
    fn choose(list: &str) -> Result<Qop, DigestError> {
        let offered = |qop: &str| list.split(',').any(|o| o.trim().eq_ignore_ascii_case(qop));
        match (offered("auth"), offered("auth-int")) {
            (true, _) => Ok(Qop::Auth),
            (false, true) => Ok(Qop::AuthInt),
            (false, false) => Err(DigestError::UnsupportedQop),
        }
    }
}

impl Challenger {
    /// Who challenged, from the status code: 401 or 407.
    pub fn for_status(status: u16) -> Option<Challenger> {
        match status {
            401 => Some(Challenger::Server),
            407 => Some(Challenger::Proxy),
            _ => None,
        }
    }

    /// The header carrying the challenge.
    pub fn challenge_header(self) -> &'static str {
        match self {
            Challenger::Server => "WWW-Authenticate",
            Challenger::Proxy => "Proxy-Authenticate",
        }
    }

    /// The header carrying our answer.
    pub fn credentials_header(self) -> &'static str {
        match self {
            Challenger::Server => "Authorization",
            Challenger::Proxy => "Proxy-Authorization",
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// A remembered challenge and how often we used its nonce.
#[derive(Debug, Clone)]
struct Session {
    challenger: Challenger,
    challenge: Challenge,
    nc: u32,
}

impl Session {
    fn answers(&self, challenger: Challenger, realm: &str) -> bool {
        self.challenger == challenger && self.challenge.realm == realm
    }

    /// The Authorization value; quoting as RFC 7616 §3.4 requires (nc, qop, algorithm bare).
    fn credentials_value(
        &self,
        credentials: &Credentials,
        request: &Request,
        cnonce: &str,
    ) -> String {
        let (c, uri) = (&self.challenge, request.uri.to_string());
        let digest = response(&self.input(credentials, request, &uri, cnonce));
        let mut value = format!(
            "Digest username={}, realm={}, nonce={}, uri={}, response=\"{digest}\"",
            quote(&credentials.username),
            quote(&c.realm),
            quote(&c.nonce),
            quote(&uri)
        );
        if let Some(token) = &c.algorithm_token {
            let _ = write!(value, ", algorithm={token}");
        }
        if let Some(qop) = c.qop {
            let _ = write!(
                value,
                ", cnonce={}, qop={}, nc={:08x}",
                quote(cnonce),
                qop.as_str(),
                self.nc
            );
        }
        if let Some(opaque) = &c.opaque {
            let _ = write!(value, ", opaque={}", quote(opaque));
        }
        value
    }

    fn input<'a>(
        &'a self,
        credentials: &'a Credentials,
        request: &'a Request,
        uri: &'a str,
        cnonce: &'a str,
    ) -> ResponseInput<'a> {
        let c = &self.challenge;
        ResponseInput {
            algorithm: c.algorithm,
            username: &credentials.username,
            password: &credentials.password,
            realm: &c.realm,
            nonce: &c.nonce,
            cnonce,
            nc: self.nc,
            qop: c.qop,
            method: request.method.as_str(),
            uri,
            body: &request.body,
        }
    }
}

/// More challenges than any server offers; the rest of a hostile list is ignored.
const MAX_CHALLENGES: usize = 16;

/// The best usable challenge per realm, or why there is none.
fn usable_challenges(
    response: &Response,
    challenger: Challenger,
) -> Result<Vec<Challenge>, DigestError> {
    let (mut usable, mut first_error) = (Vec::<Challenge>::new(), None);
    let values = response.headers.all(challenger.challenge_header());
    for parsed in values.flat_map(Challenge::parse_all).take(MAX_CHALLENGES) {
        match parsed {
            Ok(challenge) => prefer(&mut usable, challenge),
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    if usable.is_empty() {
        return Err(first_error.unwrap_or(DigestError::NoChallenge));
    }
    Ok(usable)
}

fn prefer(best: &mut Vec<Challenge>, challenge: Challenge) {
    match best.iter_mut().find(|b| b.realm == challenge.realm) {
        Some(b) if challenge.algorithm.hash.strength() > b.algorithm.hash.strength() => {
            *b = challenge
        }
        Some(_) => {}
        None => best.push(challenge),
    }
}

fn session_key(input: &ResponseInput<'_>) -> String {
    let hash = input.algorithm.hash;
    let secret = format!("{}:{}:{}", input.username, input.realm, input.password);
    let ha1 = hash.hex(secret.as_bytes());
    if !input.algorithm.session {
        return ha1;
    }
    hash.hex(format!("{ha1}:{}:{}", input.nonce, input.cnonce).as_bytes())
}

fn a2(input: &ResponseInput<'_>) -> String {
    match input.qop {
        Some(Qop::AuthInt) => {
            let body = input.algorithm.hash.hex(input.body);
            format!("{}:{}:{body}", input.method, input.uri)
        }
        _ => format!("{}:{}", input.method, input.uri),
    }
}

/// A quoted-string; control characters cannot be quoted and are dropped.
fn quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars().filter(|c| !is_control(*c)) {
        if matches!(c, '"' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

/// One auth-scheme with its comma-separated elements (auth-params, or a token68).
#[derive(Debug)]
struct Scheme<'a> {
    name: &'a str,
    params: Vec<&'a str>,
}

/// Groups a challenge list: an element starting `token SP` opens a new scheme.
fn schemes(value: &str) -> Result<Vec<Scheme<'_>>, DigestError> {
    let mut schemes: Vec<Scheme<'_>> = Vec::new();
    for element in split_elements(value) {
        match scheme_start(element) {
            Some((name, first)) => {
                let params = Some(first).filter(|f| !f.is_empty()).into_iter().collect();
                schemes.push(Scheme { name, params });
            }
            None => schemes
                .last_mut()
                .ok_or(DigestError::Malformed)?
                .params
                .push(element),
        }
    }
    Ok(schemes)
}

/// Splits at commas outside quoted strings; drops empty elements (RFC 7230 §7).
fn split_elements(value: &str) -> Vec<&str> {
    let (mut parts, mut start, mut quoted, mut escaped) = (Vec::new(), 0, false, false);
    for (i, b) in value.bytes().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' if quoted => escaped = true,
            b'"' => quoted = !quoted,
            b',' if !quoted => {
                parts.push(value.get(start..i).unwrap_or_default());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(value.get(start..).unwrap_or_default());
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

/// `Digest realm="x"` → ("Digest", `realm="x"`); `realm="x"` → None.
fn scheme_start(element: &str) -> Option<(&str, &str)> {
    let end = element
        .bytes()
        .position(|b| !is_token_byte(b))
        .unwrap_or(element.len());
    let (name, rest) = element.split_at_checked(end)?;
    let first = rest.trim_start_matches([' ', '\t']);
    let separated = rest.is_empty() || first.len() < rest.len();
    (!name.is_empty() && separated && !first.starts_with('=')).then_some((name, first))
}

/// Parameters by lower-case name; a repeated name is malformed (RFC 7235 §2.1).
fn named_params(elements: &[&str]) -> Result<BTreeMap<String, String>, DigestError> {
    let mut params = BTreeMap::new();
    for element in elements {
        let (name, value) = param(element)?;
        if params.insert(name, value).is_some() {
            return Err(DigestError::Malformed);
        }
    }
    Ok(params)
}

/// `name = token` or `name = "quoted"`, the value unescaped.
fn param(element: &str) -> Result<(String, String), DigestError> {
    let (name, value) = element.split_once('=').ok_or(DigestError::Malformed)?;
    let name = name.trim_end_matches([' ', '\t']);
    if name.is_empty() || !name.bytes().all(is_token_byte) {
        return Err(DigestError::Malformed);
    }
    let value = value.trim_start_matches([' ', '\t']);
    let value = match value.strip_prefix('"') {
        Some(quoted) => unquote(quoted)?,
        None if !value.is_empty() && value.bytes().all(is_token_byte) => value.to_owned(),
        None => return Err(DigestError::Malformed),
    };
    Ok((name.to_ascii_lowercase(), value))
}

/// The rest of a quoted-string after its opening quote; nothing may follow the closing one.
fn unquote(text: &str) -> Result<String, DigestError> {
    let (mut value, mut chars) = (String::new(), text.chars());
    while let Some(c) = chars.next() {
        match c {
            '"' if chars.as_str().trim().is_empty() => return Ok(value),
            '\\' => value.push(
                chars
                    .next()
                    .filter(|c| !is_control(*c))
                    .ok_or(DigestError::Malformed)?,
            ),
            c if c == '"' || is_control(c) => return Err(DigestError::Malformed),
            c => value.push(c),
        }
    }
    Err(DigestError::Malformed)
}

/// Characters a quoted-string cannot carry, even escaped (CR and LF above all).
fn is_control(c: char) -> bool {
    c.is_ascii_control() && c != '\t'
}

#[cfg(test)]
mod tests;
