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

mod answer;
mod auth;
mod build;
mod clients;
mod hangup;
pub use build::response_to;
mod incoming;
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
use crate::sip::message::{Message, Request, Response};
use crate::sip::method::Method;
use crate::sip::sdp::{Answer, Offer};
use crate::sip::transaction::{ClientEvent, ClientTransaction, ServerTransaction, Timers};
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

/// How many times an INVITE or BYE is re-sent with credentials after a challenge.
const MAX_AUTH_RETRIES: u32 = 2;

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
    rng: StdRng,
    phase: Phase,
    invite: Request,
    invite_tx: ClientTransaction,
    servers: Vec<ServerEntry>,
    digest: Option<DigestClient>,
    auth_retries: u32,
    started_at: Instant,
    forks: Vec<Fork>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<CallEvent>,
}

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
        if let Phase::Inviting { ring_deadline, .. } = &mut self.phase
            && ring_deadline.is_some_and(|at| now >= at)
        {
            *ring_deadline = None;
            self.cancel(now);
        }
        if let Phase::Cancelling(cancelling) = &self.phase
            && now >= cancelling.deadline
        {
            // §9.1: no final response 64·T1 after CANCEL; give the INVITE up.
            self.end(now, Outcome::NoAnswer);
        }
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

    fn on_invite_event(&mut self, now: Instant, event: ClientEvent) {
        match event {
            ClientEvent::Provisional(r) => self.on_provisional(now, &r),
            ClientEvent::Final(r) if r.status / 100 == 2 => self.on_answer(now, &r),
            ClientEvent::Final(r) => self.on_failure(now, &r),
            ClientEvent::Timeout => self.end(now, Outcome::Failed),
        }
    }

    fn on_provisional(&mut self, now: Instant, response: &Response) {
        let Phase::Inviting { cancel_pending, .. } = self.phase else {
            return;
        };
        if response.status > 100 {
            self.events.push_back(CallEvent::Ringing {
                status: response.status,
            });
        }
        if cancel_pending {
            self.send_cancel(now);
        }
    }

    fn on_failure(&mut self, now: Instant, response: &Response) {
        let challenged = matches!(response.status, 401 | 407);
        if challenged && self.auth_retries >= MAX_AUTH_RETRIES {
            self.auth_gave_up(response);
        }
        if challenged
            && matches!(self.phase, Phase::Inviting { .. })
            && self.auth_retries < MAX_AUTH_RETRIES
        {
            let cseq = self.invite_cseq();
            let via = self.new_via();
            let invite = build::invite(&self.setup, &via, cseq + 1);
            if let Some(invite) = self.authorized_retry(&invite, response) {
                self.auth_retries += 1;
                self.invite = invite.clone();
                self.invite_tx =
                    ClientTransaction::new(now, invite, self.setup.reliable, self.setup.timers);
                self.drive(now);
                return;
            }
        }
        let retry_after = response
            .headers
            .retry_after()
            .map(|s| Duration::from_secs(s.into()));
        let cancelled = matches!(self.phase, Phase::Cancelling(_));
        let outcome = Outcome::from_status(response.status, cancelled);
        self.end_with(now, outcome, |report| {
            report.sip_status = Some(response.status);
            report.retry_after = retry_after;
        });
    }

    fn end(&mut self, now: Instant, outcome: Outcome) {
        self.end_with(now, outcome, |_| {});
    }

    /// Ends the call: reports it once, from what the phase it leaves knows and what `amend`
    /// adds, and keeps what must outlive it.
    fn end_with(&mut self, now: Instant, outcome: Outcome, amend: impl FnOnce(&mut CallReport)) {
        if matches!(self.phase, Phase::Ended(_)) {
            return;
        }
        let mut report = self.phase.report(now, self.started_at, outcome);
        amend(&mut report);
        self.events.push_back(CallEvent::Ended(report));
        let ended = self.phase.take().into_ended();
        self.phase = Phase::Ended(Box::new(ended));
    }

    /// The CSeq number of the INVITE that made (or tries to make) the call.
    fn invite_cseq(&self) -> u32 {
        self.invite.headers.cseq().map(|c| c.seq).unwrap_or(1)
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
