//! Dialog state (RFC 3261 §12): the identifiers, route set, remote target and CSeq counters
//! that requests inside a call are built from, on the calling side (from our INVITE and its
//! 2xx) and on the called side (from the far end's INVITE and our tag).

use crate::sip::header::{HeaderError, NameAddr, Via};
use crate::sip::message::{Request, Response};
use crate::sip::method::Method;
use crate::sip::uri::Uri;

/// A dialog, seen from our side: `local` is us, `remote` the far end, whichever side called.
#[derive(Debug, Clone)]
pub struct Dialog {
    /// The Call-ID.
    pub call_id: String,
    /// Our From, with our tag.
    pub local: NameAddr,
    /// Their To, with their tag.
    pub remote: NameAddr,
    /// Where in-dialog requests go: the Contact of the 2xx.
    pub remote_target: Uri,
    /// Record-Route of the 2xx, reversed (RFC 3261 §12.1.2).
    pub route_set: Vec<NameAddr>,
    local_cseq: u32,
}

impl Dialog {
    /// The dialog a 2xx to our INVITE creates.
    pub fn from_answer(invite: &Request, answer: &Response) -> Result<Dialog, HeaderError> {
        let remote = answer.headers.to()?;
        if remote.tag().is_none() {
            return Err(HeaderError::Malformed("To"));
        }
        let remote_target = answer
            .headers
            .contacts()?
            .into_iter()
            .next()
            .map(|c| c.uri)
            .ok_or(HeaderError::Missing("Contact"))?;
        let mut route_set = answer.headers.record_routes()?;
        route_set.reverse();
        Ok(Dialog {
            call_id: invite.headers.call_id()?.to_owned(),
            local: invite.headers.from()?,
            remote,
            remote_target,
            route_set,
            local_cseq: invite.headers.cseq()?.seq,
        })
    }

    /// The dialog our response to the far end's INVITE creates, with `local_tag` in our To
    /// (§12.1.1): the route set is the INVITE's Record-Route in order, the remote target its
    /// Contact, and our own CSeq counter starts afresh.
    pub fn from_invite(invite: &Request, local_tag: &str) -> Result<Dialog, HeaderError> {
        let mut local = invite.headers.to()?;
        local.params.set("tag", Some(local_tag.to_owned()));
        let remote = invite.headers.from()?;
        if remote.tag().is_none() {
            return Err(HeaderError::Malformed("From"));
        }
        let remote_target = invite
            .headers
            .contacts()?
            .into_iter()
            .next()
            .map(|c| c.uri)
            .ok_or(HeaderError::Missing("Contact"))?;
        Ok(Dialog {
            call_id: invite.headers.call_id()?.to_owned(),
            local,
            remote,
            remote_target,
            route_set: invite.headers.record_routes()?,
            local_cseq: 0,
        })
    }

    /// Their tag.
    pub fn remote_tag(&self) -> Option<&str> {
        self.remote.tag()
    }

    /// `true` when a request from the far end belongs to this dialog (§12.2.2).
    pub fn matches(&self, request: &Request) -> bool {
        let headers = &request.headers;
        let call_id = headers.call_id().is_ok_and(|id| id == self.call_id);
        let from_tag = headers.from().ok().and_then(|f| f.tag().map(str::to_owned));
        let to_tag = headers.to().ok().and_then(|t| t.tag().map(str::to_owned));
        call_id && from_tag.as_deref() == self.remote_tag() && to_tag.as_deref() == self.local.tag()
    }

    /// A new request inside the dialog with the next CSeq (§12.2.1.1).
    pub fn request(&mut self, method: Method, via: &Via) -> Request {
        self.local_cseq += 1;
        self.build(method, via, self.local_cseq)
    }

    /// The ACK for a 2xx to the INVITE with CSeq `invite_cseq` (§13.2.2.4).
    pub fn ack(&self, via: &Via, invite_cseq: u32) -> Request {
        self.build(Method::Ack, via, invite_cseq)
    }

    fn build(&self, method: Method, via: &Via, cseq: u32) -> Request {
        let (uri, routes) = self.request_uri_and_routes();
        let mut request = Request::new(method.clone(), uri);
        request.headers.push("Via", via.to_string());
        request.headers.push("Max-Forwards", "70");
        for route in routes {
            request.headers.push("Route", route.to_string());
        }
        request.headers.push("From", self.local.to_string());
        request.headers.push("To", self.remote.to_string());
        request.headers.push("Call-ID", self.call_id.clone());
        request.headers.push("CSeq", format!("{cseq} {method}"));
        request
    }

    /// Loose routing puts the remote target in the Request-URI; a strict router in the route
    /// set takes its place and the remote target goes last in Route (§12.2.1.1).
    fn request_uri_and_routes(&self) -> (Uri, Vec<NameAddr>) {
        let Some(first) = self.route_set.first() else {
            return (self.remote_target.clone(), Vec::new());
        };
        let loose = first
            .uri
            .as_sip()
            .is_some_and(|uri| uri.param("lr").is_some());
        if loose {
            return (self.remote_target.clone(), self.route_set.clone());
        }
        let mut routes: Vec<NameAddr> = self.route_set[1..].to_vec();
        routes.push(NameAddr::new(self.remote_target.clone()));
        (first.uri.clone(), routes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sip::message::{Message, parse_datagram};

    fn invite() -> Request {
        let text = "INVITE sip:+3212345678@trunk.test SIP/2.0\r\n\
            Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\nFrom: <sip:bin@example.test>;tag=ours\r\n\
            To: <sip:+3212345678@trunk.test>\r\nCall-ID: c1\r\nCSeq: 7 INVITE\r\n\r\n";
        let Message::Request(r) = parse_datagram(text.as_bytes()).unwrap() else {
            panic!()
        };
        r
    }

    fn answer(record_route: &str) -> Response {
        let text = format!(
            "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\n\
             From: <sip:bin@example.test>;tag=ours\r\nTo: <sip:+3212345678@trunk.test>;tag=theirs\r\n\
             Call-ID: c1\r\nCSeq: 7 INVITE\r\nContact: <sip:phone@198.51.100.9:5070>\r\n{record_route}\r\n"
        );
        let Message::Response(r) = parse_datagram(text.as_bytes()).unwrap() else {
            panic!()
        };
        r
    }

    fn via() -> Via {
        Via::parse("SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK2;rport").unwrap()
    }

    #[test]
    fn loose_route_set_reversed_and_target_in_request_uri() {
        let rr = "Record-Route: <sip:p2.test;lr>, <sip:p1.test;lr>\r\n";
        let mut dialog = Dialog::from_answer(&invite(), &answer(rr)).unwrap();
        let bye = dialog.request(Method::Bye, &via());
        assert_eq!(bye.uri.to_string(), "sip:phone@198.51.100.9:5070");
        let routes: Vec<_> = bye.headers.all("route").collect();
        assert_eq!(routes, ["<sip:p1.test;lr>", "<sip:p2.test;lr>"]);
        assert_eq!(bye.headers.cseq().unwrap().seq, 8);
        assert_eq!(bye.headers.to().unwrap().tag(), Some("theirs"));
    }

    #[test]
    fn strict_router_takes_the_request_uri() {
        let rr = "Record-Route: <sip:strict.test>\r\n";
        let mut dialog = Dialog::from_answer(&invite(), &answer(rr)).unwrap();
        let bye = dialog.request(Method::Bye, &via());
        assert_eq!(bye.uri.to_string(), "sip:strict.test");
        let routes: Vec<_> = bye.headers.all("route").collect();
        assert_eq!(routes, ["<sip:phone@198.51.100.9:5070>"]);
    }

    #[test]
    fn ack_keeps_invite_cseq() {
        let dialog = Dialog::from_answer(&invite(), &answer("")).unwrap();
        let ack = dialog.ack(&via(), 7);
        assert_eq!(ack.headers.cseq().unwrap().to_string(), "7 ACK");
    }

    #[test]
    fn called_side_keeps_record_route_in_order_and_counts_its_own_cseq() {
        let text = "INVITE sip:+3212345678@gw.test SIP/2.0\r\n\
            Via: SIP/2.0/UDP 198.51.100.9:5060;branch=z9hG4bK9\r\n\
            Record-Route: <sip:p1.test;lr>, <sip:p2.test;lr>\r\n\
            From: <sip:+32470000001@trunk.test>;tag=caller\r\nTo: <sip:+3212345678@gw.test>\r\n\
            Call-ID: c2\r\nCSeq: 41 INVITE\r\nContact: <sip:caller@198.51.100.9:5070>\r\n\r\n";
        let Message::Request(invite) = parse_datagram(text.as_bytes()).unwrap() else {
            panic!()
        };
        let mut dialog = Dialog::from_invite(&invite, "ours").unwrap();
        let bye = dialog.request(Method::Bye, &via());
        assert_eq!(bye.uri.to_string(), "sip:caller@198.51.100.9:5070");
        let routes: Vec<_> = bye.headers.all("route").collect();
        assert_eq!(routes, ["<sip:p1.test;lr>", "<sip:p2.test;lr>"]);
        assert_eq!(bye.headers.from().unwrap().tag(), Some("ours"));
        assert_eq!(bye.headers.to().unwrap().tag(), Some("caller"));
        assert_eq!(bye.headers.cseq().unwrap().seq, 1);
        let mut in_dialog = invite.clone();
        in_dialog
            .headers
            .set("To", "<sip:+3212345678@gw.test>;tag=ours");
        assert!(dialog.matches(&in_dialog));
        assert!(!dialog.matches(&invite), "no To tag: not in the dialog");
    }

    #[test]
    fn answer_without_to_tag_is_no_dialog() {
        let mut resp = answer("");
        resp.headers.set("To", "<sip:+3212345678@trunk.test>");
        assert!(Dialog::from_answer(&invite(), &resp).is_err());
    }
}
