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

use crate::sip::header::{Params, Via};
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

/// Our Via for a new client transaction: `SIP/2.0/{transport} {sent_by};branch=…;rport`
/// (RFC 3581 asks the far end to answer to the address the request came from).
/// `sent_by` is `host`, `host:port` or `[v6]:port`.
pub fn local_via(transport: &str, sent_by: &str, random: u64) -> Via {
    let (host, port) = split_host_port(sent_by);
    let mut params = Params::default();
    params.set("branch", Some(branch_from(random)));
    params.set("rport", None);
    Via {
        transport: transport.to_ascii_uppercase(),
        host: host.to_owned(),
        port,
        params,
    }
}

fn split_host_port(sent_by: &str) -> (&str, Option<u16>) {
    if let Some(v6) = sent_by.strip_prefix('[') {
        let (host, rest) = v6.split_once(']').unwrap_or((v6, ""));
        return (host, rest.strip_prefix(':').and_then(|p| p.parse().ok()));
    }
    match sent_by.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => (host, port.parse().ok()),
        _ => (sent_by, None),
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod via_tests {
    use super::*;

    #[test]
    fn local_via_prints_and_parses_back() {
        let via = local_via("udp", "192.0.2.1:5060", 1);
        assert_eq!(
            via.to_string(),
            "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK0000000000000001;rport"
        );
        assert_eq!(Via::parse(&via.to_string()).unwrap(), via);
        let v6 = local_via("TCP", "[2001:db8::1]:5070", 2);
        assert_eq!((v6.host.as_str(), v6.port), ("2001:db8::1", Some(5070)));
        assert_eq!(Via::parse(&v6.to_string()).unwrap(), v6);
        assert_eq!(local_via("UDP", "pbx.test", 3).port, None);
    }
}
