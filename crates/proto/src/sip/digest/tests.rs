//! Tests of the parent module.

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
    let valid = simple(", algorithm=\"SHA-256-sess\", qop=\"auth,auth-int\", opaque=\"a\\\"b\"");
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
