//! Ending a call from our side: CANCEL while it rings (held back until a provisional response,
//! RFC 3261 §9.1), BYE once answered, and re-sending either with credentials when the trunk
//! challenges it.

use super::{Call, CallEvent, Party, Phase};
use crate::sip::call::build;
use crate::sip::digest::Challenge;
use crate::sip::message::{Request, Response};
use crate::sip::method::Method;
use crate::sip::transaction::{ClientEvent, ClientTransaction};
use crate::time::Instant;
use rand::Rng;

impl Call {
    pub(super) fn drive_cancel(&mut self, now: Instant) {
        let Some(mut tx) = self.cancel_tx.take() else {
            return;
        };
        while let Some(bytes) = tx.poll_transmit() {
            self.transmits.push_back(self.to_next_hop(bytes));
        }
        let mut resend = None;
        while let Some(event) = tx.poll_event() {
            if let ClientEvent::Final(r) = event
                && matches!(r.status, 401 | 407)
            {
                resend = self.authorized_retry(tx.request(), &r);
            }
        }
        match resend {
            Some(request) => {
                let (reliable, timers) = (self.setup.reliable, self.setup.timers);
                self.cancel_tx = Some(ClientTransaction::new(now, request, reliable, timers));
                self.drive_cancel(now);
            }
            None => self.cancel_tx = Some(tx),
        }
    }

    pub(super) fn drive_bye(&mut self, now: Instant) {
        let Some(mut tx) = self.bye_tx.take() else {
            return;
        };
        while let Some(bytes) = tx.poll_transmit() {
            self.transmits.push_back(self.to_next_hop(bytes));
        }
        while let Some(event) = tx.poll_event() {
            match event {
                ClientEvent::Provisional(_) => {}
                ClientEvent::Final(r) if matches!(r.status, 401 | 407) => {
                    if let Some(bye) = self.challenged_bye(&r) {
                        let (reliable, timers) = (self.setup.reliable, self.setup.timers);
                        self.bye_tx = Some(ClientTransaction::new(now, bye, reliable, timers));
                        return self.drive_bye(now);
                    }
                    self.end(now, self.answered_outcome());
                }
                ClientEvent::Final(_) | ClientEvent::Timeout => {
                    self.end(now, self.answered_outcome())
                }
            }
        }
        self.bye_tx = Some(tx);
    }

    /// A new BYE (next CSeq, new branch) with credentials for the challenge in `response`;
    /// `None` without credentials, or when the trunk refused the ones we sent.
    fn challenged_bye(&mut self, response: &Response) -> Option<Request> {
        let mut dialog = self.dialog.take()?;
        let bye = self.authorized_in_dialog(&mut dialog, response);
        self.dialog = Some(dialog);
        bye
    }

    /// Digest authentication gave up on `response`'s challenge: the driver logs who was
    /// refused where. Without credentials there is nothing to report but the status.
    pub(super) fn auth_gave_up(&mut self, response: &Response) {
        let Some(credentials) = &self.setup.credentials else {
            return;
        };
        let realm = Challenge::realm_of(response);
        let method = response.headers.cseq().map(|c| c.method.to_string());
        self.events.push_back(CallEvent::AuthRejected {
            status: response.status,
            method: method.unwrap_or_default(),
            realm,
            username: credentials.username.clone(),
        });
    }

    pub(super) fn cancel(&mut self, now: Instant) {
        if self.invite_tx.has_response() {
            self.send_cancel(now);
        } else if let Phase::Inviting { cancel_pending, .. } = &mut self.phase {
            // §9.1: no CANCEL before a provisional response; send it when one arrives.
            *cancel_pending = true;
        }
    }

    pub(super) fn send_cancel(&mut self, now: Instant) {
        if !matches!(self.phase, Phase::Inviting { .. }) {
            return;
        }
        self.phase = Phase::Cancelling {
            deadline: now + self.setup.timers.transaction_timeout(),
        };
        let mut cancel = build::cancel(&self.invite);
        if self.invite.headers.get("authorization").is_some()
            || self.invite.headers.get("proxy-authorization").is_some()
        {
            let cnonce = format!("{:016x}", self.rng.random::<u64>());
            if let Some(digest) = self.digest.as_mut() {
                digest.authorize(&mut cancel, &cnonce);
            }
        }
        self.cancel_tx = Some(ClientTransaction::new(
            now,
            cancel,
            self.setup.reliable,
            self.setup.timers,
        ));
    }

    pub(super) fn send_bye(&mut self, now: Instant) {
        self.hung_up_by = Some(Party::Local);
        let via = self.new_via();
        let Some(dialog) = self.dialog.as_mut() else {
            return;
        };
        let bye = dialog.request(Method::Bye, &via);
        self.phase = Phase::HangingUp;
        self.bye_tx = Some(ClientTransaction::new(
            now,
            bye,
            self.setup.reliable,
            self.setup.timers,
        ));
    }

    /// BYE for a dialog answered after the call ended; the call stays ended.
    pub(super) fn send_late_bye(&mut self, now: Instant) {
        let via = self.new_via();
        let Some(dialog) = self.dialog.as_mut() else {
            return;
        };
        let bye = dialog.request(Method::Bye, &via);
        self.bye_tx = Some(ClientTransaction::new(
            now,
            bye,
            self.setup.reliable,
            self.setup.timers,
        ));
    }

    /// The request again with credentials for the challenge in `response`, or `None` when we
    /// have no credentials or the server rejected the ones we sent.
    pub(super) fn authorized_retry(
        &mut self,
        request: &Request,
        response: &Response,
    ) -> Option<Request> {
        let digest = self.digest.as_mut()?;
        if digest.handle_challenge(response).is_err() {
            self.auth_gave_up(response);
            return None;
        }
        let digest = self.digest.as_mut()?;
        let mut retry = request.clone();
        let cnonce = format!("{:016x}", self.rng.random::<u64>());
        digest.authorize(&mut retry, &cnonce);
        Some(retry)
    }
}
