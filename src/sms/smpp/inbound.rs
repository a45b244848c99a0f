//! What a `deliver_sm` brings: a delivery receipt, a member's reply, or one part of a longer
//! reply that is put together here once every part is in.
//!
//! Pure: the time is an argument. Every field may be wrong; what cannot be read is a
//! [`Problem`], never a panic.

use super::receipt::{ReceiptFields, read_receipt};
use super::submit::UDHI;
use crate::sms::encoding::{decode, split_udh};
use crate::sms::{Inbound, Reply};
use buurtbel_proto::time::Instant;
use rusmpp::pdus::DeliverSm;
use rusmpp::tlvs::TlvValue;
use std::collections::HashMap;
use std::time::Duration;

/// `esm_class` bit of an SMSC delivery receipt.
pub const RECEIPT: u8 = 0x04;

/// How long the parts of a longer reply wait for the others.
pub const PARTS_WAIT: Duration = Duration::from_secs(600);

/// What a `deliver_sm` is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    /// Something whole: a receipt or a one-part reply.
    Whole(Inbound),
    /// One part of a longer reply.
    Part(ReplyPart),
}

/// A concatenated reply: who sent it, to whom, and its message reference.
pub type ReplyKey = (String, String, u16);

/// One part of a concatenated reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyPart {
    /// The reply it belongs to.
    pub key: ReplyKey,
    /// How many parts the reply has.
    pub total: u8,
    /// This part's number, from 1.
    pub sequence: u8,
    /// Its text, decoded.
    pub text: String,
}

/// Why a `deliver_sm` was not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// A receipt that names no message.
    #[error("a delivery receipt without a message id")]
    ReceiptWithoutId,
    /// The user data header is malformed.
    #[error("a malformed user data header")]
    BadHeader,
    /// The text is not in a coding we read, or is malformed in it.
    #[error("a text in data_coding {0:#04x} that does not decode")]
    BadText(u8),
    /// A part numbered 0 or past the total.
    #[error("a message part numbered {sequence} of {total}")]
    BadPart {
        /// The part's number.
        sequence: u8,
        /// The part count it gave.
        total: u8,
    },
}

/// Reads a `deliver_sm`.
pub fn read_deliver_sm(pdu: &DeliverSm) -> Result<Delivered, Problem> {
    let esm_class = u8::from(pdu.esm_class);
    let body = user_data(pdu);
    if esm_class & RECEIPT != 0 {
        let text = String::from_utf8_lossy(body);
        return read_receipt(&receipt_fields(pdu), &text)
            .map(|receipt| Delivered::Whole(Inbound::Receipt(receipt)))
            .ok_or(Problem::ReceiptWithoutId);
    }
    let from = sender(
        u8::from(pdu.source_addr_ton),
        &lossy(pdu.source_addr.bytes()),
    );
    let to = lossy(pdu.destination_addr.bytes());
    let (concat, payload) = if esm_class & UDHI != 0 {
        split_udh(body).ok_or(Problem::BadHeader)?
    } else {
        (None, body)
    };
    let data_coding = u8::from(pdu.data_coding);
    let text = decode(data_coding, payload).ok_or(Problem::BadText(data_coding))?;
    match concat {
        Some(concat) if concat.total > 1 => {
            if concat.sequence == 0 || concat.sequence > concat.total {
                return Err(Problem::BadPart {
                    sequence: concat.sequence,
                    total: concat.total,
                });
            }
            Ok(Delivered::Part(ReplyPart {
                key: (from, to, concat.reference),
                total: concat.total,
                sequence: concat.sequence,
                text,
            }))
        }
        _ => Ok(Delivered::Whole(Inbound::Reply(Reply { from, to, text }))),
    }
}

/// The parts of longer replies received so far.
///
/// A reply whose parts are all in stays until [`Reassembly::kept`]: the SMSC was told its
/// earlier parts arrived, so if the application does not keep the whole, the SMSC resends
/// only the last part, and the whole is put together again from what is held here.
#[derive(Debug, Default)]
pub struct Reassembly {
    replies: HashMap<ReplyKey, Pending>,
}

#[derive(Debug)]
struct Pending {
    first_seen: Instant,
    texts: Vec<Option<String>>,
}

impl Reassembly {
    /// Takes a part at `now`; the whole reply once every part is in (again, when a part
    /// comes again before the whole was kept). Parts older than [`PARTS_WAIT`] are forgotten.
    pub fn offer(&mut self, now: Instant, part: ReplyPart) -> Option<Reply> {
        self.replies
            .retain(|_, pending| now.saturating_duration_since(pending.first_seen) < PARTS_WAIT);
        let pending = self
            .replies
            .entry(part.key.clone())
            .or_insert_with(|| Pending {
                first_seen: now,
                texts: vec![None; usize::from(part.total)],
            });
        if pending.texts.len() != usize::from(part.total) {
            // The same reference with another part count: a new message; the old one is lost.
            *pending = Pending {
                first_seen: now,
                texts: vec![None; usize::from(part.total)],
            };
        }
        let slot = pending
            .texts
            .get_mut(usize::from(part.sequence).checked_sub(1)?)?;
        *slot = Some(part.text);
        if pending.texts.iter().any(Option::is_none) {
            return None;
        }
        let (from, to, _) = part.key;
        let text = pending.texts.iter().flatten().map(String::as_str).collect();
        Some(Reply { from, to, text })
    }

    /// Forgets the reply `key` names: the application kept it.
    pub fn kept(&mut self, key: &ReplyKey) {
        self.replies.remove(key);
    }

    /// How many replies are held: waiting for parts, or for the application to keep them.
    pub fn waiting(&self) -> usize {
        self.replies.len()
    }
}

/// The short message, or the `message_payload` TLV when the short message is empty.
fn user_data(pdu: &DeliverSm) -> &[u8] {
    let short = pdu.short_message().bytes();
    if !short.is_empty() {
        return short;
    }
    pdu.tlvs()
        .iter()
        .find_map(|tlv| match tlv.value() {
            Some(TlvValue::MessagePayload(payload)) => Some(payload.value.bytes()),
            _ => None,
        })
        .unwrap_or(short)
}

fn receipt_fields(pdu: &DeliverSm) -> ReceiptFields {
    let mut fields = ReceiptFields::default();
    for tlv in pdu.tlvs() {
        match tlv.value() {
            Some(TlvValue::ReceiptedMessageId(id)) => {
                fields.message_id = Some(lossy(id.bytes()));
            }
            Some(TlvValue::MessageState(state)) => fields.state = Some(u8::from(*state)),
            Some(TlvValue::NetworkErrorCode(code)) => fields.error = Some(code.error_code),
            _ => {}
        }
    }
    fields
}

/// The member's number: `+` and the digits for an international number (TON 1).
fn sender(ton: u8, address: &str) -> String {
    if ton == 1 && !address.starts_with('+') {
        format!("+{address}")
    } else {
        address.to_owned()
    }
}

/// A C-octet string's text without its terminating NUL.
fn lossy(bytes: &[u8]) -> String {
    let text = bytes.strip_suffix(&[0]).unwrap_or(bytes);
    String::from_utf8_lossy(text).into_owned()
}

#[cfg(test)]
#[path = "inbound_tests.rs"]
mod tests;
