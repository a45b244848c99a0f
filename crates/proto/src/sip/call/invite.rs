//! Our INVITE until its final response: ringing, the ring timeout and its CANCEL, a digest
//! challenge answered with a new INVITE (next CSeq, new branch), and a failure or Timer B
//! ending the call with the outcome its status says.

use super::phase::Phase;
use super::{Call, CallEvent, Outcome, build};
use crate::sip::message::Response;
use crate::sip::transaction::ClientEvent;
use crate::time::Instant;
use std::time::Duration;

/// How many times an INVITE is re-sent with credentials after a challenge.
const MAX_AUTH_RETRIES: u32 = 2;

impl Call {
    pub(super) fn on_invite_event(&mut self, now: Instant, event: ClientEvent) {
        match event {
            ClientEvent::Provisional(r) => self.on_provisional(now, &r),
            ClientEvent::Final(r) if r.status / 100 == 2 => self.on_answer(now, &r),
            ClientEvent::Final(r) => self.on_failure(now, &r),
            ClientEvent::Timeout => self.end(now, Outcome::Failed),
        }
    }

    fn on_provisional(&mut self, now: Instant, response: &Response) {
        let Phase::Inviting { cancel_pending, .. } = self.phase else {
            return;
        };
        if response.status > 100 {
            self.events.push_back(CallEvent::Ringing {
                status: response.status,
            });
        }
        if cancel_pending {
            self.send_cancel(now);
        }
    }

    fn on_failure(&mut self, now: Instant, response: &Response) {
        let challenged = matches!(response.status, 401 | 407);
        if challenged && self.auth_retries >= MAX_AUTH_RETRIES {
            self.auth_gave_up(response);
        }
        if challenged
            && matches!(self.phase, Phase::Inviting { .. })
            && self.auth_retries < MAX_AUTH_RETRIES
        {
            let cseq = self.invite_cseq();
            let via = self.new_via();
            let invite = build::invite(&self.setup, &via, cseq + 1);
            if let Some(invite) = self.authorized_retry(&invite, response) {
                self.auth_retries += 1;
                self.invite = invite.clone();
                self.invite_tx = self.client(now, invite);
                self.drive(now);
                return;
            }
        }
        let retry_after = response
            .headers
            .retry_after()
            .map(|s| Duration::from_secs(s.into()));
        let cancelled = matches!(self.phase, Phase::Cancelling(_));
        let outcome = Outcome::from_status(response.status, cancelled);
        self.end_with(now, outcome, |report| {
            report.sip_status = Some(response.status);
            report.retry_after = retry_after;
        });
    }

    /// The ring timeout CANCELs (or wants to, §9.1); 64·T1 after the CANCEL without a final
    /// response, the INVITE is given up.
    pub(super) fn on_invite_deadlines(&mut self, now: Instant) {
        if let Phase::Inviting { ring_deadline, .. } = &mut self.phase
            && ring_deadline.is_some_and(|at| now >= at)
        {
            *ring_deadline = None;
            self.cancel(now);
        }
        if let Phase::Cancelling(cancelling) = &self.phase
            && now >= cancelling.deadline
        {
            self.end(now, Outcome::NoAnswer);
        }
    }

    /// The CSeq number of the INVITE that made (or tries to make) the call.
    pub(super) fn invite_cseq(&self) -> u32 {
        self.invite.headers.cseq().map(|c| c.seq).unwrap_or(1)
    }
}
