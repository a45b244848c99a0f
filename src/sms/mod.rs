//! Text messages: what a member receives when a call does not get through (or when they
//! chose SMS), and what they reply.
//!
//! - [`encoding`]: GSM 03.38 7-bit or UCS-2, split into concatenated parts (UDH), shortened
//!   at a word with an ellipsis when the text is longer than the parts allowed; sans-IO.
//! - [`reply`]: what a member's reply means (confirm, stop, anything else); sans-IO.
//! - [`wording`]: the text a member receives per language: the network, the message and how
//!   to confirm (reply 1, or call the BIN's number back when the sender is alphanumeric).
//! - [`sender`]: who the message is from: a number that receives replies, a short code, or an
//!   alphanumeric ID.
//! - the providers behind [`SmsSender`]: [`smpp`] (SMPP 3.4 as a transceiver) and [`http`]
//!   (a JSON POST to an aggregator's REST API; replies come to `POST /v1/sms/inbound`).
//!
//! Providers hand what arrives (delivery receipts and members' replies) to the application as
//! [`Arrival`]s; an arrival is acknowledged to the provider only once the application says it
//! has kept it, so a reply is never lost between the two.

pub mod encoding;
pub mod http;
pub mod reply;
pub mod sender;
pub mod smpp;
pub mod wording;

pub use encoding::{Encoded, Encoding};
pub use sender::SenderId;

pub use crate::store::ReceiptState;

use crate::config::{SmsConfig, SmsProvider};
use std::future::Future;
use std::pin::Pin;
use tokio::sync::{mpsc, oneshot};

/// One text message to send.
#[derive(Debug, Clone)]
pub struct OutgoingSms {
    /// The member's number, E.164 (`+32470000001`).
    pub to: String,
    /// Who it is from.
    pub sender: SenderId,
    /// The text, encoded and split.
    pub message: Encoded,
    /// Our reference for logs (the attempt's id); never shown to the member.
    pub reference: String,
}

/// What the provider accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    /// The provider's id of each part, in order; receipts name one of them.
    pub message_ids: Vec<String>,
}

/// Why a message was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmsError {
    /// The provider answered and refused it (an SMPP `command_status`, an HTTP 4xx); sending
    /// it again will not help.
    #[error("the SMS provider refused the message: {0}")]
    Refused(String),
    /// The provider asked us to slow down, or its queue is full; send it again later.
    #[error("the SMS provider is busy: {0}")]
    Throttled(String),
    /// Not sent: no connection, or the provider could not be reached. Nothing left us.
    #[error("the SMS provider cannot be reached: {0}")]
    Unavailable(String),
    /// Sent, but no answer came (the connection dropped, a time-out): the provider may or may
    /// not have it.
    #[error("the SMS provider did not answer: {0}")]
    Unconfirmed(String),
}

impl SmsError {
    /// Whether the same message may be sent again later.
    pub fn is_temporary(&self) -> bool {
        !matches!(self, SmsError::Refused(_))
    }
}

/// A boxed future, so that providers can sit behind `dyn SmsSender`.
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<Submitted, SmsError>> + Send + 'a>>;

/// A way to send text messages.
pub trait SmsSender: Send + Sync {
    /// Sends one message (all its parts); resolves when the provider accepted or refused it,
    /// within the provider's own time-out.
    fn send(&self, sms: OutgoingSms) -> SendFuture<'_>;
}

/// What a provider received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// What became of a message sent.
    Receipt(Receipt),
    /// A message from a member (mobile-originated).
    Reply(Reply),
}

/// A delivery receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The provider's id of the part it is about (as in [`Submitted::message_ids`]).
    pub message_id: String,
    /// Where the message is.
    pub state: ReceiptState,
    /// The network's error code, when it gave one.
    pub error: Option<String>,
}

/// A member's message to us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The member's number, E.164 (`+32470000001`).
    pub from: String,
    /// The number it was sent to (ours), as the provider gave it.
    pub to: String,
    /// The text, decoded.
    pub text: String,
}

/// Something a provider received, with the means to tell it that the application kept it.
#[derive(Debug)]
pub struct Arrival {
    /// What arrived.
    pub inbound: Inbound,
    /// Answered (with `()`) once the application has stored it; dropped unanswered when it
    /// could not. The provider acknowledges the arrival to its sender only after the answer
    /// (an SMPP `deliver_sm_resp` with `ESME_ROK`, an HTTP 2xx), and otherwise refuses it
    /// with a temporary error so that the sender tries again.
    pub kept: oneshot::Sender<()>,
}

/// Where providers put what they receive.
pub type Arrivals = mpsc::Sender<Arrival>;

/// The provider `[sms]` names.
pub enum Provider {
    /// An SMSC over SMPP.
    Smpp(smpp::SmppSender),
    /// An aggregator's REST API.
    Http(http::HttpSender),
}

impl SmsSender for Provider {
    fn send(&self, sms: OutgoingSms) -> SendFuture<'_> {
        match self {
            Provider::Smpp(smpp) => smpp.send(sms),
            Provider::Http(http) => http.send(sms),
        }
    }
}

impl Provider {
    /// Ends the provider's session politely (an SMPP `unbind`).
    pub async fn close(self) {
        if let Provider::Smpp(smpp) = self {
            smpp.close().await;
        }
    }
}

/// Why the configured provider cannot start.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The HTTP provider's settings.
    #[error(transparent)]
    Http(#[from] http::HttpSetupError),
}

/// Starts the provider `[sms]` names (inside a tokio runtime): `None` for `provider = "none"`.
/// What it receives goes to `arrivals`.
pub fn start(config: &SmsConfig, arrivals: Arrivals) -> Result<Option<Provider>, SetupError> {
    Ok(match config.provider {
        SmsProvider::None => None,
        SmsProvider::Smpp => Some(Provider::Smpp(smpp::SmppSender::start(config, arrivals))),
        SmsProvider::Http => Some(Provider::Http(http::HttpSender::new(config)?)),
    })
}
