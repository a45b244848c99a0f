//! The INVITE's own course: ringing, our final response, and its ACK or the lack of one.
//!
//! A 2xx is re-sent until the ACK (T1 doubling to T2); 64·T1 without it, the call is given
//! up with a BYE (§13.3.1.4). The ACK starts the media when it comes with usable SDP: the
//! offer we answered, or for a late offer the answer it carries (none or unusable: BYE). A
//! failure is re-sent until its ACK (§17.2.1), and the call ends then, or at Timer H.

use super::phase::{Phase, Talking};
use super::session::{self, SessionTimer};
use super::{EndedBy, InboundCall, InboundEndReason, InboundEvent, build};
use crate::sip::message::Request;
use crate::sip::sdp::Answer;
use crate::time::Instant;

impl InboundCall {
    /// 180 Ringing (optional, for the driver while it looks the caller up); nothing once a
    /// final response is out.
    pub fn ring(&mut self, now: Instant) {
        if !matches!(self.phase, Phase::Offered) {
            return;
        }
        let ringing = self.dialog_response(180, "Ringing");
        self.invite_tx.respond(now, &ringing);
        self.drive(now);
    }

    /// 200 OK with our SDP (answer, or offer when the INVITE had none), re-sent until the ACK
    /// (T1 doubling to T2, given up after 64·T1 with a BYE, then `Ending` and `Ended`).
    /// Nothing once a final response is out.
    pub fn answer(&mut self, now: Instant) {
        if !matches!(self.phase, Phase::Offered) {
            return;
        }
        let mut ok = self.dialog_response(200, "OK");
        if let Some(delta) = self.session {
            session::add_headers(&mut ok, delta);
        }
        let ok = build::with_sdp(ok, &self.sdp);
        self.invite_tx.respond(now, &ok);
        self.status = Some(200);
        self.phase = Phase::Accepting { hang_up: false };
        self.drive(now);
    }

    /// A final non-2xx (486 Busy Here when the line is full, 403, 480, 503…), re-sent until
    /// its ACK per §17.2.1; then `Ended`. A status outside 300–699 is sent as 500, and
    /// control characters are left out of `reason`. Nothing once a final response is out.
    pub fn reject(&mut self, now: Instant, status: u16, reason: &str) {
        let (status, reason) = match status {
            300..=699 => (status, reason.replace(char::is_control, "")),
            _ => (500, "Server Internal Error".to_owned()),
        };
        self.fail(now, status, &reason, EndedBy::Us);
        self.drive(now);
    }

    /// Sends a failure to the INVITE, which still waits for its final response.
    pub(super) fn fail(&mut self, now: Instant, status: u16, reason: &str, ended_by: EndedBy) {
        if !matches!(self.phase, Phase::Offered) {
            return;
        }
        let failure = build::reply(&self.invite, status, reason, &self.local_tag, &self.setup);
        self.invite_tx.respond(now, &failure);
        self.status = Some(status);
        self.phase = Phase::Rejecting { ended_by };
    }

    /// An ACK with the INVITE's CSeq: for our 2xx (inside the dialog, with a branch of its
    /// own) or for our failure (the INVITE's branch). Retransmissions change nothing.
    pub(super) fn on_invite_ack(&mut self, now: Instant, ack: &Request, in_dialog: bool) {
        match self.phase {
            Phase::Accepting { hang_up } if in_dialog => {
                self.invite_tx.handle_ack(now);
                self.on_confirmed(now, ack, hang_up);
            }
            Phase::Rejecting { ended_by } => {
                self.invite_tx.handle_ack(now);
                self.end(now, ended_by);
            }
            // A retransmission, or an ACK from outside the dialog for our 2xx.
            _ => {}
        }
    }

    /// Our 2xx is confirmed: the media starts, unless the driver hung up meanwhile or the
    /// ACK brings no usable answer to our offer.
    fn on_confirmed(&mut self, now: Instant, ack: &Request, hang_up: bool) {
        if hang_up {
            return self.send_bye(now, EndedBy::Us);
        }
        let media = match &self.negotiated {
            Some(negotiated) => Ok(negotiated.media.clone()),
            None => late_answer(ack, &self.sdp_offer),
        };
        match media {
            Ok(media) => {
                self.phase = Phase::Talking(Talking {
                    answered_at: now,
                    session: self.session.map(|delta| SessionTimer::start(now, delta)),
                });
                self.events.push_back(InboundEvent::Answered { media });
            }
            Err(reason) => self.end_by_signalling(now, reason),
        }
    }

    /// The INVITE's transaction stopped waiting for an ACK: for a failure, the call ends
    /// (the ACK is handled where it arrives, so this is Timer H); for our 2xx, the ACK never
    /// came and the call is given up with a BYE.
    pub(super) fn on_invite_completed(&mut self, now: Instant) {
        if self.invite_tx.awaits_ack() {
            return;
        }
        match self.phase {
            Phase::Accepting { hang_up: true } => self.send_bye(now, EndedBy::Us),
            Phase::Accepting { hang_up: false } => {
                self.end_by_signalling(now, InboundEndReason::NoAck)
            }
            Phase::Rejecting { ended_by } => self.end(now, ended_by),
            _ => {}
        }
    }

    /// 180 or 2xx: our tag, Record-Route and Contact.
    fn dialog_response(&self, status: u16, reason: &str) -> crate::sip::message::Response {
        build::dialog_response(&self.invite, status, reason, &self.local_tag, &self.setup)
    }
}

/// The answer an ACK carries to the offer in our 2xx.
fn late_answer(ack: &Request, offer: &crate::sip::sdp::Offer) -> Result<Answer, InboundEndReason> {
    if ack.body.iter().all(u8::is_ascii_whitespace) {
        return Err(InboundEndReason::NoSdp);
    }
    Answer::parse(&ack.body, offer).map_err(|e| InboundEndReason::from_sdp(&e))
}
