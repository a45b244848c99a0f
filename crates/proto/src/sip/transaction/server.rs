//! Server transactions for requests that arrive inside a call: non-INVITE (§17.2.2) and
//! re-INVITE (§17.2.1, with the 2xx re-sent until the ACK arrives on every transport,
//! §13.3.1.4 and RFC 6026).

use super::Timers;
use crate::sip::message::{Request, Response};
use crate::sip::method::Method;
use crate::time::Instant;
use std::collections::VecDeque;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Trying,
    Proceeding,
    /// A final response was sent; INVITE: waiting for the ACK.
    Completed,
    /// INVITE: the ACK arrived; absorbing ACK retransmissions (Timer I).
    Confirmed,
    Terminated,
}

/// One server transaction.
#[derive(Debug)]
pub struct ServerTransaction {
    invite: bool,
    reliable: bool,
    timers: Timers,
    state: State,
    last_response: Option<Vec<u8>>,
    interval: Duration,
    retransmit_at: Option<Instant>,
    deadline: Option<Instant>,
    transmits: VecDeque<Vec<u8>>,
}

impl ServerTransaction {
    /// A transaction for a request that just arrived.
    pub fn new(request: &Request, reliable: bool, timers: Timers) -> Self {
        ServerTransaction {
            invite: request.method == Method::Invite,
            reliable,
            timers,
            state: State::Trying,
            last_response: None,
            interval: timers.t1,
            retransmit_at: None,
            deadline: None,
            transmits: VecDeque::new(),
        }
    }

    /// Sends a response; a final one completes the transaction.
    pub fn respond(&mut self, now: Instant, response: &Response) {
        if matches!(
            self.state,
            State::Completed | State::Confirmed | State::Terminated
        ) {
            return;
        }
        let wire = response.to_bytes();
        self.transmits.push_back(wire.clone());
        self.last_response = Some(wire);
        if response.is_provisional() {
            self.state = State::Proceeding;
            return;
        }
        self.state = State::Completed;
        self.deadline = Some(now + self.completed_linger());
        // Timer G re-sends a failure over UDP only; a 2xx is re-sent until its ACK whatever
        // the transport, since the ACK is end to end and a hop beyond ours may lose the 2xx
        // (RFC 3261 §13.3.1.4).
        if self.invite && (!self.reliable || response.status < 300) {
            self.retransmit_at = Some(now + self.timers.t1);
        }
        if !self.invite && self.reliable {
            self.state = State::Terminated;
            self.deadline = None;
        }
    }

    /// A retransmission of the request: the last response is sent again.
    pub fn handle_retransmission(&mut self) {
        if matches!(self.state, State::Proceeding | State::Completed) {
            self.transmits.extend(self.last_response.clone());
        }
    }

    /// The ACK for a final response to an INVITE.
    pub fn handle_ack(&mut self, now: Instant) {
        if !(self.invite && self.state == State::Completed) {
            return;
        }
        self.retransmit_at = None;
        if self.reliable {
            self.terminate();
        } else {
            self.state = State::Confirmed;
            self.deadline = Some(now + self.timers.t4);
        }
    }

    /// Fires the timers that are due.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.deadline.is_some_and(|at| at <= now) {
            self.terminate();
        } else if self.retransmit_at.is_some_and(|at| at <= now) {
            self.transmits.extend(self.last_response.clone());
            self.interval = (self.interval * 2).min(self.timers.t2);
            self.retransmit_at = Some(now + self.interval);
        }
    }

    /// `true` once the transaction is over.
    pub fn is_terminated(&self) -> bool {
        self.state == State::Terminated
    }

    /// `true` while a final response to an INVITE still waits for its ACK.
    pub fn awaits_ack(&self) -> bool {
        self.invite && self.state == State::Completed
    }

    /// The next bytes to send back to where the request came from.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transmits.pop_front()
    }

    /// When `handle_timeout` must be called next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        [self.retransmit_at, self.deadline]
            .into_iter()
            .flatten()
            .min()
    }

    /// Timer H (INVITE, waits for the ACK) or J (non-INVITE, absorbs retransmissions).
    fn completed_linger(&self) -> Duration {
        if self.invite || !self.reliable {
            self.timers.transaction_timeout()
        } else {
            Duration::ZERO
        }
    }

    fn terminate(&mut self) {
        self.state = State::Terminated;
        self.retransmit_at = None;
        self.deadline = None;
    }
}
