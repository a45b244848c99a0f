//! Keypresses sent in SIP INFO requests, for phones that do not send RFC 4733: bodies of type
//! `application/dtmf-relay` (`Signal=5\r\nDuration=160`) and `application/dtmf` (the key
//! alone).
//!
//! Bodies come from the network: anything unexpected gives `None`, never a panic. Keys are
//! case-insensitive; whitespace around keys, values and lines is ignored; bare `\n` line ends
//! are taken. `Signal=10` and `Signal=11` stand for `*` and `#` on some devices, and 12–15
//! likewise for `A`–`D` (the RFC 4733 event codes). Only the first `Signal` line counts; the
//! duration is not needed to recognise a key and is not read.

use crate::media::rfc4733::digit_for_event;

/// The key a SIP INFO request carries, from its Content-Type and body; `None` for other
/// content types and for bodies that name no key.
pub fn digit_from_info(content_type: &str, body: &[u8]) -> Option<char> {
    match body_kind(content_type)? {
        BodyKind::Relay => relay_signal(body),
        BodyKind::Plain => signal_digit(body.trim_ascii()),
    }
}

/// The two INFO body types that carry keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    /// `application/dtmf-relay`: `Signal=` and `Duration=` lines.
    Relay,
    /// `application/dtmf`: the key alone.
    Plain,
}

/// The body kind from a Content-Type value, ignoring parameters and case.
fn body_kind(content_type: &str) -> Option<BodyKind> {
    let media_type = content_type.split(';').next()?.trim();
    if media_type.eq_ignore_ascii_case("application/dtmf-relay") {
        Some(BodyKind::Relay)
    } else if media_type.eq_ignore_ascii_case("application/dtmf") {
        Some(BodyKind::Plain)
    } else {
        None
    }
}

/// The key named by the first `Signal=` line.
fn relay_signal(body: &[u8]) -> Option<char> {
    body.split(|&b| b == b'\n')
        .find_map(signal_value)
        .and_then(signal_digit)
}

/// The trimmed value of a `Signal=` line.
fn signal_value(line: &[u8]) -> Option<&[u8]> {
    let mut parts = line.splitn(2, |&b| b == b'=');
    let key = parts.next()?.trim_ascii();
    let value = parts.next()?.trim_ascii();
    key.eq_ignore_ascii_case(b"signal").then_some(value)
}

/// A key from `0`–`9`, `*`, `#`, `A`–`D` (either case), or the event codes `10`–`15`.
fn signal_digit(value: &[u8]) -> Option<char> {
    match *value {
        [key] => single_key(key),
        [b'1', units @ b'0'..=b'5'] => digit_for_event(10 + (units - b'0')),
        _ => None,
    }
}

fn single_key(key: u8) -> Option<char> {
    let key = key.to_ascii_uppercase();
    matches!(key, b'0'..=b'9' | b'*' | b'#' | b'A'..=b'D').then_some(char::from(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RELAY: &str = "application/dtmf-relay";

    #[test]
    fn reads_the_usual_relay_body() {
        assert_eq!(
            digit_from_info(RELAY, b"Signal=1\r\nDuration=160\r\n"),
            Some('1')
        );
    }

    #[test]
    fn relay_keys_are_case_insensitive_and_whitespace_tolerant() {
        let body = b"  duration = 250 \n\t SIGNAL  =  #  \r\n";
        assert_eq!(digit_from_info(RELAY, body), Some('#'));
        assert_eq!(digit_from_info(RELAY, b"signal=d"), Some('D'));
    }

    #[test]
    fn every_key_and_event_code_is_read() {
        for key in "0123456789*#ABCD".chars() {
            let body = format!("Signal={key}\r\nDuration=100\r\n");
            assert_eq!(digit_from_info(RELAY, body.as_bytes()), Some(key));
        }
        let codes: Vec<_> = (10..=15)
            .map(|code| digit_from_info(RELAY, format!("Signal={code}").as_bytes()))
            .collect();
        assert_eq!(codes, ['*', '#', 'A', 'B', 'C', 'D'].map(Some));
    }

    #[test]
    fn content_type_parameters_and_case_are_ignored() {
        let content_type = " Application/DTMF-Relay ; charset=UTF-8";
        assert_eq!(digit_from_info(content_type, b"Signal=7"), Some('7'));
    }

    #[test]
    fn reads_a_plain_dtmf_body() {
        assert_eq!(digit_from_info("application/dtmf", b"5\r\n"), Some('5'));
        assert_eq!(digit_from_info("APPLICATION/DTMF", b" * "), Some('*'));
        assert_eq!(digit_from_info("application/dtmf", b"11"), Some('#'));
    }

    #[test]
    fn other_content_types_are_not_read() {
        for content_type in [
            "",
            "text/plain",
            "application/dtmf-relayx",
            "application/sdp",
        ] {
            assert_eq!(
                digit_from_info(content_type, b"Signal=1"),
                None,
                "{content_type}"
            );
        }
        assert_eq!(digit_from_info("application/dtmf", b"Signal=1"), None);
    }

    #[test]
    fn hostile_bodies_give_none() {
        let bodies: [&[u8]; 11] = [
            b"",
            b"Signal",
            b"Signal=",
            b"Signal=E",
            b"Signal=16",
            b"Signal=01",
            b"Signal=12345",
            b"Signal=hf",
            b"Signal=\xff",
            b"\xff\xfe\x00=\x00",
            b"====\n\n\r\r=Signal",
        ];
        for body in bodies {
            assert_eq!(digit_from_info(RELAY, body), None, "{body:?}");
            assert_eq!(digit_from_info("application/dtmf", body), None, "{body:?}");
        }
    }

    #[test]
    fn only_the_first_signal_line_counts() {
        assert_eq!(digit_from_info(RELAY, b"Signal=x\r\nSignal=1"), None);
        assert_eq!(digit_from_info(RELAY, b"Signal=2\r\nSignal=1"), Some('2'));
    }

    #[test]
    fn a_large_body_is_scanned_without_trouble() {
        let mut body = vec![b'x'; 1 << 20];
        body.extend_from_slice(b"\nSignal=9");
        assert_eq!(digit_from_info(RELAY, &body), Some('9'));
    }
}
