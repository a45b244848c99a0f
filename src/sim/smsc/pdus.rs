//! What a `submit_sm` carries, and the `deliver_sm`s the centre sends: delivery receipts and
//! members' messages. Pure: no sockets, no clock (times come in as epoch milliseconds).

use crate::sms::encoding::{self, Concat, Encoding};
use rusmpp::CommandStatus;
use rusmpp::pdus::{DeliverSm, SubmitSm};
use rusmpp::tlvs::{MessageDeliveryRequestTlvValue, TlvValue};
use rusmpp::types::{COctetString, OctetString};
use rusmpp::values::{DataCoding, EsmClass, MessageState, Npi, Ton};

/// `esm_class`: the short message starts with a user data header.
const UDHI: u8 = 0x40;
/// `esm_class`: the message is a delivery receipt.
const RECEIPT: u8 = 0x04;

/// One part of a message as submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Part {
    /// The sender, `+` and digits when its type of number is international.
    pub from: String,
    /// The recipient, likewise.
    pub to: String,
    /// SMPP `data_coding`.
    pub data_coding: u8,
    /// Where the part goes in a concatenated message (UDH or `sar_*` parameters).
    pub concat: Option<Concat>,
    /// The payload without its UDH.
    pub payload: Vec<u8>,
    /// Whether a receipt was asked for (`registered_delivery` 1), or only on failure (2).
    pub receipt: ReceiptRequest,
}

/// The receipts a `submit_sm` asked for in `registered_delivery`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ReceiptRequest {
    /// None.
    Never,
    /// Whatever becomes of it.
    Always,
    /// Only when it fails.
    OnFailure,
}

/// Reads a `submit_sm`, or the status to refuse it with.
pub(super) fn read_submit(submit: &SubmitSm) -> Result<Part, CommandStatus> {
    let to = address(
        u8::from(submit.dest_addr_ton),
        submit.destination_addr.bytes(),
    );
    if to.trim_start_matches('+').is_empty() {
        return Err(CommandStatus::EsmeRinvdstadr);
    }
    let mut message = submit.short_message().bytes().to_vec();
    if message.is_empty() {
        message = payload_tlv(submit).unwrap_or_default();
    }
    let (udh_concat, payload) = if u8::from(submit.esm_class) & UDHI != 0 {
        let (concat, payload) =
            encoding::split_udh(&message).ok_or(CommandStatus::EsmeRinvesmclass)?;
        (concat, payload.to_vec())
    } else {
        (None, message)
    };
    Ok(Part {
        from: address(u8::from(submit.source_addr_ton), submit.source_addr.bytes()),
        to,
        data_coding: u8::from(submit.data_coding),
        concat: udh_concat.or_else(|| sar_concat(submit)),
        payload,
        receipt: match u8::from(submit.registered_delivery) & 0x03 {
            1 => ReceiptRequest::Always,
            2 => ReceiptRequest::OnFailure,
            _ => ReceiptRequest::Never,
        },
    })
}

/// What became of a part, for its receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Fate<'a> {
    /// The centre's id of the part.
    pub message_id: &'a str,
    /// Delivered (`DELIVRD`), or not (`UNDELIV`).
    pub delivered: bool,
    /// When it was submitted, epoch milliseconds.
    pub submitted_ms: i64,
    /// When it was done, epoch milliseconds.
    pub done_ms: i64,
    /// The start of its text.
    pub text: &'a str,
}

/// A delivery receipt for a part: from the member to the sender, `esm_class` 0x04, the text
/// of SMPP 3.4 appendix B, and the `receipted_message_id` and `message_state` parameters.
pub(super) fn receipt(part: &Part, fate: &Fate<'_>) -> DeliverSm {
    let (stat, err, state) = if fate.delivered {
        ("DELIVRD", "000", MessageState::Delivered)
    } else {
        ("UNDELIV", "001", MessageState::Undeliverable)
    };
    let text = format!(
        "id:{} sub:001 dlvr:{} submit date:{} done date:{} stat:{stat} err:{err} text:{}",
        fate.message_id,
        if fate.delivered { "001" } else { "000" },
        date(fate.submitted_ms),
        date(fate.done_ms),
        receipt_text(fate.text),
    );
    let (source_ton, source) = wire_address(&part.to);
    let (dest_ton, dest) = wire_address(&part.from);
    DeliverSm::builder()
        .source_addr_ton(source_ton)
        .source_addr_npi(npi(source_ton))
        .source_addr(c_string(&source))
        .dest_addr_ton(dest_ton)
        .dest_addr_npi(npi(dest_ton))
        .destination_addr(c_string(&dest))
        .esm_class(EsmClass::from(RECEIPT))
        .data_coding(DataCoding::McSpecific)
        .short_message(OctetString::new(text.as_bytes()).unwrap_or_default())
        .push_tlv(MessageDeliveryRequestTlvValue::ReceiptedMessageId(
            c_string(fate.message_id),
        ))
        .push_tlv(MessageDeliveryRequestTlvValue::MessageState(state))
        .build()
}

/// A member's message (mobile-originated): one `deliver_sm` per part, with a concatenation
/// UDH when it takes several.
pub(super) fn mobile_originated(from: &str, to: &str, text: &str, reference: u8) -> Vec<DeliverSm> {
    let encoded = encoding::encode(text, 10);
    let total = u8::try_from(encoded.parts.len()).unwrap_or(u8::MAX);
    let data_coding = match encoded.encoding {
        Encoding::Gsm7 => DataCoding::McSpecific,
        Encoding::Ucs2 => DataCoding::Ucs2,
    };
    let (source_ton, source) = wire_address(from);
    let (dest_ton, dest) = wire_address(to);
    (1..=total)
        .zip(&encoded.parts)
        .map(|(sequence, payload)| {
            let mut message = Vec::with_capacity(payload.len() + 6);
            if total > 1 {
                message.extend(encoding::udh(reference, total, sequence));
            }
            message.extend(payload);
            DeliverSm::builder()
                .source_addr_ton(source_ton)
                .source_addr_npi(npi(source_ton))
                .source_addr(c_string(&source))
                .dest_addr_ton(dest_ton)
                .dest_addr_npi(npi(dest_ton))
                .destination_addr(c_string(&dest))
                .esm_class(EsmClass::from(if total > 1 { UDHI } else { 0 }))
                .data_coding(data_coding)
                .short_message(OctetString::new(&message).unwrap_or_default())
                .build()
        })
        .collect()
}

/// A C-octet string of at most `MAX - 1` characters: ASCII without NUL, or empty.
pub(super) fn c_string<const MIN: usize, const MAX: usize>(text: &str) -> COctetString<MIN, MAX> {
    let mut bytes: Vec<u8> = text
        .bytes()
        .filter(|b| b.is_ascii() && *b != 0)
        .take(MAX.saturating_sub(1))
        .collect();
    bytes.push(0);
    COctetString::new(bytes).unwrap_or_else(|_| COctetString::empty())
}

/// An address (a C-octet string, with its NUL) as the application writes numbers: `+` and
/// digits when international.
fn address(ton: u8, bytes: &[u8]) -> String {
    let bytes = bytes.strip_suffix(&[0]).unwrap_or(bytes);
    let text = String::from_utf8_lossy(bytes).into_owned();
    if ton == u8::from(Ton::International) && !text.starts_with('+') {
        format!("+{text}")
    } else {
        text
    }
}

/// The type of number and digits of an address: `+32…` international, digits a short code
/// (network specific), anything else alphanumeric.
fn wire_address(text: &str) -> (Ton, String) {
    if let Some(digits) = text.strip_prefix('+') {
        (Ton::International, digits.to_owned())
    } else if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        (Ton::NetworkSpecific, text.to_owned())
    } else {
        (Ton::Alphanumeric, text.to_owned())
    }
}

fn npi(ton: Ton) -> Npi {
    if ton == Ton::International {
        Npi::Isdn
    } else {
        Npi::Unknown
    }
}

fn payload_tlv(submit: &SubmitSm) -> Option<Vec<u8>> {
    submit.tlvs().iter().find_map(|tlv| match tlv.value() {
        Some(TlvValue::MessagePayload(payload)) => Some(payload.value.bytes().to_vec()),
        _ => None,
    })
}

/// The `sar_msg_ref_num`, `sar_total_segments` and `sar_segment_seqnum` parameters, when all
/// three are there and agree.
fn sar_concat(submit: &SubmitSm) -> Option<Concat> {
    let (mut reference, mut total, mut sequence) = (None, None, None);
    for tlv in submit.tlvs() {
        match tlv.value() {
            Some(TlvValue::SarMsgRefNum(value)) => reference = Some(*value),
            Some(TlvValue::SarTotalSegments(value)) => total = Some(*value),
            Some(TlvValue::SarSegmentSeqnum(value)) => sequence = Some(*value),
            _ => {}
        }
    }
    let (reference, total, sequence) = (reference?, total?, sequence?);
    (sequence >= 1 && sequence <= total).then_some(Concat {
        reference,
        total,
        sequence,
    })
}

/// `YYMMDDhhmm` in UTC.
fn date(epoch_ms: i64) -> String {
    jiff::Timestamp::from_millisecond(epoch_ms)
        .map(|at| at.strftime("%y%m%d%H%M").to_string())
        .unwrap_or_else(|_| "0001010000".to_owned())
}

/// The first 20 characters of a part, in ASCII (the receipt is sent in the default alphabet).
fn receipt_text(text: &str) -> String {
    text.chars()
        .take(20)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == ' ' {
                c
            } else {
                '.'
            }
        })
        .collect()
}
