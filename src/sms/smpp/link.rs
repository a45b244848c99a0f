//! The link to the SMSC: one supervisor task connects, binds as a transceiver, publishes the
//! bound client for senders, reads what the SMSC sends (`deliver_sm` go to [`Deliveries`]),
//! and reconnects when the link drops.
//!
//! Logs: info when bound, warn when the link drops or a bind fails; numbers and texts only
//! at debug.

use super::deliveries::Deliveries;
use super::pacing::{FIRST_RECONNECT, next_reconnect};
use crate::config::SmsConfig;
use crate::sms::Arrivals;
use rusmpp::pdus::BindTransceiver;
use rusmpp::types::COctetString;
use rusmpp::values::InterfaceVersion;
use rusmpp::{Command, CommandStatus, Pdu};
use rusmppc::error::Error;
use rusmppc::{Client, ConnectionBuilder, Event};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::watch;
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
        let mut deliveries = Deliveries::new(arrivals, self.timeout);
        loop {
            match self.bind().await {
                Ok((client, events)) => {
                    tracing::info!(host = %self.host, port = self.port, "SMPP link bound");
                    wait = FIRST_RECONNECT;
                    publish.send_replace(Some(client.clone()));
                    serve(&client, events, &mut deliveries).await;
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
}

/// Reads what the SMSC sends until the link drops.
async fn serve(
    client: &Client,
    mut events: impl Stream<Item = Event> + Unpin,
    deliveries: &mut Deliveries,
) {
    loop {
        tokio::select! {
            event = events.next() => match event {
                Some(Event::Incoming(command)) => incoming(client, command, deliveries),
                Some(Event::Error(error)) => tracing::warn!(%error, "SMPP link error"),
                None => return,
            },
            () = deliveries.forget_kept() => {}
        }
    }
}

fn incoming(client: &Client, command: Command, deliveries: &mut Deliveries) {
    let sequence = command.sequence_number();
    match command.pdu() {
        Some(Pdu::DeliverSm(pdu)) => deliveries.take(client, sequence, pdu),
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
            tracing::debug!(id = ?command.id(), status = ?command.status(), "SMPP: a late or unasked answer");
        }
    }
}

/// `text` as a NUL-terminated C-octet string, if SMPP can carry it.
fn c_string<const MAX: usize>(text: &str) -> Option<COctetString<1, MAX>> {
    let mut bytes = text.as_bytes().to_vec();
    bytes.push(0);
    COctetString::new(bytes).ok()
}
