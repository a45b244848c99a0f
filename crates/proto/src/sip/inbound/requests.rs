//! The caller's requests after its INVITE: ACKs, retransmissions of the INVITE, CANCEL, and
//! requests inside the dialog (BYE, INFO, OPTIONS, re-INVITE, UPDATE), each answered through
//! a server transaction so a lost response is re-sent when the request is.
//!
//! A request outside the dialog (another To tag, or none) gets 481, an INVITE with none but
//! another branch 482 (a merged request, §8.2.2.2). A re-INVITE or UPDATE keeps the session
//! as it is: our SDP once more when we can still take the offer (and its Contact as the
//! caller's new address), 488 when we cannot, 491
//! while an offer of ours or the INVITE itself is unanswered, 500 while an earlier re-INVITE
//! waits for its ACK (§14.2).

use super::admit::is_sdp_or_empty;
use super::build::{self, ALLOW};
use super::media::answer_offer;
use super::phase::Phase;
use super::session::{self, Requested, SessionTimer};
use super::{EndedBy, InboundCall, InboundEvent, ServerEntry};
use crate::sip::message::{Request, Response};
use crate::sip::method::Method;
use crate::sip::transaction::ServerTransaction;
use crate::time::Instant;
use rand::Rng;
use std::net::SocketAddr;

/// The most of the caller's transactions we keep at once; further requests are dropped
/// (hostile input: a flood must not grow the call without bound).
const MAX_SERVERS: usize = 32;

impl InboundCall {
    pub(super) fn handle_request(
        &mut self,
        now: Instant,
        mut request: Request,
        source: SocketAddr,
    ) {
        let headers = &request.headers;
        let (Ok(via), Ok(cseq)) = (headers.top_via(), headers.cseq()) else {
            return;
        };
        // A parsed message has these; one that lacks them could not be answered properly.
        if headers.from().is_err() || headers.to().is_err() || headers.call_id().is_err() {
            return;
        }
        let branch = via.branch().unwrap_or_default().to_owned();
        let cseq = cseq.seq;
        if request.method == Method::Ack {
            return self.on_ack(now, &request, &branch, cseq);
        }
        if request.method == Method::Invite
            && branch == self.invite_branch
            && cseq == self.invite_cseq
        {
            return self.invite_tx.handle_retransmission();
        }
        if let Some(entry) = self
            .servers
            .iter_mut()
            .find(|e| e.branch == branch && e.method == request.method && e.cseq == cseq)
        {
            return entry.transaction.handle_retransmission();
        }
        if self.servers.len() >= MAX_SERVERS {
            return;
        }
        build::stamp_via(&mut request.headers, source);
        let mut transaction =
            ServerTransaction::new(&request, self.setup.reliable, self.setup.timers);
        let response = self.respond(now, &request, &branch);
        transaction.respond(now, &response);
        self.servers.push(ServerEntry {
            branch,
            method: request.method,
            cseq,
            reply_to: source,
            transaction,
        });
    }

    /// ACKs for the INVITE's final response, then for our 2xx to a re-INVITE (by dialog and
    /// CSeq, its branch is new) or a failure to one (its branch). Others are absorbed.
    fn on_ack(&mut self, now: Instant, ack: &Request, branch: &str, cseq: u32) {
        let in_dialog = self.dialog.matches(ack);
        if cseq == self.invite_cseq && (in_dialog || branch == self.invite_branch) {
            return self.on_invite_ack(now, ack, in_dialog);
        }
        self.servers
            .iter_mut()
            .filter(|e| e.method == Method::Invite)
            .filter(|e| e.branch == branch || (in_dialog && e.cseq == cseq))
            .for_each(|e| e.transaction.handle_ack(now));
    }

    /// Decides the response, and acts on the request.
    fn respond(&mut self, now: Instant, request: &Request, branch: &str) -> Response {
        let to_tagged = request.headers.to().is_ok_and(|to| to.tag().is_some());
        match request.method {
            Method::Cancel => self.on_cancel(now, request, branch),
            Method::Invite if !to_tagged => self.reply(request, 482, "Loop Detected"),
            _ if !(self.phase.has_dialog() && self.dialog.matches(request)) => {
                self.reply(request, 481, "Call/Transaction Does Not Exist")
            }
            Method::Bye => self.on_bye(now, request),
            Method::Info => {
                self.events.push_back(InboundEvent::Info {
                    content_type: request
                        .headers
                        .get("content-type")
                        .unwrap_or_default()
                        .to_owned(),
                    body: request.body.clone(),
                });
                self.reply(request, 200, "OK")
            }
            Method::Options => {
                let mut ok = self.reply(request, 200, "OK");
                ok.headers.push("Allow", ALLOW);
                ok.headers
                    .push("Accept", "application/sdp, application/dtmf-relay");
                ok
            }
            Method::Invite | Method::Update => self.on_offer(now, request),
            _ => {
                let mut refused = self.reply(request, 405, "Method Not Allowed");
                refused.headers.push("Allow", ALLOW);
                refused
            }
        }
    }

    /// CANCEL of the INVITE (same branch and CSeq number): before our final response it gets
    /// 487 and the call ends; after it, the CANCEL has no effect. Either way 200 (§9.2).
    fn on_cancel(&mut self, now: Instant, cancel: &Request, branch: &str) -> Response {
        let seq = cancel.headers.cseq().map(|c| c.seq).ok();
        if branch != self.invite_branch || seq != Some(self.invite_cseq) {
            return self.reply(cancel, 481, "Call/Transaction Does Not Exist");
        }
        self.fail(now, 487, "Request Terminated", EndedBy::Cancelled);
        self.reply(cancel, 200, "OK")
    }

    /// BYE from the caller. Before our final response the INVITE gets 487 (§15.1.2); between
    /// our 2xx and its ACK, the BYE shows the 2xx arrived, and it stops being re-sent.
    fn on_bye(&mut self, now: Instant, bye: &Request) -> Response {
        match self.phase {
            Phase::Offered => self.fail(now, 487, "Request Terminated", EndedBy::Caller),
            Phase::Accepting { .. } => {
                self.invite_tx.handle_ack(now);
                self.end(now, EndedBy::Caller);
            }
            Phase::Talking(_) => self.end(now, EndedBy::Caller),
            // Their BYE crossed ours: the call ends as ours would have.
            Phase::HangingUp(ref hanging_up) => {
                let cause = hanging_up.cause;
                self.end(now, cause);
            }
            Phase::Rejecting { .. } | Phase::Ended => {}
        }
        self.reply(bye, 200, "OK")
    }

    /// A re-INVITE or UPDATE: a session refresh, or an offer we answer with what we have.
    fn on_offer(&mut self, now: Instant, request: &Request) -> Response {
        let offer_outstanding = match self.phase {
            Phase::Offered => true,
            Phase::Accepting { .. } => self.negotiated.is_none(),
            _ => false,
        };
        if offer_outstanding {
            return self.reply(request, 491, "Request Pending");
        }
        if request.method == Method::Invite && self.reinvite_awaits_ack() {
            let mut busy = self.reply(request, 500, "Server Internal Error");
            let wait: u32 = self.rng.random_range(0..=10);
            busy.headers.push("Retry-After", wait.to_string());
            return busy;
        }
        let has_offer = !request.body.iter().all(u8::is_ascii_whitespace);
        let usable = !has_offer
            || (is_sdp_or_empty(request) && answer_offer(&request.body, &self.sdp_offer).is_ok());
        if !usable {
            return self.reply(request, 488, "Not Acceptable Here");
        }
        let mut ok = build::dialog_response(request, 200, "OK", &self.local_tag, &self.setup);
        ok.headers.remove("record-route");
        match Requested::of(request) {
            Requested::TooSmall => return session::too_small(ok),
            Requested::CallerRefreshes(delta) => {
                session::add_headers(&mut ok, delta);
                self.refresh_session(now, Some(delta));
            }
            Requested::Nothing => self.refresh_session(now, None),
        }
        self.refresh_target(request);
        if request.method == Method::Update && !has_offer {
            ok.headers.push("Allow", ALLOW);
            return ok;
        }
        build::with_sdp(ok, &self.sdp)
    }

    /// A 2xx to a refresh restarts the session timer, or stops it.
    fn refresh_session(&mut self, now: Instant, delta: Option<u32>) {
        self.session = delta;
        if let Phase::Talking(talking) = &mut self.phase {
            talking.session = delta.map(|d| SessionTimer::start(now, d));
        }
    }

    /// A re-INVITE or UPDATE we accept may move the caller (§12.2.2): our requests follow
    /// its Contact.
    fn refresh_target(&mut self, request: &Request) {
        let contact = request
            .headers
            .contacts()
            .ok()
            .and_then(|c| c.into_iter().next());
        if let Some(contact) = contact {
            self.dialog.remote_target = contact.uri;
            self.next_hop = build::next_hop(&self.dialog, self.source);
        }
    }

    fn reinvite_awaits_ack(&self) -> bool {
        self.servers
            .iter()
            .any(|e| e.method == Method::Invite && e.transaction.awaits_ack())
    }

    fn reply(&self, request: &Request, status: u16, reason: &str) -> Response {
        build::reply(request, status, reason, &self.local_tag, &self.setup)
    }
}
