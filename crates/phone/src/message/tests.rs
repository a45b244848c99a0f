//! Framing round trips, each framing error, and a fuzz-like pass over truncated, mutated and
//! random bytes: nothing panics, and a cut message is never taken for a whole one.

use super::*;
use crate::sdp::Audio;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const OK_WITH_SDP: &str = "SIP/2.0 200 OK\r\n\
    Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK77;rport\r\n\
    From: <sip:bin@example.test>;tag=local1\r\n\
    To: <sip:+3212345678@trunk.test>;tag=phone1\r\n\
    Call-ID: call-1@example.test\r\n\
    CSeq: 1 INVITE\r\n\
    Contact: <sip:phone@127.0.0.2:5070>\r\n\
    Content-Type: application/sdp\r\n\
    Content-Length: 61\r\n\r\n\
    v=0\r\nc=IN IP4 127.0.0.2\r\nm=audio 17000 RTP/AVP 8 101\r\nt=0 0\r\n";

const FOLDED: &str = "BYE sip:phone@127.0.0.2 SIP/2.0\r\n\
    v: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\n\
    Subject : first\r\n\t second \r\n  \r\n\
    f: <sip:a@h>;tag=1\r\nt: <sip:b@h>;tag=2\r\ni: c\r\nCSeq: 9 BYE\r\nMax-Forwards: 70\r\n\r\n";

#[test]
fn a_response_with_body_round_trips() {
    let message = parse_datagram(OK_WITH_SDP.as_bytes()).unwrap();
    assert_eq!(message.status(), Some(200));
    assert_eq!(message.body.len(), 61);
    assert_eq!(Audio::parse(&message.body).unwrap().port, 17000);
    assert_eq!(message.to_bytes(), OK_WITH_SDP.as_bytes());
}

#[test]
fn folded_lines_and_compact_names_are_read() {
    let message = parse_datagram(FOLDED.as_bytes()).unwrap();
    assert!(message.is_request("BYE"));
    assert_eq!(message.uri(), Some("sip:phone@127.0.0.2"));
    assert_eq!(message.headers.get("subject"), Some("first second"));
    assert_eq!(message.headers.call_id(), Ok("c"));
    assert_eq!(message.check_mandatory(), Ok(()));
    assert!(message.body.is_empty());
}

#[test]
fn a_datagram_without_content_length_takes_the_rest() {
    let text = FOLDED.replace("\r\n\r\n", "\r\n\r\nrest");
    assert_eq!(parse_datagram(text.as_bytes()).unwrap().body, b"rest");
    let extra = format!("{OK_WITH_SDP}junk");
    assert_eq!(
        parse_datagram(extra.as_bytes()).unwrap().body.len(),
        61,
        "§18.3"
    );
}

#[test]
fn a_stream_yields_messages_one_by_one() {
    let stream = format!("\r\n\r\n{OK_WITH_SDP}{OK_WITH_SDP}\r\n");
    let (first, used) = parse_stream(stream.as_bytes()).unwrap().unwrap();
    assert_eq!((first.status(), used), (Some(200), 4 + OK_WITH_SDP.len()));
    let rest = stream.as_bytes().get(used..).unwrap();
    let (_, used) = parse_stream(rest).unwrap().unwrap();
    assert_eq!(
        parse_stream(rest.get(used..).unwrap()),
        Ok(None),
        "a keep-alive"
    );
    let bare = FOLDED.as_bytes();
    assert_eq!(parse_stream(bare), Err(ParseError::MissingContentLength));
}

#[test]
fn framing_errors_are_named() {
    let cases: [(&str, ParseError); 12] = [
        ("INVITE sip:x SIP/2.0\r\nVia: x\r\n", ParseError::Incomplete),
        (
            "INVITE sip:x SIP/2.0\nVia: x\r\n\r\n",
            ParseError::LineEnding { line: 1 },
        ),
        ("INVITE  sip:x SIP/2.0\r\n\r\n", ParseError::StartLine),
        ("INVITE sip:x\r\n\r\n", ParseError::StartLine),
        ("INV(TE sip:x SIP/2.0\r\n\r\n", ParseError::Method),
        ("INVITE sip:x SIP/3.0\r\n\r\n", ParseError::Version),
        ("SIP/2.0 20 OK\r\n\r\n", ParseError::Status),
        ("SIP/2.0 700 Odd\r\n\r\n", ParseError::Status),
        (
            "SIP/2.0 200 OK\r\nno colon\r\n\r\n",
            ParseError::HeaderLine { line: 2 },
        ),
        (
            "SIP/2.0 200 OK\r\n folded\r\n\r\n",
            ParseError::Continuation { line: 2 },
        ),
        (
            "SIP/2.0 200 OK\r\nl: 1\r\nl: 2\r\n\r\nab",
            ParseError::ContentLength,
        ),
        (
            "SIP/2.0 200 OK\r\nl: 9\r\n\r\nab",
            ParseError::Truncated {
                declared: 9,
                available: 2,
            },
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(parse_datagram(text.as_bytes()), Err(expected), "{text:?}");
    }
    let huge = format!("SIP/2.0 200 OK\r\nl: {}\r\n\r\n", MAX_BODY + 1);
    assert_eq!(
        parse_datagram(huge.as_bytes()),
        Err(ParseError::BodyTooLarge)
    );
    let long = format!("SIP/2.0 200 OK\r\nX: {}", "a".repeat(MAX_HEAD));
    assert_eq!(parse_stream(long.as_bytes()), Err(ParseError::HeadTooLarge));
    let latin1 = b"SIP/2.0 200 \xe9\r\n\r\n";
    assert_eq!(parse_datagram(latin1), Err(ParseError::NotUtf8));
}

/// Every strict prefix of a framed message is an error on a datagram and "not yet" on a
/// stream: a cut message is never read as a whole one.
#[test]
fn cut_messages_are_never_whole() {
    for whole in [
        OK_WITH_SDP,
        FOLDED.replace("\r\n\r\n", "\r\nl: 0\r\n\r\n").as_str(),
    ] {
        for end in 0..whole.len() {
            let cut = whole.as_bytes().get(..end).unwrap();
            assert!(parse_datagram(cut).is_err(), "datagram cut at {end}");
            assert_eq!(parse_stream(cut), Ok(None), "stream cut at {end}");
        }
    }
}

/// Mutated and random bytes: parsing, the fields and SDP never panic.
#[test]
fn hostile_bytes_never_panic() {
    let mut rng = StdRng::seed_from_u64(0x5eed_cafe_f00d_d00d);
    let seeds = [OK_WITH_SDP.as_bytes(), FOLDED.as_bytes()];
    let alphabet = b"\r\n \t:;,<>\"\\=@/0123456789ZzSIP";
    for round in 0..20_000 {
        let mut bytes = seeds.get(round % 2).copied().unwrap_or_default().to_vec();
        if round % 5 == 0 {
            bytes = (0..rng.random_range(0..300))
                .map(|_| rng.random::<u8>())
                .collect();
        }
        for _ in 0..=rng.random_range(0..6) {
            mutate(&mut bytes, &mut rng, alphabet);
        }
        exercise(&bytes);
    }
}

fn mutate(bytes: &mut Vec<u8>, rng: &mut StdRng, alphabet: &[u8]) {
    let at = rng.random_range(0..=bytes.len());
    let pick = alphabet
        .get(rng.random_range(0..alphabet.len().max(1)))
        .copied()
        .unwrap_or(b'x');
    match rng.random_range(0..4) {
        0 => bytes.insert(at, pick),
        1 if at < bytes.len() => {
            bytes.remove(at);
        }
        2 if at < bytes.len() => bytes[at] = rng.random::<u8>(),
        _ => bytes.truncate(at),
    }
}

fn exercise(bytes: &[u8]) {
    let _ = parse_stream(bytes);
    let _ = Audio::parse(bytes);
    let Ok(message) = parse_datagram(bytes) else {
        return;
    };
    let h = &message.headers;
    let _ = (h.call_id(), h.cseq(), h.via_branches(), h.top_branch());
    let _ = (
        h.from_tag(),
        h.to_tag(),
        h.contact_uri(),
        message.check_mandatory(),
    );
    let _ = crate::build::response_to(&message, 200, "OK", "t").to_bytes();
    let _ = crate::build::Dialog::accept(&message, "t", "SIP/2.0/UDP h")
        .map(|mut d| d.request("BYE", "b"));
    let _ = Audio::parse(&message.body);
}
