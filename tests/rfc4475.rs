//! RFC 4475 "SIP Torture Test Messages" against the SIP message layer.
//!
//! The messages live in `tests/data/rfc4475/<name>.dat` as wire bytes; what the parser must do
//! with each one, and the fields an accepted message must have, live in
//! `tests/data/rfc4475/expected.toml` (its header explains the verdicts). Every case is run,
//! panics included, and all disagreements are reported together.

use buurtbel::sip::{Message, parse_datagram, parse_stream};
use serde::Deserialize;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;

/// How many test messages RFC 4475 defines (sections 3.1.1 to 3.4).
const RFC_MESSAGES: usize = 49;

#[test]
fn every_rfc4475_message_meets_its_verdict() {
    let cases = cases();
    assert_eq!(
        cases.len(),
        RFC_MESSAGES,
        "expected.toml lists every RFC message once"
    );
    let failures: Vec<String> = cases.iter().filter_map(|case| check(case).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} RFC 4475 cases fail:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn stream_framing_agrees_with_datagram_framing() {
    let mut failures = Vec::new();
    for case in cases().iter().filter(|c| c.content_length.is_some()) {
        let bytes = message_bytes(&case.name);
        let Ok(Message::Request(_) | Message::Response(_)) = parse_datagram(&bytes) else {
            continue;
        };
        match parse_stream(&bytes) {
            Ok(Some((message, used)))
                if used <= bytes.len() && observe(&message) == case.fields() => {}
            other => failures.push(format!(
                "{}: stream gave {:?}",
                case.name,
                other.map(|o| o.map(|(_, n)| n))
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Inputs on which `fuzz/fuzz_targets/sip_parse.rs` once found a panic.
#[test]
fn fuzz_crashers_stay_fixed() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz/sip_parse");
    let entries = std::fs::read_dir(&dir).expect("read fuzz regression directory");
    for path in entries.map(|e| e.expect("directory entry").path()) {
        let bytes = std::fs::read(&path).expect("read fuzz regression input");
        let outcome =
            panic::catch_unwind(|| (parse_datagram(&bytes).is_ok(), parse_stream(&bytes).is_ok()));
        assert!(outcome.is_ok(), "{} panics", path.display());
    }
}

#[test]
fn verdict_counts_are_as_documented() {
    let cases = cases();
    let count = |v: Verdict| cases.iter().filter(|c| c.verdict == v).count();
    assert_eq!(
        (
            count(Verdict::Accept),
            count(Verdict::Tolerate),
            count(Verdict::Reject)
        ),
        (26, 9, 14)
    );
}

/// What the RFC lets a parser do with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Verdict {
    Accept,
    Tolerate,
    Reject,
}

/// Which way this parser goes on a `tolerate` case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Outcome {
    Ok,
    Err,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    case: Vec<Case>,
}

/// One row of `expected.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    section: String,
    verdict: Verdict,
    ours: Option<Outcome>,
    #[allow(dead_code)]
    note: String,
    status: Option<u16>,
    uri: Option<String>,
    branch: Option<String>,
    via_count: Option<usize>,
    from_tag: Option<String>,
    to_tag: Option<String>,
    call_id: Option<String>,
    cseq: Option<u32>,
    method: Option<String>,
    contact: Option<String>,
    contact_count: Option<usize>,
    content_length: Option<usize>,
    body_length: Option<usize>,
}

impl Case {
    fn fields(&self) -> Fields {
        Fields {
            status: self.status,
            uri: self.uri.clone(),
            branch: self.branch.clone(),
            via_count: self.via_count,
            from_tag: self.from_tag.clone(),
            to_tag: self.to_tag.clone(),
            call_id: self.call_id.clone(),
            cseq: self.cseq,
            method: self.method.clone(),
            contact: self.contact.clone(),
            contact_count: self.contact_count,
            content_length: self.content_length,
            body_length: self.body_length,
        }
    }

    /// Whether `parse_datagram` must (`Some(true)`), must not (`Some(false)`) return Ok.
    fn wants_ok(&self) -> Result<bool, String> {
        match (self.verdict, self.ours) {
            (Verdict::Accept, None) => Ok(true),
            (Verdict::Reject, None) => Ok(false),
            (Verdict::Tolerate, Some(ours)) => Ok(ours == Outcome::Ok),
            _ => Err(format!(
                "{}: `ours` is for tolerate cases only, and required there",
                self.name
            )),
        }
    }
}

/// The fields compared on an accepted message; `None` means absent or unreadable.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fields {
    status: Option<u16>,
    uri: Option<String>,
    branch: Option<String>,
    via_count: Option<usize>,
    from_tag: Option<String>,
    to_tag: Option<String>,
    call_id: Option<String>,
    cseq: Option<u32>,
    method: Option<String>,
    contact: Option<String>,
    contact_count: Option<usize>,
    content_length: Option<usize>,
    body_length: Option<usize>,
}

fn check(case: &Case) -> Result<(), String> {
    let label = format!("{} ({})", case.name, case.section);
    let bytes = message_bytes(&case.name);
    let wants_ok = case.wants_ok()?;
    let _ = panic::catch_unwind(AssertUnwindSafe(|| parse_stream(&bytes)))
        .map_err(|_| format!("{label}: parse_stream panicked"))?;
    let parsed = panic::catch_unwind(AssertUnwindSafe(|| parse_datagram(&bytes)))
        .map_err(|_| format!("{label}: parse_datagram panicked"))?;
    match (parsed, wants_ok) {
        (Ok(message), true) => check_fields(&label, case, &message),
        (Err(_), false) => Ok(()),
        (Ok(message), false) => Err(format!(
            "{label}: accepted, want Err: {:?}",
            observe(&message)
        )),
        (Err(error), true) => Err(format!(
            "{label}: rejected with `{error}` ({error:?}), want Ok"
        )),
    }
}

fn check_fields(label: &str, case: &Case, message: &Message) -> Result<(), String> {
    let seen = observe(message);
    if seen != case.fields() {
        return Err(format!(
            "{label}: fields differ\n  want {:?}\n  seen {seen:?}",
            case.fields()
        ));
    }
    let again = parse_datagram(&message.to_bytes())
        .map_err(|e| format!("{label}: re-parsing to_bytes() fails with `{e}`"))?;
    let want = Fields {
        content_length: seen.body_length,
        ..seen
    };
    if observe(&again) != want {
        return Err(format!(
            "{label}: round trip changes fields: {:?}",
            observe(&again)
        ));
    }
    if again.to_bytes() != message.to_bytes() {
        return Err(format!("{label}: to_bytes() is not a fixed point"));
    }
    Ok(())
}

fn observe(message: &Message) -> Fields {
    let headers = message.headers();
    let (status, uri, body) = match message {
        Message::Request(r) => (None, Some(r.uri.to_string()), &r.body),
        Message::Response(r) => (Some(r.status), None, &r.body),
    };
    let contacts = headers.contacts().ok();
    let cseq = headers.cseq().ok();
    Fields {
        status,
        uri,
        branch: headers
            .top_via()
            .ok()
            .and_then(|v| v.branch().map(str::to_owned)),
        via_count: headers.vias().ok().map(|v| v.len()),
        from_tag: headers.from().ok().and_then(|a| a.tag().map(str::to_owned)),
        to_tag: headers.to().ok().and_then(|a| a.tag().map(str::to_owned)),
        call_id: headers.call_id().ok().map(str::to_owned),
        cseq: cseq.as_ref().map(|c| c.seq),
        method: cseq.map(|c| c.method.to_string()),
        contact: contacts
            .as_ref()
            .and_then(|c| c.first())
            .map(|a| a.uri.to_string()),
        contact_count: contacts.map(|c| c.len()),
        content_length: headers.content_length().ok().flatten(),
        body_length: Some(body.len()),
    }
}

fn cases() -> Vec<Case> {
    let path = data_dir().join("expected.toml");
    let text = std::fs::read_to_string(&path).expect("read expected.toml");
    let expected: Expected = toml::from_str(&text).expect("parse expected.toml");
    expected.case
}

fn message_bytes(name: &str) -> Vec<u8> {
    let path = data_dir().join(format!("{name}.dat"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/rfc4475")
}
