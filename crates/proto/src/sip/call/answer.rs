//! The 2xx responses to our INVITE. The first makes the call's dialog: it is ACKed, and hung
//! up at once (BYE, outcome `Failed`) when its SDP gives no usable audio. A retransmission is
//! ACKed again. A 2xx with another To tag comes from another fork of the INVITE: it is ACKed
//! and that dialog gets a BYE, so exactly one phone stays connected (RFC 3261 §13.2.2.4).
//! A first dialog-making 2xx once the call has ended (our CANCEL went unanswered for 64·T1, or
//! an earlier 2xx made no dialog) is ACKed and its dialog gets a BYE too; the call stays ended
//! and reports nothing more.

use super::phase::{ByeCause, Connected, Phase};
use super::session::{Session, SessionTimer};
use super::{Call, CallEvent, EndReason, Outcome};
use crate::sip::dialog::Dialog;
use crate::sip::message::Response;
use crate::sip::method::Method;
use crate::sip::sdp::Answer;
use crate::sip::transaction::{ClientEvent, ClientTransaction};
use crate::time::Instant;

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
        let Some(connected) = self.phase.connected() else {
            return self.on_first_answer(now, response);
        };
        let tag = response
            .headers
            .to()
            .ok()
            .and_then(|to| to.tag().map(str::to_owned));
        if tag.as_deref() == connected.dialog.remote_tag() {
            // A retransmitted 2xx: our ACK was lost.
            let ack = self.to_next_hop(connected.ack.clone());
            self.transmits.push_back(ack);
        } else if let Some(tag) = tag {
            self.on_fork(now, response, tag);
        }
    }

    /// The first 2xx makes the dialog, which is ACKed; the call is connected unless we had
    /// given up on it already.
    fn on_first_answer(&mut self, now: Instant, response: &Response) {
        let status = response.status;
        let Ok(dialog) = Dialog::from_answer(&self.invite, response) else {
            return self.end_with(now, Outcome::Failed, |report| {
                report.sip_status = Some(status);
                report.reason = Some(EndReason::BadAnswer);
            });
        };
        let ack = dialog.ack(&self.new_via(), self.invite_cseq()).to_bytes();
        self.transmits.push_back(self.to_next_hop(ack.clone()));
        let connected = Connected {
            dialog,
            ack,
            status,
            ring: now - self.started_at,
            answered_at: now,
            session: Session::new(allows(response, "UPDATE")),
            probe_tx: None,
        };
        match self.phase {
            Phase::Inviting {
                cancel_pending: false,
                ..
            } => self.connect(now, response, connected),
            Phase::Inviting {
                cancel_pending: true,
                ..
            }
            | Phase::Cancelling(_) => self.hang_up_late(now, connected),
            Phase::Ended(_) => self.hang_up_after_end(now, connected),
            // Not reached: these phases have the dialog, so a 2xx is a retransmission or a fork.
            Phase::Answered(_) | Phase::HangingUp(_) => {}
        }
    }

    /// The call is up: the driver hears of it, or it is hung up at once when the answer
    /// gives no usable audio.
    fn connect(&mut self, now: Instant, response: &Response, mut connected: Connected) {
        match self.usable_media(response) {
            Ok(media) => {
                connected.session.timer = SessionTimer::from_answer(now, response);
                self.phase = Phase::Answered(Box::new(connected));
                self.events.push_back(CallEvent::Answered { media });
            }
            Err(reason) => {
                self.phase = Phase::Answered(Box::new(connected));
                self.hang_up_because(now, reason);
            }
        }
    }

    /// BYE from our side for a reason of the call's own; the driver hears it at once.
    pub(super) fn hang_up_because(&mut self, now: Instant, reason: EndReason) {
        self.events.push_back(CallEvent::Ending { reason });
        self.send_bye(now, ByeCause::Signalling(reason));
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
        self.forks.push(Fork {
            tag,
            dialog,
            ack,
            bye_tx: Some(self.client(now, bye)),
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
}

/// `true` when the response's Allow lists `method`.
fn allows(response: &Response, method: &str) -> bool {
    response
        .headers
        .list("allow")
        .iter()
        .any(|m| m.trim().eq_ignore_ascii_case(method))
}
