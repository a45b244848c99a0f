//! How the command line names things for a person (`alert list` and `show`, `status`, the
//! progress bar and the summaries, the demo's table): delivery states and outcomes in words
//! (`answered without confirming`, not `answered_no_ack`), SIP statuses with their reason
//! phrase, times on the clock of Brussels, keys as pressed (`2, 1`), and counts with their
//! noun (`1 call`, `2 calls`). The JSON keeps the stored codes instead, which do not change
//! with the wording.

use crate::store::{AckHow, AttemptResult, DeliveryState, HUNG_UP};
use buurtbel_proto::quiet::brussels;

/// A delivery state in words, as the demo's totals say them.
pub fn state(state: DeliveryState) -> &'static str {
    match state {
        DeliveryState::Pending => "not called yet",
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

/// How a member confirmed, in words.
pub fn confirmed_how(how: AckHow) -> &'static str {
    match how {
        AckHow::Dtmf => "key press",
        AckHow::SmsReply => "SMS reply",
        AckHow::Callback => "callback",
        AckHow::Api => "API",
    }
}

/// An attempt's recorded outcome in words: the dispatcher records a delivery state's text,
/// `answered`, or `interrupted` for a call a stopped gateway left behind; the call-back line
/// `hung_up` for a message the caller did not hear to its end.
pub fn outcome(outcome: &str) -> String {
    if let Ok(as_state) = outcome.parse::<DeliveryState>() {
        return state(as_state).to_owned();
    }
    match outcome {
        "interrupted" => "interrupted (its gateway stopped)".to_owned(),
        HUNG_UP => "hung up before the message ended".to_owned(),
        other => other.replace('_', " "),
    }
}

/// What a message played on the call-back line came to, in words.
pub fn callback(outcome: &str) -> String {
    match outcome.parse::<DeliveryState>() {
        Ok(DeliveryState::Acknowledged) => "confirmed on the call-back line".to_owned(),
        Ok(DeliveryState::AnsweredNoAck) => {
            "heard on the call-back line without confirming".to_owned()
        }
        _ => format!("called back, {}", self::outcome(outcome)),
    }
}

/// How a call ended, briefly, for a table: its outcome and SIP status, `busy (486)`.
pub fn why(result: &AttemptResult) -> String {
    let outcome = outcome(&result.outcome);
    match result.sip_status {
        Some(status) => format!("{outcome} ({status})"),
        None => outcome,
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

/// `n` and the noun, plural unless one: `1 call`, `2 calls`, `0 calls`.
pub fn count(n: i64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `SIP 486 Busy Here`; the reason phrase for the statuses a trunk commonly ends a call with.
pub fn sip_status(status: u16) -> String {
    match reason_phrase(status) {
        Some(phrase) => format!("SIP {status} {phrase}"),
        None => format!("SIP {status}"),
    }
}

/// Epoch milliseconds as local time in Brussels, to the second, with the zone's abbreviation
/// (CET or CEST), so a time is read as the network's own.
pub fn time(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(instant) => instant
            .to_zoned_datetime(brussels())
            .strftime("%Y-%m-%d %H:%M:%S %Z")
            .to_string(),
        Err(_) => ms.to_string(),
    }
}

/// RFC 3261 §21 reason phrases (and RFC 4028's 422).
fn reason_phrase(status: u16) -> Option<&'static str> {
    Some(match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        410 => "Gone",
        422 => "Session Interval Too Small",
        480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist",
        484 => "Address Incomplete",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        500 => "Server Internal Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Server Time-out",
        600 => "Busy Everywhere",
        603 => "Decline",
        604 => "Does Not Exist Anywhere",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_brussels_time_summer_and_winter() {
        assert_eq!(time(1_700_000_000_000), "2023-11-14 23:13:20 CET");
        assert_eq!(time(1_690_000_000_000), "2023-07-22 06:26:40 CEST");
    }

    #[test]
    fn every_state_has_words_and_outcomes_read_as_states() {
        for s in DeliveryState::ALL {
            assert!(!state(*s).contains('_'), "{s}");
        }
        assert_eq!(outcome("answered_no_ack"), "answered without confirming");
        assert_eq!(outcome("answered"), "answered");
        assert_eq!(outcome("something_new"), "something new");
        assert_eq!(outcome("hung_up"), "hung up before the message ended");
        assert_eq!(
            callback("answered_no_ack"),
            "heard on the call-back line without confirming"
        );
        assert_eq!(
            callback("hung_up"),
            "called back, hung up before the message ended"
        );
        assert_eq!(sip_status(486), "SIP 486 Busy Here");
        assert_eq!(sip_status(499), "SIP 499");
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
        assert_eq!(
            why(&result("interrupted", None)),
            "interrupted (its gateway stopped)"
        );
    }

    #[test]
    fn keys_are_listed_one_by_one() {
        assert_eq!(keys("21"), "2, 1");
        assert_eq!(keys("1"), "1");
        assert_eq!(keys(""), "");
    }

    #[test]
    fn one_is_singular() {
        assert_eq!(count(1, "call"), "1 call");
        assert_eq!(count(2, "call"), "2 calls");
        assert_eq!(count(0, "member"), "0 members");
    }
}
