//! The fields a phone reads to match and answer messages: Call-ID, CSeq, Via branches, the
//! From and To tags and the Contact URI. Each is checked as it is read, so a test learns
//! exactly which header the gateway wrote wrong.

use crate::address::{Address, param};
use crate::headers::Headers;
use crate::message::{Message, StartLine, is_token_byte};

/// Why a header a phone needs cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// The header is absent.
    #[error("no {0} header")]
    Missing(&'static str),
    /// The header is present but unreadable.
    #[error("the {0} header is malformed")]
    Malformed(&'static str),
    /// A single-valued header is given more than once, with different values.
    #[error("the {0} header is given twice, differently")]
    Repeated(&'static str),
    /// The CSeq method is not the request's method (RFC 3261 §8.1.1.5).
    #[error("the CSeq method is not the request's method")]
    CSeqMethod,
}

/// A CSeq: sequence number and method (RFC 3261 §20.16).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CSeq {
    /// The sequence number, below 2^31.
    pub number: u32,
    /// The method, case-sensitive.
    pub method: String,
}

impl Headers {
    /// The Call-ID: one non-empty word.
    pub fn call_id(&self) -> Result<&str, FieldError> {
        let id = self.single("Call-ID")?;
        let valid = !id.is_empty() && !id.contains([' ', '\t']);
        valid.then_some(id).ok_or(FieldError::Malformed("Call-ID"))
    }

    /// The CSeq.
    pub fn cseq(&self) -> Result<CSeq, FieldError> {
        let value = self.single("CSeq")?;
        let mut words = value.split_whitespace();
        let (Some(number), Some(method), None) = (words.next(), words.next(), words.next()) else {
            return Err(FieldError::Malformed("CSeq"));
        };
        let number = number
            .parse::<u32>()
            .ok()
            .filter(|n| *n < 1 << 31)
            .filter(|_| number.bytes().all(|b| b.is_ascii_digit()))
            .ok_or(FieldError::Malformed("CSeq"))?;
        if !method.bytes().all(is_token_byte) {
            return Err(FieldError::Malformed("CSeq"));
        }
        let method = method.to_owned();
        Ok(CSeq { number, method })
    }

    /// The branch of every Via element, top first; an element without one gives `None`.
    pub fn via_branches(&self) -> Result<Vec<Option<&str>>, FieldError> {
        let vias = self.values("Via");
        if vias.is_empty() {
            return Err(FieldError::Missing("Via"));
        }
        vias.into_iter()
            .map(|via| {
                let protocol = via.get(..8).unwrap_or_default();
                if !protocol.eq_ignore_ascii_case("SIP/2.0/") {
                    return Err(FieldError::Malformed("Via"));
                }
                Ok(param(via, "branch").flatten())
            })
            .collect()
    }

    /// The top Via's branch, which must be there and carry RFC 3261's magic cookie.
    pub fn top_branch(&self) -> Result<&str, FieldError> {
        let branches = self.via_branches()?;
        let top = branches.first().copied().flatten();
        top.filter(|b| b.starts_with("z9hG4bK") && b.len() > 7)
            .ok_or(FieldError::Malformed("Via"))
    }

    /// The From tag, if any.
    pub fn from_tag(&self) -> Result<Option<&str>, FieldError> {
        self.tag("From")
    }

    /// The To tag, if any.
    pub fn to_tag(&self) -> Result<Option<&str>, FieldError> {
        self.tag("To")
    }

    /// The URI of the first Contact.
    pub fn contact_uri(&self) -> Result<&str, FieldError> {
        let first = self.values("Contact").into_iter().next();
        let first = first.ok_or(FieldError::Missing("Contact"))?;
        let address = Address::parse(first).ok_or(FieldError::Malformed("Contact"))?;
        Ok(address.uri)
    }

    fn tag(&self, name: &'static str) -> Result<Option<&str>, FieldError> {
        let address = Address::parse(self.single(name)?).ok_or(FieldError::Malformed(name))?;
        match address.param("tag") {
            None => Ok(None),
            Some(Some(tag)) if !tag.is_empty() => Ok(Some(tag)),
            Some(_) => Err(FieldError::Malformed(name)),
        }
    }

    /// A header that must appear once (or repeat with the same value).
    fn single(&self, name: &'static str) -> Result<&str, FieldError> {
        let mut values = self.all(name).map(str::trim);
        let first = values.next().ok_or(FieldError::Missing(name))?;
        match values.all(|other| other == first) {
            true => Ok(first),
            false => Err(FieldError::Repeated(name)),
        }
    }
}

impl Message {
    /// Checks what RFC 3261 §8.1.1 asks of every request, and §8.2.6/§20 of every response:
    /// Via (with a branch on top), From with a tag in requests, To, Call-ID, a CSeq whose
    /// method is the request's, Max-Forwards in requests.
    pub fn check_mandatory(&self) -> Result<(), FieldError> {
        let headers = &self.headers;
        headers.top_branch()?;
        headers.to_tag()?;
        headers.call_id()?;
        let cseq = headers.cseq()?;
        let from_tag = headers.from_tag()?;
        if let StartLine::Request { method, .. } = &self.start {
            if *method != cseq.method {
                return Err(FieldError::CSeqMethod);
            }
            from_tag.ok_or(FieldError::Malformed("From"))?;
            let hops = headers
                .get("Max-Forwards")
                .ok_or(FieldError::Missing("Max-Forwards"))?;
            hops.trim()
                .parse::<u8>()
                .map_err(|_| FieldError::Malformed("Max-Forwards"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::parse_datagram;

    const INVITE: &str = "INVITE sip:+3212345678@trunk.test SIP/2.0\r\n\
        v: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa1;rport\r\n\
        Via: SIP/2.0/UDP proxy.test;received=192.0.2.9\r\n\
        Max-Forwards: 70\r\n\
        f: \"BIN Test\" <sip:bin@example.test>;tag=local1\r\n\
        t: <sip:+3212345678@trunk.test>\r\n\
        i: call-1@example.test\r\n\
        CSeq: 2 INVITE\r\n\
        m: <sip:buurtbel@192.0.2.1:5060;transport=udp>;expires=60, <sip:other@h>\r\n\
        l: 0\r\n\r\n";

    #[test]
    fn reads_the_fields_of_a_compact_invite() {
        let invite = parse_datagram(INVITE.as_bytes()).unwrap();
        let h = &invite.headers;
        assert_eq!(h.call_id(), Ok("call-1@example.test"));
        let cseq = h.cseq().unwrap();
        assert_eq!((cseq.number, cseq.method.as_str()), (2, "INVITE"));
        assert_eq!(h.via_branches(), Ok(vec![Some("z9hG4bKa1"), None]));
        assert_eq!(h.top_branch(), Ok("z9hG4bKa1"));
        assert_eq!((h.from_tag(), h.to_tag()), (Ok(Some("local1")), Ok(None)));
        assert_eq!(
            h.contact_uri(),
            Ok("sip:buurtbel@192.0.2.1:5060;transport=udp")
        );
        assert_eq!(invite.check_mandatory(), Ok(()));
    }

    #[test]
    fn each_broken_field_is_named() {
        let cases = [
            ("CSeq: 2 INVITE", "CSeq: 2 BYE", FieldError::CSeqMethod),
            (
                "CSeq: 2 INVITE",
                "CSeq: two INVITE",
                FieldError::Malformed("CSeq"),
            ),
            (
                "i: call-1@example.test",
                "i: a b",
                FieldError::Malformed("Call-ID"),
            ),
            (";tag=local1", "", FieldError::Malformed("From")),
            (
                "Max-Forwards: 70\r\n",
                "",
                FieldError::Missing("Max-Forwards"),
            ),
            ("branch=z9hG4bKa1", "branch=1", FieldError::Malformed("Via")),
            (
                "v: SIP/2.0/UDP",
                "v: SIP/3.0/UDP",
                FieldError::Malformed("Via"),
            ),
        ];
        for (from, to, expected) in cases {
            let text = INVITE.replacen(from, to, 1);
            let message = parse_datagram(text.as_bytes()).unwrap();
            assert_eq!(message.check_mandatory(), Err(expected), "{to:?}");
        }
        let twice = INVITE.replace("i: call-1@example.test", "i: a\r\ni: b");
        let message = parse_datagram(twice.as_bytes()).unwrap();
        assert_eq!(
            message.headers.call_id(),
            Err(FieldError::Repeated("Call-ID"))
        );
    }
}
