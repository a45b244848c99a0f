//! Tests of the parent module.

use super::*;

const INVITE: &str = "INVITE sip:+32471000001@trunk.example.net SIP/2.0\r\n\
    v: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa1;rport\r\n\
    Max-Forwards: 70\r\n\
    f: <sip:bin@example.net>;tag=f1\r\n\
    t: <sip:+32471000001@trunk.example.net>\r\n\
    i: abc@192.0.2.1\r\n\
    CSeq: 1 INVITE\r\n\
    Subject: folded\r\n  line\r\n\
    c: application/sdp\r\n\
    l: 4\r\n\r\nv=0\r\nextra";

#[test]
fn compact_names_folding_and_content_length() {
    let Message::Request(req) = parse_datagram(INVITE.as_bytes()).unwrap() else {
        panic!("not a request")
    };
    assert_eq!(req.method, Method::Invite);
    assert_eq!(req.headers.call_id().unwrap(), "abc@192.0.2.1");
    assert_eq!(req.headers.get("subject"), Some("folded line"));
    assert_eq!(req.headers.top_via().unwrap().branch(), Some("z9hG4bKa1"));
    assert_eq!(&req.body[..], b"v=0\r");
    assert_eq!(req.headers.from().unwrap().tag(), Some("f1"));
}

#[test]
fn serialise_round_trip_keeps_binary_body() {
    let Message::Request(mut req) = parse_datagram(INVITE.as_bytes()).unwrap() else {
        panic!()
    };
    req.body = Bytes::from_static(&[0, 159, 146, 150, 13, 10]);
    let bytes = req.to_bytes();
    let Message::Request(again) = parse_datagram(&bytes).unwrap() else {
        panic!()
    };
    assert_eq!(again.body, req.body);
    assert_eq!(again.headers.cseq().unwrap(), req.headers.cseq().unwrap());
    assert!(String::from_utf8_lossy(&bytes).contains("Call-ID: abc@192.0.2.1\r\n"));
}

#[test]
fn content_length_beyond_datagram_is_rejected() {
    let text = INVITE.replace("l: 4", "l: 400");
    assert_eq!(
        parse_datagram(text.as_bytes()).unwrap_err(),
        ParseError::ContentLength
    );
}

#[test]
fn stream_waits_for_whole_body() {
    let whole = INVITE.as_bytes();
    let cut = whole.len() - 8;
    assert!(parse_stream(&whole[..cut]).unwrap().is_none());
    let mut two = b"\r\n\r\n".to_vec();
    two.extend_from_slice(&whole[..whole.len() - 6]);
    two.extend_from_slice(&whole[..whole.len() - 6]);
    let (_, used) = parse_stream(&two).unwrap().unwrap();
    assert_eq!(used, 4 + whole.len() - 6);
}

#[test]
fn method_prefix_is_not_invite() {
    let text = INVITE.replace("INVITE sip", "INVITEX sip");
    assert_eq!(
        parse_datagram(text.as_bytes()).unwrap_err(),
        ParseError::CSeqMethod
    );
}

#[test]
fn response_parses() {
    let text = "SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\
        From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n\
        Retry-After: 120 (lunch)\r\n\r\n";
    let Message::Response(resp) = parse_datagram(text.as_bytes()).unwrap() else {
        panic!()
    };
    assert_eq!((resp.status, resp.reason.as_str()), (486, "Busy Here"));
    assert_eq!(resp.headers.retry_after(), Some(120));
}

#[test]
fn missing_mandatory_header_is_rejected() {
    let text = INVITE.replace("i: abc@192.0.2.1\r\n", "");
    assert!(matches!(
        parse_datagram(text.as_bytes()),
        Err(ParseError::Header(HeaderError::Missing("Call-ID")))
    ));
}

#[test]
fn value_starting_on_a_continuation_line_has_no_leading_space() {
    // Found by fuzz/fuzz_targets/sip_parse.rs on RFC 4475 esc01: to_bytes() was no fixed point.
    let text = INVITE.replace("c: application/sdp", "c:\r\n  application/sdp\r\n \t");
    let message = parse_datagram(text.as_bytes()).unwrap();
    assert_eq!(
        message.headers().get("content-type"),
        Some("application/sdp")
    );
    let again = parse_datagram(&message.to_bytes()).unwrap();
    assert_eq!(again.to_bytes(), message.to_bytes());
}

#[test]
fn repeated_content_length_must_agree() {
    let same = INVITE.replace("l: 4", "l: 4\r\nContent-Length: 0004");
    assert_eq!(
        parse_datagram(same.as_bytes())
            .unwrap()
            .headers()
            .content_length(),
        Ok(Some(4))
    );
    let differ = INVITE.replace("l: 4", "l: 4\r\nContent-Length: 5");
    assert!(parse_datagram(differ.as_bytes()).is_err());
}

#[test]
fn max_forwards_allows_leading_zeros_up_to_255() {
    for (value, hops) in [("0068", Some(68)), ("0", Some(0)), ("000255", Some(255))] {
        let text = INVITE.replace("Max-Forwards: 70", &format!("Max-Forwards: {value}"));
        let message = parse_datagram(text.as_bytes()).unwrap();
        assert_eq!(message.headers().max_forwards(), Ok(hops));
    }
    for value in ["256", "-1", "", "7 0", "99999999999999999999999"] {
        let text = INVITE.replace("Max-Forwards: 70", &format!("Max-Forwards: {value}"));
        assert!(parse_datagram(text.as_bytes()).is_err(), "{value:?}");
    }
}

#[test]
fn request_uri_with_headers_is_rejected() {
    let text = INVITE.replace(
        "INVITE sip:+32471000001@trunk.example.net SIP",
        "INVITE sip:+32471000001@trunk.example.net?Route=%3Csip:x.example.net%3E SIP",
    );
    assert_eq!(
        parse_datagram(text.as_bytes()).unwrap_err(),
        ParseError::StartLine
    );
}

#[test]
fn unreadable_contact_is_rejected_but_star_is_not() {
    let text = INVITE.replace("Max-Forwards", "m: sip:a@example.net?x=y\r\nMax-Forwards");
    assert!(parse_datagram(text.as_bytes()).is_err());
    let text = INVITE.replace("Max-Forwards", "m: *\r\nMax-Forwards");
    assert!(parse_datagram(text.as_bytes()).is_ok());
}

#[test]
fn version_with_multibyte_text_is_an_error_not_a_panic() {
    // Found by fuzz/fuzz_targets/sip_parse.rs: byte 4 of "SIP電" is inside a character.
    let text = "OPTIONS sip:a@example.net SIP\u{96fb}\r\nl: 0\r\n\r\n";
    assert_eq!(
        parse_datagram(text.as_bytes()).unwrap_err(),
        ParseError::StartLine
    );
}

#[test]
fn garbage_never_panics() {
    for junk in [
        &b""[..],
        b"\r\n\r\n",
        b"SIP/2.0",
        b"\xff\xfe\r\n\r\n",
        b"A B C\r\n\r\n",
    ] {
        assert!(parse_datagram(junk).is_err());
        let _ = parse_stream(junk);
    }
}
