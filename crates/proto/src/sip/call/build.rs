//! Building the requests and responses of an outbound call.

use super::CallSetup;
use crate::sip::header::Via;
use crate::sip::message::{Request, Response};
use crate::sip::method::Method;
use crate::sip::transaction::local_via;

/// Methods we accept inside a call.
pub const ALLOW: &str = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE";

/// Our Via for a new transaction.
pub fn via(setup: &CallSetup, random: u64) -> Via {
    local_via(&setup.transport, &setup.sent_by, random)
}

/// The INVITE with our SDP offer.
pub fn invite(setup: &CallSetup, via: &Via, cseq: u32) -> Request {
    let mut invite = Request::new(Method::Invite, setup.target.clone());
    let headers = &mut invite.headers;
    headers.push("Via", via.to_string());
    headers.push("Max-Forwards", "70");
    headers.push("From", setup.from.to_string());
    headers.push("To", format!("<{}>", setup.target));
    headers.push("Call-ID", setup.call_id.clone());
    headers.push("CSeq", format!("{cseq} INVITE"));
    headers.push("Contact", format!("<{}>", setup.contact));
    headers.push("Allow", ALLOW);
    headers.push("Supported", "replaces, timer");
    headers.push("User-Agent", setup.user_agent.clone());
    headers.push("Content-Type", "application/sdp");
    invite.body = setup.offer.to_sdp().into_bytes().into();
    invite
}

/// §9.1: a CANCEL copies the INVITE's Request-URI, top Via, From, To, Call-ID, CSeq number
/// and Route.
pub fn cancel(invite: &Request) -> Request {
    let mut cancel = Request::new(Method::Cancel, invite.uri.clone());
    if let Some(via) = invite.headers.list("via").first() {
        cancel.headers.push("Via", *via);
    }
    cancel.headers.push("Max-Forwards", "70");
    for name in ["from", "to", "call-id"] {
        if let Some(value) = invite.headers.get(name) {
            cancel.headers.push(name, value);
        }
    }
    if let Ok(cseq) = invite.headers.cseq() {
        cancel.headers.push("CSeq", format!("{} CANCEL", cseq.seq));
    }
    for route in invite.headers.all("route") {
        cancel.headers.push("Route", route);
    }
    cancel
}

/// A response to a request from the far end (§8.2.6.2): Via, From, To, Call-ID and CSeq
/// copied, our tag added to To when it has none.
pub fn response_to(request: &Request, status: u16, reason: &str, local_tag: &str) -> Response {
    let mut response = Response::new(status, reason);
    for via in request.headers.all("via") {
        response.headers.push("Via", via);
    }
    for name in ["from", "call-id", "cseq"] {
        if let Some(value) = request.headers.get(name) {
            response.headers.push(name, value);
        }
    }
    if let Some(to) = request.headers.get("to") {
        let tagged = request.headers.to().is_ok_and(|t| t.tag().is_some());
        let to = if tagged {
            to.to_owned()
        } else {
            format!("{to};tag={local_tag}")
        };
        response.headers.push("To", to);
    }
    response
}
