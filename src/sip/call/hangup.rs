//! Ending a call from our side: CANCEL while it rings (held back until a provisional response,
//! RFC 3261 §9.1), BYE once answered, and re-sending either with credentials when the trunk
//! challenges it.

use super::{Call, Party, Phase};
use crate::sip::call::build;
use crate::sip::header::Via;
use crate::sip::message::{Request, Response};
use crate::sip::method::Method;
use crate::sip::transaction::{ClientEvent, ClientTransaction};
use rand::Rng;
use std::time::Instant;

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
        let mut next = Some(tx);
        while let Some(event) = next.as_mut().and_then(|t| t.poll_event()) {
            match event {
                ClientEvent::Provisional(_) => {}
                ClientEvent::Final(r) if matches!(r.status, 401 | 407) => {
                    let retry = next
                        .as_ref()
                        .and_then(|t| self.authorized_retry(t.request(), &r));
                    match retry {
                        Some(bye) => {
                            let bye = self.renumber_in_dialog(bye);
                            next = Some(ClientTransaction::new(
                                now,
                                bye,
                                self.setup.reliable,
                                self.setup.timers,
                            ));
                            return self.restart_bye(now, next);
                        }
                        None => self.end(now, self.answered_outcome()),
                    }
                }
                ClientEvent::Final(_) | ClientEvent::Timeout => {
                    self.end(now, self.answered_outcome())
                }
            }
        }
        self.bye_tx = next;
    }

    pub(super) fn restart_bye(&mut self, now: Instant, tx: Option<ClientTransaction>) {
        self.bye_tx = tx;
        self.drive_bye(now);
    }

    pub(super) fn cancel(&mut self, now: Instant) {
        if self.invite_tx.has_response() {
            self.send_cancel(now);
        } else {
            // §9.1: no CANCEL before a provisional response; send it when one arrives.
            self.cancel_pending = true;
            self.hang_up_after_answer = true;
        }
    }

    pub(super) fn send_cancel(&mut self, now: Instant) {
        self.cancel_pending = false;
        if self.phase != Phase::Inviting {
            return;
        }
        self.phase = Phase::Cancelling;
        self.cancel_deadline = Some(now + self.setup.timers.transaction_timeout());
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

    pub(super) fn renumber_in_dialog(&mut self, request: Request) -> Request {
        let Some(dialog) = self.dialog.as_mut() else {
            return request;
        };
        let via = Via::parse(&format!(
            "SIP/2.0/{} {};branch={};rport",
            self.setup.transport,
            self.setup.sent_by,
            crate::sip::transaction::branch_from(self.rng.random())
        ));
        let Ok(via) = via else { return request };
        let mut fresh = dialog.request(request.method.clone(), &via);
        for name in ["authorization", "proxy-authorization"] {
            for value in request.headers.all(name) {
                fresh.headers.push(name, value);
            }
        }
        let cnonce = format!("{:016x}", self.rng.random::<u64>());
        if let Some(digest) = self.digest.as_mut() {
            fresh.headers.remove("authorization");
            fresh.headers.remove("proxy-authorization");
            digest.authorize(&mut fresh, &cnonce);
        }
        fresh
    }

    /// The request again with credentials for the challenge in `response`, or `None` when we
    /// have no credentials or the server rejected the ones we sent.
    pub(super) fn authorized_retry(
        &mut self,
        request: &Request,
        response: &Response,
    ) -> Option<Request> {
        let digest = self.digest.as_mut()?;
        digest.handle_challenge(response).ok()?;
        let mut retry = request.clone();
        retry.headers.remove("authorization");
        retry.headers.remove("proxy-authorization");
        let cnonce = format!("{:016x}", self.rng.random::<u64>());
        digest.authorize(&mut retry, &cnonce);
        Some(retry)
    }
}
