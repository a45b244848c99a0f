//! Putting concatenated parts back together into the message a member's phone shows. Pure.

use super::pdus::Part;
use crate::sms::encoding::{self, Encoding};
use std::collections::BTreeMap;

/// A message the centre received whole (every part of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedSms {
    /// The recipient: `+` and digits for a number.
    pub to: String,
    /// The sender as submitted: `+` and digits for a number, else a short code or an
    /// alphanumeric ID.
    pub from: String,
    /// The text, decoded from every part's payload joined in order.
    pub text: String,
    /// GSM 7-bit (`data_coding` 0) or UCS-2 (8); `None` for another alphabet.
    pub encoding: Option<Encoding>,
    /// The `data_coding` it was submitted with.
    pub data_coding: u8,
    /// How many parts it came in.
    pub parts: usize,
    /// The centre's id of each part, in order (as in the `submit_sm_resp`s and receipts).
    pub message_ids: Vec<String>,
}

/// Parts waiting for the rest of their message.
#[derive(Debug, Default)]
pub(super) struct Assembly {
    waiting: BTreeMap<Key, Waiting>,
}

/// Parts belong together when they share sender, recipient, reference and total.
type Key = (String, String, u16, u8);

#[derive(Debug)]
struct Waiting {
    data_coding: u8,
    parts: BTreeMap<u8, (Vec<u8>, String)>,
}

/// The most messages left incomplete that the centre keeps waiting.
const MOST_WAITING: usize = 1000;

impl Assembly {
    /// Adds a part (with the id it was given); returns the message once every part is in.
    /// A part that repeats one already in replaces it.
    pub(super) fn add(&mut self, part: Part, message_id: String) -> Option<ReceivedSms> {
        let Some(concat) = part.concat.filter(|concat| concat.total > 1) else {
            return Some(whole(
                &part,
                part.data_coding,
                vec![(part.payload.clone(), message_id)],
            ));
        };
        let key = (
            part.from.clone(),
            part.to.clone(),
            concat.reference,
            concat.total,
        );
        if self.waiting.len() >= MOST_WAITING && !self.waiting.contains_key(&key) {
            self.waiting.pop_first();
        }
        let waiting = self.waiting.entry(key.clone()).or_insert_with(|| Waiting {
            data_coding: part.data_coding,
            parts: BTreeMap::new(),
        });
        waiting
            .parts
            .insert(concat.sequence, (part.payload.clone(), message_id));
        if waiting.parts.len() < usize::from(concat.total) {
            return None;
        }
        let waiting = self.waiting.remove(&key)?;
        Some(whole(
            &part,
            waiting.data_coding,
            waiting.parts.into_values().collect(),
        ))
    }
}

fn whole(part: &Part, data_coding: u8, parts: Vec<(Vec<u8>, String)>) -> ReceivedSms {
    let payload: Vec<u8> = parts
        .iter()
        .flat_map(|(payload, _)| payload.clone())
        .collect();
    let text = encoding::decode(data_coding, &payload).unwrap_or_else(|| {
        tracing::debug!(
            data_coding,
            "simulated SMS centre: an alphabet it does not read"
        );
        String::new()
    });
    ReceivedSms {
        to: part.to.clone(),
        from: part.from.clone(),
        text,
        encoding: match data_coding {
            0x00 => Some(Encoding::Gsm7),
            0x08 => Some(Encoding::Ucs2),
            _ => None,
        },
        data_coding,
        parts: parts.len(),
        message_ids: parts.into_iter().map(|(_, id)| id).collect(),
    }
}
