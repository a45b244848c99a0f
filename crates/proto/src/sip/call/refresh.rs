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
use super::session::{MIN_SE, Refresher, SessionExpires, SessionTimer};
use super::{Call, CallSetup, EndReason};
use crate::sip::dialog::Dialog;
use crate::sip::header::Via;
use crate::sip::message::{Request, Response};
use crate::sip::method::Method;
use crate::sip::transaction::ClientEvent;
use crate::time::Instant;
use rand::Rng;
use std::time::Duration;

impl Call {
    /// Sends a refresh when one is due; BYE when the session has run out.
    pub(super) fn on_session_timer(&mut self, now: Instant) {
        let Phase::Answered(connected) = &mut self.phase else {
            return;
        };
        let Some(mut timer) = connected.session.timer else {
            return;
        };
        if now < timer.deadline() {
            return;
        }
        if !timer.we_refresh || now >= timer.expires {
            connected.session.timer = None;
            self.hang_up_because(now, EndReason::SessionExpired);
            return;
        }
        timer.refresh_at = None;
        connected.session.timer = Some(timer);
        self.send_refresh(now, timer.seconds(), None);
    }

    /// `true` while our re-INVITE waits for its final response: a re-INVITE from the far end
    /// now gets 491 (RFC 3261 §14.2).
    pub(super) fn reinvite_pending(&self) -> bool {
        self.phase
            .connected()
            .is_some_and(|c| c.session.reinvite_pending())
    }

    fn send_refresh(&mut self, now: Instant, seconds: u64, challenge: Option<&Response>) {
        let Some(connected) = self.phase.connected() else {
            return;
        };
        let method = if connected.session.peer_allows_update {
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
        let tx = self.client(now, request);
        if let Some(connected) = self.phase.connected_mut() {
            connected.session.refresh_tx = Some(tx);
        }
    }

    pub(super) fn drive_refresh(&mut self, now: Instant) {
        let Some(events) = self.drain(|phase| phase.connected_mut()?.session.refresh_tx.as_mut())
        else {
            return;
        };
        let Some(tx) = self
            .phase
            .connected()
            .and_then(|c| c.session.refresh_tx.as_ref())
        else {
            return;
        };
        let (request, terminated) = (tx.request().clone(), tx.is_terminated());
        let mut outcome = None;
        for event in events {
            match event {
                ClientEvent::Provisional(_) => {}
                ClientEvent::Final(r) if r.status / 100 == 2 => {
                    self.on_refreshed(now, &request, &r)
                }
                ClientEvent::Final(r) => outcome = Some(Some(r)),
                ClientEvent::Timeout => outcome = Some(None),
            }
        }
        if terminated && let Some(connected) = self.phase.connected_mut() {
            connected.session.refresh_tx = None;
        }
        match outcome {
            Some(Some(response)) => self.on_refresh_refused(now, &request, &response),
            Some(None) => self.refresh_failed(now),
            None => {}
        }
    }

    /// A 2xx to our refresh: ACK it if it answers a re-INVITE (again for a retransmission,
    /// and after a hang-up too), and restart the timer from what it says.
    fn on_refreshed(&mut self, now: Instant, request: &Request, response: &Response) {
        let cseq = request.headers.cseq().map(|c| c.seq).unwrap_or(0);
        if request.method == Method::Invite {
            let acked = self
                .phase
                .connected()
                .and_then(|c| c.session.refresh_ack.as_ref())
                .filter(|(acked, _)| *acked == cseq)
                .map(|(_, ack)| ack.clone());
            if let Some(ack) = acked {
                self.transmits.push_back(self.to_next_hop(ack));
                return;
            }
            let via = self.new_via();
            if let Some(connected) = self.phase.connected_mut() {
                let ack = connected.dialog.ack(&via, cseq).to_bytes();
                connected.session.refresh_ack = Some((cseq, ack.clone()));
                self.transmits.push_back(self.to_next_hop(ack));
            }
        }
        if let Phase::Answered(connected) = &mut self.phase {
            connected.session.timer = SessionTimer::from_answer(now, response);
        }
    }

    fn on_refresh_refused(&mut self, now: Instant, request: &Request, response: &Response) {
        let Phase::Answered(connected) = &self.phase else {
            return;
        };
        let Some(mut timer) = connected.session.timer else {
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
                if let Phase::Answered(connected) = &mut self.phase {
                    connected.session.peer_allows_update = false;
                }
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
        if let Phase::Answered(connected) = &mut self.phase {
            connected.session.timer = Some(timer);
        }
    }

    fn refresh_failed(&mut self, now: Instant) {
        if let Phase::Answered(connected) = &mut self.phase {
            connected.session.timer = None;
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
            self.set_session_timer(None);
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
        self.set_session_timer(Some(SessionTimer::start(
            now,
            se.delta,
            refresher == Refresher::Uas,
        )));
        Ok(())
    }

    /// The far end's refreshes set the timer in any phase that has the dialog; it runs only
    /// while the call is answered.
    fn set_session_timer(&mut self, timer: Option<SessionTimer>) {
        if let Some(connected) = self.phase.connected_mut() {
            connected.session.timer = timer;
        }
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
