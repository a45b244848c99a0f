//! Registration with the trunk (RFC 3261 §10), sans-IO: REGISTER, answer digest challenges,
//! and refresh at 90 % of the expiry the registrar granted. A failed registration is retried
//! with a growing back-off, so a trunk that was down is registered again when it returns.

use crate::sip::call::Transmit;
use crate::sip::digest::{Challenge, Credentials, DigestClient};
use crate::sip::message::{Request, Response};
use crate::sip::method::Method;
use crate::sip::transaction::{ClientEvent, ClientTransaction, Timers, local_via};
use crate::sip::uri::Uri;
use crate::time::Instant;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

/// The first wait after a failed registration; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(30);
/// The longest wait between registration attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(600);

/// What a registration needs to know.
#[derive(Debug, Clone)]
pub struct RegistrationSetup {
    /// The registrar's URI (`sip:domain`).
    pub registrar: Uri,
    /// Our address of record (`sip:user@domain`), in From and To.
    pub address_of_record: Uri,
    /// Where the trunk should send calls for us.
    pub contact: Uri,
    /// The expiry we ask for.
    pub expiry: Duration,
    /// `UDP` or `TCP`.
    pub transport: String,
    /// Our Via sent-by.
    pub sent_by: String,
    /// No retransmissions on streams.
    pub reliable: bool,
    /// T1, T2, T4.
    pub timers: Timers,
    /// Digest credentials.
    pub credentials: Option<Credentials>,
    /// Where REGISTER goes.
    pub next_hop: SocketAddr,
    /// The User-Agent header.
    pub user_agent: String,
    /// Seeds Call-ID, tags, branches and cnonces.
    pub seed: u64,
}

/// What a registration tells its driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistrationEvent {
    /// The registrar accepted us for this long.
    Registered {
        /// The granted expiry.
        expires: Duration,
    },
    /// The registrar challenged our credentials again: they are wrong for `realm`. A
    /// [`RegistrationEvent::Failed`] follows.
    AuthRejected {
        /// 401 or 407.
        status: u16,
        /// The realm of the refusing challenge.
        realm: String,
        /// The user name we answered with (never the password).
        username: String,
    },
    /// The registrar refused us or did not answer; we try again after `retry_in`.
    Failed {
        /// The final status, if one arrived.
        status: Option<u16>,
        /// When the next attempt goes out.
        retry_in: Duration,
    },
}

/// A registration kept alive.
#[derive(Debug)]
pub struct Registration {
    setup: RegistrationSetup,
    rng: StdRng,
    call_id: String,
    tag: String,
    cseq: u32,
    transaction: Option<ClientTransaction>,
    digest: Option<DigestClient>,
    challenges_answered: u32,
    next_attempt: Option<Instant>,
    backoff: Duration,
    transmits: VecDeque<Transmit>,
    events: VecDeque<RegistrationEvent>,
}

impl Registration {
    /// Starts registering at once.
    pub fn new(now: Instant, setup: RegistrationSetup) -> Registration {
        let mut rng = StdRng::seed_from_u64(setup.seed);
        let mut registration = Registration {
            call_id: format!("{:016x}@buurtbel", rng.random::<u64>()),
            tag: format!("{:08x}", rng.random::<u32>()),
            digest: setup.credentials.clone().map(DigestClient::new),
            setup,
            rng,
            cseq: 0,
            transaction: None,
            challenges_answered: 0,
            next_attempt: None,
            backoff: FIRST_BACKOFF,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        };
        registration.send(now);
        registration
    }

    /// A response whose Call-ID is ours.
    pub fn handle_response(&mut self, now: Instant, response: Response) {
        if let Some(tx) = self.transaction.as_mut() {
            tx.handle_response(now, response);
        }
        self.drive(now);
    }

    /// Fires due timers: retransmissions, refresh, retry.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some(tx) = self.transaction.as_mut() {
            tx.handle_timeout(now);
        }
        if self.next_attempt.is_some_and(|at| now >= at) {
            self.next_attempt = None;
            self.challenges_answered = 0;
            self.send(now);
        }
        self.drive(now);
    }

    /// The Call-ID the driver routes responses by.
    pub fn call_id(&self) -> &str {
        &self.call_id
    }

    /// The next message to send.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<RegistrationEvent> {
        self.events.pop_front()
    }

    /// When `handle_timeout` must be called next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let tx = self.transaction.as_ref().and_then(|t| t.poll_timeout());
        [tx, self.next_attempt].into_iter().flatten().min()
    }

    fn send(&mut self, now: Instant) {
        self.cseq += 1;
        let mut request = self.register_request();
        if let Some(digest) = self.digest.as_mut().filter(|d| d.has_challenge()) {
            let cnonce = format!("{:016x}", self.rng.random::<u64>());
            digest.authorize(&mut request, &cnonce);
        }
        let (reliable, timers) = (self.setup.reliable, self.setup.timers);
        self.transaction = Some(ClientTransaction::new(now, request, reliable, timers));
        self.drive(now);
    }

    fn register_request(&mut self) -> Request {
        let setup = &self.setup;
        let mut request = Request::new(Method::Register, setup.registrar.clone());
        let via = local_via(&setup.transport, &setup.sent_by, self.rng.random());
        let headers = &mut request.headers;
        headers.push("Via", via.to_string());
        headers.push("Max-Forwards", "70");
        headers.push(
            "From",
            format!("<{}>;tag={}", setup.address_of_record, self.tag),
        );
        headers.push("To", format!("<{}>", setup.address_of_record));
        headers.push("Call-ID", self.call_id.clone());
        headers.push("CSeq", format!("{} REGISTER", self.cseq));
        headers.push("Contact", format!("<{}>", setup.contact));
        headers.push("Expires", setup.expiry.as_secs().to_string());
        headers.push("User-Agent", setup.user_agent.clone());
        request
    }

    fn drive(&mut self, now: Instant) {
        let Some(tx) = self.transaction.as_mut() else {
            return;
        };
        let mut out = Vec::new();
        while let Some(bytes) = tx.poll_transmit() {
            out.push(bytes);
        }
        let mut events = Vec::new();
        while let Some(event) = tx.poll_event() {
            events.push(event);
        }
        let next_hop = self.setup.next_hop;
        self.transmits.extend(out.into_iter().map(|bytes| Transmit {
            destination: next_hop,
            bytes,
        }));
        for event in events {
            self.on_event(now, event);
        }
    }

    fn on_event(&mut self, now: Instant, event: ClientEvent) {
        match event {
            ClientEvent::Provisional(_) => {}
            ClientEvent::Final(r) if r.status / 100 == 2 => self.on_registered(now, &r),
            ClientEvent::Final(r) if matches!(r.status, 401 | 407) => self.on_challenge(now, &r),
            ClientEvent::Final(r) => self.on_failure(now, Some(r.status), r.headers.retry_after()),
            ClientEvent::Timeout => self.on_failure(now, None, None),
        }
    }

    fn on_registered(&mut self, now: Instant, response: &Response) {
        let expires = self.granted_expiry(response);
        self.backoff = FIRST_BACKOFF;
        self.challenges_answered = 0;
        self.next_attempt = Some(now + expires.mul_f64(0.9));
        self.events
            .push_back(RegistrationEvent::Registered { expires });
    }

    fn on_challenge(&mut self, now: Instant, response: &Response) {
        let accepted = self
            .digest
            .as_mut()
            .is_some_and(|d| d.handle_challenge(response).is_ok());
        if accepted && self.challenges_answered < 2 {
            self.challenges_answered += 1;
            self.send(now);
            return;
        }
        if let Some(credentials) = &self.setup.credentials {
            self.events.push_back(RegistrationEvent::AuthRejected {
                status: response.status,
                realm: Challenge::realm_of(response),
                username: credentials.username.clone(),
            });
        }
        self.on_failure(now, Some(response.status), None);
    }

    fn on_failure(&mut self, now: Instant, status: Option<u16>, retry_after: Option<u32>) {
        let retry_in = retry_after
            .map(|s| Duration::from_secs(s.into()))
            .unwrap_or(self.backoff);
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
        self.next_attempt = Some(now + retry_in);
        self.events
            .push_back(RegistrationEvent::Failed { status, retry_in });
    }

    /// The expiry of our Contact in the 200, else its Expires header, else what we asked.
    fn granted_expiry(&self, response: &Response) -> Duration {
        let ours = self.setup.contact.to_string();
        let from_contact = response.headers.contacts().ok().and_then(|contacts| {
            contacts
                .iter()
                .find(|c| c.uri.to_string() == ours)
                .or(contacts.first())
                .and_then(|c| c.params.get("expires").flatten()?.parse::<u64>().ok())
        });
        let from_header = response
            .headers
            .get("expires")
            .and_then(|v| v.trim().parse::<u64>().ok());
        from_contact
            .or(from_header)
            .map(Duration::from_secs)
            .unwrap_or(self.setup.expiry)
            .max(Duration::from_secs(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sip::message::{Message, parse_datagram};

    fn setup(credentials: bool) -> RegistrationSetup {
        RegistrationSetup {
            registrar: Uri::parse("sip:trunk.test").unwrap(),
            address_of_record: Uri::parse("sip:bin-test@trunk.test").unwrap(),
            contact: Uri::parse("sip:bin-test@127.0.0.1:5060").unwrap(),
            expiry: Duration::from_secs(3600),
            transport: "UDP".into(),
            sent_by: "127.0.0.1:5060".into(),
            reliable: false,
            timers: Timers::default(),
            credentials: credentials.then(|| Credentials {
                username: "bin-test".into(),
                password: "not-a-secret".into(),
            }),
            next_hop: "127.0.0.3:5060".parse().unwrap(),
            user_agent: "buurtbel-test".into(),
            seed: 3,
        }
    }

    fn sent(registration: &mut Registration) -> Request {
        let transmit = registration.poll_transmit().expect("a REGISTER");
        let Ok(Message::Request(request)) = parse_datagram(&transmit.bytes) else {
            panic!()
        };
        request
    }

    fn reply(request: &Request, status: u16, extra: &[(&str, &str)]) -> Response {
        let mut response = Response::new(status, "Test");
        for name in ["via", "from", "to", "call-id", "cseq"] {
            response
                .headers
                .push(name, request.headers.get(name).unwrap());
        }
        for (name, value) in extra {
            response.headers.push(name, *value);
        }
        response
    }

    #[test]
    fn challenge_then_refresh_at_90_percent_of_granted_expiry() {
        let start = Instant::ZERO;
        let mut registration = Registration::new(start, setup(true));
        let first = sent(&mut registration);
        let challenge = [(
            "WWW-Authenticate",
            "Digest realm=\"trunk.test\", nonce=\"n1\", qop=\"auth\"",
        )];
        registration.handle_response(start, reply(&first, 401, &challenge));
        let second = sent(&mut registration);
        assert!(second.headers.get("authorization").is_some());
        assert_eq!(second.headers.cseq().unwrap().seq, 2);
        let contact = [("Contact", "<sip:bin-test@127.0.0.1:5060>;expires=600")];
        registration.handle_response(start, reply(&second, 200, &contact));
        assert_eq!(
            registration.poll_event(),
            Some(RegistrationEvent::Registered {
                expires: Duration::from_secs(600)
            })
        );
        assert_eq!(
            registration.next_attempt,
            Some(start + Duration::from_secs(540))
        );
        registration.handle_timeout(start + Duration::from_secs(539));
        assert!(registration.poll_transmit().is_none(), "not before 90 %");
        registration.handle_timeout(start + Duration::from_secs(540));
        let refresh = sent(&mut registration);
        assert_eq!(refresh.headers.cseq().unwrap().seq, 3);
        assert!(
            refresh.headers.get("authorization").is_some(),
            "credentials reused"
        );
        assert_eq!(
            refresh.headers.call_id().unwrap(),
            first.headers.call_id().unwrap()
        );
    }

    #[test]
    fn failure_backs_off_and_retries() {
        let start = Instant::ZERO;
        let mut registration = Registration::new(start, setup(false));
        let first = sent(&mut registration);
        registration.handle_response(start, reply(&first, 403, &[]));
        assert_eq!(
            registration.poll_event(),
            Some(RegistrationEvent::Failed {
                status: Some(403),
                retry_in: FIRST_BACKOFF
            })
        );
        registration.handle_timeout(start + FIRST_BACKOFF);
        assert_eq!(sent(&mut registration).method, Method::Register);
    }

    #[test]
    fn refused_credentials_name_the_realm_and_user_then_fail() {
        let start = Instant::ZERO;
        let mut registration = Registration::new(start, setup(true));
        let challenge = [(
            "WWW-Authenticate",
            "Digest realm=\"trunk.test\", nonce=\"n1\", qop=\"auth\"",
        )];
        let first = sent(&mut registration);
        registration.handle_response(start, reply(&first, 401, &challenge));
        let second = sent(&mut registration);
        registration.handle_response(start, reply(&second, 401, &challenge));
        assert_eq!(
            registration.poll_event(),
            Some(RegistrationEvent::AuthRejected {
                status: 401,
                realm: "trunk.test".into(),
                username: "bin-test".into(),
            })
        );
        assert!(matches!(
            registration.poll_event(),
            Some(RegistrationEvent::Failed {
                status: Some(401),
                ..
            })
        ));
        assert!(
            registration.poll_transmit().is_none(),
            "no third try at once"
        );
    }
}
