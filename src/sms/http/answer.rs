//! What an aggregator's answer means for the message.
//!
//! - 2xx with the id field (a string or a number): accepted, under that id.
//! - 2xx without it: accepted by the look of it, but with no id no receipt can be matched:
//!   [`SmsError::Unconfirmed`].
//! - 429 and 503: slow down, [`SmsError::Throttled`].
//! - Any other 4xx, and 3xx (redirects are not followed: `sms.url` should be the final
//!   address): [`SmsError::Refused`], with the status and at most [`EXCERPT_CHARS`] characters
//!   of the body for the operator.
//! - 504 (a gateway in front timed out; the provider behind may have it) and anything else
//!   unexpected: [`SmsError::Unconfirmed`]; other 5xx: [`SmsError::Unavailable`].
//! - No connection: [`SmsError::Unavailable`]; a connection that broke or timed out after the
//!   request went: [`SmsError::Unconfirmed`].
//!
//! Pure except for reading the kind of a `reqwest::Error`.

use crate::sms::{SmsError, Submitted};
use serde_json::Value;

/// The most characters of an answer's body an error quotes.
pub const EXCERPT_CHARS: usize = 200;

/// The meaning of an answer with `status` and `body`, the id read from `id_field`.
pub fn judge(status: u16, body: &[u8], id_field: &str) -> Result<Submitted, SmsError> {
    match status {
        200..=299 => match message_id(body, id_field) {
            Some(id) => Ok(Submitted {
                message_ids: vec![id],
            }),
            None => Err(SmsError::Unconfirmed(format!(
                "HTTP {status} without a message id in `{id_field}`"
            ))),
        },
        429 | 503 => Err(SmsError::Throttled(format!("HTTP {status}"))),
        300..=399 => Err(SmsError::Refused(format!(
            "HTTP {status}: a redirect, not followed; set sms.url to the final address"
        ))),
        400..=499 => Err(SmsError::Refused(format!(
            "HTTP {status}: {}",
            excerpt(body)
        ))),
        504 => Err(SmsError::Unconfirmed(format!("HTTP {status}"))),
        500..=599 => Err(SmsError::Unavailable(format!("HTTP {status}"))),
        _ => Err(SmsError::Unconfirmed(format!("HTTP {status}"))),
    }
}

/// The meaning of a request that got no answer.
pub fn failure(error: &reqwest::Error) -> SmsError {
    if error.is_connect() {
        SmsError::Unavailable(format!("no connection: {}", without_url(error)))
    } else if error.is_timeout() {
        SmsError::Unconfirmed("no answer within sms.timeout".to_owned())
    } else {
        SmsError::Unconfirmed(format!("the answer was lost: {}", without_url(error)))
    }
}

/// The message id: the field `id_field` of the answer, or, when no field has that name, the
/// dotted path it spells (`messages.0.id`).
pub fn message_id(body: &[u8], id_field: &str) -> Option<String> {
    let answer: Value = serde_json::from_slice(body).ok()?;
    let found = answer.get(id_field).or_else(|| {
        id_field
            .split('.')
            .try_fold(&answer, |value, step| match value {
                Value::Array(items) => items.get(step.parse::<usize>().ok()?),
                _ => value.get(step),
            })
    })?;
    let id = match found {
        Value::String(text) => text.trim().to_owned(),
        Value::Number(number) => number.to_string(),
        _ => return None,
    };
    (!id.is_empty()).then_some(id)
}

/// At most [`EXCERPT_CHARS`] characters of `body`, on one line.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut excerpt: String = text
        .chars()
        .take(EXCERPT_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().nth(EXCERPT_CHARS).is_some() {
        excerpt.push('…');
    }
    excerpt.trim().to_owned()
}

/// The error without the URL, which may carry a key in its query.
fn without_url(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    if let Some(url) = error.url() {
        text = text.replace(url.as_str(), "sms.url");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_is_read_as_a_string_a_number_or_a_path() {
        let cases = [
            (r#"{"id": "abc-1"}"#, "id", Some("abc-1")),
            (r#"{"id": 4711}"#, "id", Some("4711")),
            (r#"{"message-id": "x"}"#, "message-id", Some("x")),
            (
                r#"{"messages": [{"id": "m0"}, {"id": "m1"}]}"#,
                "messages.1.id",
                Some("m1"),
            ),
            (r#"{"a.b": "dotted"}"#, "a.b", Some("dotted")),
            (r#"{"id": ""}"#, "id", None),
            (r#"{"id": null}"#, "id", None),
            (r#"{"id": {"x": 1}}"#, "id", None),
            (r#"{"other": "x"}"#, "id", None),
            (r#"["x"]"#, "0", Some("x")),
            ("not json", "id", None),
            ("", "id", None),
        ];
        for (body, field, id) in cases {
            assert_eq!(message_id(body.as_bytes(), field).as_deref(), id, "{body}");
        }
    }

    #[test]
    fn each_status_class_has_its_meaning() {
        let ok = judge(201, br#"{"id": "m1"}"#, "id");
        assert_eq!(ok.unwrap().message_ids, ["m1"]);
        assert!(matches!(
            judge(200, b"{}", "id"),
            Err(SmsError::Unconfirmed(_))
        ));
        for status in [429, 503] {
            assert!(matches!(
                judge(status, b"", "id"),
                Err(SmsError::Throttled(_))
            ));
        }
        for status in [301, 400, 401, 403, 404, 422] {
            assert!(matches!(
                judge(status, b"", "id"),
                Err(SmsError::Refused(_))
            ));
        }
        for status in [500, 502] {
            assert!(matches!(
                judge(status, b"", "id"),
                Err(SmsError::Unavailable(_))
            ));
        }
        assert!(matches!(
            judge(504, b"", "id"),
            Err(SmsError::Unconfirmed(_))
        ));
    }

    #[test]
    fn a_refusal_quotes_at_most_200_characters_of_the_body_on_one_line() {
        let body = format!("bad\nnumber {}", "x".repeat(500));
        let Err(SmsError::Refused(reason)) = judge(400, body.as_bytes(), "id") else {
            panic!("not refused");
        };
        assert!(reason.starts_with("HTTP 400: bad number x"), "{reason}");
        assert!(!reason.contains('\n'));
        assert_eq!(reason.chars().count(), "HTTP 400: ".len() + 200 + 1);
        let Err(SmsError::Refused(short)) = judge(403, "é\u{0}".as_bytes(), "id") else {
            panic!("not refused");
        };
        assert_eq!(short, "HTTP 403: é");
    }
}
