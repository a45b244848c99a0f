//! Ending a call from our side: CANCEL while it rings (held back until a provisional response,
//! RFC 3261 §9.1), BYE once answered, and re-sending either with credentials when the trunk
//! challenges it.

use super::phase::{ByeCause, Connected, HangingUp, Phase};
use super::{Call, build};
use crate::sip::dialog::Dialog;
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
                    if let Some(bye) = self.authorized_in_call(&r) {
                        let (reliable, timers) = (self.setup.reliable, self.setup.timers);
                        self.bye_tx = Some(ClientTransaction::new(now, bye, reliable, timers));
                        return self.drive_bye(now);
                    }
                    self.end(now, self.phase.answered_outcome());
                }
                ClientEvent::Final(_) | ClientEvent::Timeout => {
                    self.end(now, self.phase.answered_outcome())
                }
            }
        }
        self.bye_tx = Some(tx);
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

    /// BYE from the answered call, which is now hanging up.
    pub(super) fn send_bye(&mut self, now: Instant, cause: ByeCause) {
        self.phase = match self.phase.take() {
            Phase::Answered(mut connected) => {
                self.bye_tx = Some(self.bye(now, &mut connected.dialog));
                Phase::HangingUp(Box::new(HangingUp {
                    connected: *connected,
                    cause,
                }))
            }
            other => other,
        };
    }

    /// The 2xx crossed our CANCEL: the call is up, so it must be ended with a BYE.
    pub(super) fn hang_up_late(&mut self, now: Instant, mut connected: Connected) {
        self.bye_tx = Some(self.bye(now, &mut connected.dialog));
        self.phase = Phase::HangingUp(Box::new(HangingUp {
            connected,
            cause: ByeCause::LateAnswer,
        }));
    }

    /// Answered after we gave up on it (our CANCEL unanswered for 64·T1): the report is out,
    /// so the phone that picked up is only hung up, and the call stays ended.
    pub(super) fn hang_up_after_end(&mut self, now: Instant, mut connected: Connected) {
        self.bye_tx = Some(self.bye(now, &mut connected.dialog));
        if let Phase::Ended(ended) = &mut self.phase {
            ended.connected = Some(connected);
        }
    }

    /// A BYE transaction in `dialog`: next CSeq, new branch.
    fn bye(&mut self, now: Instant, dialog: &mut Dialog) -> ClientTransaction {
        let bye = dialog.request(Method::Bye, &self.new_via());
        self.client(now, bye)
    }
}
