//! `trunk.proxy`, read in the forms SIP engineers write elsewhere: `host`, `host:port`, an
//! IPv4 or IPv6 address (`[2001:db8::1]:5060`, or bare without a port), or a SIP URI
//! (`sip:sip.trunk.example:5060;transport=tcp;lr`). Whatever the form, the dialer gets one
//! `host:port` to resolve; a value that is none of them is refused with the forms that are.

use super::TransportKind;
use std::net::{IpAddr, Ipv6Addr};

/// The SIP port when none is written (RFC 3261 §19.1.2).
const SIP_PORT: u16 = 5060;
/// What the error says is accepted.
const FORMS: &str = "write host, host:port, [IPv6]:port or sip:host:port;transport=udp|tcp";

/// A `trunk.proxy` that is none of the forms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a trunk address ({problem}); {FORMS}")]
pub struct ProxyError {
    /// What was written.
    pub text: String,
    /// What is wrong with it.
    #[source]
    pub problem: ProxyProblem,
}

/// What is wrong with a `trunk.proxy`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyProblem {
    /// `sips:`.
    #[error("sips: needs TLS, which is not supported")]
    Tls,
    /// A `;transport=` other than udp or tcp.
    #[error("transport is udp or tcp")]
    Transport,
    /// A URI parameter other than `transport` and `lr`.
    #[error("the parameter `{0}` is not understood")]
    Parameter(String),
    /// Nothing where the host goes.
    #[error("no host")]
    NoHost,
    /// `user@host`.
    #[error("a proxy has a host, not a user")]
    User,
    /// `[` without `]`.
    #[error("no closing `]`")]
    Unclosed,
    /// Something other than an IPv6 address in brackets.
    #[error("not an IPv6 address in brackets")]
    NotIpv6,
    /// Something other than `:port` after `]`.
    #[error("a port follows `]:`")]
    AfterBracket,
    /// A port that is not 1 to 65535.
    #[error("the port is 1 to 65535")]
    Port,
    /// A host that is neither a name nor an address.
    #[error("not a host name or address")]
    NotHost,
}

/// Where requests go, as `trunk.proxy` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyAddress {
    /// A host name or an IP address, without brackets.
    pub host: String,
    /// The port, 5060 when not written.
    pub port: u16,
    /// The transport a SIP URI names with `;transport=`.
    pub transport: Option<TransportKind>,
}

impl ProxyAddress {
    /// Reads `text`, or says what is wrong and which forms are accepted.
    pub fn parse(text: &str) -> Result<ProxyAddress, ProxyError> {
        let trimmed = text.trim();
        let refuse = |problem| ProxyError {
            text: text.to_owned(),
            problem,
        };
        let lower = trimmed.to_ascii_lowercase();
        if lower.starts_with("sips:") {
            return Err(refuse(ProxyProblem::Tls));
        }
        let Some(uri) = lower.strip_prefix("sip:").map(|_| &trimmed[4..]) else {
            let (host, port) = host_port(trimmed).map_err(&refuse)?;
            return Ok(ProxyAddress {
                host,
                port,
                transport: None,
            });
        };
        let mut parts = uri.split(';');
        let (host, port) = host_port(parts.next().unwrap_or_default()).map_err(&refuse)?;
        let mut transport = None;
        for param in parts {
            let (name, value) = param.split_once('=').unwrap_or((param, ""));
            match (
                name.to_ascii_lowercase().as_str(),
                value.to_ascii_lowercase().as_str(),
            ) {
                ("transport", "udp") => transport = Some(TransportKind::Udp),
                ("transport", "tcp") => transport = Some(TransportKind::Tcp),
                ("transport", _) => return Err(refuse(ProxyProblem::Transport)),
                ("lr", "") => {}
                _ => return Err(refuse(ProxyProblem::Parameter(param.to_owned()))),
            }
        }
        Ok(ProxyAddress {
            host,
            port,
            transport,
        })
    }

    /// `host:port`, or `[v6]:port`, to resolve.
    pub fn host_port(&self) -> String {
        match self.host.parse::<IpAddr>() {
            Ok(IpAddr::V6(_)) => format!("[{}]:{}", self.host, self.port),
            _ => format!("{}:{}", self.host, self.port),
        }
    }
}

/// A host with an optional port.
fn host_port(text: &str) -> Result<(String, u16), ProxyProblem> {
    if text.is_empty() {
        return Err(ProxyProblem::NoHost);
    }
    if text.contains('@') {
        return Err(ProxyProblem::User);
    }
    if let Some(rest) = text.strip_prefix('[') {
        let (address, after) = rest.split_once(']').ok_or(ProxyProblem::Unclosed)?;
        address
            .parse::<Ipv6Addr>()
            .map_err(|_| ProxyProblem::NotIpv6)?;
        let port = match after {
            "" => SIP_PORT,
            after => port(after.strip_prefix(':').ok_or(ProxyProblem::AfterBracket)?)?,
        };
        return Ok((address.to_owned(), port));
    }
    if text.parse::<Ipv6Addr>().is_ok() {
        return Ok((text.to_owned(), SIP_PORT));
    }
    let (host, port) = match text.split_once(':') {
        Some((host, written)) => (host, self::port(written)?),
        None => (text, SIP_PORT),
    };
    let is_name = host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if host.is_empty() || !is_name || host.starts_with(['.', '-']) {
        return Err(ProxyProblem::NotHost);
    }
    Ok((host.to_owned(), port))
}

fn port(text: &str) -> Result<u16, ProxyProblem> {
    match text.parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(ProxyProblem::Port),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(text: &str) -> (String, Option<TransportKind>) {
        let proxy = ProxyAddress::parse(text).unwrap_or_else(|e| panic!("{e}"));
        (proxy.host_port(), proxy.transport)
    }

    #[test]
    fn the_forms_engineers_write() {
        let tcp = Some(TransportKind::Tcp);
        let cases = [
            ("sip.trunk.example", ("sip.trunk.example:5060", None)),
            ("sip.trunk.example:5070", ("sip.trunk.example:5070", None)),
            ("127.0.0.1:5070", ("127.0.0.1:5070", None)),
            ("[2001:db8::1]:5070", ("[2001:db8::1]:5070", None)),
            ("[2001:db8::1]", ("[2001:db8::1]:5060", None)),
            ("2001:db8::1", ("[2001:db8::1]:5060", None)),
            (
                "sip:sip.trunk.example:5060;transport=tcp",
                ("sip.trunk.example:5060", tcp),
            ),
            (
                "SIP:[2001:db8::1]:5080;lr;Transport=UDP",
                ("[2001:db8::1]:5080", Some(TransportKind::Udp)),
            ),
            (" sip:10.0.0.1 ", ("10.0.0.1:5060", None)),
        ];
        for (text, (host_port, transport)) in cases {
            assert_eq!(address(text), (host_port.to_owned(), transport), "{text}");
        }
    }

    #[test]
    fn an_unusable_value_names_the_accepted_forms() {
        for bad in [
            "",
            "sips:sip.trunk.example",
            "sip:trunk@sip.trunk.example",
            "sip:sip.trunk.example;transport=sctp",
            "sip:sip.trunk.example;maddr=10.0.0.1",
            "sip.trunk.example:99999",
            "sip.trunk.example:0",
            "[2001:db8::1",
            "[not-v6]:5060",
            "host name with spaces",
            "http://sip.trunk.example",
        ] {
            let error = ProxyAddress::parse(bad).unwrap_err().to_string();
            assert!(error.contains("[IPv6]:port"), "{bad}: {error}");
        }
    }
}
