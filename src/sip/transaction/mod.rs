//! RFC 3261 §17 transactions, sans-IO.
//!
//! A transaction is fed messages and timeouts with the current time and drained with
//! `poll_transmit` (bytes to send to the next hop), `poll_event` and `poll_timeout`. The
//! timer values follow §17 (A, B, D, E, F, K on the client side; G, H, I, J on the server side)
//! with T1/T2/T4 from [`Timers`]. Retransmission timers run only on unreliable transports.
//! INVITE client transactions follow RFC 6026: a 2xx moves them to "accepted" for 64·T1 so
//! 2xx retransmissions still reach the transaction user, which re-sends its ACK.

mod client;
mod server;

pub use client::{ClientEvent, ClientTransaction};
pub use server::ServerTransaction;

use std::time::Duration;

/// The base timer values of RFC 3261 §17.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timers {
    /// Round-trip estimate, 500 ms by default.
    pub t1: Duration,
    /// Longest retransmit interval for non-INVITE requests and INVITE responses, 4 s.
    pub t2: Duration,
    /// How long a message may stay in the network, 5 s.
    pub t4: Duration,
}

impl Default for Timers {
    fn default() -> Timers {
        Timers {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
        }
    }
}

impl Timers {
    /// 64·T1: timers B, F, H, J and M.
    pub fn transaction_timeout(&self) -> Duration {
        self.t1 * 64
    }
}

/// A fresh RFC 3261 branch from 64 random bits.
pub fn branch_from(random: u64) -> String {
    format!("z9hG4bK{random:016x}")
}

#[cfg(test)]
mod tests;
