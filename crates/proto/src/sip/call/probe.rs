//! Is the far end still there? The driver asks when no RTP has arrived for a while (a phone
//! with silence suppression sends none, and must still hear the whole program): an OPTIONS
//! inside the dialog. Any final response proves the far end alive, even 405 or 486, except
//! 408 and 481 (the dialog is gone, RFC 5057); those, or no response within
//! [`PROBE_TIMEOUT`], end the call with a BYE and [`EndReason::FarEndGone`].
//!
//! The probe's time-out is shorter than Timer F (64·T1 = 32 s) so that, with the driver's
//! silence before probing, a vanished far end is hung up within 30 s of its last sign of
//! life. Over UDP the OPTIONS is still re-sent on Timer E (T1, doubling to T2).

use super::phase::Phase;
use super::{Call, EndReason};
use crate::sip::message::{Request, Response};
use crate::sip::method::Method;
use crate::sip::transaction::ClientEvent;
use crate::time::Instant;
use std::time::Duration;

/// How long a probe waits for any response before the far end counts as gone.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(16);

impl Call {
    /// Sends an in-dialog OPTIONS unless one is out already or the call is not answered.
    pub fn probe(&mut self, now: Instant) {
        let Phase::Answered(connected) = &self.phase else {
            return;
        };
        if connected.probe_tx.is_some() {
            return;
        }
        let via = self.new_via();
        let Phase::Answered(connected) = &mut self.phase else {
            return;
        };
        let mut options = connected.dialog.request(Method::Options, &via);
        options.headers.push("Accept", "application/sdp");
        options
            .headers
            .push("User-Agent", self.setup.user_agent.clone());
        self.send_probe(now, options);
        self.drive(now);
    }

    /// `true` while a probe waits for its response.
    pub fn is_probing(&self) -> bool {
        self.phase.connected().is_some_and(|c| c.probe_tx.is_some())
    }

    pub(super) fn drive_probe(&mut self, now: Instant) {
        let Some(events) = self.drain(|phase| phase.connected_mut()?.probe_tx.as_mut()) else {
            return;
        };
        let mut verdict = None;
        for event in events {
            match event {
                ClientEvent::Provisional(_) => {}
                ClientEvent::Final(r) => verdict = Some(Verdict::from_status(r.status, r)),
                ClientEvent::Timeout => verdict = Some(Verdict::Gone),
            }
        }
        let Some(verdict) = verdict else {
            return;
        };
        if let Some(connected) = self.phase.connected_mut() {
            connected.probe_tx = None;
        }
        match verdict {
            Verdict::Alive => {}
            Verdict::Challenged(response) => self.probe_again(now, &response),
            Verdict::Gone => self.far_end_gone(now),
        }
    }

    /// The probe was challenged: once more with credentials; without them, the challenge
    /// came from the far end's side, which proves it is there.
    fn probe_again(&mut self, now: Instant, response: &Response) {
        if let Some(mut options) = self.authorized_in_call(response) {
            options.headers.push("Accept", "application/sdp");
            self.send_probe(now, options);
            self.drive_probe(now);
        }
    }

    /// The probe's transaction, which gives up at [`PROBE_TIMEOUT`].
    fn send_probe(&mut self, now: Instant, options: Request) {
        let tx = self.client(now, options).with_deadline(now + PROBE_TIMEOUT);
        if let Some(connected) = self.phase.connected_mut() {
            connected.probe_tx = Some(tx);
        }
    }

    /// BYE, and the call ends now: a far end that answers nothing will not answer the BYE,
    /// and nobody should wait Timer F for it.
    fn far_end_gone(&mut self, now: Instant) {
        if !matches!(self.phase, Phase::Answered(_)) {
            return;
        }
        self.hang_up_because(now, EndReason::FarEndGone);
        let outcome = self.phase.answered_outcome();
        self.drive_bye(now);
        self.end(now, outcome);
    }
}

enum Verdict {
    Alive,
    Challenged(Response),
    Gone,
}

impl Verdict {
    fn from_status(status: u16, response: Response) -> Verdict {
        match status {
            408 | 481 => Verdict::Gone,
            401 | 407 => Verdict::Challenged(response),
            _ => Verdict::Alive,
        }
    }
}
