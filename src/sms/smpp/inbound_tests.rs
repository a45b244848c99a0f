use super::*;
use crate::sms::{Receipt, ReceiptState};
use rusmpp::tlvs::MessageDeliveryRequestTlvValue;
use rusmpp::types::{AnyOctetString, COctetString, OctetString};
use rusmpp::values::{DataCoding, EsmClass, MessagePayload, MessageState, Ton};

fn c_string<const MAX: usize>(text: &str) -> COctetString<1, MAX> {
    let mut bytes = text.as_bytes().to_vec();
    bytes.push(0);
    COctetString::new(bytes).unwrap()
}

fn deliver_sm(esm_class: u8, data_coding: u8, short_message: &[u8]) -> DeliverSm {
    DeliverSm::builder()
        .source_addr_ton(Ton::International)
        .source_addr(c_string("32470000001"))
        .destination_addr(c_string("3233000000"))
        .esm_class(EsmClass::from(esm_class))
        .data_coding(DataCoding::from(data_coding))
        .short_message(OctetString::new(short_message).unwrap())
        .build()
}

fn reply(text: &str) -> Reply {
    Reply {
        from: "+32470000001".into(),
        to: "3233000000".into(),
        text: text.into(),
    }
}

#[test]
fn a_plain_message_is_a_reply_from_an_international_number() {
    let read = read_deliver_sm(&deliver_sm(0, 0, b"ok")).unwrap();
    assert_eq!(read, Delivered::Whole(Inbound::Reply(reply("ok"))));
}

#[test]
fn a_national_sender_is_kept_as_given() {
    let mut pdu = deliver_sm(0, 0, b"ja");
    pdu.source_addr_ton = Ton::National;
    pdu.source_addr = c_string("0470000001");
    let Delivered::Whole(Inbound::Reply(reply)) = read_deliver_sm(&pdu).unwrap() else {
        panic!("not a reply");
    };
    assert_eq!(reply.from, "0470000001");
}

#[test]
fn a_ucs2_reply_is_decoded() {
    let read = read_deliver_sm(&deliver_sm(0, 8, &[0x00, 0x4F, 0x00, 0x4B])).unwrap();
    assert_eq!(read, Delivered::Whole(Inbound::Reply(reply("OK"))));
    assert_eq!(
        read_deliver_sm(&deliver_sm(0, 8, &[0x00, 0x4F, 0x00])),
        Err(Problem::BadText(8))
    );
}

#[test]
fn a_receipt_is_read_from_its_tlvs() {
    let mut pdu = deliver_sm(RECEIPT, 0, b"");
    pdu.push_tlv(MessageDeliveryRequestTlvValue::ReceiptedMessageId(
        c_string("B1"),
    ));
    pdu.push_tlv(MessageDeliveryRequestTlvValue::MessageState(
        MessageState::Delivered,
    ));
    let read = read_deliver_sm(&pdu).unwrap();
    let expected = Receipt {
        message_id: "B1".into(),
        state: ReceiptState::Delivered,
        error: None,
    };
    assert_eq!(read, Delivered::Whole(Inbound::Receipt(expected)));
}

#[test]
fn a_receipt_is_read_from_its_text_or_its_payload() {
    let text = b"id:77 sub:001 dlvr:000 submit date:2612031200 done date:2612031300 stat:EXPIRED err:027 text:";
    let read = read_deliver_sm(&deliver_sm(RECEIPT, 0, text)).unwrap();
    let expected = Receipt {
        message_id: "77".into(),
        state: ReceiptState::Expired,
        error: Some("027".into()),
    };
    assert_eq!(read, Delivered::Whole(Inbound::Receipt(expected.clone())));

    let mut pdu = deliver_sm(RECEIPT, 0, b"");
    pdu.push_tlv(MessageDeliveryRequestTlvValue::MessagePayload(
        MessagePayload::new(AnyOctetString::new(text)),
    ));
    assert_eq!(
        read_deliver_sm(&pdu).unwrap(),
        Delivered::Whole(Inbound::Receipt(expected))
    );
}

#[test]
fn a_receipt_without_an_id_is_a_problem() {
    let read = read_deliver_sm(&deliver_sm(RECEIPT, 0, b"stat:DELIVRD"));
    assert_eq!(read, Err(Problem::ReceiptWithoutId));
}

#[test]
fn parts_are_put_together_in_order_whatever_order_they_come_in() {
    let part = |sequence: u8, text: &[u8]| {
        let mut body = vec![5, 0, 3, 42, 3, sequence];
        body.extend_from_slice(text);
        match read_deliver_sm(&deliver_sm(UDHI, 0, &body)).unwrap() {
            Delivered::Part(part) => part,
            other => panic!("not a part: {other:?}"),
        }
    };
    let now = Instant::ZERO;
    let mut reassembly = Reassembly::default();
    assert_eq!(reassembly.offer(now, part(3, b"drie")), None);
    assert_eq!(reassembly.offer(now, part(1, b"een ")), None);
    assert_eq!(
        reassembly.offer(now, part(1, b"een ")),
        None,
        "a resent part"
    );
    assert_eq!(reassembly.waiting(), 1);
    let whole = reassembly.offer(now, part(2, b"twee ")).unwrap();
    assert_eq!(whole, reply("een twee drie"));
    // Not kept: the SMSC sends the last part again and the whole comes back.
    let again = reassembly.offer(now, part(2, b"twee ")).unwrap();
    assert_eq!(again, whole);
    assert_eq!(reassembly.waiting(), 1);
    reassembly.kept(&part(1, b"").key);
    assert_eq!(reassembly.waiting(), 0);
    assert_eq!(reassembly.offer(now, part(2, b"twee ")), None);
}

#[test]
fn parts_that_wait_too_long_are_forgotten() {
    let part = |sequence: u8| ReplyPart {
        key: ("+32470000001".into(), "3233000000".into(), 9),
        total: 2,
        sequence,
        text: sequence.to_string(),
    };
    let now = Instant::ZERO;
    let mut reassembly = Reassembly::default();
    assert_eq!(reassembly.offer(now, part(1)), None);
    assert_eq!(reassembly.offer(now + PARTS_WAIT, part(2)), None);
    assert_eq!(reassembly.waiting(), 1);
    let whole = reassembly.offer(now + PARTS_WAIT, part(1)).unwrap();
    assert_eq!(whole.text, "12");
}

#[test]
fn a_single_part_header_is_a_whole_reply() {
    let body = [5, 0, 3, 1, 1, 1, b'o', b'k'];
    let read = read_deliver_sm(&deliver_sm(UDHI, 0, &body)).unwrap();
    assert_eq!(read, Delivered::Whole(Inbound::Reply(reply("ok"))));
}

#[test]
fn hostile_headers_are_problems_not_panics() {
    let cases: [&[u8]; 4] = [&[], &[9, 0, 3], &[255], &[5, 0, 9, 1, 2, 1, b'x']];
    for body in cases {
        assert!(
            read_deliver_sm(&deliver_sm(UDHI, 0, body)).is_err(),
            "{body:?}"
        );
    }
    // A concatenation element numbered 0 or past its total is ignored (23.040): one text.
    for body in [[5, 0, 3, 1, 2, 0, b'x'], [5, 0, 3, 1, 2, 3, b'x']] {
        let read = read_deliver_sm(&deliver_sm(UDHI, 0, &body)).unwrap();
        assert_eq!(
            read,
            Delivered::Whole(Inbound::Reply(reply("x"))),
            "{body:?}"
        );
    }
    for byte in 0..=255u8 {
        let _ = read_deliver_sm(&deliver_sm(UDHI, byte, &[5, 0, 3, 1, 2, 1, byte]));
        let _ = read_deliver_sm(&deliver_sm(byte, byte, &[byte; 7]));
    }
}
