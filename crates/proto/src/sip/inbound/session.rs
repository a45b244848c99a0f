//! Session timers (RFC 4028) on the called side, kept to watching.
//!
//! When the caller supports timers and asks for an interval with itself (or nobody) named as
//! refresher, our 2xx names the caller (`Session-Expires: N;refresher=uac`, `Require: timer`)
//! and we only watch: a call not refreshed in time gets a BYE `min(32 s, N/3)` before the
//! session would expire (§10). When the caller does not support timers, or wants us to
//! refresh, we answer without `Session-Expires` (§9 allows a UAS that does not take part):
//! no timer runs and we never refresh. Every 2xx to a refresh restarts the timer, and one to
//! a refresh without `Session-Expires` stops it.

use crate::sip::message::{Request, Response};
use crate::time::Instant;
use std::time::Duration;

/// The smallest interval we accept (RFC 4028 §4: Min-SE is at least 90 s).
pub(super) const MIN_SE: u32 = 90;

/// What a request (the INVITE or a refresh) asks of the session timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Requested {
    /// No timer: none asked for, or one the caller leaves to us.
    Nothing,
    /// The caller refreshes within this many seconds; we watch.
    CallerRefreshes(u32),
    /// An interval below [`MIN_SE`]: 422.
    TooSmall,
}

impl Requested {
    /// Reads `Session-Expires`, `Supported` and `Require`; an unreadable `Session-Expires` is
    /// no request.
    pub(super) fn of(request: &Request) -> Requested {
        let headers = &request.headers;
        let Some((delta, refresher)) = headers.get("session-expires").and_then(parse) else {
            return Requested::Nothing;
        };
        let names_timer = |name| {
            headers
                .list(name)
                .iter()
                .any(|o| o.trim().eq_ignore_ascii_case("timer"))
        };
        let caller_can_refresh = names_timer("supported") || names_timer("require");
        if !caller_can_refresh || refresher.is_some_and(|r| r.eq_ignore_ascii_case("uas")) {
            Requested::Nothing
        } else if delta < MIN_SE {
            Requested::TooSmall
        } else {
            Requested::CallerRefreshes(delta)
        }
    }
}

/// Adds the timer headers to our 2xx when the caller refreshes every `delta` seconds.
pub(super) fn add_headers(ok: &mut Response, delta: u32) {
    ok.headers.push("Supported", "timer");
    ok.headers.push("Require", "timer");
    ok.headers
        .push("Session-Expires", format!("{delta};refresher=uac"));
}

/// Turns a 2xx into the 422 for an interval below [`MIN_SE`] (§8.1).
pub(super) fn too_small(mut response: Response) -> Response {
    response.status = 422;
    response.reason = "Session Interval Too Small".into();
    response.headers.push("Min-SE", MIN_SE.to_string());
    response
}

/// The running session timer: when we BYE unless the caller refreshes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct SessionTimer {
    pub(super) deadline: Instant,
}

impl SessionTimer {
    /// A timer for an interval of `delta` seconds starting `now`.
    pub(super) fn start(now: Instant, delta: u32) -> SessionTimer {
        let interval = Duration::from_secs(delta.into());
        let early = (interval / 3).min(Duration::from_secs(32));
        SessionTimer {
            deadline: now + (interval - early),
        }
    }
}

/// `delta-seconds[;refresher=uac|uas]`: the interval and the refresher as written.
fn parse(value: &str) -> Option<(u32, Option<&str>)> {
    let mut parts = value.split(';');
    let delta: u32 = parts.next()?.trim().parse().ok()?;
    let refresher = parts.find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("refresher")
            .then_some(value.trim())
    });
    (delta > 0).then_some((delta, refresher))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sip::method::Method;
    use crate::sip::uri::Uri;

    fn request(headers: &[(&str, &str)]) -> Request {
        let mut request = Request::new(Method::Invite, Uri::parse("sip:gw.test").unwrap());
        for (name, value) in headers {
            request.headers.push(name, *value);
        }
        request
    }

    #[test]
    fn what_the_caller_asks() {
        let table: &[(&[(&str, &str)], Requested)] = &[
            (&[], Requested::Nothing),
            (&[("Session-Expires", "1800")], Requested::Nothing),
            (
                &[("Supported", "100rel, timer"), ("Session-Expires", "1800")],
                Requested::CallerRefreshes(1800),
            ),
            (
                &[("Supported", "timer"), ("x", "600;refresher=uac")],
                Requested::CallerRefreshes(600),
            ),
            (
                &[
                    ("Supported", "timer"),
                    ("Session-Expires", "1800;refresher=UAS"),
                ],
                Requested::Nothing,
            ),
            (
                &[("Require", "timer"), ("Session-Expires", "60")],
                Requested::TooSmall,
            ),
            (
                &[("Supported", "timer"), ("Session-Expires", "soon")],
                Requested::Nothing,
            ),
            (
                &[("Supported", "timer"), ("Session-Expires", "0")],
                Requested::Nothing,
            ),
        ];
        for (headers, expected) in table {
            assert_eq!(Requested::of(&request(headers)), *expected, "{headers:?}");
        }
    }

    #[test]
    fn timer_fires_before_the_session_expires() {
        let start = Instant::ZERO;
        let long = SessionTimer::start(start, 1800);
        assert_eq!(long.deadline, start + Duration::from_secs(1768));
        let short = SessionTimer::start(start, 90);
        assert_eq!(short.deadline, start + Duration::from_secs(60));
    }
}
