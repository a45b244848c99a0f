//! One SMPP session: a connection from bind to unbind (or to its loss). The session reads
//! PDUs, answers them, and writes the `deliver_sm`s the centre hands it, keeping each until
//! its `deliver_sm_resp` says the application has it.

use super::pdus::{c_string, read_submit};
use super::{Outgoing, Shared};
use bytes::BytesMut;
use rusmpp::codec::CommandCodec;
use rusmpp::command::CommandParts;
use rusmpp::pdus::{
    BindReceiverResp, BindTransceiverResp, BindTransmitterResp, DeliverSm, SubmitSmResp,
};
use rusmpp::values::InterfaceVersion;
use rusmpp::{Command, CommandId, CommandStatus, Pdu};
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_util::codec::{Decoder, Encoder};

/// The longest PDU read (rusmpp's default): a `submit_sm` with a full `message_payload` fits.
const MOST_BYTES: usize = 8192;
/// An SMPP header: length, id, status, sequence number.
const HEADER: usize = 16;

/// Serves one connection until it is unbound, lost, or closed by the centre.
pub(super) async fn serve(stream: TcpStream, shared: Arc<Shared>) {
    let (id, mut inbox) = shared.open_session();
    tracing::debug!(session = id, "simulated SMS centre: connection");
    let mut session = Session {
        id,
        shared: Arc::clone(&shared),
        stream,
        codec: CommandCodec::new(),
        read: BytesMut::with_capacity(4096),
        bound: None,
        next_sequence: 0,
        unacknowledged: BTreeMap::new(),
    };
    if let Err(error) = session.run(&mut inbox).await {
        tracing::debug!(session = id, %error, "simulated SMS centre: connection lost");
    }
    inbox.close();
    let mut unacknowledged: Vec<DeliverSm> = session.unacknowledged.into_values().collect();
    while let Ok(outgoing) = inbox.try_recv() {
        if let Outgoing::Deliver(pdu) = outgoing {
            unacknowledged.push(pdu);
        }
    }
    shared.close_session(id, unacknowledged);
}

/// How a session is bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bind {
    Transmitter,
    Receiver,
    Transceiver,
}

impl Bind {
    fn submits(self) -> bool {
        self != Bind::Receiver
    }

    fn receives(self) -> bool {
        self != Bind::Transmitter
    }
}

/// What the framing found in the bytes read.
#[derive(Debug)]
enum Frame {
    /// A PDU rusmpp read.
    Command(Box<Command>),
    /// A PDU of sound length it could not read: answered with `generic_nack`.
    Corrupt {
        sequence: u32,
        status: CommandStatus,
    },
    /// A length that cannot be right: nothing after it can be trusted.
    Unframeable,
}

/// Whether the session goes on after a PDU.
#[derive(Debug, PartialEq, Eq)]
enum Flow {
    Continue,
    Close,
}

struct Session {
    id: u64,
    shared: Arc<Shared>,
    stream: TcpStream,
    codec: CommandCodec,
    read: BytesMut,
    bound: Option<Bind>,
    next_sequence: u32,
    unacknowledged: BTreeMap<u32, DeliverSm>,
}

impl Session {
    async fn run(&mut self, inbox: &mut mpsc::UnboundedReceiver<Outgoing>) -> std::io::Result<()> {
        loop {
            tokio::select! {
                read = self.stream.read_buf(&mut self.read) => {
                    if read? == 0 {
                        return Ok(());
                    }
                    while let Some(frame) = next_frame(&mut self.read, &mut self.codec) {
                        if self.handle(frame).await? == Flow::Close {
                            return self.stream.shutdown().await;
                        }
                    }
                }
                outgoing = inbox.recv() => match outgoing {
                    Some(Outgoing::Deliver(pdu)) => self.deliver(pdu).await?,
                    Some(Outgoing::Close) | None => return Ok(()),
                },
            }
        }
    }

    async fn handle(&mut self, frame: Frame) -> std::io::Result<Flow> {
        let command = match frame {
            Frame::Command(command) => command,
            Frame::Corrupt { sequence, status } => {
                self.send(Command::new(status, sequence, Pdu::GenericNack))
                    .await?;
                return Ok(Flow::Continue);
            }
            Frame::Unframeable => {
                let nack = Command::new(CommandStatus::EsmeRinvcmdlen, 0, Pdu::GenericNack);
                self.send(nack).await?;
                return Ok(Flow::Close);
            }
        };
        let sequence = command.sequence_number();
        let status = command.status();
        match command.pdu() {
            Some(Pdu::BindTransmitter(bind)) => {
                self.bind(
                    sequence,
                    Bind::Transmitter,
                    bind.system_id.bytes(),
                    bind.password.bytes(),
                )
                .await
            }
            Some(Pdu::BindReceiver(bind)) => {
                self.bind(
                    sequence,
                    Bind::Receiver,
                    bind.system_id.bytes(),
                    bind.password.bytes(),
                )
                .await
            }
            Some(Pdu::BindTransceiver(bind)) => {
                self.bind(
                    sequence,
                    Bind::Transceiver,
                    bind.system_id.bytes(),
                    bind.password.bytes(),
                )
                .await
            }
            Some(Pdu::EnquireLink) => self.answer(sequence, Pdu::EnquireLinkResp).await,
            Some(Pdu::Unbind) => {
                self.send(Command::new(
                    CommandStatus::EsmeRok,
                    sequence,
                    Pdu::UnbindResp,
                ))
                .await?;
                Ok(Flow::Close)
            }
            Some(Pdu::SubmitSm(submit)) => {
                let submit = submit.clone();
                self.submit(sequence, &submit).await
            }
            Some(Pdu::DeliverSmResp(_)) | Some(Pdu::GenericNack) | None
                if command.id() == CommandId::DeliverSmResp
                    || command.id() == CommandId::GenericNack =>
            {
                let kept =
                    command.id() == CommandId::DeliverSmResp && status == CommandStatus::EsmeRok;
                self.acknowledged(sequence, kept);
                Ok(Flow::Continue)
            }
            Some(Pdu::EnquireLinkResp) | Some(Pdu::UnbindResp) => Ok(Flow::Continue),
            _ => {
                let nack = Command::new(CommandStatus::EsmeRinvcmdid, sequence, Pdu::GenericNack);
                self.send(nack).await?;
                Ok(Flow::Continue)
            }
        }
    }

    async fn bind(
        &mut self,
        sequence: u32,
        kind: Bind,
        system_id: &[u8],
        password: &[u8],
    ) -> std::io::Result<Flow> {
        let settings = &self.shared.settings;
        let status = if self.bound.is_some() {
            CommandStatus::EsmeRalybnd
        } else if c_text(system_id) != settings.system_id {
            CommandStatus::EsmeRinvsysid
        } else if c_text(password) != settings.password {
            CommandStatus::EsmeRinvpaswd
        } else {
            CommandStatus::EsmeRok
        };
        let system_id = c_string(&settings.system_id);
        let version = Some(InterfaceVersion::Smpp3_4);
        let pdu = match kind {
            Bind::Transmitter => Pdu::from(BindTransmitterResp::new(system_id, version)),
            Bind::Receiver => Pdu::from(BindReceiverResp::new(system_id, version)),
            Bind::Transceiver => Pdu::from(BindTransceiverResp::new(system_id, version)),
        };
        if status != CommandStatus::EsmeRok {
            tracing::debug!(
                session = self.id,
                ?status,
                "simulated SMS centre: bind refused"
            );
            self.send(without_body(pdu.command_id(), status, sequence))
                .await?;
            return Ok(Flow::Continue);
        }
        self.send(Command::new(status, sequence, pdu)).await?;
        self.bound = Some(kind);
        if kind.receives() {
            self.shared.bound_receiver(self.id);
        }
        Ok(Flow::Continue)
    }

    async fn submit(
        &mut self,
        sequence: u32,
        submit: &rusmpp::pdus::SubmitSm,
    ) -> std::io::Result<Flow> {
        if !self.bound.is_some_and(Bind::submits) {
            let refusal = without_body(
                CommandId::SubmitSmResp,
                CommandStatus::EsmeRinvbndsts,
                sequence,
            );
            self.send(refusal).await?;
            return Ok(Flow::Continue);
        }
        let command = match read_submit(submit) {
            Ok(part) => {
                let message_id = self.shared.submitted(part);
                let resp = SubmitSmResp::new(
                    c_string(&message_id),
                    Vec::<rusmpp::tlvs::MessageSubmissionResponseTlvValue>::new(),
                );
                Command::new(CommandStatus::EsmeRok, sequence, resp)
            }
            Err(status) => without_body(CommandId::SubmitSmResp, status, sequence),
        };
        self.send(command).await?;
        Ok(Flow::Continue)
    }

    async fn answer(&mut self, sequence: u32, pdu: Pdu) -> std::io::Result<Flow> {
        self.send(Command::new(CommandStatus::EsmeRok, sequence, pdu))
            .await?;
        Ok(Flow::Continue)
    }

    /// The application answered a `deliver_sm`: kept, or refused and sent again later.
    fn acknowledged(&mut self, sequence: u32, kept: bool) {
        if let Some(pdu) = self.unacknowledged.remove(&sequence) {
            if !kept {
                self.shared.redeliver(pdu);
            }
        }
    }

    async fn deliver(&mut self, pdu: DeliverSm) -> std::io::Result<()> {
        self.next_sequence = self.next_sequence.wrapping_add(1).max(1);
        let sequence = self.next_sequence;
        self.unacknowledged.insert(sequence, pdu.clone());
        self.send(Command::new(CommandStatus::EsmeRok, sequence, pdu))
            .await
    }

    async fn send(&mut self, command: Command) -> std::io::Result<()> {
        let mut bytes = BytesMut::new();
        self.codec
            .encode(command, &mut bytes)
            .map_err(|error| std::io::Error::other(error.to_string()))?;
        self.stream.write_all(&bytes).await
    }
}

/// The next PDU in `read`, taking its bytes; `None` until a whole one is there.
fn next_frame(read: &mut BytesMut, codec: &mut CommandCodec) -> Option<Frame> {
    let header = read.get(..HEADER)?;
    let word = |at: usize| {
        header
            .get(at..at + 4)
            .and_then(|bytes| <[u8; 4]>::try_from(bytes).ok())
            .map_or(0, u32::from_be_bytes)
    };
    let (length, id, sequence) = (word(0), word(4), word(12));
    let length = usize::try_from(length).unwrap_or(usize::MAX);
    if !(HEADER..=MOST_BYTES).contains(&length) {
        read.clear();
        return Some(Frame::Unframeable);
    }
    if read.len() < length {
        return None;
    }
    let mut pdu = read.split_to(length);
    Some(match codec.decode(&mut pdu) {
        Ok(Some(command)) => Frame::Command(Box::new(command)),
        Ok(None) | Err(_) => Frame::Corrupt {
            sequence,
            status: match CommandId::from(id) {
                CommandId::Other(_) => CommandStatus::EsmeRinvcmdid,
                _ => CommandStatus::EsmeRinvcmdlen,
            },
        },
    })
}

/// A response with a status and no body, as SMPP 3.4 sends errors.
fn without_body(id: CommandId, status: CommandStatus, sequence: u32) -> Command {
    Command::from_parts(CommandParts {
        id,
        status,
        sequence_number: sequence,
        pdu: None,
    })
}

/// A C-octet string's text without its NUL.
fn c_text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes.strip_suffix(&[0]).unwrap_or(bytes)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::super::assembly::Assembly;
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// Random bodies under every command id a client sends or answers: each is framed, read
    /// or refused, and a `submit_sm` that reads goes through the reassembly, without a panic.
    #[test]
    fn random_pdus_are_read_or_refused() {
        let ids = [
            0x0000_0001u32,
            0x0000_0002,
            0x0000_0004,
            0x0000_0006,
            0x0000_0009,
            0x0000_0015,
            0x0000_0103,
            0x8000_0005,
            0x8000_0000,
            0x0000_1234,
        ];
        let mut rng = StdRng::seed_from_u64(34);
        let mut assembly = Assembly::default();
        let mut codec = CommandCodec::new();
        for round in 0..20_000u32 {
            let id = ids[round as usize % ids.len()];
            let body: Vec<u8> = (0..rng.random_range(0..200))
                .map(|_| rng.random())
                .collect();
            let mut read = BytesMut::new();
            read.extend((HEADER as u32 + body.len() as u32).to_be_bytes());
            read.extend(id.to_be_bytes());
            read.extend([0; 4]);
            read.extend(round.to_be_bytes());
            read.extend(&body);
            match next_frame(&mut read, &mut codec) {
                Some(Frame::Command(command)) => {
                    if let Some(Pdu::SubmitSm(submit)) = command.pdu() {
                        if let Ok(part) = read_submit(submit) {
                            let _ = assembly.add(part, round.to_string());
                        }
                    }
                }
                Some(Frame::Corrupt { sequence, .. }) => assert_eq!(sequence, round),
                Some(Frame::Unframeable) | None => panic!("a whole frame of sound length"),
            }
            assert!(read.is_empty());
        }
    }

    #[test]
    fn a_frame_waits_for_its_bytes_and_a_bad_length_is_unframeable() {
        let mut codec = CommandCodec::new();
        let mut read = BytesMut::from(&[0, 0, 0, 16, 0, 0, 0, 0x15, 0, 0, 0, 0][..]);
        assert!(next_frame(&mut read, &mut codec).is_none());
        read.extend([0, 0, 0, 5]);
        assert!(matches!(
            next_frame(&mut read, &mut codec),
            Some(Frame::Command(_))
        ));
        let mut read = BytesMut::from(&[0, 0, 0, 15, 0, 0, 0, 0x15, 0, 0, 0, 0, 0, 0, 0, 1][..]);
        assert!(matches!(
            next_frame(&mut read, &mut codec),
            Some(Frame::Unframeable)
        ));
        assert!(read.is_empty());
    }
}
