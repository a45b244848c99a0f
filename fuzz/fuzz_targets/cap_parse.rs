//! CAP 1.2 alerts as `POST /v1/cap` receives them, any bytes at all: `cap::parse` may not
//! panic; a refusal names between one and fifty problems, each on `document` or an element
//! under `alert`; an alert it accepts keeps the standard's and the gateway's limits (a
//! category per info, references for what refers to earlier messages, at most 64 infos,
//! 256 areas and 10 000 geocodes, date-times with a numeric offset).
//!
//! `cargo +nightly fuzz run cap_parse fuzz/corpus/cap_parse tests/data/cap -- -max_total_time=120`.
#![no_main]

use buurtbel::cap::{self, CapTime, MsgType, Scope};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let alert = match cap::parse(data) {
        Ok(alert) => alert,
        Err(invalid) => {
            assert!((1..=cap::MAX_PROBLEMS).contains(&invalid.problems.len()));
            for problem in &invalid.problems {
                assert!(
                    problem.element == "document" || problem.element.starts_with("alert"),
                    "{problem}"
                );
                assert!(!problem.reason.is_empty());
            }
            return;
        }
    };
    let restricted = |s: &str| !s.is_empty() && !s.contains(|c: char| c.is_whitespace() || ",<&".contains(c));
    assert!(restricted(&alert.identifier) && restricted(&alert.sender));
    assert!(offset_time(&alert.sent));
    if alert.scope == Scope::Restricted {
        assert!(alert.restriction.as_deref().is_some_and(|r| !r.is_empty()));
    }
    if alert.scope == Scope::Private {
        assert!(alert.addresses.as_deref().is_some_and(|a| !a.is_empty()));
    }
    if alert.msg_type != MsgType::Alert {
        assert!(!alert.references.is_empty());
    }
    assert!(alert.infos.len() <= cap::MAX_INFOS);
    let mut areas = 0;
    let mut geocodes = 0;
    for (index, info) in alert.infos.iter().enumerate() {
        assert_eq!(info.index, index);
        assert!(!info.categories.is_empty());
        assert!(!info.language.is_empty());
        for time in [&info.effective, &info.onset, &info.expires].into_iter().flatten() {
            assert!(offset_time(time));
        }
        for area in &info.areas {
            assert!(area.ceiling.is_none() || area.altitude.is_some());
            geocodes += area.geocodes.len();
        }
        areas += info.areas.len();
    }
    assert!(areas <= cap::MAX_AREAS && geocodes <= cap::MAX_GEOCODES);
});

/// `YYYY-MM-DDThh:mm:ss±hh:mm`: always 25 characters, the offset numeric.
fn offset_time(time: &CapTime) -> bool {
    time.text.len() == 25 && time.text[19..].starts_with(['+', '-'])
}
