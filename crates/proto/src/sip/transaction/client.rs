//! Client transactions: INVITE (§17.1.1, RFC 6026) and non-INVITE (§17.1.2).

use super::Timers;
use crate::sip::message::{Request, Response};
use crate::sip::method::Method;
use crate::time::Instant;
use std::collections::VecDeque;
use std::time::Duration;

/// Timer D: how long an INVITE client transaction absorbs retransmitted failures over UDP.
const TIMER_D: Duration = Duration::from_secs(32);

/// What a client transaction tells its user.
#[derive(Debug, Clone)]
pub enum ClientEvent {
    /// A 1xx response.
    Provisional(Response),
    /// A final response: the first one, and for INVITE every retransmitted 2xx too.
    Final(Response),
    /// Timer B or F fired: no final response arrived.
    Timeout,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// INVITE "Calling" or non-INVITE "Trying".
    Sent,
    Proceeding,
    Completed,
    Accepted,
    Terminated,
}

/// One client transaction.
#[derive(Debug)]
pub struct ClientTransaction {
    request: Request,
    wire: Vec<u8>,
    reliable: bool,
    timers: Timers,
    state: State,
    interval: Duration,
    retransmit_at: Option<Instant>,
    deadline: Option<Instant>,
    ack: Option<Vec<u8>>,
    transmits: VecDeque<Vec<u8>>,
    events: VecDeque<ClientEvent>,
}

impl ClientTransaction {
    /// Starts the transaction: the request is queued for sending at once.
    pub fn new(now: Instant, request: Request, reliable: bool, timers: Timers) -> Self {
        let wire = request.to_bytes();
        let retransmit_at = (!reliable).then(|| now + timers.t1);
        ClientTransaction {
            deadline: Some(now + timers.transaction_timeout()),
            transmits: VecDeque::from([wire.clone()]),
            request,
            wire,
            reliable,
            timers,
            state: State::Sent,
            interval: timers.t1,
            retransmit_at,
            ack: None,
            events: VecDeque::new(),
        }
    }

    /// Gives up earlier than Timer B or F: `Timeout` at `deadline` when no final response
    /// has arrived by then.
    #[must_use]
    pub fn with_deadline(mut self, deadline: Instant) -> Self {
        self.deadline = self
            .deadline
            .map_or(Some(deadline), |d| Some(d.min(deadline)));
        self
    }

    /// The request this transaction sends.
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// `true` once the transaction is over and can be dropped.
    pub fn is_terminated(&self) -> bool {
        self.state == State::Terminated
    }

    /// `true` once any response (provisional or final) has arrived.
    pub fn has_response(&self) -> bool {
        self.state != State::Sent
    }

    /// Feeds a response matched to this transaction by branch and CSeq method.
    pub fn handle_response(&mut self, now: Instant, response: Response) {
        match (self.is_invite(), response.status) {
            (_, 100..=199) => self.on_provisional(response),
            (true, 200..=299) => self.on_invite_success(now, response),
            (true, _) => self.on_invite_failure(now, response),
            (false, _) => self.on_final(now, response),
        }
    }

    /// Fires the timers that are due.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.deadline.is_some_and(|at| at <= now) {
            self.on_deadline();
            return;
        }
        if self.retransmit_at.is_some_and(|at| at <= now) {
            self.retransmit(now);
        }
    }

    /// The next bytes to send to the next hop.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transmits.pop_front()
    }

    /// The next event for the transaction user.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }

    /// When `handle_timeout` must be called next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        [self.retransmit_at, self.deadline]
            .into_iter()
            .flatten()
            .min()
    }

    fn is_invite(&self) -> bool {
        self.request.method == Method::Invite
    }

    fn on_provisional(&mut self, response: Response) {
        if !matches!(self.state, State::Sent | State::Proceeding) {
            return;
        }
        self.state = State::Proceeding;
        if self.is_invite() {
            // §17.1.1.2: Timer A stops, and Timer B only runs in "Calling".
            self.retransmit_at = None;
            self.deadline = None;
        } else if !self.reliable {
            self.interval = self.timers.t2;
        }
        self.events.push_back(ClientEvent::Provisional(response));
    }

    fn on_invite_success(&mut self, now: Instant, response: Response) {
        match self.state {
            State::Sent | State::Proceeding => {
                self.state = State::Accepted;
                self.retransmit_at = None;
                self.deadline = Some(now + self.timers.transaction_timeout());
                self.events.push_back(ClientEvent::Final(response));
            }
            State::Accepted => self.events.push_back(ClientEvent::Final(response)),
            State::Completed | State::Terminated => {}
        }
    }

    fn on_invite_failure(&mut self, now: Instant, response: Response) {
        match self.state {
            State::Sent | State::Proceeding => {
                let ack = ack_for_failure(&self.request, &response).to_bytes();
                self.transmits.push_back(ack.clone());
                self.ack = Some(ack);
                self.complete(now, TIMER_D);
                self.events.push_back(ClientEvent::Final(response));
            }
            State::Completed => self.transmits.extend(self.ack.clone()),
            State::Accepted | State::Terminated => {}
        }
    }

    fn on_final(&mut self, now: Instant, response: Response) {
        if matches!(self.state, State::Sent | State::Proceeding) {
            self.complete(now, self.timers.t4);
            self.events.push_back(ClientEvent::Final(response));
        }
    }

    /// Enters "Completed": Timer D (INVITE, 32 s) or K (T4) on unreliable
    /// transports, zero on reliable ones.
    fn complete(&mut self, now: Instant, unreliable_linger: Duration) {
        self.retransmit_at = None;
        if self.reliable {
            self.state = State::Terminated;
            self.deadline = None;
        } else {
            self.state = State::Completed;
            self.deadline = Some(now + unreliable_linger);
        }
    }

    fn on_deadline(&mut self) {
        if matches!(self.state, State::Sent | State::Proceeding) {
            self.events.push_back(ClientEvent::Timeout);
        }
        self.state = State::Terminated;
        self.retransmit_at = None;
        self.deadline = None;
    }

    fn retransmit(&mut self, now: Instant) {
        self.transmits.push_back(self.wire.clone());
        self.interval = if self.is_invite() {
            self.interval * 2
        } else {
            (self.interval * 2).min(self.timers.t2)
        };
        self.retransmit_at = Some(now + self.interval);
    }
}

/// §17.1.1.3: the ACK for a non-2xx final response, sent on the INVITE's own branch.
fn ack_for_failure(invite: &Request, response: &Response) -> Request {
    let mut ack = Request::new(Method::Ack, invite.uri.clone());
    if let Some(via) = invite.headers.list("via").first() {
        ack.headers.push("Via", *via);
    }
    ack.headers.push("Max-Forwards", "70");
    for name in ["from", "call-id"] {
        if let Some(value) = invite.headers.get(name) {
            ack.headers.push(name, value);
        }
    }
    if let Some(to) = response.headers.get("to") {
        ack.headers.push("To", to);
    }
    if let Ok(cseq) = invite.headers.cseq() {
        ack.headers.push("CSeq", format!("{} ACK", cseq.seq));
    }
    for route in invite.headers.all("route") {
        ack.headers.push("Route", route);
    }
    ack
}
