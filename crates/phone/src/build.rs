//! What a phone sends: responses to the gateway's requests (RFC 3261 §8.2.6) and, inside the
//! dialog the gateway's INVITE made (§12.1.1) or the gateway's 2xx to the phone's own INVITE
//! (§12.1.2), requests of its own (§12.2.1): BYE, INFO, re-INVITE, UPDATE, and the ACK for a
//! 2xx to its INVITE (§13.2.2.4).

use crate::address::Address;
use crate::fields::FieldError;
use crate::message::Message;

/// A response to `request` (§8.2.6.2): every Via, From, To, Call-ID and CSeq copied, and
/// `tag` added to To when it has none.
pub fn response_to(request: &Message, status: u16, reason: &str, tag: &str) -> Message {
    let mut response = Message::response(status, reason);
    let headers = &request.headers;
    for via in headers.all("Via") {
        response.headers.push("Via", via);
    }
    if let Some(from) = headers.get("From") {
        response.headers.push("From", from);
    }
    if let Some(to) = headers.get("To") {
        response.headers.push("To", with_tag(to, tag));
    }
    for name in ["Call-ID", "CSeq"] {
        if let Some(value) = headers.get(name) {
            response.headers.push(name, value);
        }
    }
    response
}

/// The phone's side of a dialog: the one the gateway's INVITE and the phone's answer make
/// ([`Dialog::accept`]), or the one the phone's INVITE and the gateway's 2xx make
/// ([`Dialog::establish`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialog {
    call_id: String,
    /// Our address, with our tag: the gateway's INVITE's To, or our INVITE's From.
    local: String,
    /// Theirs, with their tag: the gateway's INVITE's From, or the 2xx's To.
    remote: String,
    remote_target: String,
    /// Record-Route in the order our requests use it (loose routing assumed).
    route_set: Vec<String>,
    via: String,
    local_cseq: u32,
}

impl Dialog {
    /// The dialog our answer to `invite` makes, with `tag` in To. `via` is the Via of our
    /// requests without its branch (`SIP/2.0/UDP 192.0.2.7:5070`). The INVITE must carry
    /// a Call-ID, a From tag and a Contact: a dialog cannot exist without them (§8.1.1.8).
    pub fn accept(invite: &Message, tag: &str, via: &str) -> Result<Dialog, FieldError> {
        let headers = &invite.headers;
        headers.from_tag()?.ok_or(FieldError::Malformed("From"))?;
        let to = headers.get("To").ok_or(FieldError::Missing("To"))?;
        Ok(Dialog {
            call_id: headers.call_id()?.to_owned(),
            local: with_tag(to, tag),
            remote: headers.get("From").unwrap_or_default().to_owned(),
            remote_target: headers.contact_uri()?.to_owned(),
            route_set: headers
                .values("Record-Route")
                .into_iter()
                .map(str::to_owned)
                .collect(),
            via: via.to_owned(),
            local_cseq: 0,
        })
    }

    /// The dialog `ok`, a 2xx to our `invite`, makes (§12.1.2): our From with its tag, the
    /// 2xx's To with the gateway's tag, its Contact as the remote target, its Record-Route
    /// reversed as the route set, and the INVITE's CSeq as ours. `via` as for
    /// [`Dialog::accept`]. Neither side's tag, nor the 2xx's Contact, may be missing.
    pub fn establish(invite: &Message, ok: &Message, via: &str) -> Result<Dialog, FieldError> {
        let ours = &invite.headers;
        let theirs = &ok.headers;
        ours.from_tag()?.ok_or(FieldError::Malformed("From"))?;
        theirs.to_tag()?.ok_or(FieldError::Malformed("To"))?;
        let mut route_set: Vec<String> = theirs
            .values("Record-Route")
            .into_iter()
            .map(str::to_owned)
            .collect();
        route_set.reverse();
        Ok(Dialog {
            call_id: ours.call_id()?.to_owned(),
            local: ours.get("From").unwrap_or_default().to_owned(),
            remote: theirs.get("To").unwrap_or_default().to_owned(),
            remote_target: theirs.contact_uri()?.to_owned(),
            route_set,
            via: via.to_owned(),
            local_cseq: ours.cseq()?.number,
        })
    }

    /// A new request inside the dialog with the next CSeq (the first is 1).
    pub fn request(&mut self, method: &str, branch: &str) -> Message {
        self.local_cseq += 1;
        self.build(method, self.local_cseq, branch)
    }

    /// The ACK for a 2xx to our INVITE or re-INVITE with CSeq `invite_cseq`: a transaction
    /// of its own, with a new branch (§13.2.2.4, §17.1.1.3).
    pub fn ack(&self, invite_cseq: u32, branch: &str) -> Message {
        self.build("ACK", invite_cseq, branch)
    }

    /// The Call-ID.
    pub fn call_id(&self) -> &str {
        &self.call_id
    }

    /// Our tag.
    pub fn local_tag(&self) -> Option<&str> {
        tag_of(&self.local)
    }

    /// The gateway's tag.
    pub fn remote_tag(&self) -> Option<&str> {
        tag_of(&self.remote)
    }

    /// Where our requests go: the gateway's Contact, from its INVITE or its 2xx.
    pub fn remote_target(&self) -> &str {
        &self.remote_target
    }

    /// `true` when a request from the gateway belongs to this dialog (§12.2.2): its
    /// Call-ID, its From tag theirs and its To tag ours.
    pub fn contains(&self, request: &Message) -> bool {
        let headers = &request.headers;
        headers.call_id().is_ok_and(|id| id == self.call_id)
            && headers.from_tag().ok().flatten() == self.remote_tag()
            && headers.to_tag().ok().flatten() == self.local_tag()
    }

    fn build(&self, method: &str, cseq: u32, branch: &str) -> Message {
        let mut request = Message::request(method, &self.remote_target);
        let headers = &mut request.headers;
        headers.push("Via", format!("{};branch={branch}", self.via));
        headers.push("Max-Forwards", "70");
        for route in &self.route_set {
            headers.push("Route", route.clone());
        }
        headers.push("From", self.local.clone());
        headers.push("To", self.remote.clone());
        headers.push("Call-ID", self.call_id.clone());
        headers.push("CSeq", format!("{cseq} {method}"));
        request
    }
}

/// `address` with `;tag=tag` unless it already has a tag.
fn with_tag(address: &str, tag: &str) -> String {
    match tag_of(address) {
        Some(_) => address.to_owned(),
        None => format!("{address};tag={tag}"),
    }
}

fn tag_of(address: &str) -> Option<&str> {
    Address::parse(address)?.param("tag").flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::parse_datagram;

    const INVITE: &str = "INVITE sip:+3212345678@trunk.test SIP/2.0\r\n\
        Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa1;rport\r\n\
        Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKp1\r\n\
        Record-Route: <sip:proxy.test;lr>\r\n\
        Max-Forwards: 70\r\n\
        From: \"BIN Test\" <sip:bin@example.test>;tag=local1\r\n\
        To: <sip:+3212345678@trunk.test>\r\n\
        Call-ID: call-1@example.test\r\n\
        CSeq: 2 INVITE\r\n\
        Contact: <sip:buurtbel@192.0.2.1:5060>\r\n\
        Content-Length: 0\r\n\r\n";

    #[test]
    fn response_copies_the_transaction_and_tags_to() {
        let invite = parse_datagram(INVITE.as_bytes()).unwrap();
        let ringing = response_to(&invite, 180, "Ringing", "phone1");
        let text = String::from_utf8(ringing.to_bytes()).unwrap();
        assert_eq!(
            text,
            "SIP/2.0 180 Ringing\r\n\
             Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa1;rport\r\n\
             Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKp1\r\n\
             From: \"BIN Test\" <sip:bin@example.test>;tag=local1\r\n\
             To: <sip:+3212345678@trunk.test>;tag=phone1\r\n\
             Call-ID: call-1@example.test\r\n\
             CSeq: 2 INVITE\r\n\
             Content-Length: 0\r\n\r\n"
        );
        let again = response_to(
            &parse_datagram(text.as_bytes()).unwrap(),
            200,
            "OK",
            "other",
        );
        assert_eq!(
            again.headers.to_tag(),
            Ok(Some("phone1")),
            "a tag is never replaced"
        );
    }

    #[test]
    fn in_dialog_requests_go_to_the_contact_with_tags_swapped() {
        let invite = parse_datagram(INVITE.as_bytes()).unwrap();
        let mut dialog = Dialog::accept(&invite, "phone1", "SIP/2.0/UDP 192.0.2.7:5070").unwrap();
        let bye = dialog.request("BYE", "z9hG4bKbye1");
        let text = String::from_utf8(bye.to_bytes()).unwrap();
        assert_eq!(
            text,
            "BYE sip:buurtbel@192.0.2.1:5060 SIP/2.0\r\n\
             Via: SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bKbye1\r\n\
             Max-Forwards: 70\r\n\
             Route: <sip:proxy.test;lr>\r\n\
             From: <sip:+3212345678@trunk.test>;tag=phone1\r\n\
             To: \"BIN Test\" <sip:bin@example.test>;tag=local1\r\n\
             Call-ID: call-1@example.test\r\n\
             CSeq: 1 BYE\r\n\
             Content-Length: 0\r\n\r\n"
        );
        assert_eq!(
            dialog
                .request("INFO", "z9hG4bKi")
                .headers
                .cseq()
                .unwrap()
                .number,
            2
        );
        let ack = dialog.ack(2, "z9hG4bKack");
        assert_eq!(ack.headers.get("CSeq"), Some("2 ACK"));
        assert_eq!(
            (dialog.local_tag(), dialog.remote_tag()),
            (Some("phone1"), Some("local1"))
        );
    }

    #[test]
    fn the_caller_s_dialog_comes_from_its_invite_and_the_2xx() {
        let invite = "INVITE sip:+3225550100@192.0.2.1 SIP/2.0\r\n\
            Via: SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bKinv1;rport\r\n\
            Max-Forwards: 70\r\n\
            From: <sip:+32470000001@192.0.2.7>;tag=member1\r\n\
            To: <sip:+3225550100@192.0.2.1>\r\n\
            Call-ID: dial-1@192.0.2.7\r\n\
            CSeq: 4 INVITE\r\n\
            Contact: <sip:sim@192.0.2.7:5070>\r\n\r\n";
        let ok = "SIP/2.0 200 OK\r\n\
            Via: SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bKinv1;rport=5070\r\n\
            Record-Route: <sip:p1.test;lr>, <sip:p2.test;lr>\r\n\
            From: <sip:+32470000001@192.0.2.7>;tag=member1\r\n\
            To: <sip:+3225550100@192.0.2.1>;tag=gw1\r\n\
            Call-ID: dial-1@192.0.2.7\r\n\
            CSeq: 4 INVITE\r\n\
            Contact: <sip:buurtbel@192.0.2.1:5060>\r\n\r\n";
        let invite = parse_datagram(invite.as_bytes()).unwrap();
        let ok = parse_datagram(ok.as_bytes()).unwrap();
        let mut dialog = Dialog::establish(&invite, &ok, "SIP/2.0/UDP 192.0.2.7:5070").unwrap();
        assert_eq!(
            (dialog.local_tag(), dialog.remote_tag()),
            (Some("member1"), Some("gw1"))
        );
        let ack = dialog.ack(4, "z9hG4bKack1");
        assert_eq!(ack.uri(), Some("sip:buurtbel@192.0.2.1:5060"));
        assert_eq!(ack.headers.get("CSeq"), Some("4 ACK"));
        let bye = dialog.request("BYE", "z9hG4bKbye1");
        let routes: Vec<&str> = bye.headers.all("Route").collect();
        assert_eq!(routes, ["<sip:p2.test;lr>", "<sip:p1.test;lr>"]);
        assert_eq!(bye.headers.get("CSeq"), Some("5 BYE"));
        assert_eq!(
            bye.headers.get("To"),
            Some("<sip:+3225550100@192.0.2.1>;tag=gw1")
        );
        let untagged = ok.headers.get("To").unwrap().replace(";tag=gw1", "");
        let mut no_tag = ok.clone();
        no_tag.headers.set("To", untagged);
        assert_eq!(
            Dialog::establish(&invite, &no_tag, "v"),
            Err(FieldError::Malformed("To"))
        );
    }

    #[test]
    fn no_dialog_without_contact_or_from_tag() {
        let no_contact = INVITE.replace("Contact: <sip:buurtbel@192.0.2.1:5060>\r\n", "");
        let invite = parse_datagram(no_contact.as_bytes()).unwrap();
        assert_eq!(
            Dialog::accept(&invite, "p", "v"),
            Err(FieldError::Missing("Contact"))
        );
        let no_tag = INVITE.replace(";tag=local1", "");
        let invite = parse_datagram(no_tag.as_bytes()).unwrap();
        assert_eq!(
            Dialog::accept(&invite, "p", "v"),
            Err(FieldError::Malformed("From"))
        );
    }
}
