//! Strict RTP: which source addresses a call hears. A key pressed is a confirmation that
//! someone heard the message, so a datagram from anywhere else than the phone must never
//! carry one; this is where "the phone" is decided, once per call.
//!
//! The rule:
//! - The address and port the SDP answer names ([`MediaPeer::announced`]) is always heard.
//! - One other source may be *latched* (a phone behind NAT, whose packets leave from another
//!   port than the one its SDP names, RFC 4961 symmetric RTP), only when all of these hold:
//!   it has the same IP address as the SDP's connection address or as the SIP answer's
//!   source ([`MediaPeer::signalling`]); no packet from the announced address has been heard
//!   yet; the call is still within [`LATCH_WINDOW`] of its start; its port is not 0. The
//!   first valid packet from such a source latches it, and from then on only it and the
//!   announced address are heard.
//! - Everything else is refused: counted, and logged at debug once per source.
//!
//! Why [`LATCH_WINDOW`] is 2 s: a phone sends its first packet one packet time (20 ms) after
//! it answers, so even with a slow ACK, a lost first packet and a mobile network's jitter
//! buffer it has arrived well within 2 s; a forger on the phone's own address has to find our
//! port and win that race, and once the phone's own packets have been heard there is no race
//! left to win. A phone behind NAT that stays silent for its first 2 s is not heard: its keys
//! are lost, which can cost a confirmation, never fake one.

use crate::time::Instant;
use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// How long after the media starts another source than the announced one may be latched.
pub const LATCH_WINDOW: Duration = Duration::from_secs(2);

/// Who the far end is, as the call's signalling says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaPeer {
    /// The address and port the SDP answer names for RTP.
    pub announced: SocketAddr,
    /// The IP address the SIP answer (the 2xx) came from; `None` when unknown.
    pub signalling: Option<IpAddr>,
    /// Until when another source may be latched: the media's start plus [`LATCH_WINDOW`].
    pub latch_until: Instant,
}

impl MediaPeer {
    /// A peer whose media starts at `start`, latching allowed for [`LATCH_WINDOW`].
    pub fn starting(start: Instant, announced: SocketAddr, signalling: Option<IpAddr>) -> Self {
        MediaPeer {
            announced,
            signalling,
            latch_until: start + LATCH_WINDOW,
        }
    }
}

/// What a source may do, decided before its datagram is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Admission {
    /// The announced address, or the source latched earlier.
    Heard,
    /// May be latched: heard if its datagram is valid RTP.
    Candidate,
    /// Dropped.
    Refused,
}

/// The filter's state for one call.
#[derive(Debug, Clone)]
pub(super) struct SourceFilter {
    peer: MediaPeer,
    /// Some valid packet has come from the announced address: no latching any more.
    announced_heard: bool,
    latched: Option<SocketAddr>,
    refused: u64,
    logged: HashSet<SocketAddr>,
}

/// Sources logged per call before the log stays quiet; a flood from many ports is still
/// counted.
const LOGGED_SOURCES: usize = 16;

impl SourceFilter {
    pub(super) fn new(peer: MediaPeer) -> SourceFilter {
        SourceFilter {
            peer,
            announced_heard: false,
            latched: None,
            refused: 0,
            logged: HashSet::new(),
        }
    }

    /// Whether a datagram from `from`, arriving at `now`, may be handled. A refusal is counted
    /// and logged here.
    pub(super) fn admit(&mut self, now: Instant, from: SocketAddr) -> Admission {
        let admission = self.judge(now, from);
        if admission == Admission::Refused {
            self.refuse(from);
        }
        admission
    }

    /// A valid packet from an admitted source: the announced address ends the latching
    /// window, a candidate is latched.
    pub(super) fn heard(&mut self, from: SocketAddr, admission: Admission) {
        if same_address(from, self.peer.announced) {
            self.announced_heard = true;
        } else if admission == Admission::Candidate {
            self.latched = Some(from);
        }
    }

    /// Where to send our RTP: the latched source, else the announced address.
    pub(super) fn destination(&self) -> SocketAddr {
        self.latched.unwrap_or(self.peer.announced)
    }

    /// The source latched at the start, if any.
    pub(super) fn latched(&self) -> Option<SocketAddr> {
        self.latched
    }

    /// Datagrams refused so far.
    pub(super) fn refused(&self) -> u64 {
        self.refused
    }

    /// A new remote SDP: a new announced address, and latching allowed again until
    /// `peer.latch_until`.
    pub(super) fn renegotiate(&mut self, peer: MediaPeer) {
        self.peer = peer;
        self.announced_heard = false;
        self.latched = None;
    }

    fn judge(&self, now: Instant, from: SocketAddr) -> Admission {
        if same_address(from, self.peer.announced)
            || self.latched.is_some_and(|l| same_address(from, l))
        {
            return Admission::Heard;
        }
        let latchable = self.latched.is_none()
            && !self.announced_heard
            && now < self.peer.latch_until
            && can_reply_to(from)
            && self.known_ip(from.ip());
        if latchable {
            Admission::Candidate
        } else {
            Admission::Refused
        }
    }

    fn known_ip(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        ip == self.peer.announced.ip().to_canonical()
            || self.peer.signalling.is_some_and(|s| s.to_canonical() == ip)
    }

    fn refuse(&mut self, from: SocketAddr) {
        self.refused += 1;
        if self.logged.len() < LOGGED_SOURCES && self.logged.insert(from) {
            tracing::debug!(
                %from,
                announced = %self.peer.announced,
                latched = ?self.latched,
                "dropping RTP from a source this call does not hear (further ones not logged)"
            );
        }
    }
}

/// Equal addresses, an IPv4-mapped IPv6 address counting as its IPv4 address.
fn same_address(a: SocketAddr, b: SocketAddr) -> bool {
    a.port() == b.port() && a.ip().to_canonical() == b.ip().to_canonical()
}

/// Port 0 and unspecified addresses arrive from broken or spoofing senders; a reply there
/// fails, so such a source is never latched.
fn can_reply_to(from: SocketAddr) -> bool {
    from.port() != 0 && !from.ip().is_unspecified()
}
