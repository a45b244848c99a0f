//! A raw SMPP client on rusmpp's codec against the centre: what an operator's SMSC would be
//! expected to do, byte for byte.

use super::*;
use crate::sms::encoding::{self, Encoding, split_udh};
use bytes::BytesMut;
use rusmpp::codec::CommandCodec;
use rusmpp::pdus::{BindTransceiver, BindTransmitter, SubmitSm};
use rusmpp::tlvs::TlvValue;
use rusmpp::types::OctetString;
use rusmpp::values::{DataCoding, EsmClass, MessageState, Npi, RegisteredDelivery, Ton};
use rusmpp::{Command, CommandId, CommandStatus, Pdu};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::codec::{Decoder, Encoder};

const MEMBER: &str = "+32470000001";
const OTHER_MEMBER: &str = "+32470000002";
const GATEWAY: &str = "+3233000000";

struct Client {
    stream: TcpStream,
    codec: CommandCodec,
    read: BytesMut,
    sequence: u32,
}

impl Client {
    async fn connect(centre: &SmsCentre) -> Client {
        Client {
            stream: TcpStream::connect(centre.address()).await.unwrap(),
            codec: CommandCodec::new(),
            read: BytesMut::new(),
            sequence: 0,
        }
    }

    async fn bound(centre: &SmsCentre) -> Client {
        let mut client = Client::connect(centre).await;
        let resp = client.request(bind("buurtbel", "secret")).await;
        assert_eq!(resp.status(), CommandStatus::EsmeRok);
        client
    }

    async fn send(&mut self, pdu: impl Into<Pdu>) -> u32 {
        self.sequence += 1;
        let command = Command::new(CommandStatus::EsmeRok, self.sequence, pdu);
        self.write(command).await;
        self.sequence
    }

    async fn write(&mut self, command: Command) {
        let mut bytes = BytesMut::new();
        self.codec.encode(command, &mut bytes).unwrap();
        self.stream.write_all(&bytes).await.unwrap();
    }

    /// The next PDU, or `None` when the centre closed the connection.
    async fn next(&mut self) -> Option<Command> {
        loop {
            if let Some(command) = self.codec.decode(&mut self.read).unwrap() {
                return Some(command);
            }
            if self.stream.read_buf(&mut self.read).await.unwrap_or(0) == 0 {
                return None;
            }
        }
    }

    /// Sends a request and returns its response (skipping `deliver_sm`s, acknowledged).
    async fn request(&mut self, pdu: impl Into<Pdu>) -> Command {
        let sequence = self.send(pdu).await;
        loop {
            let command = self.next().await.expect("a response");
            if command.sequence_number() == sequence && command.id() != CommandId::DeliverSm {
                return command;
            }
        }
    }

    /// The next `deliver_sm`, answered with `status`.
    async fn deliver_sm(&mut self, status: CommandStatus) -> rusmpp::pdus::DeliverSm {
        loop {
            let command = self.next().await.expect("a deliver_sm");
            if let Some(Pdu::DeliverSm(deliver)) = command.pdu() {
                let deliver = deliver.clone();
                let resp = rusmpp::pdus::DeliverSmResp::default();
                self.write(Command::new(status, command.sequence_number(), resp))
                    .await;
                return deliver;
            }
        }
    }
}

fn bind(system_id: &str, password: &str) -> BindTransceiver {
    BindTransceiver::builder()
        .system_id(pdus::c_string(system_id))
        .password(pdus::c_string(password))
        .build()
}

/// The `submit_sm` of each part of an encoded text.
fn submits(to: &str, encoded: &encoding::Encoded, reference: u8) -> Vec<SubmitSm> {
    let total = encoded.parts.len() as u8;
    (1..=total)
        .zip(&encoded.parts)
        .map(|(sequence, payload)| {
            let mut message = Vec::new();
            if total > 1 {
                message.extend(encoding::udh(reference, total, sequence));
            }
            message.extend(payload);
            SubmitSm::builder()
                .source_addr_ton(Ton::International)
                .source_addr_npi(Npi::Isdn)
                .source_addr(pdus::c_string(GATEWAY.trim_start_matches('+')))
                .dest_addr_ton(Ton::International)
                .dest_addr_npi(Npi::Isdn)
                .destination_addr(pdus::c_string(to.trim_start_matches('+')))
                .esm_class(EsmClass::from(if total > 1 { 0x40 } else { 0 }))
                .registered_delivery(RegisteredDelivery::from(1))
                .data_coding(DataCoding::from(encoded.encoding.data_coding()))
                .short_message(OctetString::new(&message).unwrap())
                .build()
        })
        .collect()
}

async fn submit(client: &mut Client, to: &str, text: &str) -> Vec<String> {
    let encoded = encoding::encode(text, 4);
    let mut ids = Vec::new();
    for submit in submits(to, &encoded, 7) {
        let resp = client.request(submit).await;
        assert_eq!(resp.status(), CommandStatus::EsmeRok);
        let Some(Pdu::SubmitSmResp(resp)) = resp.pdu() else {
            panic!("not a submit_sm_resp: {resp:?}");
        };
        ids.push(resp.message_id().to_str().unwrap().to_owned());
    }
    ids
}

fn receipt_state(deliver: &rusmpp::pdus::DeliverSm) -> (String, Option<MessageState>) {
    let mut id = String::new();
    let mut state = None;
    for tlv in deliver.tlvs() {
        match tlv.value() {
            Some(TlvValue::ReceiptedMessageId(value)) => id = value.to_str().unwrap().to_owned(),
            Some(TlvValue::MessageState(value)) => state = Some(*value),
            _ => {}
        }
    }
    (id, state)
}

fn settings() -> CentreSettings {
    CentreSettings {
        receipt_delay: Duration::from_millis(10),
        redelivery_delay: Duration::from_millis(10),
        ..CentreSettings::default()
    }
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_the_right_one_binds() {
    let centre = SmsCentre::start(settings()).await.unwrap();
    let mut client = Client::connect(&centre).await;
    let resp = client.request(bind("buurtbel", "wrong")).await;
    assert_eq!(resp.id(), CommandId::BindTransceiverResp);
    assert_eq!(resp.status(), CommandStatus::EsmeRinvpaswd);
    let resp = client.request(bind("someone", "secret")).await;
    assert_eq!(resp.status(), CommandStatus::EsmeRinvsysid);
    let resp = client.request(bind("buurtbel", "secret")).await;
    assert_eq!(resp.status(), CommandStatus::EsmeRok);
    let resp = client.request(bind("buurtbel", "secret")).await;
    assert_eq!(resp.status(), CommandStatus::EsmeRalybnd);
    assert_eq!(
        client.request(Pdu::EnquireLink).await.id(),
        CommandId::EnquireLinkResp
    );
    assert_eq!(
        client.request(Pdu::Unbind).await.id(),
        CommandId::UnbindResp
    );
    assert!(client.next().await.is_none(), "closed after unbind");
}

#[tokio::test]
async fn messages_are_reassembled_and_each_part_gets_a_receipt() {
    let centre = SmsCentre::start(settings()).await.unwrap();
    let mut client = Client::bound(&centre).await;
    let polish = "Uwaga: podejrzany samochód na ulicy Kościelnej, prosimy o czujność. Dziękujemy.";
    let dutch = "BIN Kessel-Lo: verdachte wagen in de Kerkstraat. Antwoord 1 om te bevestigen.";
    let ucs2_ids = submit(&mut client, MEMBER, polish).await;
    let gsm_ids = submit(&mut client, OTHER_MEMBER, dutch).await;
    assert_eq!((ucs2_ids.len(), gsm_ids.len()), (2, 1));

    let messages = centre.wait_for_messages(2).await;
    assert_eq!(messages[0].text, polish);
    assert_eq!(messages[0].encoding, Some(Encoding::Ucs2));
    assert_eq!((messages[0].parts, messages[0].to.as_str()), (2, MEMBER));
    assert_eq!(messages[0].from, GATEWAY);
    assert_eq!(messages[0].message_ids, ucs2_ids);
    assert_eq!(messages[1].text, dutch);
    assert_eq!(messages[1].encoding, Some(Encoding::Gsm7));
    assert_eq!(messages[1].parts, 1);

    let mut receipted = Vec::new();
    for _ in 0..3 {
        let receipt = client.deliver_sm(CommandStatus::EsmeRok).await;
        assert_eq!(u8::from(receipt.esm_class), 0x04);
        let text = receipt.short_message().to_str().unwrap().to_owned();
        let (id, state) = receipt_state(&receipt);
        assert!(
            text.starts_with(&format!("id:{id} sub:001 dlvr:001 submit date:")),
            "{text}"
        );
        assert!(text.contains(" stat:DELIVRD err:000 text:"), "{text}");
        assert_eq!(state, Some(MessageState::Delivered));
        receipted.push(id);
    }
    receipted.sort();
    let mut submitted = [ucs2_ids, gsm_ids].concat();
    submitted.sort();
    assert_eq!(receipted, submitted);
}

#[tokio::test]
async fn an_unreachable_number_gets_undeliv_and_a_scripted_member_answers() {
    let centre = SmsCentre::start(CentreSettings {
        unreachable: vec![OTHER_MEMBER.to_owned()],
        replies: vec![ScriptedReply {
            number: MEMBER.to_owned(),
            text: "Ok!".to_owned(),
            after: Duration::from_millis(20),
        }],
        ..settings()
    })
    .await
    .unwrap();
    let mut client = Client::bound(&centre).await;
    let lost = submit(&mut client, OTHER_MEMBER, "Test").await;
    let receipt = client.deliver_sm(CommandStatus::EsmeRok).await;
    let text = receipt.short_message().to_str().unwrap().to_owned();
    assert!(
        text.contains("dlvr:000") && text.contains("stat:UNDELIV"),
        "{text}"
    );
    assert_eq!(
        receipt_state(&receipt),
        (lost[0].clone(), Some(MessageState::Undeliverable))
    );

    submit(&mut client, MEMBER, "Verdachte wagen.").await;
    let mut answer = None;
    for _ in 0..2 {
        let deliver = client.deliver_sm(CommandStatus::EsmeRok).await;
        if u8::from(deliver.esm_class) & 0x04 == 0 {
            answer = Some(deliver);
        }
    }
    let answer = answer.expect("the member's answer");
    assert_eq!(answer.source_addr.to_str().unwrap(), "32470000001");
    assert_eq!(u8::from(answer.source_addr_ton), 1);
    assert_eq!(answer.destination_addr.to_str().unwrap(), "3233000000");
    assert_eq!(
        encoding::decode(0, answer.short_message().bytes()).unwrap(),
        "Ok!"
    );
}

#[tokio::test]
async fn a_long_reply_comes_in_parts_with_a_udh() {
    let centre = SmsCentre::start(settings()).await.unwrap();
    let mut client = Client::bound(&centre).await;
    let text = "Ik heb de wagen gezien aan de kerk, hij reed richting station. ".repeat(4);
    centre.reply(MEMBER, "8810", &text);
    let mut payload = Vec::new();
    for sequence in 1..=2 {
        let part = client.deliver_sm(CommandStatus::EsmeRok).await;
        assert_eq!(u8::from(part.esm_class), 0x40);
        assert_eq!(u8::from(part.dest_addr_ton), 3);
        let (concat, bytes) = split_udh(part.short_message().bytes()).unwrap();
        assert_eq!(concat.map(|c| (c.total, c.sequence)), Some((2, sequence)));
        payload.extend(bytes);
    }
    assert_eq!(encoding::decode(0, &payload).unwrap(), text);
}

#[tokio::test]
async fn garbage_gets_a_generic_nack_and_the_session_goes_on() {
    let centre = SmsCentre::start(settings()).await.unwrap();
    let mut client = Client::bound(&centre).await;
    // An unknown command id.
    let unknown = [0, 0, 0, 16, 0, 0, 0x12, 0x34, 0, 0, 0, 0, 0, 0, 0, 9];
    client.stream.write_all(&unknown).await.unwrap();
    let nack = client.next().await.unwrap();
    assert_eq!(
        (nack.id(), nack.status()),
        (CommandId::GenericNack, CommandStatus::EsmeRinvcmdid)
    );
    assert_eq!(nack.sequence_number(), 9);
    // A submit_sm whose body ends too soon.
    let corrupt = [
        0, 0, 0, 19, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 10, b'x', b'y', b'z',
    ];
    client.stream.write_all(&corrupt).await.unwrap();
    let nack = client.next().await.unwrap();
    assert_eq!(nack.id(), CommandId::GenericNack);
    assert_eq!(nack.sequence_number(), 10);
    assert_eq!(
        client.request(Pdu::EnquireLink).await.status(),
        CommandStatus::EsmeRok
    );
    // A length no PDU has: nothing after it can be read.
    client
        .stream
        .write_all(&[0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 21, 0, 0, 0, 0, 0, 0, 0, 1])
        .await
        .unwrap();
    let nack = client.next().await.unwrap();
    assert_eq!(
        (nack.id(), nack.status()),
        (CommandId::GenericNack, CommandStatus::EsmeRinvcmdlen)
    );
    assert!(client.next().await.is_none());
}

#[tokio::test]
async fn submitting_needs_a_bind_that_transmits() {
    let centre = SmsCentre::start(settings()).await.unwrap();
    let mut client = Client::connect(&centre).await;
    let encoded = encoding::encode("Test", 1);
    let resp = client.request(submits(MEMBER, &encoded, 1).remove(0)).await;
    assert_eq!(resp.status(), CommandStatus::EsmeRinvbndsts);
    let transmitter = BindTransmitter::builder()
        .system_id(pdus::c_string("buurtbel"))
        .password(pdus::c_string("secret"))
        .build();
    assert_eq!(
        client.request(transmitter).await.status(),
        CommandStatus::EsmeRok
    );
    assert_eq!(
        client
            .request(submits(MEMBER, &encoded, 1).remove(0))
            .await
            .status(),
        CommandStatus::EsmeRok
    );
    assert!(centre.messages().len() == 1);
}

#[tokio::test]
async fn what_the_application_did_not_keep_is_sent_again() {
    let centre = SmsCentre::start(settings()).await.unwrap();
    let mut client = Client::bound(&centre).await;
    centre.reply(MEMBER, GATEWAY, "1");
    let refused = client.deliver_sm(CommandStatus::EsmeRxTAppn).await;
    let again = client.deliver_sm(CommandStatus::EsmeRok).await;
    assert_eq!(refused, again);
    // Once enquire_link is answered, the centre has read the answer before it.
    client.request(Pdu::EnquireLink).await;

    // Read but never answered, then the connection drops: the next session gets it.
    centre.reply(MEMBER, GATEWAY, "JA");
    let unanswered = loop {
        let command = client.next().await.unwrap();
        if let Some(Pdu::DeliverSm(deliver)) = command.pdu() {
            break deliver.clone();
        }
    };
    centre.drop_connections();
    assert!(client.next().await.is_none());
    let mut client = Client::bound(&centre).await;
    assert_eq!(client.deliver_sm(CommandStatus::EsmeRok).await, unanswered);
}
