//! Ending a call from our side: CANCEL while it rings (held back until a provisional response,
//! RFC 3261 §9.1), BYE once answered, and re-sending either with credentials when the trunk
//! challenges it.

use super::phase::{ByeCause, Cancelling, Connected, HangingUp, Phase};
use super::{Call, build};
use crate::sip::dialog::Dialog;
use crate::sip::message::Response;
use crate::sip::method::Method;
use crate::sip::transaction::{ClientEvent, ClientTransaction};
use crate::time::Instant;

impl Call {
    pub(super) fn drive_cancel(&mut self, now: Instant) {
        let Some(events) = self.drain(Phase::cancel_tx_mut) else {
            return;
        };
        for event in events {
            if let ClientEvent::Final(r) = event
                && matches!(r.status, 401 | 407)
            {
                self.cancel_again(now, &r);
            }
        }
    }

    pub(super) fn drive_bye(&mut self, now: Instant) {
        let Some(events) = self.drain(Phase::bye_tx_mut) else {
            return;
        };
        for event in events {
            match event {
                ClientEvent::Provisional(_) => {}
                ClientEvent::Final(r) if matches!(r.status, 401 | 407) => {
                    if let Some(bye) = self.authorized_in_call(&r) {
                        let tx = self.client(now, bye);
                        if let Some(slot) = self.phase.bye_tx_mut() {
                            *slot = tx;
                        }
                        return self.drive_bye(now);
                    }
                    self.end(now, self.phase.answered_outcome());
                }
                ClientEvent::Final(_) | ClientEvent::Timeout => {
                    self.end(now, self.phase.answered_outcome())
                }
            }
        }
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
        let mut cancel = build::cancel(&self.invite);
        if self.invite.headers.get("authorization").is_some()
            || self.invite.headers.get("proxy-authorization").is_some()
        {
            let cnonce = self.new_cnonce();
            if let Some(digest) = self.digest.as_mut() {
                digest.authorize(&mut cancel, &cnonce);
            }
        }
        self.phase = Phase::Cancelling(Box::new(Cancelling {
            cancel_tx: self.client(now, cancel),
            deadline: now + self.setup.timers.transaction_timeout(),
        }));
    }

    /// Our CANCEL was challenged: once more with credentials, when we have them.
    fn cancel_again(&mut self, now: Instant, challenge: &Response) {
        let Some(cancel) = self.phase.cancel_tx().map(|tx| tx.request().clone()) else {
            return;
        };
        let Some(retry) = self.authorized_retry(&cancel, challenge) else {
            return;
        };
        let tx = self.client(now, retry);
        if let Some(slot) = self.phase.cancel_tx_mut() {
            *slot = tx;
        }
        self.drive_cancel(now);
    }

    /// BYE from the answered call, which is now hanging up.
    pub(super) fn send_bye(&mut self, now: Instant, cause: ByeCause) {
        self.phase = match self.phase.take() {
            Phase::Answered(mut connected) => Phase::HangingUp(Box::new(HangingUp {
                bye_tx: self.bye(now, &mut connected.dialog),
                connected: *connected,
                cause,
                cancel_tx: None,
            })),
            other => other,
        };
    }

    /// The 2xx crossed our CANCEL: the call is up, so it must be ended with a BYE.
    pub(super) fn hang_up_late(&mut self, now: Instant, mut connected: Connected) {
        let bye_tx = self.bye(now, &mut connected.dialog);
        let cancel_tx = match self.phase.take() {
            Phase::Cancelling(cancelling) => Some(cancelling.cancel_tx),
            _ => None,
        };
        self.phase = Phase::HangingUp(Box::new(HangingUp {
            connected,
            bye_tx,
            cause: ByeCause::LateAnswer,
            cancel_tx,
        }));
    }

    /// Answered after the call ended without a dialog (our CANCEL unanswered for 64·T1, or an
    /// earlier 2xx that made none): the report is out, so the phone that picked up is only
    /// hung up, and the call stays ended.
    pub(super) fn hang_up_after_end(&mut self, now: Instant, mut connected: Connected) {
        let bye_tx = self.bye(now, &mut connected.dialog);
        if let Phase::Ended(ended) = &mut self.phase {
            ended.connected = Some(connected);
            ended.bye_tx = Some(bye_tx);
        }
    }

    /// A BYE transaction in `dialog`: next CSeq, new branch.
    fn bye(&mut self, now: Instant, dialog: &mut Dialog) -> ClientTransaction {
        let bye = dialog.request(Method::Bye, &self.new_via());
        self.client(now, bye)
    }
}
