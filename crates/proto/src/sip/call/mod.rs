//! One outbound call, sans-IO: INVITE with digest retry, ringing, ring timeout and CANCEL,
//! answer and ACK (and ACK plus BYE for every other fork's answer), in-call requests from the
//! far end, session refresh (RFC 4028), a liveness probe on request, and hang-up with BYE.
//!
//! An answer without usable audio is ACKed and hung up at once: the call `Failed` with its
//! [`EndReason`], and the driver never hears `Answered`.
//!
//! The driver feeds [`Call::handle_message`], [`Call::handle_timeout`] and
//! [`Call::hang_up`] with the current time, sends what [`Call::poll_transmit`] yields and reads
//! [`Call::poll_event`]. A call reports [`CallEvent::Ended`] exactly once; it may keep
//! absorbing retransmissions until [`Call::is_finished`].
//!
//! # Phases
//!
//! A call is in one phase at a time (`phase.rs`), and each phase holds what only it needs, so
//! nothing that means something in one phase lies about in the others:
//!
//! - `Inviting`: the ring deadline, and whether a CANCEL waits for the first provisional
//!   response (RFC 3261 §9.1).
//! - `Cancelling`: our CANCEL, and the deadline (64·T1) after which the INVITE is given up.
//! - `Answered`: the `Connected` dialog the first 2xx made — the dialog, our ACK (sent again
//!   for each retransmitted 2xx), the 2xx's status and times for the report, the session
//!   timer with our refreshes (`session.rs`), and the liveness probe.
//! - `HangingUp`: the `Connected` dialog, our BYE, why it is out (the driver, the call's own
//!   signalling with its [`EndReason`], or a 2xx that crossed our CANCEL), and that CANCEL
//!   until it completes.
//! - `Ended`: what outlives the report — the dialog, to ACK retransmitted 2xx and answer the
//!   far end's requests, and our BYE or CANCEL until it completes.
//!
//! Phases only move forward. `Inviting` goes to `Cancelling` (ring timeout or hang-up),
//! `Answered` (a 2xx) or `Ended` (a failure, Timer B); `Cancelling` to `Ended` (487, or no
//! final response in time); a 2xx that crosses our CANCEL, sent or held back, goes to
//! `HangingUp`. `Answered` goes to `HangingUp` (our BYE) or `Ended` (theirs), `HangingUp` to
//! `Ended`. Each move takes the old phase out and builds the next from it; the report is built
//! as the call ends, from the phase it leaves. A first 2xx after the end is ACKed and its
//! dialog BYEd within `Ended`: an ended call never comes back.
//!
//! What every phase shares lives on [`Call`] itself: the setup, the random source and digest
//! state, the INVITE and its transaction (its 2xx may be retransmitted at any time), the far
//! end's requests with their server transactions, the other forks' dialogs being ended, and
//! the queues to the driver.

mod answer;
mod auth;
mod build;
mod clients;
mod hangup;
pub use build::response_to;
mod incoming;
mod invite;
mod outcome;
mod phase;
mod probe;
mod refresh;
mod session;
#[cfg(test)]
mod tests;

pub use outcome::{CallReport, EndReason, Outcome, Party};
pub use probe::PROBE_TIMEOUT;

use crate::sip::digest::{Credentials, DigestClient};
use crate::sip::header::{NameAddr, Via};
use crate::sip::message::{Message, Request};
use crate::sip::method::Method;
use crate::sip::sdp::{Answer, Offer};
use crate::sip::transaction::{ClientTransaction, ServerTransaction, Timers};
use crate::sip::uri::Uri;
use crate::time::Instant;
use answer::Fork;
use bytes::Bytes;
use phase::{ByeCause, Phase};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

/// Everything a call needs to know before it starts.
#[derive(Debug, Clone)]
pub struct CallSetup {
    /// Request-URI and To.
    pub target: Uri,
    /// Our From, including our tag.
    pub from: NameAddr,
    /// Our Contact URI.
    pub contact: Uri,
    /// The Call-ID.
    pub call_id: String,
    /// `UDP` or `TCP`, as written in Via.
    pub transport: String,
    /// Our Via sent-by, `host:port`.
    pub sent_by: String,
    /// `true` on TCP/TLS: no retransmissions.
    pub reliable: bool,
    /// T1, T2, T4.
    pub timers: Timers,
    /// How long it may ring before we CANCEL.
    pub ring_timeout: Duration,
    /// Our SDP offer.
    pub offer: Offer,
    /// Trunk credentials for digest challenges.
    pub credentials: Option<Credentials>,
    /// Where every request goes (the trunk's proxy).
    pub next_hop: SocketAddr,
    /// The User-Agent header.
    pub user_agent: String,
    /// Seeds branches and cnonces, so tests are repeatable.
    pub seed: u64,
}

/// Bytes to send and where to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// The destination.
    pub destination: SocketAddr,
    /// The serialised message.
    pub bytes: Vec<u8>,
}

/// What a call tells its driver.
#[derive(Debug, Clone)]
pub enum CallEvent {
    /// 180 or 183: it rings.
    Ringing {
        /// The provisional status.
        status: u16,
    },
    /// 2xx with usable audio, ACK sent.
    Answered {
        /// The negotiated media.
        media: Answer,
    },
    /// The call hangs up on its own (BYE sent): stop the media, nobody hears it any more.
    Ending {
        /// Why.
        reason: EndReason,
    },
    /// An INFO request inside the call (DTMF relay), already answered 200.
    Info {
        /// Its Content-Type.
        content_type: String,
        /// Its body.
        body: Bytes,
    },
    /// Digest authentication gave up: the trunk challenged again the credentials we sent
    /// (or a request once more than we retry). The password is not in it.
    AuthRejected {
        /// 401 or 407.
        status: u16,
        /// The method of the challenged request.
        method: String,
        /// The challenge's realm.
        realm: String,
        /// The user name we sent.
        username: String,
    },
    /// The call is over.
    Ended(CallReport),
}

/// One outbound call.
#[derive(Debug)]
pub struct Call {
    setup: CallSetup,
    /// Branches, cnonces and the 491 back-off, from [`CallSetup::seed`].
    rng: StdRng,
    /// `None` without credentials.
    digest: Option<DigestClient>,
    /// INVITEs re-sent with credentials so far.
    auth_retries: u32,
    started_at: Instant,
    /// The INVITE that makes (or tries to make) the call, the last one sent after a
    /// challenge.
    invite: Request,
    invite_tx: ClientTransaction,
    /// The far end's requests, answered, until their transactions end.
    servers: Vec<ServerEntry>,
    /// Other forks' dialogs, ACKed and being ended with a BYE.
    forks: Vec<Fork>,
    /// Where the call is, with what only that phase needs.
    phase: Phase,
    transmits: VecDeque<Transmit>,
    events: VecDeque<CallEvent>,
}

/// A request from the far end and the transaction that answers it.
#[derive(Debug)]
struct ServerEntry {
    branch: String,
    method: Method,
    cseq: u32,
    reply_to: SocketAddr,
    transaction: ServerTransaction,
}

impl Call {
    /// Starts the call: the INVITE is queued at once.
    pub fn new(now: Instant, setup: CallSetup) -> Call {
        let mut rng = StdRng::seed_from_u64(setup.seed);
        let invite = build::invite(&setup, &build::via(&setup, rng.random()), 1);
        let invite_tx = ClientTransaction::new(now, invite.clone(), setup.reliable, setup.timers);
        let mut call = Call {
            digest: setup.credentials.clone().map(DigestClient::new),
            phase: Phase::Inviting {
                ring_deadline: Some(now + setup.ring_timeout),
                cancel_pending: false,
            },
            setup,
            rng,
            invite,
            invite_tx,
            servers: Vec::new(),
            auth_retries: 0,
            started_at: now,
            forks: Vec::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        };
        call.drive(now);
        call
    }

    /// The Call-ID, which the driver routes incoming messages by.
    pub fn call_id(&self) -> &str {
        &self.setup.call_id
    }

    /// A message for this call from `source`.
    pub fn handle_message(&mut self, now: Instant, message: Message, source: SocketAddr) {
        match message {
            Message::Response(response) => self.handle_response(now, response),
            Message::Request(request) => self.handle_request(now, request, source),
        }
        self.drive(now);
    }

    /// Fires whatever timers are due.
    pub fn handle_timeout(&mut self, now: Instant) {
        for tx in self.clients_mut() {
            tx.handle_timeout(now);
        }
        for entry in &mut self.servers {
            entry.transaction.handle_timeout(now);
        }
        self.on_invite_deadlines(now);
        self.on_session_timer(now);
        self.drive(now);
    }

    /// Ends the call from our side: BYE when answered, CANCEL while ringing.
    pub fn hang_up(&mut self, now: Instant) {
        match self.phase {
            Phase::Inviting { .. } => self.cancel(now),
            Phase::Answered(_) => self.send_bye(now, ByeCause::HangUp),
            Phase::Cancelling(_) | Phase::HangingUp(_) | Phase::Ended(_) => {}
        }
        self.drive(now);
    }

    /// The next message to send.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<CallEvent> {
        self.events.pop_front()
    }

    /// When `handle_timeout` must be called next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let clients = self.clients().filter_map(ClientTransaction::poll_timeout);
        let servers = self
            .servers
            .iter()
            .filter_map(|e| e.transaction.poll_timeout());
        clients.chain(servers).chain(self.phase.deadline()).min()
    }

    /// `true` once the call has ended and no transaction needs it any more.
    pub fn is_finished(&self) -> bool {
        matches!(self.phase, Phase::Ended(_))
            && self.servers.iter().all(|e| !e.transaction.awaits_ack())
    }

    /// Drains the transactions: transmissions out, events into call logic.
    fn drive(&mut self, now: Instant) {
        while let Some(bytes) = self.invite_tx.poll_transmit() {
            let t = self.to_next_hop(bytes);
            self.transmits.push_back(t);
        }
        while let Some(event) = self.invite_tx.poll_event() {
            self.on_invite_event(now, event);
        }
        self.drive_cancel(now);
        self.drive_bye(now);
        self.drive_forks(now);
        self.drive_refresh(now);
        self.drive_probe(now);
        for entry in &mut self.servers {
            while let Some(bytes) = entry.transaction.poll_transmit() {
                self.transmits.push_back(Transmit {
                    destination: entry.reply_to,
                    bytes,
                });
            }
        }
        self.servers.retain(|e| !e.transaction.is_terminated());
    }

    pub(super) fn end(&mut self, now: Instant, outcome: Outcome) {
        self.end_with(now, outcome, |_| {});
    }

    /// Ends the call: reports it once, from what the phase it leaves knows and what `amend`
    /// adds, and keeps what must outlive it.
    pub(super) fn end_with(
        &mut self,
        now: Instant,
        outcome: Outcome,
        amend: impl FnOnce(&mut CallReport),
    ) {
        if matches!(self.phase, Phase::Ended(_)) {
            return;
        }
        let mut report = self.phase.report(now, self.started_at, outcome);
        amend(&mut report);
        self.events.push_back(CallEvent::Ended(report));
        let ended = self.phase.take().into_ended();
        self.phase = Phase::Ended(Box::new(ended));
    }

    fn new_via(&mut self) -> Via {
        build::via(&self.setup, self.rng.random())
    }

    /// A new client transaction for `request`.
    fn client(&self, now: Instant, request: Request) -> ClientTransaction {
        ClientTransaction::new(now, request, self.setup.reliable, self.setup.timers)
    }

    fn to_next_hop(&self, bytes: Vec<u8>) -> Transmit {
        Transmit {
            destination: self.setup.next_hop,
            bytes,
        }
    }
}
