//! The 2xx responses to our INVITE. The first makes the call's dialog: it is ACKed, and hung
//! up at once (BYE, outcome `Failed`) when its SDP gives no usable audio. A retransmission is
//! ACKed again. A 2xx with another To tag comes from another fork of the INVITE: it is ACKed
//! and that dialog gets a BYE, so exactly one phone stays connected (RFC 3261 §13.2.2.4).
//! A first 2xx once the call has ended (our CANCEL went unanswered for 64·T1) is ACKed and
//! its dialog gets a BYE too; the call stays ended and reports nothing more.

use super::{Call, CallEvent, EndReason, Outcome, Phase, SessionTimer};
use crate::sip::dialog::Dialog;
use crate::sip::message::{Request, Response};
use crate::sip::method::Method;
use crate::sip::sdp::Answer;
use crate::sip::transaction::{ClientEvent, ClientTransaction};
use crate::time::Instant;
use rand::Rng;

/// The most forks we answer; further 2xx with new tags are dropped (hostile input).
const MAX_FORKS: usize = 16;

/// Another fork's dialog, being ended.
#[derive(Debug)]
pub(super) struct Fork {
    tag: String,
    dialog: Dialog,
    ack: Vec<u8>,
    pub(super) bye_tx: Option<ClientTransaction>,
    challenged: bool,
}

impl Call {
    pub(super) fn on_answer(&mut self, now: Instant, response: &Response) {
        let tag = response
            .headers
            .to()
            .ok()
            .and_then(|to| to.tag().map(str::to_owned));
        if let Some(dialog) = &self.dialog {
            if tag.as_deref() == dialog.remote_tag() {
                // A retransmitted 2xx: our ACK was lost.
                self.transmits
                    .extend(self.ack.clone().map(|ack| self.to_next_hop(ack)));
            } else if let Some(tag) = tag {
                self.on_fork(now, response, tag);
            }
            return;
        }
        self.final_status = Some(response.status);
        let Ok(dialog) = Dialog::from_answer(&self.invite, response) else {
            self.reason = Some(EndReason::BadAnswer);
            self.end(now, Outcome::Failed);
            return;
        };
        let ack = dialog.ack(&self.new_via(), self.invite_cseq()).to_bytes();
        self.transmits.push_back(self.to_next_hop(ack.clone()));
        self.ack = Some(ack);
        self.dialog = Some(dialog);
        if matches!(self.phase, Phase::Ended) {
            // Answered after we gave up on it (our CANCEL unanswered for 64·T1): the report
            // is out, so the phone that picked up is only hung up.
            self.send_late_bye(now);
            return;
        }
        self.ring_time = now - self.started_at;
        self.answered_at = Some(now);
        self.peer_allows_update = allows(response, "UPDATE");
        let late = match self.phase {
            Phase::Inviting { cancel_pending, .. } => cancel_pending,
            Phase::Cancelling { .. } => true,
            Phase::Answered | Phase::HangingUp | Phase::Ended => false,
        };
        if late {
            // The 200 crossed our CANCEL: the call is up, so it must be ended with a BYE.
            self.answered_late = true;
            self.send_bye(now);
            return;
        }
        self.phase = Phase::Answered;
        match self.usable_media(response) {
            Ok(media) => {
                self.session_timer = SessionTimer::from_answer(now, response);
                self.events.push_back(CallEvent::Answered { media });
            }
            Err(reason) => self.hang_up_because(now, reason),
        }
    }

    /// BYE from our side for a reason of the call's own; the driver hears it at once.
    pub(super) fn hang_up_because(&mut self, now: Instant, reason: EndReason) {
        self.reason.get_or_insert(reason);
        self.events.push_back(CallEvent::Ending { reason });
        self.send_bye(now);
    }

    fn usable_media(&self, response: &Response) -> Result<Answer, EndReason> {
        if response.body.iter().all(u8::is_ascii_whitespace) {
            return Err(EndReason::NoSdp);
        }
        Answer::parse(&response.body, &self.setup.offer).map_err(|e| EndReason::from_sdp(&e))
    }

    fn on_fork(&mut self, now: Instant, response: &Response, tag: String) {
        if let Some(fork) = self.forks.iter().find(|f| f.tag == tag) {
            self.transmits.push_back(self.to_next_hop(fork.ack.clone()));
            return;
        }
        if self.forks.len() >= MAX_FORKS {
            return;
        }
        let Ok(mut dialog) = Dialog::from_answer(&self.invite, response) else {
            return;
        };
        let ack = dialog.ack(&self.new_via(), self.invite_cseq()).to_bytes();
        self.transmits.push_back(self.to_next_hop(ack.clone()));
        let bye = dialog.request(Method::Bye, &self.new_via());
        let (reliable, timers) = (self.setup.reliable, self.setup.timers);
        self.forks.push(Fork {
            tag,
            dialog,
            ack,
            bye_tx: Some(ClientTransaction::new(now, bye, reliable, timers)),
            challenged: false,
        });
    }

    /// Sends the forks' BYEs, re-sending one with credentials once when it is challenged.
    pub(super) fn drive_forks(&mut self, now: Instant) {
        let mut forks = std::mem::take(&mut self.forks);
        for fork in &mut forks {
            let Some(tx) = fork.bye_tx.as_mut() else {
                continue;
            };
            while let Some(bytes) = tx.poll_transmit() {
                self.transmits.push_back(self.to_next_hop(bytes));
            }
            let mut challenge = None;
            while let Some(event) = tx.poll_event() {
                if let ClientEvent::Final(r) = event
                    && matches!(r.status, 401 | 407)
                {
                    challenge = Some(r);
                }
            }
            if let Some(response) = challenge.filter(|_| !fork.challenged) {
                fork.challenged = true;
                if let Some(bye) = self.authorized_in_dialog(&mut fork.dialog, &response) {
                    let (reliable, timers) = (self.setup.reliable, self.setup.timers);
                    let mut tx = ClientTransaction::new(now, bye, reliable, timers);
                    while let Some(bytes) = tx.poll_transmit() {
                        self.transmits.push_back(self.to_next_hop(bytes));
                    }
                    fork.bye_tx = Some(tx);
                }
            }
            if fork.bye_tx.as_ref().is_some_and(|t| t.is_terminated()) {
                fork.bye_tx = None;
            }
        }
        self.forks = forks;
    }

    /// A new request of the challenged one's method inside `dialog` (next CSeq, new branch)
    /// with credentials for `response`'s challenge; `None` without credentials, or when the
    /// trunk refused the ones we sent.
    pub(super) fn authorized_in_dialog(
        &mut self,
        dialog: &mut Dialog,
        response: &Response,
    ) -> Option<Request> {
        let method = response.headers.cseq().ok()?.method;
        if self.digest.as_mut()?.handle_challenge(response).is_err() {
            self.auth_gave_up(response);
            return None;
        }
        let via = self.new_via();
        let mut request = dialog.request(method, &via);
        let cnonce = format!("{:016x}", self.rng.random::<u64>());
        self.digest.as_mut()?.authorize(&mut request, &cnonce);
        Some(request)
    }
}

/// `true` when the response's Allow lists `method`.
fn allows(response: &Response, method: &str) -> bool {
    response
        .headers
        .list("allow")
        .iter()
        .any(|m| m.trim().eq_ignore_ascii_case(method))
}
