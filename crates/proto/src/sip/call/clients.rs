//! Our client transactions in one place: the INVITE, CANCEL, BYE, session refresh, liveness
//! probe and the BYEs to other forks. A response goes to the transaction whose top Via
//! branch and CSeq method it carries (RFC 3261 §17.1.3).

use super::phase::Phase;
use super::{Call, Transmit};
use crate::sip::message::Response;
use crate::sip::method::Method;
use crate::sip::transaction::{ClientEvent, ClientTransaction};
use crate::time::Instant;

impl Call {
    /// Every client transaction alive.
    pub(super) fn clients(&self) -> impl Iterator<Item = &ClientTransaction> {
        let phase = self.phase.clients().into_iter().flatten();
        let forks = self.forks.iter().filter_map(|f| f.bye_tx.as_ref());
        std::iter::once(&self.invite_tx).chain(phase).chain(forks)
    }

    /// Every client transaction alive, to fire its timers.
    pub(super) fn clients_mut(&mut self) -> impl Iterator<Item = &mut ClientTransaction> {
        let phase = self.phase.clients_mut().into_iter().flatten();
        let forks = self.forks.iter_mut().filter_map(|f| f.bye_tx.as_mut());
        std::iter::once(&mut self.invite_tx)
            .chain(phase)
            .chain(forks)
    }

    /// Queues what the transaction `pick` finds has to send, to the next hop, and returns
    /// what it has to tell; `None` when there is no such transaction.
    pub(super) fn drain(
        &mut self,
        pick: impl FnOnce(&mut Phase) -> Option<&mut ClientTransaction>,
    ) -> Option<Vec<ClientEvent>> {
        let tx = pick(&mut self.phase)?;
        while let Some(bytes) = tx.poll_transmit() {
            self.transmits.push_back(Transmit {
                destination: self.setup.next_hop,
                bytes,
            });
        }
        Some(std::iter::from_fn(|| tx.poll_event()).collect())
    }

    pub(super) fn handle_response(&mut self, now: Instant, response: Response) {
        let Ok(cseq) = response.headers.cseq() else {
            return;
        };
        let branch = top_branch(&response.headers);
        let matched = self.clients_mut().find(|tx| {
            tx.request().method == cseq.method && top_branch(&tx.request().headers) == branch
        });
        match matched {
            Some(tx) => tx.handle_response(now, response),
            None if cseq.method == Method::Invite && response.status / 100 == 2 => {
                // A 2xx retransmitted after an authenticated re-INVITE replaced the transaction.
                let ack = self.phase.connected().map(|c| c.ack.clone());
                self.transmits
                    .extend(ack.map(|bytes| self.to_next_hop(bytes)));
            }
            None => {}
        }
    }
}

fn top_branch(headers: &crate::sip::message::Headers) -> Option<String> {
    headers
        .top_via()
        .ok()
        .and_then(|v| v.branch().map(str::to_owned))
}
