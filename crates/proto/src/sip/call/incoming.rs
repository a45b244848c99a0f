//! Requests the far end sends inside a call: BYE, INFO, OPTIONS, re-INVITE/UPDATE, and
//! retransmissions of any of them. Each gets a server transaction, so a lost response is
//! re-sent when the request is retransmitted.
//!
//! The ACK for a 2xx to a re-INVITE is a transaction of its own with a new branch (RFC 3261
//! §13.3.1.4, §17.2.1): it is matched to the re-INVITE by dialog and CSeq number, which stops
//! the 2xx retransmissions. The ACK for a non-2xx shares the re-INVITE's branch.

use super::phase::Phase;
use super::{Call, CallEvent, Party, ServerEntry, build, session};
use crate::sip::message::{Request, Response};
use crate::sip::method::Method;
use crate::sip::sdp::Answer;
use crate::sip::transaction::ServerTransaction;
use crate::time::Instant;
use std::net::SocketAddr;

impl Call {
    pub(super) fn handle_request(&mut self, now: Instant, request: Request, source: SocketAddr) {
        let Ok(via) = request.headers.top_via() else {
            return;
        };
        let branch = via.branch().unwrap_or_default().to_owned();
        let cseq = request.headers.cseq().map(|c| c.seq).unwrap_or(0);
        if request.method == Method::Ack {
            let in_dialog = self.in_dialog(&request);
            self.servers
                .iter_mut()
                .filter(|e| e.method == Method::Invite)
                .filter(|e| e.branch == branch || (in_dialog && e.cseq == cseq))
                .for_each(|e| e.transaction.handle_ack(now));
            return;
        }
        if let Some(entry) = self
            .servers
            .iter_mut()
            .find(|e| e.branch == branch && e.method == request.method)
        {
            entry.transaction.handle_retransmission();
            return;
        }
        let mut transaction =
            ServerTransaction::new(&request, self.setup.reliable, self.setup.timers);
        let response = self.respond(now, &request);
        transaction.respond(now, &response);
        self.servers.push(ServerEntry {
            branch,
            method: request.method,
            cseq,
            reply_to: source,
            transaction,
        });
    }

    /// Decides the response, and acts on the request.
    fn respond(&mut self, now: Instant, request: &Request) -> Response {
        let local_tag = self.setup.from.tag().unwrap_or_default().to_owned();
        let in_dialog = self.in_dialog(request);
        let reply = |status, reason| build::response_to(request, status, reason, &local_tag);
        if request.method == Method::Cancel {
            return reply(481, "Call/Transaction Does Not Exist");
        }
        if !in_dialog {
            return reply(481, "Call/Transaction Does Not Exist");
        }
        match request.method {
            Method::Bye => {
                self.on_remote_bye(now);
                reply(200, "OK")
            }
            Method::Info => {
                self.events.push_back(CallEvent::Info {
                    content_type: request
                        .headers
                        .get("content-type")
                        .unwrap_or_default()
                        .to_owned(),
                    body: request.body.clone(),
                });
                reply(200, "OK")
            }
            Method::Options => {
                let mut response = reply(200, "OK");
                response.headers.push("Allow", build::ALLOW);
                response
                    .headers
                    .push("Accept", "application/sdp, application/dtmf-relay");
                response
            }
            Method::Invite if self.reinvite_pending() => reply(491, "Request Pending"),
            Method::Invite | Method::Update => self.answer_offer(now, request, reply(200, "OK")),
            _ => {
                let mut response = reply(405, "Method Not Allowed");
                response.headers.push("Allow", build::ALLOW);
                response
            }
        }
    }

    /// A re-INVITE or UPDATE: we keep the session as it is, so we answer with our current SDP
    /// when we can still take the offer, and 488 when we cannot. An UPDATE without an offer
    /// (a session refresh) gets a 200 without a body. Session timers follow the request's
    /// `Session-Expires`.
    fn answer_offer(&mut self, now: Instant, request: &Request, mut ok: Response) -> Response {
        let acceptable =
            request.body.is_empty() || Answer::parse(&request.body, &self.setup.offer).is_ok();
        if !acceptable {
            let mut refused = ok.clone();
            refused.status = 488;
            refused.reason = "Not Acceptable Here".into();
            return refused;
        }
        let refused = ok.clone();
        if self.answer_refresh(now, request, &mut ok).is_err() {
            return session::too_small(refused);
        }
        ok.headers
            .push("Contact", format!("<{}>", self.setup.contact));
        let offerless_update = request.method == Method::Update && request.body.is_empty();
        if !offerless_update {
            ok.headers.push("Content-Type", "application/sdp");
            ok.body = self.setup.offer.to_sdp().into_bytes().into();
        }
        ok
    }

    fn on_remote_bye(&mut self, now: Instant) {
        if !matches!(self.phase, Phase::Answered(_) | Phase::HangingUp(_)) {
            return;
        }
        let outcome = self.phase.answered_outcome();
        self.end_with(now, outcome, |report| {
            report.hung_up_by.get_or_insert(Party::Remote);
        });
        // Their BYE crossed ours, which nobody waits for any more.
        if let Phase::Ended(ended) = &mut self.phase {
            ended.bye_tx = None;
        }
    }

    /// `true` when `request` belongs to the call's dialog.
    fn in_dialog(&self, request: &Request) -> bool {
        self.phase
            .connected()
            .is_some_and(|c| c.dialog.matches(request))
    }
}
