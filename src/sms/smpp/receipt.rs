//! Delivery receipts: the `receipted_message_id` / `message_state` TLVs when the SMSC sends
//! them, else the de-facto text of SMPP 3.4 appendix B
//! (`id:… sub:… dlvr:… submit date:… done date:… stat:DELIVRD err:… text:…`).
//!
//! Pure. The TLVs win over the text: they are typed, the text is a convention.

use crate::sms::{Receipt, ReceiptState};

/// What the TLVs of a receipt said, each when present.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReceiptFields {
    /// `receipted_message_id`.
    pub message_id: Option<String>,
    /// `message_state`, as its number.
    pub state: Option<u8>,
    /// `network_error_code`'s error code.
    pub error: Option<u16>,
}

/// The receipt in a `deliver_sm` with these TLVs and this short message, or `None` when
/// neither names the message it is about.
pub fn read_receipt(fields: &ReceiptFields, text: &str) -> Option<Receipt> {
    let message_id = fields
        .message_id
        .clone()
        .or_else(|| field(text, "id").map(str::to_owned))
        .filter(|id| !id.is_empty())?;
    let state = fields
        .state
        .and_then(state_of_number)
        .or_else(|| field(text, "stat").map(state_of_text))
        .unwrap_or(ReceiptState::Unknown);
    let error = field(text, "err")
        .map(str::to_owned)
        .or_else(|| fields.error.map(|code| code.to_string()))
        .filter(|code| code.bytes().any(|b| b != b'0'));
    Some(Receipt {
        message_id,
        state,
        error,
    })
}

/// `message_state` (SMPP 3.4 §5.2.28).
fn state_of_number(state: u8) -> Option<ReceiptState> {
    Some(match state {
        // 0 (scheduled) is SMPP 5's, before the message went anywhere: still on its way.
        0 | 1 => ReceiptState::Enroute,
        2 => ReceiptState::Delivered,
        3 => ReceiptState::Expired,
        4 => ReceiptState::Deleted,
        5 => ReceiptState::Undeliverable,
        6 => ReceiptState::Accepted,
        7 => ReceiptState::Unknown,
        8 => ReceiptState::Rejected,
        _ => return None,
    })
}

/// The `stat:` word (appendix B's seven-letter forms, and their long spellings).
fn state_of_text(word: &str) -> ReceiptState {
    match word.to_ascii_uppercase().as_str() {
        "DELIVRD" | "DELIVERED" => ReceiptState::Delivered,
        "EXPIRED" => ReceiptState::Expired,
        "UNDELIV" | "UNDELIVERABLE" => ReceiptState::Undeliverable,
        "REJECTD" | "REJECTED" => ReceiptState::Rejected,
        "DELETED" => ReceiptState::Deleted,
        "ENROUTE" => ReceiptState::Enroute,
        "ACCEPTD" | "ACCEPTED" => ReceiptState::Accepted,
        _ => ReceiptState::Unknown,
    }
}

/// The word after `name:` where `name` starts the text or follows a space (any case); the
/// `text:` field and what follows it are never searched, since a member's words are there.
fn field<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let head = match find_key(text, "text") {
        Some(at) => text.get(..at)?,
        None => text,
    };
    let at = find_key(head, name)?;
    let value = head.get(at + name.len() + 1..)?;
    Some(value.split(' ').next().unwrap_or(""))
}

/// Where `name:` starts as a key in `text`.
fn find_key(text: &str, name: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    let key = format!("{name}:");
    let mut from = 0;
    while let Some(found) = lower.get(from..)?.find(&key) {
        let at = from + found;
        if at == 0 || lower.as_bytes().get(at - 1) == Some(&b' ') {
            return Some(at);
        }
        from = at + key.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const DELIVERED: &str = "id:B00000042 sub:001 dlvr:001 submit date:2612031200 \
                             done date:2612031201 stat:DELIVRD err:000 text:Dit is een bericht";

    #[test]
    fn the_text_alone_is_enough() {
        let receipt = read_receipt(&ReceiptFields::default(), DELIVERED).unwrap();
        assert_eq!(receipt.message_id, "B00000042");
        assert_eq!(receipt.state, ReceiptState::Delivered);
        assert_eq!(receipt.error, None);
    }

    #[test]
    fn every_state_word_is_read() {
        let cases = [
            ("DELIVRD", ReceiptState::Delivered),
            ("EXPIRED", ReceiptState::Expired),
            ("UNDELIV", ReceiptState::Undeliverable),
            ("REJECTD", ReceiptState::Rejected),
            ("DELETED", ReceiptState::Deleted),
            ("ENROUTE", ReceiptState::Enroute),
            ("ACCEPTD", ReceiptState::Accepted),
            ("UNKNOWN", ReceiptState::Unknown),
            ("delivrd", ReceiptState::Delivered),
            ("WHATEVER", ReceiptState::Unknown),
        ];
        for (word, state) in cases {
            let text = format!("id:7 stat:{word} err:001");
            let receipt = read_receipt(&ReceiptFields::default(), &text).unwrap();
            assert_eq!(receipt.state, state, "{word}");
            assert_eq!(receipt.error.as_deref(), Some("001"));
        }
    }

    #[test]
    fn the_tlvs_win_over_the_text() {
        let fields = ReceiptFields {
            message_id: Some("abc".into()),
            state: Some(5),
            error: Some(11),
        };
        let receipt = read_receipt(&fields, "id:other stat:DELIVRD").unwrap();
        assert_eq!(receipt.message_id, "abc");
        assert_eq!(receipt.state, ReceiptState::Undeliverable);
        assert_eq!(receipt.error.as_deref(), Some("11"));
    }

    #[test]
    fn every_message_state_number_is_read() {
        let states = [
            ReceiptState::Enroute,
            ReceiptState::Enroute,
            ReceiptState::Delivered,
            ReceiptState::Expired,
            ReceiptState::Deleted,
            ReceiptState::Undeliverable,
            ReceiptState::Accepted,
            ReceiptState::Unknown,
            ReceiptState::Rejected,
        ];
        for (number, state) in states.into_iter().enumerate() {
            let fields = ReceiptFields {
                message_id: Some("1".into()),
                state: Some(number as u8),
                error: None,
            };
            assert_eq!(read_receipt(&fields, "").unwrap().state, state);
        }
        let unknown = ReceiptFields {
            message_id: Some("1".into()),
            state: Some(200),
            error: None,
        };
        assert_eq!(
            read_receipt(&unknown, "stat:EXPIRED").unwrap().state,
            ReceiptState::Expired
        );
    }

    #[test]
    fn the_members_text_is_never_read_as_fields() {
        let text = "id:9 stat:UNDELIV text:stat:DELIVRD id:1";
        let receipt = read_receipt(&ReceiptFields::default(), text).unwrap();
        assert_eq!(receipt.message_id, "9");
        assert_eq!(receipt.state, ReceiptState::Undeliverable);
        let only_text = "text:id:1 stat:DELIVRD";
        assert_eq!(read_receipt(&ReceiptFields::default(), only_text), None);
    }

    #[test]
    fn keys_inside_words_and_odd_texts_do_not_confuse_it() {
        let text = "Id:12 xstat:DELIVRD Stat:EXPIRED";
        let receipt = read_receipt(&ReceiptFields::default(), text).unwrap();
        assert_eq!(receipt.message_id, "12");
        assert_eq!(receipt.state, ReceiptState::Expired);
        for hostile in ["", "id:", "id: stat:", ":::", "id", "é:é id:é€ stat:"] {
            let _ = read_receipt(&ReceiptFields::default(), hostile);
        }
        assert_eq!(
            read_receipt(&ReceiptFields::default(), "id: stat:DELIVRD"),
            None
        );
    }

    #[test]
    fn random_texts_never_panic_and_an_id_read_is_never_empty() {
        use rand::rngs::StdRng;
        use rand::{Rng, SeedableRng};
        let mut rng = StdRng::seed_from_u64(18);
        let pieces = [
            "id:", "stat:", "err:", "text:", " ", "é", "DELIVRD", "0", ":", "Id:",
        ];
        for _ in 0..20_000 {
            let text: String = (0..rng.random_range(0..12))
                .map(|_| pieces[rng.random_range(0..pieces.len())])
                .collect();
            if let Some(receipt) = read_receipt(&ReceiptFields::default(), &text) {
                assert!(!receipt.message_id.is_empty(), "{text:?}");
            }
        }
    }
}
