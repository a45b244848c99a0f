//! The phases of an incoming call, each holding what only it needs.
//!
//! `Offered` (the INVITE is in: 100, perhaps 180) goes to `Accepting` (our 2xx is out) or
//! `Rejecting` (a non-2xx is out: the driver's, or 487 after CANCEL or an early BYE); a call
//! always ends after a final response. `Accepting` goes to `Talking` (the ACK, with usable
//! media), `HangingUp` (the ACK without usable media, no ACK at all, or the driver hung up
//! meanwhile) or `Ended` (the caller's BYE). `Talking` goes to `HangingUp` (our BYE) or
//! `Ended` (theirs); `HangingUp` and `Rejecting` to `Ended`. Phases only move forward.

use super::EndedBy;
use super::session::SessionTimer;
use crate::sip::transaction::ClientTransaction;
use crate::time::Instant;

/// Where the call is.
#[derive(Debug)]
pub(super) enum Phase {
    /// The INVITE is in; no final response yet.
    Offered,
    /// Our 2xx is out, re-sent until the ACK.
    Accepting {
        /// The driver hung up meanwhile: our BYE waits for the ACK or its time-out (§15).
        hang_up: bool,
    },
    /// The ACK confirmed the call, with usable media.
    Talking(Talking),
    /// Our BYE is out.
    HangingUp(Box<HangingUp>),
    /// A non-2xx final response is out, re-sent until its ACK.
    Rejecting {
        /// Who the report will name.
        ended_by: EndedBy,
    },
    /// The report is out; retransmissions are still absorbed.
    Ended,
}

/// An answered call.
#[derive(Debug, Clone, Copy)]
pub(super) struct Talking {
    pub(super) answered_at: Instant,
    /// Runs when the caller refreshes the session (RFC 4028).
    pub(super) session: Option<SessionTimer>,
}

/// A call whose BYE is out.
#[derive(Debug)]
pub(super) struct HangingUp {
    pub(super) bye_tx: ClientTransaction,
    /// Who the report will name: us, or the call's own signalling.
    pub(super) cause: EndedBy,
    /// When the ACK made the call, if it did with usable media.
    pub(super) answered_at: Option<Instant>,
}

impl Phase {
    /// When the call was answered, for the report.
    pub(super) fn answered_at(&self) -> Option<Instant> {
        match self {
            Phase::Talking(talking) => Some(talking.answered_at),
            Phase::HangingUp(hanging_up) => hanging_up.answered_at,
            Phase::Offered | Phase::Accepting { .. } | Phase::Rejecting { .. } | Phase::Ended => {
                None
            }
        }
    }

    /// `true` while requests inside the (early or confirmed) dialog are answered.
    pub(super) fn has_dialog(&self) -> bool {
        matches!(
            self,
            Phase::Offered | Phase::Accepting { .. } | Phase::Talking(_) | Phase::HangingUp(_)
        )
    }

    pub(super) fn bye_tx_mut(&mut self) -> Option<&mut ClientTransaction> {
        match self {
            Phase::HangingUp(hanging_up) => Some(&mut hanging_up.bye_tx),
            _ => None,
        }
    }

    /// When the phase itself needs the time: the session timer.
    pub(super) fn deadline(&self) -> Option<Instant> {
        match self {
            Phase::Talking(talking) => talking.session.map(|t| t.deadline),
            _ => None,
        }
    }
}
