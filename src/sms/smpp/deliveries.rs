//! What the SMSC delivers (`deliver_sm`): read, handed to the application, answered.
//!
//! Every `deliver_sm` is answered: `ESME_ROK` once the application kept what it brought,
//! `ESME_RX_T_APPN` (try again later) when it did not within the time-out, `ESME_RX_P_APPN`
//! (do not try again) when it cannot be read. A part of a longer reply is answered
//! `ESME_ROK` at once and held here; the whole goes to the application with its last part,
//! and is held until kept, so that a resent last part brings it back whole.

use super::inbound::{Delivered, Reassembly, ReplyKey, read_deliver_sm};
use crate::sms::{Arrival, Arrivals, Inbound};
use rusmpp::CommandStatus;
use rusmpp::pdus::{DeliverSm, DeliverSmResp};
use rusmppc::Client;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::time::timeout;

/// The supervisor's side of deliveries; outlives each link.
#[derive(Debug)]
pub struct Deliveries {
    arrivals: Arrivals,
    within: Duration,
    reassembly: Reassembly,
    kept: mpsc::UnboundedSender<ReplyKey>,
    kept_replies: mpsc::UnboundedReceiver<ReplyKey>,
}

impl Deliveries {
    /// Hands what arrives to `arrivals`, giving the application `within` to keep each.
    pub fn new(arrivals: Arrivals, within: Duration) -> Deliveries {
        let (kept, kept_replies) = mpsc::unbounded_channel();
        Deliveries {
            arrivals,
            within,
            reassembly: Reassembly::default(),
            kept,
            kept_replies,
        }
    }

    /// Takes the `deliver_sm` numbered `sequence` that came over `client`'s link.
    pub fn take(&mut self, client: &Client, sequence: u32, pdu: &DeliverSm) {
        let client = client.clone();
        let (inbound, key) = match read_deliver_sm(pdu) {
            Ok(Delivered::Whole(inbound)) => (inbound, None),
            Ok(Delivered::Part(part)) => {
                let key = part.key.clone();
                match self.reassembly.offer(buurtbel_clock::now(), part) {
                    Some(reply) => (Inbound::Reply(reply), Some(key)),
                    None => {
                        tokio::spawn(answer(client, sequence, CommandStatus::EsmeRok));
                        return;
                    }
                }
            }
            Err(problem) => {
                tracing::warn!(%problem, "SMPP: a deliver_sm we cannot read is refused");
                tracing::debug!(?pdu, "SMPP: the deliver_sm refused");
                tokio::spawn(answer(client, sequence, CommandStatus::EsmeRxPAppn));
                return;
            }
        };
        let handing = Handing {
            arrivals: self.arrivals.clone(),
            within: self.within,
            kept: key.map(|key| (self.kept.clone(), key)),
        };
        tokio::spawn(handing.run(client, sequence, inbound));
    }

    /// Waits until the application kept a reply of several parts, and lets its parts go.
    /// Never completes while nothing is kept (this holds a sender of its own channel).
    pub async fn forget_kept(&mut self) {
        if let Some(key) = self.kept_replies.recv().await {
            self.reassembly.kept(&key);
        }
    }
}

/// One arrival on its way to the application.
struct Handing {
    arrivals: Arrivals,
    within: Duration,
    /// For a reply of several parts: where to say it was kept.
    kept: Option<(mpsc::UnboundedSender<ReplyKey>, ReplyKey)>,
}

impl Handing {
    /// Gives `inbound` to the application and answers the SMSC by whether it kept it in time.
    async fn run(self, client: Client, sequence: u32, inbound: Inbound) {
        let kind = match inbound {
            Inbound::Receipt(_) => "receipt",
            Inbound::Reply(_) => "reply",
        };
        let (kept, was_kept) = oneshot::channel();
        let arrivals = self.arrivals;
        let handed = async {
            arrivals.send(Arrival { inbound, kept }).await.is_ok() && was_kept.await.is_ok()
        };
        let status = if timeout(self.within, handed).await.unwrap_or(false) {
            if let Some((kept, key)) = self.kept {
                let _ = kept.send(key);
            }
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
}

/// Answers the `deliver_sm` numbered `sequence` with `status`.
async fn answer(client: Client, sequence: u32, status: CommandStatus) {
    let resp = client
        .status(status)
        .deliver_sm_resp(sequence, DeliverSmResp::default());
    if let Err(error) = resp.await {
        tracing::debug!(%error, "SMPP: deliver_sm_resp not sent");
    }
}
