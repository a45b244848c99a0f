//! Who calls: the identity the trunk vouches for (RFC 3325 `P-Asserted-Identity`), else the
//! From header's user part, which anyone can write, or nobody when the caller withholds it
//! (RFC 3323 `Privacy`, or an anonymous From, RFC 3261 §8.1.1.3).
//!
//! Numbers are returned as written in the URI's user part, without its parameters: the
//! application normalises them to E.164. Unreadable headers are skipped, never an error.

use crate::sip::header::NameAddr;
use crate::sip::message::Request;
use crate::sip::uri::Uri;

/// How the caller is identified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallerIdentity {
    /// P-Asserted-Identity (RFC 3325) user part: the trunk vouches for it.
    Asserted(String),
    /// Only the From header's user part: may be forged.
    From(String),
    /// Withheld: From user `anonymous` (any case), host `anonymous.invalid`, or a
    /// `Privacy: id`/`user`/`header` header without P-Asserted-Identity we may read
    /// (when Privacy: id is set but PAI is present, the trunk still tells us: Asserted).
    Withheld,
}

/// Reads the caller's identity from an INVITE. A P-Asserted-Identity may hold a `tel:` and a
/// `sip:` URI (in one header, comma-separated, or in two): the `tel:` one wins.
pub fn caller_identity(invite: &Request) -> CallerIdentity {
    if let Some(number) = asserted(invite) {
        return CallerIdentity::Asserted(number);
    }
    if withheld_by_privacy(invite) {
        return CallerIdentity::Withheld;
    }
    invite
        .headers
        .from()
        .ok()
        .filter(|from| !is_anonymous(&from.uri))
        .and_then(|from| user_part(&from.uri))
        .map_or(CallerIdentity::Withheld, CallerIdentity::From)
}

/// The user part of a `sip:`/`sips:` URI or the number of a `tel:` URI, as written but
/// without parameters (`;phone-context=…`, `;npdi`); `None` when there is none.
pub(super) fn user_part(uri: &Uri) -> Option<String> {
    let user = match uri {
        Uri::Sip(sip) => sip.user()?.to_owned(),
        // The parser has checked the `tel:` scheme, four ASCII bytes.
        Uri::Tel(_) => uri.to_string().get(4..)?.to_owned(),
        Uri::Other(_) => return None,
    };
    let user = user.split(';').next().unwrap_or_default().trim();
    (!user.is_empty()).then(|| user.to_owned())
}

fn asserted(invite: &Request) -> Option<String> {
    let uris: Vec<Uri> = invite
        .headers
        .list("p-asserted-identity")
        .into_iter()
        .filter_map(|value| NameAddr::parse(value, "P-Asserted-Identity").ok())
        .map(|address| address.uri)
        .filter(|uri| !is_anonymous(uri))
        .collect();
    let tel = uris.iter().filter(|u| matches!(u, Uri::Tel(_)));
    let sip = uris.iter().filter(|u| matches!(u, Uri::Sip(_)));
    tel.chain(sip).find_map(user_part)
}

/// `Privacy: id`, `user` or `header` (RFC 3323 §4.2), values separated by `;` or `,`.
fn withheld_by_privacy(invite: &Request) -> bool {
    invite
        .headers
        .all("privacy")
        .flat_map(|value| value.split([';', ',']))
        .map(str::trim)
        .any(|value| {
            ["id", "user", "header"]
                .iter()
                .any(|p| value.eq_ignore_ascii_case(p))
        })
}

fn is_anonymous(uri: &Uri) -> bool {
    uri.as_sip().is_some_and(|sip| {
        sip.user()
            .is_some_and(|u| u.eq_ignore_ascii_case("anonymous"))
            || sip.host().eq_ignore_ascii_case("anonymous.invalid")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sip::message::{Message, parse_datagram};

    const FROM: &str = "\"Test Lid Een\" <sip:+32470000001@trunk.test>;tag=c1";

    fn invite(from: &str, extra: &[&str]) -> Request {
        let mut text = format!(
            "INVITE sip:+3212345678@gw.test SIP/2.0\r\n\
             Via: SIP/2.0/UDP 198.51.100.9;branch=z9hG4bK1\r\nFrom: {from}\r\n\
             To: <sip:+3212345678@gw.test>\r\nCall-ID: id1\r\nCSeq: 1 INVITE\r\n"
        );
        for line in extra {
            text.push_str(line);
            text.push_str("\r\n");
        }
        text.push_str("\r\n");
        match parse_datagram(text.as_bytes()) {
            Ok(Message::Request(request)) => request,
            other => panic!("{other:?}"),
        }
    }

    fn asserted(number: &str) -> CallerIdentity {
        CallerIdentity::Asserted(number.into())
    }

    #[test]
    fn identity_table() {
        let from = |n: &str| CallerIdentity::From(n.into());
        let table: &[(&str, &[&str], CallerIdentity)] = &[
            (FROM, &[], from("+32470000001")),
            (
                FROM,
                &["P-Asserted-Identity: <sip:+32470000002@trunk.test;user=phone>"],
                asserted("+32470000002"),
            ),
            (
                FROM,
                &["P-Asserted-Identity: <tel:+32-470-00-00-03>"],
                asserted("+32-470-00-00-03"),
            ),
            (
                FROM,
                &[
                    "P-Asserted-Identity: \"Test Lid Twee\" <sip:+32470000004@trunk.test>, \
                   <tel:+32470000005;phone-context=+32>",
                ],
                asserted("+32470000005"),
            ),
            (
                FROM,
                &[
                    "P-Asserted-Identity: <sip:0470000006;phone-context=+32@trunk.test;user=phone>",
                    "P-Asserted-Identity: <tel:0470000007;phone-context=+32>",
                ],
                asserted("0470000007"),
            ),
            (
                FROM,
                &["P-Asserted-Identity: <sip:0470000008;phone-context=+32@trunk.test>"],
                asserted("0470000008"),
            ),
            ("<tel:+32470000009>;tag=c1", &[], from("+32470000009")),
            (
                "\"Anonymous\" <sip:anonymous@anonymous.invalid>;tag=c1",
                &[],
                CallerIdentity::Withheld,
            ),
            (
                "<sip:ANONYMOUS@trunk.test>;tag=c1",
                &[],
                CallerIdentity::Withheld,
            ),
            (
                "<sip:+32470000001@Anonymous.Invalid>;tag=c1",
                &[],
                CallerIdentity::Withheld,
            ),
            ("<sip:trunk.test>;tag=c1", &[], CallerIdentity::Withheld),
            (FROM, &["Privacy: id"], CallerIdentity::Withheld),
            (FROM, &["Privacy: header;user"], CallerIdentity::Withheld),
            (FROM, &["Privacy: none"], from("+32470000001")),
            (
                FROM,
                &[
                    "Privacy: id",
                    "P-Asserted-Identity: <sip:+32470000010@trunk.test>",
                ],
                asserted("+32470000010"),
            ),
            (
                FROM,
                &["P-Asserted-Identity: <sip:anonymous@anonymous.invalid>"],
                from("+32470000001"),
            ),
            (
                FROM,
                &["P-Asserted-Identity: not a uri <<<"],
                from("+32470000001"),
            ),
            (
                FROM,
                &["P-Asserted-Identity: <tel:12>"],
                from("+32470000001"),
            ),
            (
                FROM,
                &["Privacy: id", "P-Asserted-Identity: <garbage>"],
                CallerIdentity::Withheld,
            ),
            (
                FROM,
                &["P-Asserted-Identity: <mailto:x@trunk.test>"],
                from("+32470000001"),
            ),
        ];
        for (from_header, extra, expected) in table {
            let request = invite(from_header, extra);
            assert_eq!(
                &caller_identity(&request),
                expected,
                "{from_header} {extra:?}"
            );
        }
    }

    #[test]
    fn user_part_of_each_scheme() {
        let user = |text: &str| user_part(&Uri::parse(text).unwrap());
        assert_eq!(
            user("sip:+3212345678@gw.test;user=phone").as_deref(),
            Some("+3212345678")
        );
        assert_eq!(user("tel:+32-2-123;foo=bar").as_deref(), Some("+32-2-123"));
        assert_eq!(user("sips:gw.test"), None);
        assert_eq!(user("urn:service:sos"), None);
    }
}
