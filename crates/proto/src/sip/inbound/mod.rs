//! One incoming call, sans-IO: the gateway's side (UAS) of an INVITE from the trunk, when a
//! member phones the network's number back.
//!
//! [`InboundCall::new`] reads the INVITE: it is refused at once with a final response for the
//! driver to send statelessly, or taken, and `100 Trying` is queued. The driver decides what
//! to do: [`InboundCall::ring`], [`InboundCall::answer`] (our 2xx, re-sent until the ACK),
//! [`InboundCall::reject`], or later [`InboundCall::hang_up`]; it feeds
//! [`InboundCall::handle_message`] and [`InboundCall::handle_timeout`] with the current time,
//! sends what [`InboundCall::poll_transmit`] yields and reads [`InboundCall::poll_event`]. The
//! media starts at [`InboundEvent::Answered`], when the ACK confirms our 2xx with usable SDP,
//! and the call reports [`InboundEvent::Ended`] exactly once.
//!
//! Offer and answer (RFC 3264): an INVITE with SDP is answered in our 2xx (`media.rs`); an
//! INVITE without is a late offer, our 2xx offers and the ACK answers. The INVITE's server
//! transaction re-sends our 2xx until its ACK (matched by dialog and CSeq, its branch is new)
//! and a failure until its ACK (same branch). The caller's requests in the dialog (`requests.rs`)
//! each get a server transaction; our only request is BYE (`ending.rs`). The INVITE's own
//! course (ring, answer, reject, its ACK or none) is in `answer.rs`. Session timers are
//! only watched (`session.rs`).
//!
//! Responses go back to the source of the request they answer, its top Via stamped with
//! `received`/`rport` (RFC 3581); our BYE goes to the dialog's next hop. Nothing here panics
//! on what the network sends: a message in the dialog we cannot read is dropped.

mod admit;
mod answer;
mod build;
mod ending;
mod identity;
mod media;
mod outcome;
mod phase;
mod requests;
mod session;
#[cfg(test)]
mod tests;

pub use identity::{CallerIdentity, caller_identity};
pub use outcome::{EndedBy, InboundEndReason, InboundReport};

use crate::sip::call::Transmit;
use crate::sip::dialog::Dialog;
use crate::sip::header::Via;
use crate::sip::message::{Message, Request, Response};
use crate::sip::method::Method;
use crate::sip::sdp::{Answer, Offer};
use crate::sip::transaction::{ServerTransaction, Timers};
use crate::sip::uri::Uri;
use crate::time::Instant;
use bytes::Bytes;
use media::Negotiated;
use phase::Phase;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::VecDeque;
use std::net::SocketAddr;

/// Everything an incoming call needs besides the INVITE.
#[derive(Debug, Clone)]
pub struct InboundSetup {
    /// Our Contact; its host and port are our Via sent-by too.
    pub contact: Uri,
    /// `true` on TCP/TLS: failures are not re-sent (a 2xx still is, until its ACK).
    pub reliable: bool,
    /// T1, T2, T4.
    pub timers: Timers,
    /// The Server header, and User-Agent on our BYE.
    pub user_agent: String,
    /// Our RTP address, codecs (preferred first) and session id: our answer to the caller's
    /// offer, or our own offer when the INVITE has none.
    pub media: Offer,
    /// Seeds our To tag and branches, so tests are repeatable.
    pub seed: u64,
}

/// What an incoming call tells its driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InboundEvent {
    /// The ACK for our 2xx arrived with a usable media description (from the INVITE's offer,
    /// or from the ACK's answer for an INVITE without SDP): start the media.
    Answered {
        /// The caller's RTP address, the codec, and its telephone-event payload type.
        media: Answer,
    },
    /// INFO inside the dialog (DTMF relay), already answered 200.
    Info {
        /// Its Content-Type.
        content_type: String,
        /// Its body.
        body: Bytes,
    },
    /// The call ends on its own (we sent BYE because the ACK never came or had unusable SDP,
    /// or the session timer ran out): stop the media.
    Ending {
        /// Why.
        reason: InboundEndReason,
    },
    /// Over: exactly once.
    Ended(InboundReport),
}

/// One incoming call.
#[derive(Debug)]
pub struct InboundCall {
    setup: InboundSetup,
    /// Branches and the 500's Retry-After, from [`InboundSetup::seed`].
    rng: StdRng,
    local_tag: String,
    /// The INVITE, its top Via stamped with where it came from.
    invite: Request,
    invite_branch: String,
    invite_cseq: u32,
    /// Where the INVITE came from: its responses go back there.
    source: SocketAddr,
    invite_tx: ServerTransaction,
    /// The dialog our To tag makes: early until the final response, confirmed by a 2xx.
    dialog: Dialog,
    /// The transport of our own requests, as written in Via.
    transport: String,
    /// Where our own requests go.
    next_hop: SocketAddr,
    caller: CallerIdentity,
    called: String,
    /// The caller's offer answered; `None` for a late offer.
    negotiated: Option<Negotiated>,
    /// The SDP of our 2xx, given again in every 2xx to a re-INVITE or UPDATE with an offer.
    sdp: String,
    /// What that SDP offers, to judge the caller's later offers by.
    sdp_offer: Offer,
    /// The session interval the caller refreshes within (RFC 4028), if any.
    session: Option<u32>,
    /// The final response we sent to the INVITE.
    status: Option<u16>,
    /// The caller's requests, answered, until their transactions end.
    servers: Vec<ServerEntry>,
    phase: Phase,
    transmits: VecDeque<Transmit>,
    events: VecDeque<InboundEvent>,
}

/// A request from the caller and the transaction that answers it.
#[derive(Debug)]
struct ServerEntry {
    branch: String,
    method: Method,
    cseq: u32,
    reply_to: SocketAddr,
    transaction: ServerTransaction,
}

impl InboundCall {
    /// Reads the INVITE; `Err(Response)` is a final response to send at once statelessly
    /// (400 for a malformed INVITE, 481 with a To tag, 416 for a URI scheme we do not
    /// serve, 420 for an unsupported Require, 415 for a body that is not SDP, 488 Not
    /// Acceptable Here when the offer has no audio or no codec we speak, 422 for a session
    /// interval below 90 s). On Ok, a `100 Trying` is queued.
    ///
    /// Meant for an INVITE only: the driver must not call it for an ACK, which is never
    /// answered.
    pub fn new(
        now: Instant,
        invite: Request,
        source: SocketAddr,
        setup: InboundSetup,
    ) -> Result<InboundCall, Box<Response>> {
        let mut rng = StdRng::seed_from_u64(setup.seed);
        let local_tag = format!("{:016x}", rng.random::<u64>());
        let mut invite = invite;
        build::stamp_via(&mut invite.headers, source);
        let admission = admit::admit(&invite, &setup, &local_tag)?;
        let (sdp, sdp_offer) = match &admission.negotiated {
            Some(negotiated) => (negotiated.sdp.clone(), answered_offer(&setup, negotiated)),
            None => (setup.media.to_sdp(), setup.media.clone()),
        };
        let mut invite_tx = ServerTransaction::new(&invite, setup.reliable, setup.timers);
        invite_tx.respond(now, &build::trying(&invite, &setup));
        let mut call = InboundCall {
            caller: caller_identity(&invite),
            called: identity::user_part(&invite.uri).unwrap_or_default(),
            next_hop: build::next_hop(&admission.dialog, source),
            dialog: admission.dialog,
            invite_branch: admission.branch,
            invite_cseq: admission.cseq,
            transport: admission.transport,
            negotiated: admission.negotiated,
            session: admission.session,
            sdp,
            sdp_offer,
            setup,
            rng,
            local_tag,
            invite,
            source,
            invite_tx,
            status: None,
            servers: Vec::new(),
            phase: Phase::Offered,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        };
        call.drive(now);
        Ok(call)
    }

    /// The Call-ID, which the driver routes the caller's messages by.
    pub fn call_id(&self) -> &str {
        &self.dialog.call_id
    }

    /// Who calls, read from the INVITE.
    pub fn caller(&self) -> &CallerIdentity {
        &self.caller
    }

    /// The number called: the Request-URI's user part (tel: number or sip user), as written;
    /// empty when it has none.
    pub fn called(&self) -> &str {
        &self.called
    }

    /// A message for this call from `source`.
    pub fn handle_message(&mut self, now: Instant, message: Message, source: SocketAddr) {
        match message {
            Message::Request(request) => self.handle_request(now, request, source),
            Message::Response(response) => self.handle_response(now, response),
        }
        self.drive(now);
    }

    /// Fires whatever timers are due.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.invite_tx.handle_timeout(now);
        for entry in &mut self.servers {
            entry.transaction.handle_timeout(now);
        }
        if let Some(bye_tx) = self.phase.bye_tx_mut() {
            bye_tx.handle_timeout(now);
        }
        self.on_session_timer(now);
        self.drive(now);
    }

    /// The next message to send.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<InboundEvent> {
        self.events.pop_front()
    }

    /// When `handle_timeout` must be called next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let servers = self
            .servers
            .iter()
            .filter_map(|e| e.transaction.poll_timeout());
        let bye = match &self.phase {
            Phase::HangingUp(hanging_up) => hanging_up.bye_tx.poll_timeout(),
            _ => None,
        };
        servers
            .chain(self.invite_tx.poll_timeout())
            .chain(bye)
            .chain(self.phase.deadline())
            .min()
    }

    /// `true` once the call has ended and no final response still waits for its ACK.
    pub fn is_finished(&self) -> bool {
        matches!(self.phase, Phase::Ended)
            && !self.invite_tx.awaits_ack()
            && self.servers.iter().all(|e| !e.transaction.awaits_ack())
    }

    /// Drains the transactions: responses back to where their requests came from, our BYE
    /// to the next hop; and notices what their timers decided.
    fn drive(&mut self, now: Instant) {
        for entry in &mut self.servers {
            while let Some(bytes) = entry.transaction.poll_transmit() {
                self.transmits.push_back(Transmit {
                    destination: entry.reply_to,
                    bytes,
                });
            }
        }
        self.servers.retain(|e| !e.transaction.is_terminated());
        while let Some(bytes) = self.invite_tx.poll_transmit() {
            self.transmits.push_back(Transmit {
                destination: self.source,
                bytes,
            });
        }
        self.on_invite_completed(now);
        self.drive_bye(now);
    }

    fn new_via(&mut self) -> Via {
        build::via(&self.setup, &self.transport, self.rng.random())
    }
}

/// What our answer offers in turn: our address, and only the codec we chose.
fn answered_offer(setup: &InboundSetup, negotiated: &Negotiated) -> Offer {
    Offer {
        codecs: vec![negotiated.media.codec],
        ..setup.media.clone()
    }
}
