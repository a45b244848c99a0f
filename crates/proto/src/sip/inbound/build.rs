//! Building what an incoming call sends: responses to the caller's requests (with our To
//! tag, except on 100 Trying, and our Server header), the INVITE's provisional and final
//! responses, and the addresses our own requests use.

use super::InboundSetup;
use crate::sip::call::response_to;
use crate::sip::dialog::Dialog;
use crate::sip::header::{Via, split_list};
use crate::sip::message::{Headers, Request, Response};
use crate::sip::transaction::local_via;
use crate::sip::uri::Uri;
use std::net::SocketAddr;

/// Methods we accept inside an incoming call.
pub(super) const ALLOW: &str = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE";

/// Extensions we support, the only ones a `Require` may name.
pub(super) const SUPPORTED: [&str; 1] = ["timer"];

/// A response to `request` with our tag in To and our Server header.
pub(super) fn reply(
    request: &Request,
    status: u16,
    reason: &str,
    local_tag: &str,
    setup: &InboundSetup,
) -> Response {
    let mut response = response_to(request, status, reason, local_tag);
    response.headers.push("Server", setup.user_agent.clone());
    response
}

/// 100 Trying: the only response without our tag (§8.2.6.1), Timestamp copied.
pub(super) fn trying(invite: &Request, setup: &InboundSetup) -> Response {
    let mut response = Response::new(100, "Trying");
    for via in invite.headers.all("via") {
        response.headers.push("Via", via);
    }
    for name in ["from", "to", "call-id", "cseq", "timestamp"] {
        if let Some(value) = invite.headers.get(name) {
            response.headers.push(name, value);
        }
    }
    response.headers.push("Server", setup.user_agent.clone());
    response
}

/// A response that makes (or confirms) the dialog: 180 or 2xx, with the INVITE's
/// Record-Route copied (§12.1.1) and our Contact.
pub(super) fn dialog_response(
    invite: &Request,
    status: u16,
    reason: &str,
    local_tag: &str,
    setup: &InboundSetup,
) -> Response {
    let mut response = reply(invite, status, reason, local_tag, setup);
    for route in invite.headers.all("record-route") {
        response.headers.push("Record-Route", route);
    }
    response
        .headers
        .push("Contact", format!("<{}>", setup.contact));
    response
}

/// A 2xx carrying our SDP.
pub(super) fn with_sdp(mut response: Response, sdp: &str) -> Response {
    response.headers.push("Allow", ALLOW);
    response.headers.push("Content-Type", "application/sdp");
    response.body = sdp.as_bytes().to_vec().into();
    response
}

/// What a server transport does on receipt (RFC 3261 §18.2.1, RFC 3581 §4): the top Via
/// gets `received` when the packet came from another address than its sent-by, and
/// `rport` (asked for by an empty one) the port it came from. Responses copy the stamped Via;
/// they go back to the packet's source. An unreadable Via is left alone.
pub(super) fn stamp_via(headers: &mut Headers, source: SocketAddr) {
    let lines: Vec<String> = headers.all("via").map(str::to_owned).collect();
    let Some((first, rest)) = lines.split_first() else {
        return;
    };
    let elements = split_list(first);
    let Some(Ok(mut via)) = elements.first().map(|top| Via::parse(top)) else {
        return;
    };
    let ip = source.ip().to_string();
    let rport = via.params.get("rport").is_some();
    if rport {
        via.params.set("rport", Some(source.port().to_string()));
    }
    if rport || via.host != ip {
        via.params.set("received", Some(ip));
    }
    let top = via.to_string();
    let first_line = std::iter::once(top.as_str())
        .chain(elements.iter().skip(1).copied())
        .collect::<Vec<_>>()
        .join(", ");
    headers.remove("via");
    headers.push("Via", first_line);
    for line in rest {
        headers.push("Via", line.clone());
    }
}

/// Our Via for a new client transaction, sent by our Contact's host and port over the
/// transport the INVITE came by.
pub(super) fn via(setup: &InboundSetup, transport: &str, random: u64) -> Via {
    local_via(transport, &sent_by(&setup.contact), random)
}

/// Where our requests in the dialog go (§8.1.2): to the first route, or else the remote
/// target, when it names an IP address; to where the INVITE came from when it names a host
/// we would have to resolve.
pub(super) fn next_hop(dialog: &Dialog, source: SocketAddr) -> SocketAddr {
    let first = dialog
        .route_set
        .first()
        .map_or(&dialog.remote_target, |route| &route.uri);
    first
        .as_sip()
        .and_then(|sip| {
            let default_port = if sip.is_secure() { 5061 } else { 5060 };
            Some(SocketAddr::new(
                sip.ip()?,
                sip.port().unwrap_or(default_port),
            ))
        })
        .unwrap_or(source)
}

fn sent_by(contact: &Uri) -> String {
    let Some(sip) = contact.as_sip() else {
        return "buurtbel.invalid".into();
    };
    let host = sip.host();
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host
    };
    match sip.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(vias: &[&str]) -> Headers {
        let mut headers = Headers::default();
        for via in vias {
            headers.push("Via", *via);
        }
        headers
    }

    #[test]
    fn rport_and_received_are_filled_in() {
        let mut with_rport = headers(&[
            "SIP/2.0/UDP 10.0.0.7:5060;branch=z9hG4bK1;rport, SIP/2.0/UDP p.test;branch=z9hG4bK0",
            "SIP/2.0/UDP p2.test;branch=z9hG4bKa",
        ]);
        stamp_via(&mut with_rport, "198.51.100.9:40000".parse().unwrap());
        let vias: Vec<&str> = with_rport.all("via").collect();
        assert_eq!(
            vias,
            [
                "SIP/2.0/UDP 10.0.0.7:5060;branch=z9hG4bK1;rport=40000;received=198.51.100.9, \
                 SIP/2.0/UDP p.test;branch=z9hG4bK0",
                "SIP/2.0/UDP p2.test;branch=z9hG4bKa",
            ]
        );
        let mut same_host = headers(&["SIP/2.0/UDP 198.51.100.9:5060;branch=z9hG4bK1"]);
        stamp_via(&mut same_host, "198.51.100.9:5060".parse().unwrap());
        assert_eq!(
            same_host.get("via"),
            Some("SIP/2.0/UDP 198.51.100.9:5060;branch=z9hG4bK1")
        );
        let mut name = headers(&["SIP/2.0/TCP trunk.test;branch=z9hG4bK1"]);
        stamp_via(&mut name, "[2001:db8::9]:5060".parse().unwrap());
        assert_eq!(
            name.get("via"),
            Some("SIP/2.0/TCP trunk.test;branch=z9hG4bK1;received=2001:db8::9")
        );
        let mut garbage = headers(&["not a via"]);
        stamp_via(&mut garbage, "198.51.100.9:5060".parse().unwrap());
        assert_eq!(garbage.get("via"), Some("not a via"));
    }

    #[test]
    fn sent_by_from_contact() {
        let sent = |text: &str| sent_by(&Uri::parse(text).unwrap());
        assert_eq!(sent("sip:buurtbel@192.0.2.1:5070"), "192.0.2.1:5070");
        assert_eq!(sent("sip:gw.test"), "gw.test");
        assert_eq!(sent("sip:bb@[2001:db8::1]:5060"), "[2001:db8::1]:5060");
    }
}
