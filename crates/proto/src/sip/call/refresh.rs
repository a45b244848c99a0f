//! Session timers (RFC 4028): a call stays up as long as it is refreshed.
//!
//! Our INVITE says `Supported: timer`. When the 2xx carries `Session-Expires`, its refresher
//! refreshes: `uac` (or none named) is us, with a refresh at half the interval — an UPDATE
//! without a body when the far end allows UPDATE, else a re-INVITE with our unchanged SDP —
//! and a BYE when none succeeds before the session expires (at once on 408, 481 or no
//! response). `uas` is the far end: its refreshes are answered 200 with the interval and
//! refresher in our `Session-Expires`, and when none arrives we BYE `min(32 s, interval/3)`
//! before expiry (§10). A refresh from the far end may also hand the refresher role to us.

use super::phase::Phase;
use super::{Call, CallSetup, EndReason};
use crate::sip::dialog::Dialog;
use crate::sip::header::Via;
use crate::sip::message::{Request, Response};
use crate::sip::method::Method;
use crate::sip::transaction::{ClientEvent, ClientTransaction};
use crate::time::Instant;
use rand::Rng;
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

    fn of(message_headers: &crate::sip::message::Headers) -> Option<SessionExpires> {
        message_headers
            .get("session-expires")
            .and_then(SessionExpires::parse)
    }
}

/// The running session timer.
#[derive(Debug, Clone, Copy)]
pub(super) struct SessionTimer {
    interval: Duration,
    we_refresh: bool,
    /// When the session ends without a refresh.
    expires: Instant,
    /// When we send our next refresh; `None` while one is out (or when the far end refreshes).
    refresh_at: Option<Instant>,
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

    fn start(now: Instant, delta: u32, we_refresh: bool) -> SessionTimer {
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
    fn deadline(&self) -> Instant {
        if self.we_refresh {
            self.refresh_at
                .map_or(self.expires, |at| at.min(self.expires))
        } else {
            self.expires - (self.interval / 3).min(Duration::from_secs(32))
        }
    }

    fn seconds(&self) -> u64 {
        self.interval.as_secs()
    }
}

impl Call {
    pub(super) fn session_timer_deadline(&self) -> Option<Instant> {
        self.session_timer
            .filter(|_| matches!(self.phase, Phase::Answered(_)))
            .map(|t| t.deadline())
    }

    /// Sends a refresh when one is due; BYE when the session has run out.
    pub(super) fn on_session_timer(&mut self, now: Instant) {
        let Some(mut timer) = self
            .session_timer
            .filter(|_| matches!(self.phase, Phase::Answered(_)))
        else {
            return;
        };
        if now < timer.deadline() {
            return;
        }
        if !timer.we_refresh || now >= timer.expires {
            self.session_timer = None;
            self.hang_up_because(now, EndReason::SessionExpired);
            return;
        }
        timer.refresh_at = None;
        self.session_timer = Some(timer);
        self.send_refresh(now, timer.seconds(), None);
    }

    /// `true` while our re-INVITE waits for its final response: a re-INVITE from the far end
    /// now gets 491 (RFC 3261 §14.2).
    pub(super) fn reinvite_pending(&self) -> bool {
        let ours = self
            .refresh_tx
            .as_ref()
            .is_some_and(|tx| tx.request().method == Method::Invite);
        ours && self
            .session_timer
            .is_some_and(|t| t.we_refresh && t.refresh_at.is_none())
    }

    fn send_refresh(&mut self, now: Instant, seconds: u64, challenge: Option<&Response>) {
        let method = if self.peer_allows_update {
            Method::Update
        } else {
            Method::Invite
        };
        let via = self.new_via();
        let Some(connected) = self.phase.connected_mut() else {
            return;
        };
        let mut request =
            refresh_request(&self.setup, &mut connected.dialog, method, &via, seconds);
        if let Some(challenge) = challenge {
            let cnonce = self.new_cnonce();
            let Some(digest) = self.digest.as_mut() else {
                return;
            };
            if digest.handle_challenge(challenge).is_err() {
                return self.auth_gave_up(challenge);
            }
            digest.authorize(&mut request, &cnonce);
        }
        let (reliable, timers) = (self.setup.reliable, self.setup.timers);
        self.refresh_tx = Some(ClientTransaction::new(now, request, reliable, timers));
    }

    pub(super) fn drive_refresh(&mut self, now: Instant) {
        let Some(mut tx) = self.refresh_tx.take() else {
            return;
        };
        while let Some(bytes) = tx.poll_transmit() {
            self.transmits.push_back(self.to_next_hop(bytes));
        }
        let mut outcome = None;
        while let Some(event) = tx.poll_event() {
            match event {
                ClientEvent::Provisional(_) => {}
                ClientEvent::Final(r) if r.status / 100 == 2 => self.on_refreshed(now, &tx, &r),
                ClientEvent::Final(r) => outcome = Some(Some(r)),
                ClientEvent::Timeout => outcome = Some(None),
            }
        }
        let request = tx.request().clone();
        if !tx.is_terminated() {
            self.refresh_tx = Some(tx);
        }
        match outcome {
            Some(Some(response)) => self.on_refresh_refused(now, &request, &response),
            Some(None) => self.refresh_failed(now),
            None => {}
        }
    }

    /// A 2xx to our refresh: ACK it if it answers a re-INVITE (again for a retransmission,
    /// and after a hang-up too), and restart the timer from what it says.
    fn on_refreshed(&mut self, now: Instant, tx: &ClientTransaction, response: &Response) {
        let cseq = tx.request().headers.cseq().map(|c| c.seq).unwrap_or(0);
        if tx.request().method == Method::Invite {
            if let Some((acked, ack)) = &self.refresh_ack
                && *acked == cseq
            {
                self.transmits.push_back(self.to_next_hop(ack.clone()));
                return;
            }
            let via = self.new_via();
            if let Some(connected) = self.phase.connected() {
                let ack = connected.dialog.ack(&via, cseq).to_bytes();
                self.transmits.push_back(self.to_next_hop(ack.clone()));
                self.refresh_ack = Some((cseq, ack));
            }
        }
        if matches!(self.phase, Phase::Answered(_)) {
            self.session_timer = SessionTimer::from_answer(now, response);
        }
    }

    fn on_refresh_refused(&mut self, now: Instant, request: &Request, response: &Response) {
        let Some(mut timer) = self
            .session_timer
            .filter(|_| matches!(self.phase, Phase::Answered(_)))
        else {
            return;
        };
        match response.status {
            408 | 481 => return self.refresh_failed(now),
            491 => {
                // §14.1: the Call-ID is ours, so wait 2.1 to 4 s before trying again.
                let wait = Duration::from_millis(self.rng.random_range(2100..=4000));
                timer.refresh_at = Some(now + wait);
            }
            405 | 501 if request.method == Method::Update => {
                self.peer_allows_update = false;
                timer.refresh_at = Some(now);
            }
            422 => {
                let min_se = response
                    .headers
                    .get("min-se")
                    .and_then(SessionExpires::parse)
                    .map_or(MIN_SE, |se| se.delta);
                timer.interval = timer.interval.max(Duration::from_secs(min_se.into()));
                timer.refresh_at = Some(now);
            }
            401 | 407
                if request.headers.get("authorization").is_none()
                    && request.headers.get("proxy-authorization").is_none() =>
            {
                self.send_refresh(now, timer.seconds(), Some(response));
            }
            // Anything else: the session lasts until it expires, then BYE.
            _ => {}
        }
        self.session_timer = Some(timer);
    }

    fn refresh_failed(&mut self, now: Instant) {
        if matches!(self.phase, Phase::Answered(_)) {
            self.session_timer = None;
            self.hang_up_because(now, EndReason::SessionExpired);
        }
    }

    /// A refresh (re-INVITE or UPDATE) from the far end that we answer 2xx: copies its
    /// interval and refresher into `ok`, and restarts the timer. `Err` with a 422 when the
    /// interval is below [`MIN_SE`]. Without `Session-Expires` the session timer stops.
    pub(super) fn answer_refresh(
        &mut self,
        now: Instant,
        request: &Request,
        ok: &mut Response,
    ) -> Result<(), ()> {
        ok.headers.push("Supported", "timer");
        let Some(se) = SessionExpires::of(&request.headers) else {
            self.session_timer = None;
            return Ok(());
        };
        if se.delta < MIN_SE {
            return Err(());
        }
        let supports_timer = request
            .headers
            .list("supported")
            .iter()
            .any(|o| o.trim().eq_ignore_ascii_case("timer"));
        let refresher = se.refresher.unwrap_or(if supports_timer {
            Refresher::Uac
        } else {
            Refresher::Uas
        });
        let name = match refresher {
            Refresher::Uac => "uac",
            Refresher::Uas => "uas",
        };
        ok.headers
            .push("Session-Expires", format!("{};refresher={name}", se.delta));
        if refresher == Refresher::Uac {
            ok.headers.push("Require", "timer");
        }
        self.session_timer = Some(SessionTimer::start(
            now,
            se.delta,
            refresher == Refresher::Uas,
        ));
        Ok(())
    }
}

/// Our refresh inside `dialog`: `Session-Expires` with us as refresher; a re-INVITE carries
/// our unchanged SDP.
fn refresh_request(
    setup: &CallSetup,
    dialog: &mut Dialog,
    method: Method,
    via: &Via,
    seconds: u64,
) -> Request {
    let mut request = dialog.request(method.clone(), via);
    let headers = &mut request.headers;
    headers.push("Contact", format!("<{}>", setup.contact));
    headers.push("Allow", super::build::ALLOW);
    headers.push("Supported", "timer");
    headers.push("Session-Expires", format!("{seconds};refresher=uac"));
    headers.push("User-Agent", setup.user_agent.clone());
    if method == Method::Invite {
        headers.push("Content-Type", "application/sdp");
        request.body = setup.offer.to_sdp().into_bytes().into();
    }
    request
}

/// The 422 for a refresh whose interval is too small (RFC 4028 §9).
pub(super) fn too_small(mut refused: Response) -> Response {
    refused.status = 422;
    refused.reason = "Session Interval Too Small".into();
    refused.headers.push("Min-SE", MIN_SE.to_string());
    refused
}
