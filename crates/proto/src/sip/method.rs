//! SIP request methods, matched exactly.
//!
//! A method is a case-sensitive token (RFC 3261 §7.1); `INVITEX` is an extension method, not
//! an INVITE. We match the whole token ourselves rather than trusting a prefix parser.

use std::fmt;

/// A SIP request method.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Method {
    /// Starts a call.
    Invite,
    /// Confirms a final response to an INVITE.
    Ack,
    /// Ends a call.
    Bye,
    /// Cancels a pending INVITE.
    Cancel,
    /// Asks for capabilities.
    Options,
    /// Binds a contact address to an address of record.
    Register,
    /// Carries mid-call information (DTMF relay).
    Info,
    /// Updates session parameters before or after answer.
    Update,
    /// Acknowledges a reliable provisional response.
    Prack,
    /// Any other token.
    Extension(String),
}

impl Method {
    /// Parses a method token; `None` when it is not a valid RFC 3261 token.
    pub fn parse(token: &str) -> Option<Method> {
        if token.is_empty() || !token.bytes().all(is_token_byte) {
            return None;
        }
        Some(match token {
            "INVITE" => Method::Invite,
            "ACK" => Method::Ack,
            "BYE" => Method::Bye,
            "CANCEL" => Method::Cancel,
            "OPTIONS" => Method::Options,
            "REGISTER" => Method::Register,
            "INFO" => Method::Info,
            "UPDATE" => Method::Update,
            "PRACK" => Method::Prack,
            other => Method::Extension(other.to_owned()),
        })
    }

    /// The method as written on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Method::Invite => "INVITE",
            Method::Ack => "ACK",
            Method::Bye => "BYE",
            Method::Cancel => "CANCEL",
            Method::Options => "OPTIONS",
            Method::Register => "REGISTER",
            Method::Info => "INFO",
            Method::Update => "UPDATE",
            Method::Prack => "PRACK",
            Method::Extension(token) => token,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// RFC 3261 §25.1 `token` characters.
pub fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_match_not_prefix() {
        assert_eq!(Method::parse("INVITE"), Some(Method::Invite));
        assert_eq!(
            Method::parse("INVITEX"),
            Some(Method::Extension("INVITEX".into()))
        );
        assert_eq!(
            Method::parse("invite"),
            Some(Method::Extension("invite".into()))
        );
    }

    #[test]
    fn rejects_non_tokens() {
        assert_eq!(Method::parse(""), None);
        assert_eq!(Method::parse("IN VITE"), None);
        assert_eq!(Method::parse("INV<ITE"), None);
    }

    #[test]
    fn round_trips() {
        for m in [
            "INVITE",
            "ACK",
            "BYE",
            "CANCEL",
            "OPTIONS",
            "REGISTER",
            "INFO",
            "NEWMETHOD",
        ] {
            assert_eq!(Method::parse(m).unwrap().as_str(), m);
        }
    }
}
