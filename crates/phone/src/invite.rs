//! What a phone that places a call sends about its own INVITE besides retransmitting it: the
//! CANCEL when it gives up before an answer (RFC 3261 §9.1) and the ACK of a refusal
//! (§17.1.1.3). Both belong to the INVITE's transaction: they copy its Request-URI, top Via
//! (and so its branch), From, Call-ID, CSeq number and Route, and differ only in the method
//! and, for the ACK, the To of the response (with the refuser's tag).
//!
//! The ACK of a 2xx is not here: it is a request of the dialog ([`crate::Dialog::ack`]).

use crate::message::Message;

/// The CANCEL of `invite` (§9.1): the same Request-URI, top Via, From, To, Call-ID, CSeq
/// number and Route, with CANCEL as the CSeq method.
pub fn cancel(invite: &Message) -> Message {
    let to = invite.headers.get("To").unwrap_or_default().to_owned();
    same_transaction(invite, "CANCEL", to)
}

/// The ACK of `refusal`, a final response from 300 to 699 to `invite` (§17.1.1.3): as
/// [`cancel`], but the To of the refusal.
pub fn ack_refusal(invite: &Message, refusal: &Message) -> Message {
    let to = refusal.headers.get("To").unwrap_or_default().to_owned();
    same_transaction(invite, "ACK", to)
}

fn same_transaction(invite: &Message, method: &str, to: String) -> Message {
    let uri = invite.uri().unwrap_or_default();
    let mut request = Message::request(method, uri);
    let original = &invite.headers;
    let headers = &mut request.headers;
    if let Some(via) = original.values("Via").first() {
        headers.push("Via", *via);
    }
    headers.push("Max-Forwards", "70");
    for route in original.all("Route") {
        headers.push("Route", route);
    }
    headers.push("From", original.get("From").unwrap_or_default());
    headers.push("To", to);
    headers.push("Call-ID", original.get("Call-ID").unwrap_or_default());
    let number = original.cseq().map(|cseq| cseq.number).unwrap_or_default();
    headers.push("CSeq", format!("{number} {method}"));
    request
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::parse_datagram;

    const INVITE: &str = "INVITE sip:+3225550100@192.0.2.1:5060 SIP/2.0\r\n\
        Via: SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bKinv1;rport, SIP/2.0/UDP 192.0.2.8\r\n\
        Max-Forwards: 70\r\n\
        Route: <sip:proxy.test;lr>\r\n\
        From: <sip:+32470000001@192.0.2.7>;tag=member1\r\n\
        To: <sip:+3225550100@192.0.2.1>\r\n\
        Call-ID: dial-1@192.0.2.7\r\n\
        CSeq: 7 INVITE\r\n\
        Contact: <sip:sim@192.0.2.7:5070>\r\n\
        Content-Length: 0\r\n\r\n";

    const BUSY: &str = "SIP/2.0 486 Busy Here\r\n\
        Via: SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bKinv1;rport=5070\r\n\
        From: <sip:+32470000001@192.0.2.7>;tag=member1\r\n\
        To: <sip:+3225550100@192.0.2.1>;tag=gw1\r\n\
        Call-ID: dial-1@192.0.2.7\r\n\
        CSeq: 7 INVITE\r\n\
        Content-Length: 0\r\n\r\n";

    #[test]
    fn the_ack_of_a_refusal_is_of_the_invite_transaction() {
        let invite = parse_datagram(INVITE.as_bytes()).unwrap();
        let busy = parse_datagram(BUSY.as_bytes()).unwrap();
        let ack = ack_refusal(&invite, &busy);
        assert_eq!(
            String::from_utf8(ack.to_bytes()).unwrap(),
            "ACK sip:+3225550100@192.0.2.1:5060 SIP/2.0\r\n\
             Via: SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bKinv1;rport\r\n\
             Max-Forwards: 70\r\n\
             Route: <sip:proxy.test;lr>\r\n\
             From: <sip:+32470000001@192.0.2.7>;tag=member1\r\n\
             To: <sip:+3225550100@192.0.2.1>;tag=gw1\r\n\
             Call-ID: dial-1@192.0.2.7\r\n\
             CSeq: 7 ACK\r\n\
             Content-Length: 0\r\n\r\n"
        );
        assert_eq!(ack.check_mandatory(), Ok(()));
    }

    #[test]
    fn the_cancel_keeps_the_invite_to_without_a_tag() {
        let invite = parse_datagram(INVITE.as_bytes()).unwrap();
        let cancel = cancel(&invite);
        assert_eq!(cancel.uri(), invite.uri());
        assert_eq!(cancel.headers.top_branch(), Ok("z9hG4bKinv1"));
        assert_eq!(cancel.headers.values("Via").len(), 1);
        assert_eq!(cancel.headers.to_tag(), Ok(None));
        assert_eq!(cancel.headers.get("CSeq"), Some("7 CANCEL"));
        assert_eq!(cancel.check_mandatory(), Ok(()));
    }
}
