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
mod tests {
    use super::*;
    use crate::sip::method::Method;
    use crate::sip::uri::Uri;
    use bytes::Bytes;

    const RFC7616_NONCE: &str = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
    const RFC7616_CNONCE: &str = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
    const RFC2617_NONCE: &str = "dcd98b7102dd2f0e8b11d0f600bfb0c093";
    const REALM: &str = "registrar.example.net";
    const NONCE: &str = "5f3a9c2e/7Qv+";
    const CNONCE: &str = "0a4f113b";

    /// RFC 7616 §3.9.1; `qop`, `nc` 1 and the GET of /dir/index.html as in the RFC.
    fn rfc7616(hash: Hash) -> ResponseInput<'static> {
        ResponseInput {
            algorithm: Algorithm {
                hash,
                session: false,
            },
            username: "Mufasa",
            password: "Circle of Life",
            realm: "http-auth@example.org",
            nonce: RFC7616_NONCE,
            cnonce: RFC7616_CNONCE,
            nc: 1,
            qop: Some(Qop::Auth),
            method: "GET",
            uri: "/dir/index.html",
            body: b"",
        }
    }

    /// RFC 2617 §3.5 (its errata: the password that matches the printed digest).
    fn rfc2617(algorithm: Algorithm, qop: Option<Qop>) -> ResponseInput<'static> {
        ResponseInput {
            algorithm,
            password: "Circle Of Life",
            realm: "testrealm@host.com",
            nonce: RFC2617_NONCE,
            cnonce: CNONCE,
            qop,
            ..rfc7616(Hash::Md5)
        }
    }

    fn client() -> DigestClient {
        DigestClient::new(Credentials {
            username: "bin-test".into(),
            password: "wijk-7731".into(),
        })
    }

    fn challenge(status: u16, values: &[&str]) -> Response {
        let mut response = Response::new(status, "Unauthorized");
        for value in values {
            let name =
                Challenger::for_status(status).map_or("WWW-Authenticate", |c| c.challenge_header());
            response.headers.push(name, *value);
        }
        response
    }

    fn register() -> Request {
        Request::new(
            Method::Register,
            Uri::parse("sip:registrar.example.net").unwrap(),
        )
    }

    fn authorized(client: &mut DigestClient, cnonce: &str) -> BTreeMap<String, String> {
        let mut request = register();
        client.authorize(&mut request, cnonce);
        let value = request
            .headers
            .get("authorization")
            .expect("Authorization added");
        fields(value)
    }

    fn fields(value: &str) -> BTreeMap<String, String> {
        let schemes = schemes(value).unwrap();
        assert_eq!(schemes.len(), 1);
        assert_eq!(schemes[0].name, "Digest");
        named_params(&schemes[0].params).unwrap()
    }

    fn simple(extra: &str) -> String {
        format!("Digest realm=\"{REALM}\", nonce=\"{NONCE}\"{extra}")
    }

    #[test]
    fn rfc7616_md5_vector() {
        assert_eq!(
            response(&rfc7616(Hash::Md5)),
            "8ca523f5e9506fed4657c9700eebdbec"
        );
    }

    #[test]
    fn rfc7616_sha256_vector() {
        assert_eq!(
            response(&rfc7616(Hash::Sha256)),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
        );
    }

    #[test]
    fn rfc2617_with_and_without_qop() {
        let with_qop = rfc2617(Algorithm::MD5, Some(Qop::Auth));
        assert_eq!(response(&with_qop), "6629fae49393a05397450978507c4ef1");
        let rfc2069 = rfc2617(Algorithm::MD5, None);
        assert_eq!(response(&rfc2069), "670fd8c2df070c60b045671b8b24ff02");
    }

    #[test]
    fn sess_binds_nonce_and_cnonce() {
        // Expected values computed independently with Python's hashlib.
        let md5 = rfc2617(Algorithm::parse("MD5-sess").unwrap(), Some(Qop::Auth));
        assert_eq!(response(&md5), "8e3825c57e897f5a0dec6c2d4e5059d0");
        let sha = rfc2617(Algorithm::parse("sha-256-SESS").unwrap(), Some(Qop::Auth));
        assert_eq!(
            response(&sha),
            "b8822e12417cb7750f4e2b8515f0dcf25b7dd26993e80bee1426201446a7f59b"
        );
    }

    #[test]
    fn register_prefers_sha256_and_auth() {
        let mut client = client();
        let md5 = simple(", algorithm=MD5, qop=\"auth,auth-int\", opaque=\"op/aq\"");
        let sha = simple(", algorithm=SHA-256, qop=\"auth-int, auth\", opaque=\"op/aq\"");
        client
            .handle_challenge(&challenge(401, &[&md5, &sha]))
            .unwrap();
        let mut request = register();
        client.authorize(&mut request, CNONCE);
        let value = request.headers.get("authorization").unwrap();
        // Python hashlib: SHA-256, bin-test / wijk-7731, REGISTER sip:registrar.example.net.
        let expected = "fe42d360bad87702c28062035504e2b74489163f8307daf68c994a40a2909d68";
        assert_eq!(
            value,
            format!(
                "Digest username=\"bin-test\", realm=\"{REALM}\", nonce=\"{NONCE}\", \
                 uri=\"sip:registrar.example.net\", response=\"{expected}\", algorithm=SHA-256, \
                 cnonce=\"{CNONCE}\", qop=auth, nc=00000001, opaque=\"op/aq\""
            )
        );
    }

    #[test]
    fn no_qop_answers_rfc2069_style() {
        let mut client = client();
        client
            .handle_challenge(&challenge(401, &[&simple("")]))
            .unwrap();
        let mut invite = Request::new(
            Method::Invite,
            Uri::parse("sip:+3250000000@trunk.example.net").unwrap(),
        );
        client.authorize(&mut invite, CNONCE);
        let fields = fields(invite.headers.get("authorization").unwrap());
        assert_eq!(fields["response"], "9af0285adff7c76ffb2f73f3cc44322b");
        for absent in ["qop", "nc", "cnonce", "algorithm", "opaque"] {
            assert!(!fields.contains_key(absent), "{absent}");
        }
    }

    #[test]
    fn auth_int_only_hashes_the_body() {
        let mut client = client();
        client
            .handle_challenge(&challenge(401, &[&simple(", qop=auth-int")]))
            .unwrap();
        let mut invite = Request::new(
            Method::Invite,
            Uri::parse("sip:+3250000000@trunk.example.net").unwrap(),
        );
        invite.body = Bytes::from_static(b"v=0\r\n");
        client.authorize(&mut invite, CNONCE);
        let fields = fields(invite.headers.get("authorization").unwrap());
        assert_eq!(
            (fields["qop"].as_str(), fields["nc"].as_str()),
            ("auth-int", "00000001")
        );
        assert_eq!(fields["response"], "8600a92858731896aae72537210121f4");
    }

    #[test]
    fn nonce_count_increments_per_use() {
        let mut client = client();
        client
            .handle_challenge(&challenge(401, &[&simple(", qop=\"auth\"")]))
            .unwrap();
        let first = authorized(&mut client, CNONCE);
        let second = authorized(&mut client, CNONCE);
        assert_eq!(
            (first["nc"].as_str(), second["nc"].as_str()),
            ("00000001", "00000002")
        );
        assert_ne!(first["response"], second["response"]);
    }

    #[test]
    fn stale_nonce_is_retried() {
        let mut client = client();
        client
            .handle_challenge(&challenge(401, &[&simple(", qop=auth")]))
            .unwrap();
        authorized(&mut client, CNONCE);
        authorized(&mut client, CNONCE);
        let fresh = format!("Digest realm=\"{REALM}\", nonce=\"fresh\", qop=auth, stale=TRUE");
        client.handle_challenge(&challenge(401, &[&fresh])).unwrap();
        let retry = authorized(&mut client, CNONCE);
        assert_eq!(
            (retry["nonce"].as_str(), retry["nc"].as_str()),
            ("fresh", "00000001")
        );
    }

    #[test]
    fn same_nonce_again_is_rejected() {
        let mut client = client();
        let offer = simple(", qop=auth");
        client.handle_challenge(&challenge(401, &[&offer])).unwrap();
        client.handle_challenge(&challenge(401, &[&offer])).unwrap();
        authorized(&mut client, CNONCE);
        assert_eq!(
            client.handle_challenge(&challenge(401, &[&offer])),
            Err(DigestError::Rejected)
        );
        let stale = simple(", qop=auth, stale=true");
        assert_eq!(client.handle_challenge(&challenge(401, &[&stale])), Ok(()));
        assert_eq!(authorized(&mut client, CNONCE)["nc"], "00000002");
    }

    #[test]
    fn proxy_challenge_gets_proxy_authorization() {
        let mut client = client();
        client
            .handle_challenge(&challenge(407, &[&simple(", qop=auth")]))
            .unwrap();
        let mut request = register();
        client.authorize(&mut request, CNONCE);
        assert!(request.headers.get("authorization").is_none());
        assert!(request.headers.get("proxy-authorization").is_some());
        let server = "Digest realm=\"bin.example.net\", nonce=\"n2\"";
        client.handle_challenge(&challenge(401, &[server])).unwrap();
        client.authorize(&mut request, CNONCE);
        assert_eq!(request.headers.all("proxy-authorization").count(), 1);
        assert_eq!(request.headers.all("authorization").count(), 1);
    }

    #[test]
    fn ezk_reads_our_authorization() {
        use ezk_sip_types::header::HeaderParse;
        use ezk_sip_types::header::typed::AuthResponse;
        let mut client = client();
        client
            .handle_challenge(&challenge(401, &[&simple(", qop=auth, opaque=\"o\"")]))
            .unwrap();
        let mut request = register();
        client.authorize(&mut request, CNONCE);
        let value = Bytes::from(request.headers.get("authorization").unwrap().to_owned());
        let text = std::str::from_utf8(&value).unwrap();
        let Ok((_, AuthResponse::Digest(digest))) = AuthResponse::parse(&value, text) else {
            panic!("ezk could not parse {text}")
        };
        assert_eq!(
            (digest.nonce.as_ref(), digest.uri.as_ref()),
            (NONCE, "sip:registrar.example.net")
        );
        assert_eq!(digest.qop_response.map(|q| q.nc), Some(1));
    }

    #[test]
    fn grammar_edge_cases() {
        let value = "Basic realm=\"x\", Negotiate abc==, DIGEST REALM = \"a \\\"b\\\", c\" ,, \
                     NONCE=\"n\", Domain=\"sip:x\", charset=UTF-8, userhash=true, Qop=\"auth\"";
        let parsed = Challenge::parse_all(value);
        let [Ok(challenge)] = parsed.as_slice() else {
            panic!("{parsed:?}")
        };
        assert_eq!(challenge.realm, "a \"b\", c");
        assert_eq!(
            (challenge.nonce.as_str(), challenge.qop),
            ("n", Some(Qop::Auth))
        );
        assert_eq!(quote(&challenge.realm), "\"a \\\"b\\\", c\"");
    }

    #[test]
    fn unusable_challenges_say_why() {
        let mut client = client();
        let cases = [
            (200, simple(""), DigestError::NoChallenge),
            (
                401,
                "Basic realm=\"x\"".to_owned(),
                DigestError::NoChallenge,
            ),
            (
                401,
                simple(", algorithm=AKAv1-MD5"),
                DigestError::UnsupportedAlgorithm("AKAv1-MD5".into()),
            ),
            (401, simple(", qop=auth-conf"), DigestError::UnsupportedQop),
            (
                401,
                simple(", algorithm=MD5-sess"),
                DigestError::UnsupportedQop,
            ),
            (
                401,
                "Digest nonce=\"n\"".to_owned(),
                DigestError::Missing("realm"),
            ),
            (401, simple(", nonce=\"again\""), DigestError::Malformed),
        ];
        for (status, value, error) in cases {
            assert_eq!(
                client.handle_challenge(&challenge(status, &[&value])),
                Err(error),
                "{value}"
            );
        }
        assert_eq!(
            client.handle_challenge(&challenge(401, &[])),
            Err(DigestError::NoChallenge)
        );
        let mut request = register();
        client.authorize(&mut request, CNONCE);
        assert!(!client.has_challenge() && request.headers.iter().next().is_none());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let junk = [
            "",
            ",",
            "Digest",
            "=",
            "realm=\"x\"",
            "Digest realm=\"x",
            "Digest realm=\"x\"junk",
            "Digest realm=x y",
            "Digest realm=\"\\",
            "Digest realm=\"a\rb\", nonce=\"n\"",
            "Digest realm=\"\\\n\", nonce=\"n\"",
            "Digest realm=\"é\u{0}\"",
            "\"Digest\" realm=\"x\"",
            "Digest ,=\"\",",
            "Digest realm==\"x\"",
            "Digest \u{1F600}=1",
        ];
        let mut client = client();
        for value in junk {
            assert!(
                client.handle_challenge(&challenge(401, &[value])).is_err(),
                "{value:?}"
            );
        }
    }

    #[test]
    fn mutated_challenges_never_panic() {
        let valid =
            simple(", algorithm=\"SHA-256-sess\", qop=\"auth,auth-int\", opaque=\"a\\\"b\"");
        let bytes = valid.as_bytes();
        for cut in 0..=bytes.len() {
            let _ = Challenge::parse_all(&String::from_utf8_lossy(&bytes[..cut]));
            for replacement in [b'"', b'\\', b',', b'=', b' ', 0xC3, b'\r'] {
                let mut mutated = bytes.to_vec();
                mutated[cut.min(bytes.len() - 1)] = replacement;
                let _ = Challenge::parse_all(&String::from_utf8_lossy(&mutated));
            }
        }
    }

    #[test]
    fn credentials_cannot_inject_lines() {
        let mut client = DigestClient::new(Credentials {
            username: "bin\r\nVia: evil".into(),
            password: "x".into(),
        });
        client
            .handle_challenge(&challenge(401, &[&simple("")]))
            .unwrap();
        let mut request = register();
        client.authorize(&mut request, "c\"\r\n");
        let value = request.headers.get("authorization").unwrap();
        assert!(!value.contains(['\r', '\n']));
        assert!(format!("{:?}", client.credentials).contains("<redacted>"));
    }
}
