//! Ending the call from our side, and the report. Before our final response a hang-up is a
//! 480; after it, BYE — held back until the ACK or its time-out (§15) — as a client
//! non-INVITE transaction inside the dialog: our own CSeq, the route set, to the remote
//! target. The call ends when the BYE has any final response or times out: a caller who
//! answers nothing must not keep the line.

use super::phase::{HangingUp, Phase};
use super::{EndedBy, InboundCall, InboundEndReason, InboundEvent, InboundReport};
use crate::sip::message::Response;
use crate::sip::method::Method;
use crate::sip::transaction::{ClientEvent, ClientTransaction};
use crate::time::Instant;
use std::time::Duration;

impl InboundCall {
    /// BYE from us (after the answer); before the answer it rejects with 480. Between our 2xx
    /// and its ACK, the BYE waits for the ACK (or its time-out).
    pub fn hang_up(&mut self, now: Instant) {
        match &mut self.phase {
            Phase::Offered => self.fail(now, 480, "Temporarily Unavailable", EndedBy::Us),
            Phase::Accepting { hang_up } => *hang_up = true,
            Phase::Talking(_) => self.send_bye(now, EndedBy::Us),
            Phase::HangingUp(_) | Phase::Rejecting { .. } | Phase::Ended => {}
        }
        self.drive(now);
    }

    /// BYE for a reason of the call's own; the driver hears it at once to stop the media.
    pub(super) fn end_by_signalling(&mut self, now: Instant, reason: InboundEndReason) {
        self.events.push_back(InboundEvent::Ending { reason });
        self.send_bye(now, EndedBy::Signalling(reason));
    }

    /// Our BYE: the call is hanging up.
    pub(super) fn send_bye(&mut self, now: Instant, cause: EndedBy) {
        let via = self.new_via();
        let mut bye = self.dialog.request(Method::Bye, &via);
        bye.headers
            .push("User-Agent", self.setup.user_agent.clone());
        let bye_tx = ClientTransaction::new(now, bye, self.setup.reliable, self.setup.timers);
        self.phase = Phase::HangingUp(Box::new(HangingUp {
            bye_tx,
            cause,
            answered_at: self.phase.answered_at(),
        }));
    }

    /// A response to our BYE, matched by branch and CSeq method (§17.1.3).
    pub(super) fn handle_response(&mut self, now: Instant, response: Response) {
        let Some(bye_tx) = self.phase.bye_tx_mut() else {
            return;
        };
        let ours = response
            .headers
            .cseq()
            .is_ok_and(|c| c.method == Method::Bye)
            && top_branch(&response.headers) == top_branch(&bye_tx.request().headers);
        if ours {
            bye_tx.handle_response(now, response);
        }
    }

    /// Sends what our BYE has to send; its final response or time-out ends the call.
    pub(super) fn drive_bye(&mut self, now: Instant) {
        let Phase::HangingUp(hanging_up) = &mut self.phase else {
            return;
        };
        while let Some(bytes) = hanging_up.bye_tx.poll_transmit() {
            self.transmits.push_back(super::Transmit {
                destination: self.next_hop,
                bytes,
            });
        }
        let done = std::iter::from_fn(|| hanging_up.bye_tx.poll_event())
            .any(|e| matches!(e, ClientEvent::Final(_) | ClientEvent::Timeout));
        if done {
            let cause = hanging_up.cause;
            self.end(now, cause);
        }
    }

    /// The session was not refreshed in time: BYE.
    pub(super) fn on_session_timer(&mut self, now: Instant) {
        if self.phase.deadline().is_some_and(|at| at <= now) {
            self.end_by_signalling(now, InboundEndReason::SessionExpired);
        }
    }

    /// Reports the call once, and keeps absorbing retransmissions.
    pub(super) fn end(&mut self, now: Instant, ended_by: EndedBy) {
        if matches!(self.phase, Phase::Ended) {
            return;
        }
        let answered_at = self.phase.answered_at();
        let report = InboundReport {
            // Every way to the end passes a final response to the INVITE.
            status: self.status.unwrap_or(500),
            answered: answered_at.is_some(),
            ended_by,
            talk: answered_at.map_or(Duration::ZERO, |at| now - at),
        };
        self.events.push_back(InboundEvent::Ended(report));
        self.phase = Phase::Ended;
    }
}

fn top_branch(headers: &crate::sip::message::Headers) -> Option<String> {
    headers
        .top_via()
        .ok()
        .and_then(|v| v.branch().map(str::to_owned))
}
