//! What the store records, as a person reads it: delivery states in words (`answered without
//! confirming`, not `answered_no_ack`), keys as pressed (`2, 1`), why a call reached no one
//! (`busy (486)`), and counts with their noun (`1 call`, `2 calls`). JSON output keeps the
//! stored codes for scripts; these words are for the eye.

use crate::store::{AttemptResult, DeliveryState};

/// A delivery state in words.
pub fn state(state: DeliveryState) -> &'static str {
    match state {
        DeliveryState::Pending => "waiting",
        DeliveryState::Calling => "calling",
        DeliveryState::Acknowledged => "acknowledged",
        DeliveryState::AnsweredNoAck => "answered without confirming",
        DeliveryState::Voicemail => "voicemail",
        DeliveryState::NoAnswer => "no answer",
        DeliveryState::Busy => "busy",
        DeliveryState::Unavailable => "unavailable",
        DeliveryState::Failed => "failed",
        DeliveryState::SmsSent => "SMS sent",
        DeliveryState::SmsAcknowledged => "acknowledged by SMS",
        DeliveryState::GivenUp => "given up",
        DeliveryState::Cancelled => "cancelled",
        DeliveryState::Expired => "expired",
    }
}

/// Keys as pressed, one by one: `21` is `2, 1`.
pub fn keys(digits: &str) -> String {
    digits
        .chars()
        .map(String::from)
        .collect::<Vec<_>>()
        .join(", ")
}

/// How a call ended, with its SIP status: `busy (486)`, `no answer (487)`, `interrupted`.
pub fn why(result: &AttemptResult) -> String {
    let outcome = match result.outcome.parse::<DeliveryState>() {
        Ok(outcome) => state(outcome).to_owned(),
        Err(_) => result.outcome.replace('_', " "),
    };
    match result.sip_status {
        Some(status) => format!("{outcome} ({status})"),
        None => outcome,
    }
}

/// `n` and the noun, plural unless one: `1 call`, `2 calls`, `0 calls`.
pub fn count(n: i64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_read_as_words_and_each_differently() {
        assert_eq!(
            state(DeliveryState::AnsweredNoAck),
            "answered without confirming"
        );
        assert_eq!(state(DeliveryState::NoAnswer), "no answer");
        let mut words: Vec<&str> = DeliveryState::ALL.iter().map(|s| state(*s)).collect();
        words.sort_unstable();
        words.dedup();
        assert_eq!(words.len(), DeliveryState::ALL.len());
        assert!(words.iter().all(|w| !w.contains('_')));
    }

    #[test]
    fn keys_are_listed_one_by_one() {
        assert_eq!(keys("21"), "2, 1");
        assert_eq!(keys("1"), "1");
        assert_eq!(keys(""), "");
    }

    #[test]
    fn why_gives_the_outcome_and_the_status() {
        let result = |outcome: &str, sip_status| AttemptResult {
            outcome: outcome.to_owned(),
            sip_status,
            ..AttemptResult::default()
        };
        assert_eq!(why(&result("busy", Some(486))), "busy (486)");
        assert_eq!(why(&result("no_answer", Some(487))), "no answer (487)");
        assert_eq!(why(&result("interrupted", None)), "interrupted");
    }

    #[test]
    fn one_is_singular() {
        assert_eq!(count(1, "call"), "1 call");
        assert_eq!(count(2, "call"), "2 calls");
        assert_eq!(count(0, "member"), "0 members");
    }
}
