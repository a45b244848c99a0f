//! From a message to its `submit_sm`s, and from a `submit_sm_resp` status to what it means.
//!
//! Pure: no connection, no clock.

use crate::sms::encoding::udh;
use crate::sms::{OutgoingSms, SmsError};
use rusmpp::CommandStatus;
use rusmpp::pdus::SubmitSm;
use rusmpp::types::{COctetString, OctetString};
use rusmpp::values::{DataCoding, EsmClass, Npi, RegisteredDelivery, Ton};

/// `esm_class` with the UDH indicator: the short message starts with a user data header.
pub const UDHI: u8 = 0x40;

/// One `submit_sm` per part of `sms`; several parts each start with a concatenation UDH
/// naming `reference`, the part count and the part's number.
///
/// A message that cannot be put into SMPP (no parts, too many, a bad address) is
/// [`SmsError::Refused`]: sending it again would not help.
pub fn submit_sms(sms: &OutgoingSms, reference: u8) -> Result<Vec<SubmitSm>, SmsError> {
    let parts = &sms.message.parts;
    let total = u8::try_from(parts.len())
        .ok()
        .filter(|total| *total > 0)
        .ok_or_else(|| refused(format!("a message of {} parts", parts.len())))?;
    let (source_ton, source_npi, source) = sms.sender.smpp_address();
    let source = address(&source, "sender")?;
    let destination = destination(&sms.to)?;
    let data_coding = DataCoding::from(sms.message.encoding.data_coding());
    let concatenated = total > 1;
    let esm_class = EsmClass::from(if concatenated { UDHI } else { 0 });
    (1..=total)
        .zip(parts)
        .map(|(sequence, payload)| {
            let mut short_message = Vec::with_capacity(payload.len() + 6);
            if concatenated {
                short_message.extend_from_slice(&udh(reference, total, sequence));
            }
            short_message.extend_from_slice(payload);
            let short_message = OctetString::new(&short_message)
                .map_err(|_| refused(format!("a part of {} octets", short_message.len())))?;
            Ok(SubmitSm::builder()
                .source_addr_ton(Ton::from(source_ton))
                .source_addr_npi(Npi::from(source_npi))
                .source_addr(source.clone())
                .dest_addr_ton(Ton::International)
                .dest_addr_npi(Npi::Isdn)
                .destination_addr(destination.clone())
                .esm_class(esm_class)
                .registered_delivery(RegisteredDelivery::from(1))
                .data_coding(data_coding)
                .short_message(short_message)
                .build())
        })
        .collect()
}

/// What a `submit_sm_resp` with an error status means: the SMSC is busy (try later) or it
/// refused the message.
pub fn refusal(status: CommandStatus) -> SmsError {
    let code = u32::from(status);
    let text = format!("SMPP command_status {code:#04x} ({status:?})");
    match status {
        CommandStatus::EsmeRthrottled | CommandStatus::EsmeRmsgqful => SmsError::Throttled(text),
        _ => SmsError::Refused(text),
    }
}

/// The member's number, `+` and digits, as SMPP digits (TON 1, NPI 1).
fn destination(to: &str) -> Result<COctetString<1, 21>, SmsError> {
    let digits = to.strip_prefix('+').unwrap_or(to);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refused(
            "a destination that is not an international number".into(),
        ));
    }
    address(digits, "destination")
}

fn address(text: &str, what: &str) -> Result<COctetString<1, 21>, SmsError> {
    let mut bytes = text.as_bytes().to_vec();
    bytes.push(0);
    COctetString::new(bytes).map_err(|_| refused(format!("a {what} address SMPP cannot carry")))
}

fn refused(what: String) -> SmsError {
    SmsError::Refused(format!("not sent: {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sms::{Encoded, Encoding, SenderId};

    fn sms(parts: Vec<Vec<u8>>, encoding: Encoding, sender: SenderId) -> OutgoingSms {
        OutgoingSms {
            to: "+32470000001".into(),
            sender,
            message: Encoded {
                encoding,
                text: String::new(),
                parts,
                shortened: false,
            },
            reference: "attempt-1".into(),
        }
    }

    #[test]
    fn one_part_goes_without_a_header() {
        // "é€" in GSM: 0x05, then the extension 0x1B 0x65.
        let message = sms(
            vec![vec![0x05, 0x1B, 0x65]],
            Encoding::Gsm7,
            SenderId::Number("+3233000000".into()),
        );
        let pdus = submit_sms(&message, 7).unwrap();
        assert_eq!(pdus.len(), 1);
        let pdu = &pdus[0];
        assert_eq!(pdu.short_message().bytes(), [0x05, 0x1B, 0x65]);
        assert_eq!(u8::from(pdu.esm_class), 0);
        assert_eq!(u8::from(pdu.data_coding), 0);
        assert_eq!(u8::from(pdu.registered_delivery), 1);
        assert_eq!(pdu.destination_addr.to_str().unwrap(), "32470000001");
        assert_eq!(u8::from(pdu.dest_addr_ton), 1);
        assert_eq!(u8::from(pdu.dest_addr_npi), 1);
        assert_eq!(pdu.source_addr.to_str().unwrap(), "3233000000");
        assert_eq!(u8::from(pdu.source_addr_ton), 1);
    }

    #[test]
    fn several_parts_each_carry_the_same_reference_and_their_number() {
        let message = sms(
            vec![vec![0x00, 0x41], vec![0x00, 0x42], vec![0x00, 0x43]],
            Encoding::Ucs2,
            SenderId::Alphanumeric("BIN-Kessel".into()),
        );
        let pdus = submit_sms(&message, 200).unwrap();
        let bodies: Vec<&[u8]> = pdus.iter().map(|p| p.short_message().bytes()).collect();
        assert_eq!(
            bodies,
            [
                &[5, 0, 3, 200, 3, 1, 0x00, 0x41][..],
                &[5, 0, 3, 200, 3, 2, 0x00, 0x42][..],
                &[5, 0, 3, 200, 3, 3, 0x00, 0x43][..],
            ]
        );
        for pdu in &pdus {
            assert_eq!(u8::from(pdu.esm_class), UDHI);
            assert_eq!(u8::from(pdu.data_coding), 8);
            assert_eq!(pdu.source_addr.to_str().unwrap(), "BIN-Kessel");
            assert_eq!(u8::from(pdu.source_addr_ton), 5);
        }
    }

    #[test]
    fn what_smpp_cannot_carry_is_refused_not_sent() {
        let number = || SenderId::Number("+3233000000".into());
        let cases = [
            sms(vec![], Encoding::Gsm7, number()),
            sms(vec![vec![0; 300]], Encoding::Gsm7, number()),
            sms(vec![vec![1]; 256], Encoding::Gsm7, number()),
            OutgoingSms {
                to: "0470 00 00 01".into(),
                ..sms(vec![vec![1]], Encoding::Gsm7, number())
            },
            OutgoingSms {
                to: "+".into(),
                ..sms(vec![vec![1]], Encoding::Gsm7, number())
            },
            sms(
                vec![vec![1]],
                Encoding::Gsm7,
                SenderId::Alphanumeric("x".repeat(40)),
            ),
        ];
        for case in cases {
            let error = submit_sms(&case, 1).unwrap_err();
            assert!(matches!(error, SmsError::Refused(_)), "{error:?}");
        }
    }

    #[test]
    fn throttling_and_a_full_queue_mean_later_anything_else_means_no() {
        assert!(matches!(
            refusal(CommandStatus::EsmeRthrottled),
            SmsError::Throttled(_)
        ));
        assert!(matches!(
            refusal(CommandStatus::EsmeRmsgqful),
            SmsError::Throttled(_)
        ));
        let refused = refusal(CommandStatus::from(0x0B));
        assert!(matches!(refused, SmsError::Refused(ref text) if text.contains("0x0b")));
        assert!(!refused.is_temporary());
    }
}
