//! The member's INVITE, as a trunk hands the gateway a call to the network's number: every
//! header RFC 3261 §8.1.1 asks for, the number asserted (RFC 3325) or withheld (RFC 3323,
//! §8.1.1.3's anonymous From), and the offer when there is one. Pure: the random parts and
//! the addresses come in.

use super::DialIn;
use buurtbel_phone::Message;
use std::net::SocketAddr;

/// The methods a member's phone takes in the dialog.
const ALLOW: &str = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE";

/// What one INVITE is made of besides the call itself.
#[derive(Debug, Clone)]
pub(super) struct Invitation {
    /// The exchange's SIP address: Via, Contact and the member's host.
    pub(super) local: SocketAddr,
    /// The gateway's SIP address: the Request-URI's host.
    pub(super) gateway: SocketAddr,
    pub(super) tag: String,
    pub(super) branch: String,
    pub(super) call_id: String,
    /// Our SDP: the offer, unless the call makes a late one.
    pub(super) offer: Option<String>,
}

/// The Via of every request the member sends, without its branch.
pub(super) fn via(local: SocketAddr) -> String {
    format!("SIP/2.0/UDP {local};rport")
}

/// The INVITE, CSeq 1, with the offer unless the call's is late.
pub(super) fn invite(call: &DialIn, parts: &Invitation) -> Message {
    let dialled = format!("sip:{}@{};user=phone", call.to, parts.gateway);
    let mut invite = Message::request("INVITE", &dialled);
    let headers = &mut invite.headers;
    headers.push(
        "Via",
        format!("{};branch={}", via(parts.local), parts.branch),
    );
    headers.push("Max-Forwards", "70");
    headers.push("From", format!("{};tag={}", caller(call, parts), parts.tag));
    headers.push("To", format!("<{dialled}>"));
    headers.push("Call-ID", parts.call_id.clone());
    headers.push("CSeq", "1 INVITE");
    headers.push("Contact", format!("<sip:sim@{}>", parts.local));
    if call.withheld {
        headers.push("Privacy", "id");
    } else if call.asserted {
        headers.push("P-Asserted-Identity", member(call, parts));
    }
    headers.push("Allow", ALLOW);
    if let Some(offer) = parts.offer.as_ref().filter(|_| !call.late_offer) {
        headers.push("Content-Type", "application/sdp");
        invite.body = offer.clone().into_bytes();
    }
    invite
}

/// The From address, without its tag.
fn caller(call: &DialIn, parts: &Invitation) -> String {
    if call.withheld {
        "\"Anonymous\" <sip:anonymous@anonymous.invalid>".to_owned()
    } else {
        member(call, parts)
    }
}

fn member(call: &DialIn, parts: &Invitation) -> String {
    format!("<sip:{}@{};user=phone>", call.from, parts.local.ip())
}

#[cfg(test)]
mod tests {
    use super::*;
    use buurtbel_phone::{Address, parse_datagram, uri_user};

    fn parts(offer: Option<&str>) -> Invitation {
        Invitation {
            local: "127.0.0.1:5070".parse().unwrap(),
            gateway: "127.0.0.1:5060".parse().unwrap(),
            tag: "member1".into(),
            branch: "z9hG4bKsim1".into(),
            call_id: "dial-1@127.0.0.1".into(),
            offer: offer.map(str::to_owned),
        }
    }

    /// The INVITE as the gateway reads it: written out and parsed back.
    fn sent(call: &DialIn, offer: Option<&str>) -> Message {
        let bytes = invite(call, &parts(offer)).to_bytes();
        parse_datagram(&bytes).unwrap()
    }

    #[test]
    fn the_invite_has_every_header_a_request_must() {
        let call = DialIn::new("+32470000001", "+3225550100");
        let invite = sent(&call, Some("v=0\r\n"));
        assert_eq!(invite.check_mandatory(), Ok(()));
        assert_eq!(
            invite.uri(),
            Some("sip:+3225550100@127.0.0.1:5060;user=phone")
        );
        let headers = &invite.headers;
        let via = headers.get("Via").unwrap();
        assert!(via.starts_with("SIP/2.0/UDP 127.0.0.1:5070;"), "{via}");
        assert!(via.contains(";rport"), "{via}");
        assert_eq!(headers.top_branch(), Ok("z9hG4bKsim1"));
        assert_eq!(headers.get("Max-Forwards"), Some("70"));
        assert_eq!(headers.from_tag(), Ok(Some("member1")));
        assert_eq!(headers.to_tag(), Ok(None));
        let to = headers.get("To").unwrap();
        assert_eq!(Address::parse(to).map(|a| a.uri), invite.uri());
        assert_eq!(headers.call_id(), Ok("dial-1@127.0.0.1"));
        let cseq = headers.cseq().unwrap();
        assert_eq!((cseq.number, cseq.method.as_str()), (1, "INVITE"));
        assert_eq!(headers.contact_uri(), Ok("sip:sim@127.0.0.1:5070"));
        assert_eq!(headers.get("Content-Type"), Some("application/sdp"));
        assert_eq!(invite.body, b"v=0\r\n");
    }

    #[test]
    fn the_trunk_vouches_for_the_number_or_not() {
        let asserted = sent(&DialIn::new("+32470000001", "+3225550100"), None);
        let pai = asserted.headers.get("P-Asserted-Identity").unwrap();
        let pai_uri = Address::parse(pai).unwrap().uri;
        assert_eq!(uri_user(pai_uri), Some("+32470000001"));
        let from = asserted.headers.get("From").unwrap();
        assert_eq!(
            Address::parse(from).map(|a| uri_user(a.uri)),
            Some(Some("+32470000001"))
        );
        assert_eq!(asserted.headers.get("Privacy"), None);

        let unasserted = sent(
            &DialIn::new("+32470000001", "+3225550100").unasserted(),
            None,
        );
        assert_eq!(unasserted.headers.get("P-Asserted-Identity"), None);
        assert_eq!(unasserted.headers.get("From"), Some(from));
    }

    #[test]
    fn a_withheld_number_is_nowhere_in_the_invite() {
        let call = DialIn::new("+32470000001", "+3225550100").withheld();
        let invite = sent(&call, None);
        assert_eq!(invite.check_mandatory(), Ok(()));
        assert_eq!(
            invite.headers.get("From"),
            Some("\"Anonymous\" <sip:anonymous@anonymous.invalid>;tag=member1")
        );
        assert_eq!(invite.headers.get("Privacy"), Some("id"));
        assert_eq!(invite.headers.get("P-Asserted-Identity"), None);
        let text = String::from_utf8(invite.to_bytes()).unwrap();
        assert!(!text.contains("470000001"), "{text}");
    }

    #[test]
    fn a_late_offer_has_no_body() {
        let call = DialIn::new("+32470000001", "+3225550100").late_offer();
        let invite = sent(&call, Some("v=0\r\n"));
        assert_eq!(invite.headers.get("Content-Type"), None);
        assert!(invite.body.is_empty());
        assert_eq!(invite.headers.get("Content-Length"), Some("0"));
    }
}
