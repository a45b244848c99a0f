//! The state of a session timer (RFC 4028): the `Session-Expires` header, the running timer
//! and our refreshes. It belongs to the answered call's dialog ([`super::phase::Connected`]);
//! what the call does with it is in `refresh.rs`.

use crate::sip::message::Response;
use crate::sip::method::Method;
use crate::sip::transaction::ClientTransaction;
use crate::time::Instant;
use std::time::Duration;

/// The smallest interval we accept from the far end (RFC 4028 §4: Min-SE is at least 90 s).
pub(super) const MIN_SE: u32 = 90;

/// Who refreshes, in the words of the `refresher` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refresher {
    Uac,
    Uas,
}

/// A `Session-Expires` value: `delta-seconds[;refresher=uac|uas]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct SessionExpires {
    pub(super) delta: u32,
    pub(super) refresher: Option<Refresher>,
}

impl SessionExpires {
    /// Parses a header value; `None` when it is not one.
    pub(super) fn parse(value: &str) -> Option<SessionExpires> {
        let mut parts = value.split(';');
        let delta: u32 = parts.next()?.trim().parse().ok()?;
        let refresher = parts.find_map(|param| {
            let (name, value) = param.split_once('=')?;
            if !name.trim().eq_ignore_ascii_case("refresher") {
                return None;
            }
            match value.trim().to_ascii_lowercase().as_str() {
                "uac" => Some(Refresher::Uac),
                "uas" => Some(Refresher::Uas),
                _ => None,
            }
        });
        (delta > 0).then_some(SessionExpires { delta, refresher })
    }

    pub(super) fn of(message_headers: &crate::sip::message::Headers) -> Option<SessionExpires> {
        message_headers
            .get("session-expires")
            .and_then(SessionExpires::parse)
    }
}

/// The running session timer.
#[derive(Debug, Clone, Copy)]
pub(super) struct SessionTimer {
    pub(super) interval: Duration,
    pub(super) we_refresh: bool,
    /// When the session ends without a refresh.
    pub(super) expires: Instant,
    /// When we send our next refresh; `None` while one is out (or when the far end refreshes).
    pub(super) refresh_at: Option<Instant>,
}

impl SessionTimer {
    /// The timer a 2xx to our INVITE (or to our refresh) starts; `None` without
    /// `Session-Expires`.
    pub(super) fn from_answer(now: Instant, response: &Response) -> Option<SessionTimer> {
        let se = SessionExpires::of(&response.headers)?;
        Some(SessionTimer::start(
            now,
            se.delta,
            se.refresher != Some(Refresher::Uas),
        ))
    }

    pub(super) fn start(now: Instant, delta: u32, we_refresh: bool) -> SessionTimer {
        let interval = Duration::from_secs(delta.into());
        SessionTimer {
            interval,
            we_refresh,
            expires: now + interval,
            refresh_at: we_refresh.then(|| now + interval / 2),
        }
    }

    /// When something is due: our refresh, or the session's end (for the far end's
    /// refreshes, `min(32 s, interval/3)` early).
    pub(super) fn deadline(&self) -> Instant {
        if self.we_refresh {
            self.refresh_at
                .map_or(self.expires, |at| at.min(self.expires))
        } else {
            self.expires - (self.interval / 3).min(Duration::from_secs(32))
        }
    }

    pub(super) fn seconds(&self) -> u64 {
        self.interval.as_secs()
    }
}

/// The session of an answered call: its timer and our refreshes.
#[derive(Debug)]
pub(super) struct Session {
    /// The running timer; `None` when the answer (or the far end's last refresh) had no
    /// `Session-Expires`.
    pub(super) timer: Option<SessionTimer>,
    /// Our refresh, until its transaction ends.
    pub(super) refresh_tx: Option<ClientTransaction>,
    /// Our ACK for the 2xx to our last refresh re-INVITE, by its CSeq, sent again for each
    /// retransmission of that 2xx.
    pub(super) refresh_ack: Option<(u32, Vec<u8>)>,
    /// The far end allows UPDATE, which refreshes without SDP.
    pub(super) peer_allows_update: bool,
}

impl Session {
    /// No timer yet: the caller starts it when the answer has usable audio.
    pub(super) fn new(peer_allows_update: bool) -> Session {
        Session {
            timer: None,
            refresh_tx: None,
            refresh_ack: None,
            peer_allows_update,
        }
    }

    /// `true` while our re-INVITE waits for its final response: a re-INVITE from the far end
    /// now gets 491 (RFC 3261 §14.2).
    pub(super) fn reinvite_pending(&self) -> bool {
        let ours = self
            .refresh_tx
            .as_ref()
            .is_some_and(|tx| tx.request().method == Method::Invite);
        ours && self
            .timer
            .is_some_and(|t| t.we_refresh && t.refresh_at.is_none())
    }
}

/// The 422 for a refresh whose interval is too small (RFC 4028 §9).
pub(super) fn too_small(mut refused: Response) -> Response {
    refused.status = 422;
    refused.reason = "Session Interval Too Small".into();
    refused.headers.push("Min-SE", MIN_SE.to_string());
    refused
}
