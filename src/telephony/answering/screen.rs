//! Which INVITEs the call-back line looks at: only from the trunk's networks
//! (`[inbound] allow`), never from a known scanner, and the refusals themselves are limited,
//! so a flood from the internet costs a lookup per packet and nothing more. Pure: the time is
//! passed in.

use buurtbel_proto::sip::message::Request;
use buurtbel_proto::time::Instant;
use ipnet::IpNet;
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

/// User agents of SIP scanners: their INVITEs get no answer at all.
const SCANNERS: [&str; 10] = [
    "friendly-scanner",
    "sipvicious",
    "sipcli",
    "sip-scan",
    "sipscan",
    "sundayddr",
    "iwar",
    "vaxsipuseragent",
    "pplsip",
    "smap",
];

/// Refusals (403) one source gets per [`REFUSAL_PERIOD`]; the rest are dropped.
pub const REFUSALS_PER_PERIOD: u32 = 5;
/// The period [`REFUSALS_PER_PERIOD`] counts in.
pub const REFUSAL_PERIOD: Duration = Duration::from_secs(10);
/// Sources counted at once; a new one beyond is dropped unanswered until the table clears.
const SOURCES_KEPT: usize = 4096;

/// What to do with an INVITE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// From the trunk: look at it.
    Take,
    /// From elsewhere: answer 403.
    Refuse,
    /// A scanner, or a source refused too often: no answer.
    Ignore,
}

/// The line's screen.
#[derive(Debug)]
pub struct Screen {
    allowed: Vec<IpNet>,
    refused: HashMap<IpAddr, (Instant, u32)>,
}

impl Screen {
    /// Takes INVITEs from `allowed` only.
    pub fn new(allowed: Vec<IpNet>) -> Screen {
        Screen {
            allowed,
            refused: HashMap::new(),
        }
    }

    /// The verdict on `invite`, which came from `source` at `now`.
    pub fn judge(&mut self, now: Instant, invite: &Request, source: IpAddr) -> Verdict {
        if is_scanner(invite) {
            return Verdict::Ignore;
        }
        let source = canonical(source);
        if self.allowed.iter().any(|net| net.contains(&source)) {
            return Verdict::Take;
        }
        self.refusal(now, source)
    }

    fn refusal(&mut self, now: Instant, source: IpAddr) -> Verdict {
        if self.refused.len() >= SOURCES_KEPT {
            self.refused
                .retain(|_, (since, _)| now.saturating_duration_since(*since) < REFUSAL_PERIOD);
        }
        if self.refused.len() >= SOURCES_KEPT && !self.refused.contains_key(&source) {
            return Verdict::Ignore;
        }
        let (since, count) = self.refused.entry(source).or_insert((now, 0));
        if now.saturating_duration_since(*since) >= REFUSAL_PERIOD {
            *since = now;
            *count = 0;
        }
        *count += 1;
        if *count <= REFUSALS_PER_PERIOD {
            Verdict::Refuse
        } else {
            Verdict::Ignore
        }
    }
}

/// An IPv4 address written as IPv6 (`::ffff:192.0.2.1`, from a dual-stack socket) is the
/// IPv4 one.
fn canonical(source: IpAddr) -> IpAddr {
    match source {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(source, IpAddr::V4),
        v4 => v4,
    }
}

fn is_scanner(invite: &Request) -> bool {
    let agent = invite
        .headers
        .get("User-Agent")
        .unwrap_or_default()
        .to_ascii_lowercase();
    SCANNERS.iter().any(|scanner| agent.contains(scanner))
}

#[cfg(test)]
mod tests {
    use super::*;
    use buurtbel_proto::sip::method::Method;
    use buurtbel_proto::sip::uri::Uri;

    fn invite(agent: Option<&str>) -> Request {
        let mut request = Request::new(Method::Invite, Uri::parse("sip:+3233000000@gw").unwrap());
        if let Some(agent) = agent {
            request.headers.push("User-Agent", agent);
        }
        request
    }

    fn screen() -> Screen {
        Screen::new(vec![
            "192.0.2.0/24".parse().unwrap(),
            "2001:db8::/32".parse().unwrap(),
        ])
    }

    #[test]
    fn the_trunks_networks_are_taken_and_others_refused() {
        let mut screen = screen();
        let now = Instant::ZERO;
        let call = invite(Some("TrunkSBC/1.0"));
        for (source, verdict) in [
            ("192.0.2.9", Verdict::Take),
            ("::ffff:192.0.2.9", Verdict::Take),
            ("2001:db8::5", Verdict::Take),
            ("198.51.100.1", Verdict::Refuse),
            ("2001:db9::5", Verdict::Refuse),
        ] {
            assert_eq!(
                screen.judge(now, &call, source.parse().unwrap()),
                verdict,
                "{source}"
            );
        }
    }

    #[test]
    fn scanners_are_ignored_even_from_the_trunk() {
        let mut screen = screen();
        for agent in [
            "friendly-scanner",
            "SIPVicious 0.3",
            "sipcli/v1.8",
            "VaxSIPUserAgent/3.1",
        ] {
            let verdict = screen.judge(
                Instant::ZERO,
                &invite(Some(agent)),
                "192.0.2.9".parse().unwrap(),
            );
            assert_eq!(verdict, Verdict::Ignore, "{agent}");
        }
        let plain = screen.judge(Instant::ZERO, &invite(None), "192.0.2.9".parse().unwrap());
        assert_eq!(plain, Verdict::Take);
    }

    #[test]
    fn refusals_are_limited_per_source_and_period() {
        let mut screen = screen();
        let call = invite(None);
        let stranger: IpAddr = "198.51.100.1".parse().unwrap();
        let mut now = Instant::ZERO;
        let verdicts: Vec<Verdict> = (0..8).map(|_| screen.judge(now, &call, stranger)).collect();
        let refused = verdicts.iter().filter(|v| **v == Verdict::Refuse).count();
        assert_eq!(refused, REFUSALS_PER_PERIOD as usize);
        assert_eq!(verdicts.last(), Some(&Verdict::Ignore));
        let other: IpAddr = "198.51.100.2".parse().unwrap();
        assert_eq!(screen.judge(now, &call, other), Verdict::Refuse);
        now += REFUSAL_PERIOD;
        assert_eq!(screen.judge(now, &call, stranger), Verdict::Refuse);
    }

    #[test]
    fn a_flood_of_sources_is_bounded() {
        let mut screen = screen();
        let call = invite(None);
        for i in 0..(SOURCES_KEPT as u32 + 10) {
            let source = IpAddr::from(std::net::Ipv4Addr::from(0x0A00_0000 + i));
            screen.judge(Instant::ZERO, &call, source);
        }
        assert!(screen.refused.len() <= SOURCES_KEPT);
    }
}
