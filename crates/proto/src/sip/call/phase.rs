//! The phases of a call, each holding what only it needs (see the module above for the
//! moves between them). A phase is left by taking it out of the call ([`Phase::take`]) and
//! building the next one from it, so what outlives a phase moves on explicitly and nothing is
//! left behind to be ignored.
//!
//! Our transactions may outlive the phase that sent them: a CANCEL crossed by a 2xx, a refresh
//! or probe still out at hang-up, our BYE after the report. They move on with the phase and
//! complete there; what they answer only changes the call where it still can (a refresh's 2xx
//! is ACKed after a hang-up, but restarts no timer).

use super::session::Session;
use super::{CallReport, EndReason, Outcome, Party};
use crate::sip::dialog::Dialog;
use crate::sip::transaction::ClientTransaction;
use crate::time::Instant;
use std::time::Duration;

/// Where the call is.
#[derive(Debug)]
pub(super) enum Phase {
    /// The INVITE is out and nobody has answered it.
    Inviting {
        /// When the ring timeout CANCELs; `None` once it has passed (the CANCEL is then
        /// pending).
        ring_deadline: Option<Instant>,
        /// We want to CANCEL, but no provisional response has come yet (§9.1): the CANCEL
        /// leaves with the first one.
        cancel_pending: bool,
    },
    /// Our CANCEL is out; the INVITE waits for its final response.
    Cancelling(Box<Cancelling>),
    /// A 2xx made the dialog: the call is up. (One without usable audio passes through on its
    /// way to `HangingUp`, and the driver never hears of it.)
    Answered(Box<Connected>),
    /// Our BYE is out.
    HangingUp(Box<HangingUp>),
    /// The report is out; retransmissions are still absorbed until the call is finished.
    Ended(Box<Ended>),
}

/// A call we gave up on before it was answered.
#[derive(Debug)]
pub(super) struct Cancelling {
    pub(super) cancel_tx: ClientTransaction,
    /// When we give the INVITE up without its final response (64·T1, §9.1).
    pub(super) deadline: Instant,
}

/// The dialog the first 2xx made, from the answer until the call is finished: retransmitted
/// 2xx are ACKed again and the far end's requests in it answered, after a hang-up too.
#[derive(Debug)]
pub(super) struct Connected {
    pub(super) dialog: Dialog,
    /// Our ACK for the 2xx, sent again for each retransmission of it.
    pub(super) ack: Vec<u8>,
    /// The 2xx's status, the call's final SIP status.
    pub(super) status: u16,
    /// From the INVITE to the 2xx.
    pub(super) ring: Duration,
    pub(super) answered_at: Instant,
    /// The session timer and our refreshes (RFC 4028). The timer runs only while the call is
    /// answered; a refresh still out when we hang up completes, and its 2xx is ACKed.
    pub(super) session: Session,
    /// Our liveness probe, until it has an answer.
    pub(super) probe_tx: Option<ClientTransaction>,
}

/// An answered call whose BYE is out.
#[derive(Debug)]
pub(super) struct HangingUp {
    pub(super) connected: Connected,
    pub(super) bye_tx: ClientTransaction,
    pub(super) cause: ByeCause,
    /// The CANCEL a 2xx crossed, until it completes.
    pub(super) cancel_tx: Option<ClientTransaction>,
}

/// Why our BYE is out.
#[derive(Debug, Clone, Copy)]
pub(super) enum ByeCause {
    /// The driver hung up.
    HangUp,
    /// The call's own signalling ended it: no usable audio, the session expired, the far end
    /// is gone.
    Signalling(EndReason),
    /// The 2xx crossed our CANCEL: the phone picked up after we had given up on it.
    LateAnswer,
}

/// What outlives the call's report.
#[derive(Debug, Default)]
pub(super) struct Ended {
    /// The dialog, when a 2xx made one: before the end, or after it (then only to BYE it).
    pub(super) connected: Option<Connected>,
    /// Our BYE, until it completes (or the far end's BYE crossed it). A challenge still gets
    /// credentials: the phone must be released.
    pub(super) bye_tx: Option<ClientTransaction>,
    /// Our CANCEL, until it completes.
    pub(super) cancel_tx: Option<ClientTransaction>,
}

impl Phase {
    /// Takes the phase out to build the next from it; an empty `Ended` stands in meanwhile.
    pub(super) fn take(&mut self) -> Phase {
        std::mem::replace(self, Phase::Ended(Box::default()))
    }

    /// The dialog, once a 2xx has made it.
    pub(super) fn connected(&self) -> Option<&Connected> {
        match self {
            Phase::Answered(connected) => Some(connected),
            Phase::HangingUp(hanging_up) => Some(&hanging_up.connected),
            Phase::Ended(ended) => ended.connected.as_ref(),
            Phase::Inviting { .. } | Phase::Cancelling(_) => None,
        }
    }

    pub(super) fn connected_mut(&mut self) -> Option<&mut Connected> {
        match self {
            Phase::Answered(connected) => Some(connected),
            Phase::HangingUp(hanging_up) => Some(&mut hanging_up.connected),
            Phase::Ended(ended) => ended.connected.as_mut(),
            Phase::Inviting { .. } | Phase::Cancelling(_) => None,
        }
    }

    /// Our CANCEL, from the moment it is sent until it completes.
    pub(super) fn cancel_tx(&self) -> Option<&ClientTransaction> {
        match self {
            Phase::Cancelling(cancelling) => Some(&cancelling.cancel_tx),
            Phase::HangingUp(hanging_up) => hanging_up.cancel_tx.as_ref(),
            Phase::Ended(ended) => ended.cancel_tx.as_ref(),
            Phase::Inviting { .. } | Phase::Answered(_) => None,
        }
    }

    pub(super) fn cancel_tx_mut(&mut self) -> Option<&mut ClientTransaction> {
        match self {
            Phase::Cancelling(cancelling) => Some(&mut cancelling.cancel_tx),
            Phase::HangingUp(hanging_up) => hanging_up.cancel_tx.as_mut(),
            Phase::Ended(ended) => ended.cancel_tx.as_mut(),
            Phase::Inviting { .. } | Phase::Answered(_) => None,
        }
    }

    /// Our BYE, from the moment it is sent until it completes.
    pub(super) fn bye_tx(&self) -> Option<&ClientTransaction> {
        match self {
            Phase::HangingUp(hanging_up) => Some(&hanging_up.bye_tx),
            Phase::Ended(ended) => ended.bye_tx.as_ref(),
            Phase::Inviting { .. } | Phase::Cancelling(_) | Phase::Answered(_) => None,
        }
    }

    pub(super) fn bye_tx_mut(&mut self) -> Option<&mut ClientTransaction> {
        match self {
            Phase::HangingUp(hanging_up) => Some(&mut hanging_up.bye_tx),
            Phase::Ended(ended) => ended.bye_tx.as_mut(),
            Phase::Inviting { .. } | Phase::Cancelling(_) | Phase::Answered(_) => None,
        }
    }

    /// The client transactions this phase holds: CANCEL, BYE, session refresh and probe.
    pub(super) fn clients(&self) -> [Option<&ClientTransaction>; 4] {
        let connected = self.connected();
        [
            self.cancel_tx(),
            self.bye_tx(),
            connected.and_then(|c| c.session.refresh_tx.as_ref()),
            connected.and_then(|c| c.probe_tx.as_ref()),
        ]
    }

    pub(super) fn clients_mut(&mut self) -> [Option<&mut ClientTransaction>; 4] {
        match self {
            Phase::Inviting { .. } => [None, None, None, None],
            Phase::Cancelling(cancelling) => [Some(&mut cancelling.cancel_tx), None, None, None],
            Phase::Answered(connected) => {
                let [refresh, probe] = connected.clients_mut();
                [None, None, refresh, probe]
            }
            Phase::HangingUp(hanging_up) => {
                let HangingUp {
                    connected,
                    bye_tx,
                    cancel_tx,
                    ..
                } = &mut **hanging_up;
                let [refresh, probe] = connected.clients_mut();
                [cancel_tx.as_mut(), Some(bye_tx), refresh, probe]
            }
            Phase::Ended(ended) => {
                let Ended {
                    connected,
                    bye_tx,
                    cancel_tx,
                } = &mut **ended;
                let [refresh, probe] = connected
                    .as_mut()
                    .map_or([None, None], Connected::clients_mut);
                [cancel_tx.as_mut(), bye_tx.as_mut(), refresh, probe]
            }
        }
    }

    /// When this phase itself needs the time: the ring timeout, the CANCEL's deadline, the
    /// session timer.
    pub(super) fn deadline(&self) -> Option<Instant> {
        match self {
            Phase::Inviting { ring_deadline, .. } => *ring_deadline,
            Phase::Cancelling(cancelling) => Some(cancelling.deadline),
            Phase::Answered(connected) => connected.session.timer.map(|t| t.deadline()),
            Phase::HangingUp(_) | Phase::Ended(_) => None,
        }
    }

    /// How an answered call ends when the BYE (ours or theirs) completes now.
    pub(super) fn answered_outcome(&self) -> Outcome {
        match self {
            Phase::HangingUp(hanging_up) => hanging_up.cause.outcome(),
            _ => Outcome::Answered,
        }
    }

    /// The report of a call ending now in this phase, from what the answer and the hang-up
    /// told; a call never answered rang until now.
    pub(super) fn report(&self, now: Instant, started_at: Instant, outcome: Outcome) -> CallReport {
        let unanswered = CallReport {
            outcome,
            sip_status: None,
            retry_after: None,
            ring: now - started_at,
            talk: Duration::ZERO,
            hung_up_by: None,
            reason: None,
        };
        match self {
            Phase::Answered(connected) => connected.report(now, unanswered),
            Phase::HangingUp(hanging_up) => CallReport {
                hung_up_by: Some(Party::Local),
                reason: hanging_up.cause.reason(),
                ..hanging_up.connected.report(now, unanswered)
            },
            Phase::Inviting { .. } | Phase::Cancelling(_) | Phase::Ended(_) => unanswered,
        }
    }

    /// What of this phase outlives the report.
    pub(super) fn into_ended(self) -> Ended {
        match self {
            Phase::Inviting { .. } => Ended::default(),
            Phase::Cancelling(cancelling) => Ended {
                cancel_tx: Some(cancelling.cancel_tx),
                ..Ended::default()
            },
            Phase::Answered(connected) => Ended {
                connected: Some(*connected),
                ..Ended::default()
            },
            Phase::HangingUp(hanging_up) => Ended {
                connected: Some(hanging_up.connected),
                bye_tx: Some(hanging_up.bye_tx),
                cancel_tx: hanging_up.cancel_tx,
            },
            Phase::Ended(ended) => *ended,
        }
    }
}

impl Connected {
    /// Our refresh and probe.
    fn clients_mut(&mut self) -> [Option<&mut ClientTransaction>; 2] {
        [self.session.refresh_tx.as_mut(), self.probe_tx.as_mut()]
    }

    fn report(&self, now: Instant, unanswered: CallReport) -> CallReport {
        CallReport {
            sip_status: Some(self.status),
            ring: self.ring,
            talk: now - self.answered_at,
            ..unanswered
        }
    }
}

impl ByeCause {
    fn outcome(self) -> Outcome {
        match self {
            ByeCause::LateAnswer => Outcome::NoAnswer,
            ByeCause::Signalling(reason) if reason.is_failure() => Outcome::Failed,
            ByeCause::HangUp | ByeCause::Signalling(_) => Outcome::Answered,
        }
    }

    fn reason(self) -> Option<EndReason> {
        match self {
            ByeCause::Signalling(reason) => Some(reason),
            ByeCause::HangUp | ByeCause::LateAnswer => None,
        }
    }
}
