//! The link to the SMSC: one supervisor task connects, binds as a transceiver, publishes the
//! bound client for senders, reads what the SMSC sends, and reconnects when the link drops.
//!
//! Every `deliver_sm` is answered: `ESME_ROK` once the application kept what it brought,
//! `ESME_RX_T_APPN` (try again later) when it did not within the time-out, `ESME_RX_P_APPN`
//! (do not try again) when it cannot be read. Logs: info when bound, warn when the link
//! drops or a bind fails; numbers and texts only at debug.

use super::inbound::{Delivered, Reassembly, read_deliver_sm};
use super::pacing::{FIRST_RECONNECT, next_reconnect};
use crate::config::SmsConfig;
use crate::sms::{Arrival, Arrivals, Inbound};
use rusmpp::pdus::{BindTransceiver, DeliverSm, DeliverSmResp};
use rusmpp::types::COctetString;
use rusmpp::values::InterfaceVersion;
use rusmpp::{Command, CommandStatus, Pdu};
use rusmppc::error::Error;
use rusmppc::{Client, ConnectionBuilder, Event};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::{oneshot, watch};
use tokio::time::timeout;
use tokio_stream::{Stream, StreamExt};

/// Where and how to bind, and the link's timings.
#[derive(Debug, Clone)]
pub struct Link {
    host: String,
    port: u16,
    system_id: String,
    password: String,
    system_type: String,
    enquire_link: Duration,
    timeout: Duration,
    max_reconnect: Duration,
}

/// Why a connection attempt did not end bound.
#[derive(Debug, thiserror::Error)]
pub enum BindFailure {
    /// The TCP connection failed or took longer than the time-out.
    #[error("cannot connect: {0}")]
    Connect(String),
    /// The account does not fit SMPP (too long, not ASCII).
    #[error("the {0} does not fit SMPP")]
    Account(&'static str),
    /// The SMSC answered the bind with an error status.
    #[error("the SMSC refused the bind: command_status {0:#010x}")]
    Refused(u32),
    /// No answer, or the link failed during the bind.
    #[error("no bind answer: {0}")]
    NoAnswer(String),
}

impl Link {
    /// The link `config` describes (`[sms]` with `provider = "smpp"`).
    pub fn new(config: &SmsConfig) -> Link {
        Link {
            host: config.host.clone().unwrap_or_default(),
            port: config.port,
            system_id: config.system_id.clone().unwrap_or_default(),
            password: config.password.clone().unwrap_or_default(),
            system_type: config.system_type.clone().unwrap_or_default(),
            enquire_link: config.enquire_link,
            timeout: config.timeout,
            max_reconnect: config.max_reconnect,
        }
    }

    /// Runs forever: binds, publishes the client in `publish` while bound, hands what
    /// arrives to `arrivals`, and binds again after a drop or a failure.
    pub async fn supervise(self, publish: watch::Sender<Option<Client>>, arrivals: Arrivals) {
        let mut wait = FIRST_RECONNECT;
        let mut reassembly = Reassembly::default();
        loop {
            match self.bind().await {
                Ok((client, events)) => {
                    tracing::info!(host = %self.host, port = self.port, "SMPP link bound");
                    wait = FIRST_RECONNECT;
                    publish.send_replace(Some(client.clone()));
                    self.serve(&client, events, &arrivals, &mut reassembly)
                        .await;
                    publish.send_replace(None);
                    let _ = client.close().await;
                    tracing::warn!(host = %self.host, port = self.port, "SMPP link dropped");
                }
                Err(failure) => {
                    tracing::warn!(host = %self.host, port = self.port, %failure, "SMPP bind failed");
                }
            }
            tokio::time::sleep(wait).await;
            wait = next_reconnect(wait, self.max_reconnect);
        }
    }

    /// Connects and binds as a transceiver.
    async fn bind(
        &self,
    ) -> Result<(Client, impl Stream<Item = Event> + Unpin + 'static), BindFailure> {
        let bind = self.bind_pdu()?;
        let connect = TcpStream::connect((self.host.as_str(), self.port));
        let stream = match timeout(self.timeout, connect).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(error)) => return Err(BindFailure::Connect(error.to_string())),
            Err(_) => return Err(BindFailure::Connect("timed out".into())),
        };
        let (client, events) = ConnectionBuilder::new()
            .enquire_link_interval(self.enquire_link)
            .enquire_link_response_timeout(self.timeout)
            .response_timeout(self.timeout)
            // We bind as SMPP 3.4, which the crate's 5.0 codec reads and writes.
            .disable_interface_version_check()
            .connected(stream);
        match timeout(self.timeout, client.bind_transceiver(bind)).await {
            Ok(Ok(_)) => Ok((client, events)),
            Ok(Err(Error::UnexpectedResponse { response })) => {
                let _ = client.close().await;
                Err(BindFailure::Refused(u32::from(response.status())))
            }
            Ok(Err(error)) => {
                let _ = client.close().await;
                Err(BindFailure::NoAnswer(error.to_string()))
            }
            Err(_) => {
                let _ = client.close().await;
                Err(BindFailure::NoAnswer("timed out".into()))
            }
        }
    }

    fn bind_pdu(&self) -> Result<BindTransceiver, BindFailure> {
        Ok(BindTransceiver::builder()
            .system_id(c_string(&self.system_id).ok_or(BindFailure::Account("system_id"))?)
            .password(c_string(&self.password).ok_or(BindFailure::Account("password"))?)
            .system_type(c_string(&self.system_type).ok_or(BindFailure::Account("system_type"))?)
            .interface_version(InterfaceVersion::Smpp3_4)
            .build())
    }

    /// Reads what the SMSC sends until the link drops.
    async fn serve(
        &self,
        client: &Client,
        mut events: impl Stream<Item = Event> + Unpin,
        arrivals: &Arrivals,
        reassembly: &mut Reassembly,
    ) {
        while let Some(event) = events.next().await {
            match event {
                Event::Incoming(command) => self.incoming(client, command, arrivals, reassembly),
                Event::Error(error) => tracing::warn!(%error, "SMPP link error"),
            }
        }
    }

    fn incoming(
        &self,
        client: &Client,
        command: Command,
        arrivals: &Arrivals,
        reassembly: &mut Reassembly,
    ) {
        let sequence = command.sequence_number();
        match command.pdu() {
            Some(Pdu::DeliverSm(pdu)) => {
                self.deliver_sm(client, sequence, pdu, arrivals, reassembly)
            }
            Some(Pdu::Unbind) => {
                tracing::info!("SMPP: the SMSC unbinds");
                let client = client.clone();
                tokio::spawn(async move {
                    let _ = client.unbind_resp(sequence).await;
                    let _ = client.close().await;
                });
            }
            _ if command.id().is_operation() => {
                tracing::debug!(id = ?command.id(), "SMPP: an operation we do not take");
                let client = client.clone();
                tokio::spawn(async move {
                    let nack = client.status(CommandStatus::EsmeRinvcmdid);
                    let _ = nack.generic_nack(sequence).await;
                });
            }
            _ => {
                tracing::debug!(id = ?command.id(), status = ?command.status(), "SMPP: a late or unasked answer")
            }
        }
    }

    fn deliver_sm(
        &self,
        client: &Client,
        sequence: u32,
        pdu: &DeliverSm,
        arrivals: &Arrivals,
        reassembly: &mut Reassembly,
    ) {
        let client = client.clone();
        let inbound = match read_deliver_sm(pdu) {
            Ok(Delivered::Whole(inbound)) => inbound,
            Ok(Delivered::Part(part)) => match reassembly.offer(buurtbel_clock::now(), part) {
                Some(reply) => Inbound::Reply(reply),
                None => {
                    // Kept here until the other parts come; the whole goes to the application.
                    tokio::spawn(answer(client, sequence, CommandStatus::EsmeRok));
                    return;
                }
            },
            Err(problem) => {
                tracing::warn!(%problem, "SMPP: a deliver_sm we cannot read is refused");
                tracing::debug!(?pdu, "SMPP: the deliver_sm refused");
                tokio::spawn(answer(client, sequence, CommandStatus::EsmeRxPAppn));
                return;
            }
        };
        tokio::spawn(hand_over(
            client,
            sequence,
            inbound,
            arrivals.clone(),
            self.timeout,
        ));
    }
}

/// Gives `inbound` to the application and answers the SMSC by whether it kept it in time.
async fn hand_over(
    client: Client,
    sequence: u32,
    inbound: Inbound,
    arrivals: Arrivals,
    within: Duration,
) {
    let kind = match inbound {
        Inbound::Receipt(_) => "receipt",
        Inbound::Reply(_) => "reply",
    };
    let (kept, was_kept) = oneshot::channel();
    let handed =
        async { arrivals.send(Arrival { inbound, kept }).await.is_ok() && was_kept.await.is_ok() };
    let status = if timeout(within, handed).await.unwrap_or(false) {
        CommandStatus::EsmeRok
    } else {
        tracing::warn!(
            kind,
            "SMPP: not kept in time; the SMSC is asked to send it again"
        );
        CommandStatus::EsmeRxTAppn
    };
    answer(client, sequence, status).await;
}

async fn answer(client: Client, sequence: u32, status: CommandStatus) {
    let resp = client
        .status(status)
        .deliver_sm_resp(sequence, DeliverSmResp::default());
    if let Err(error) = resp.await {
        tracing::debug!(%error, "SMPP: deliver_sm_resp not sent");
    }
}

/// `text` as a NUL-terminated C-octet string, if SMPP can carry it.
fn c_string<const MAX: usize>(text: &str) -> Option<COctetString<1, MAX>> {
    let mut bytes = text.as_bytes().to_vec();
    bytes.push(0);
    COctetString::new(bytes).ok()
}
