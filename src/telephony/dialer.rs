//! Places calls through the trunk: one tokio task per call drives a sans-IO [`Call`] with
//! the clock, the endpoint's routed messages and the trunk limits. Also keeps the optional
//! registration alive.

use crate::config::{Config, TransportKind};
use crate::telephony::clock;
use crate::telephony::control::Stop;
use crate::telephony::endpoint::Endpoint;
use crate::telephony::limits::TrunkLimits;
use crate::telephony::line::{self, LineContext, Playback, Supervision};
use crate::telephony::media::MediaReport;
use crate::telephony::pacer::Pacer;
use crate::telephony::rtp_ports::RtpPorts;
use crate::telephony::transport::{StreamLimits, Transport};
use buurtbel_proto::media::amd::DetectorSettings;
use buurtbel_proto::media::program::ProgramSettings;
use buurtbel_proto::outcome::attempt_outcome;
use buurtbel_proto::policy::AttemptOutcome;
use buurtbel_proto::sip::call::{Call, CallReport, CallSetup};
use buurtbel_proto::sip::digest::Credentials;
use buurtbel_proto::sip::header::NameAddr;
use buurtbel_proto::sip::register::{Registration, RegistrationEvent, RegistrationSetup};
use buurtbel_proto::sip::sdp::{Answer, Codec, Offer};
use buurtbel_proto::sip::transaction::Timers;
use buurtbel_proto::sip::uri::Uri;
use rand::Rng;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Why calls cannot be placed at all.
#[derive(Debug, thiserror::Error)]
pub enum DialerError {
    /// `trunk.proxy` does not resolve.
    #[error("cannot resolve trunk.proxy `{0}`")]
    Resolve(String),
    /// `sip.bind` cannot be bound.
    #[error("cannot bind sip.bind {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The error.
        source: io::Error,
    },
    /// No local address reaches the trunk.
    #[error("no local address reaches the trunk: {0}")]
    LocalAddress(io::Error),
    /// No RTP port is free.
    #[error("no RTP port: {0}")]
    RtpPort(io::Error),
    /// The chain asked the call to stop before it was placed (while it waited for a channel).
    #[error("stopped before it was placed")]
    Stopped,
}

/// The end of one call.
#[derive(Debug, Clone)]
pub struct CallResult {
    /// How it ended.
    pub report: CallReport,
    /// Its Call-ID.
    pub call_id: String,
    /// The media the far end answered with, when answered.
    pub media: Option<Answer>,
    /// How the program went, when one was played.
    pub played: Option<MediaReport>,
}

impl CallResult {
    /// How the attempt ended in the chain's words, from the SIP facts and what the program
    /// heard (see [`buurtbel_proto::outcome`]).
    pub fn outcome(&self) -> AttemptOutcome {
        attempt_outcome(&self.report, self.played.as_ref().map(MediaReport::heard))
    }
}

/// Places calls through one trunk.
pub struct Dialer {
    endpoint: Endpoint,
    limits: TrunkLimits,
    rtp_ports: RtpPorts,
    proxy: SocketAddr,
    local_ip: IpAddr,
    sent_by: String,
    contact: Uri,
    from_user: String,
    domain: String,
    credentials: Option<Credentials>,
    timers: Timers,
    ring_timeout: Duration,
    codecs: Vec<Codec>,
    user_agent: String,
    pacer: Pacer,
    program_settings: ProgramSettings,
    rtp_timeout: Duration,
    registration: Option<watch::Receiver<Option<RegistrationEvent>>>,
}

impl Dialer {
    /// Binds the transport, resolves the trunk and starts the registration if configured.
    pub async fn start(config: &Config) -> Result<Arc<Dialer>, DialerError> {
        let proxy = config
            .trunk
            .proxy_address()
            .map_err(|_| DialerError::Resolve(config.trunk.proxy.clone()))?;
        let proxy = resolve(&proxy.host_port()).await?;
        let bind = config.sip.bind;
        let bound = match config.sip.transport {
            TransportKind::Udp => Transport::udp(bind).await,
            TransportKind::Tcp => Transport::tcp(bind, stream_limits(config, proxy)).await,
        };
        let (transport, inbound) =
            bound.map_err(|source| DialerError::Bind { addr: bind, source })?;
        let local = transport
            .local_addr()
            .map_err(|source| DialerError::Bind { addr: bind, source })?;
        let local_ip = local_ip(config, local, proxy)?;
        let sent_by = host_port(local_ip, local.port());
        let tcp = if transport.is_reliable() {
            ";transport=tcp"
        } else {
            ""
        };
        let contact = Uri::parse(&format!("sip:buurtbel@{sent_by}{tcp}"))
            .map_err(|_| DialerError::LocalAddress(io::Error::other("bad local address")))?;
        let trunk = &config.trunk;
        let credentials = (!trunk.username.is_empty()).then(|| Credentials {
            username: trunk.username.clone(),
            password: trunk.password.clone(),
        });
        let mut dialer = Dialer {
            endpoint: Endpoint::start(transport, inbound),
            limits: TrunkLimits::new(trunk.max_channels, trunk.max_cps),
            rtp_ports: RtpPorts::new(config.media.rtp_ports.clone()),
            proxy,
            local_ip,
            sent_by,
            contact,
            from_user: from_user(config),
            domain: trunk.domain.clone(),
            credentials,
            timers: Timers {
                t1: config.sip.t1,
                t2: config.sip.t2,
                ..Timers::default()
            },
            ring_timeout: trunk.ring_timeout,
            codecs: config.media.codecs.clone(),
            user_agent: config.sip.user_agent.clone(),
            pacer: Pacer::start(std::thread::available_parallelism().map_or(1, |n| n.get())),
            program_settings: ProgramSettings {
                menu_rounds: config.media.menu_rounds,
                key_wait: config.media.key_wait,
                machine_detection: config
                    .media
                    .machine_detection
                    .then(DetectorSettings::default),
            },
            rtp_timeout: config.media.rtp_timeout.min(line::MAX_SILENCE),
            registration: None,
        };
        if config.media.rtp_timeout > line::MAX_SILENCE {
            tracing::warn!(
                configured = ?config.media.rtp_timeout,
                used = ?line::MAX_SILENCE,
                "media.rtp_timeout is longer than a vanished far end may stay on the line; using the maximum"
            );
        }
        if trunk.register {
            dialer.registration = Some(dialer.start_registration(trunk.register_expiry));
        }
        Ok(Arc::new(dialer))
    }

    /// The trunk limits every call shares.
    pub fn limits(&self) -> &TrunkLimits {
        &self.limits
    }

    /// Waits up to `wait` for the first registration result; `None` when not registering or
    /// no answer came in time.
    pub async fn first_registration(&self, wait: Duration) -> Option<RegistrationEvent> {
        let mut updates = self.registration.clone()?;
        let result = tokio::time::timeout(wait, updates.wait_for(Option::is_some)).await;
        result.ok()?.ok()?.clone()
    }

    /// `None` when not registering; else whether the registrar's last answer accepted us.
    pub fn registered(&self) -> Option<bool> {
        let updates = self.registration.as_ref()?;
        let last = updates.borrow();
        Some(matches!(*last, Some(RegistrationEvent::Registered { .. })))
    }

    /// The endpoint every call's SIP goes through.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The RTP ports calls bind.
    pub fn rtp_ports(&self) -> &RtpPorts {
        &self.rtp_ports
    }

    /// The address written in Via, Contact and SDP.
    pub fn local_ip(&self) -> IpAddr {
        self.local_ip
    }

    /// Our Contact.
    pub fn contact(&self) -> &Uri {
        &self.contact
    }

    /// T1, T2, T4.
    pub fn timers(&self) -> Timers {
        self.timers
    }

    /// The User-Agent (and Server) header.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// The codecs offered, preferred first.
    pub fn codecs(&self) -> &[Codec] {
        &self.codecs
    }

    /// Menu rounds, key wait and machine detection of every program.
    pub fn program_settings(&self) -> ProgramSettings {
        self.program_settings
    }

    /// The trunk's address.
    pub fn proxy(&self) -> SocketAddr {
        self.proxy
    }

    /// The pacing lanes, for their lateness figures.
    pub fn pacer(&self) -> &Pacer {
        &self.pacer
    }

    /// The trunk's domain: the host part of every number dialled through it.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// Places one call to `target`; once answered it does what `playback` says.
    pub async fn call(&self, target: Uri, playback: &Playback) -> Result<CallResult, DialerError> {
        self.call_recording(target, playback, false).await
    }

    /// As [`Dialer::call`], keeping the far end's audio when `record` is set.
    pub async fn call_recording(
        &self,
        target: Uri,
        playback: &Playback,
        record: bool,
    ) -> Result<CallResult, DialerError> {
        self.place(target, playback, record, Supervision::default())
            .await
    }

    /// As [`Dialer::call`], under the chain's [`Supervision`]: a stop request ends the call
    /// early, and the answer and every key are reported as they happen. A call asked to stop
    /// while it still waits for a trunk channel is not placed at all
    /// ([`DialerError::Stopped`]).
    pub async fn call_supervised(
        &self,
        target: Uri,
        playback: &Playback,
        supervision: Supervision,
    ) -> Result<CallResult, DialerError> {
        self.place(target, playback, false, supervision).await
    }

    async fn place(
        &self,
        target: Uri,
        playback: &Playback,
        record: bool,
        mut supervision: Supervision,
    ) -> Result<CallResult, DialerError> {
        let _channel = tokio::select! {
            biased;
            () = stop_requested(supervision.stop.as_mut()) => return Err(DialerError::Stopped),
            channel = self.limits.acquire() => channel,
        };
        let rtp = self
            .rtp_ports
            .bind(self.local_ip)
            .await
            .map_err(DialerError::RtpPort)?;
        let rtp_addr = rtp.local_addr().map_err(DialerError::RtpPort)?;
        let setup = self.call_setup(target, rtp_addr);
        let call_id = setup.call_id.clone();
        let route = self.endpoint.claim(&call_id);
        let context = LineContext {
            endpoint: &self.endpoint,
            pacer: &self.pacer,
            settings: self.program_settings,
            silence: self.rtp_timeout,
            record,
        };
        let call = Call::new(clock::now(), setup);
        let (report, media, played) =
            line::run(&context, call, route, rtp, playback, supervision).await;
        self.endpoint.release(&call_id);
        Ok(CallResult {
            report,
            call_id,
            media,
            played,
        })
    }

    fn call_setup(&self, target: Uri, rtp: SocketAddr) -> CallSetup {
        let mut rng = rand::rng();
        let from = format!(
            "<sip:{}@{}>;tag={:08x}",
            self.from_user,
            self.domain,
            rng.random::<u32>()
        );
        CallSetup {
            from: NameAddr::parse(&from, "From")
                .unwrap_or_else(|_| NameAddr::new(self.contact.clone())),
            target,
            contact: self.contact.clone(),
            call_id: format!("{:016x}@{}", rng.random::<u64>(), self.local_ip),
            transport: self.endpoint.transport().via_name().to_owned(),
            sent_by: self.sent_by.clone(),
            reliable: self.endpoint.transport().is_reliable(),
            timers: self.timers,
            ring_timeout: self.ring_timeout,
            offer: Offer {
                rtp,
                codecs: self.codecs.clone(),
                session_id: rng.random::<u32>().into(),
            },
            credentials: self.credentials.clone(),
            next_hop: self.proxy,
            user_agent: self.user_agent.clone(),
            seed: rng.random(),
        }
    }

    fn start_registration(&self, expiry: Duration) -> watch::Receiver<Option<RegistrationEvent>> {
        let user = self
            .credentials
            .as_ref()
            .map_or(self.from_user.as_str(), |c| c.username.as_str());
        let registrar = Uri::parse(&format!("sip:{}", self.domain));
        let aor = Uri::parse(&format!("sip:{user}@{}", self.domain));
        let (tx, rx) = watch::channel(None);
        let (Ok(registrar), Ok(address_of_record)) = (registrar, aor) else {
            tracing::error!("trunk.domain does not make a registrar URI; not registering");
            return rx;
        };
        let setup = RegistrationSetup {
            registrar,
            address_of_record,
            contact: self.contact.clone(),
            expiry,
            transport: self.endpoint.transport().via_name().to_owned(),
            sent_by: self.sent_by.clone(),
            reliable: self.endpoint.transport().is_reliable(),
            timers: self.timers,
            credentials: self.credentials.clone(),
            next_hop: self.proxy,
            user_agent: self.user_agent.clone(),
            seed: rand::rng().random(),
        };
        tokio::spawn(keep_registered(self.endpoint.clone(), setup, tx));
        rx
    }
}

async fn keep_registered(
    endpoint: Endpoint,
    setup: RegistrationSetup,
    updates: watch::Sender<Option<RegistrationEvent>>,
) {
    let mut registration = Registration::new(clock::now(), setup);
    let mut route = endpoint.claim(registration.call_id());
    loop {
        while let Some(transmit) = registration.poll_transmit() {
            if let Err(e) = endpoint
                .transport()
                .send(transmit.destination, transmit.bytes)
                .await
            {
                tracing::warn!(error = %e, "sending REGISTER failed");
            }
        }
        while let Some(event) = registration.poll_event() {
            match &event {
                RegistrationEvent::Registered { expires } => {
                    tracing::info!(?expires, "registered with the trunk")
                }
                RegistrationEvent::AuthRejected {
                    status,
                    realm,
                    username,
                } => tracing::warn!(
                    target: "buurtbel::sip",
                    status,
                    realm = realm.as_str(),
                    username = username.as_str(),
                    "the trunk refused our credentials for REGISTER"
                ),
                RegistrationEvent::Failed { status, retry_in } => {
                    tracing::warn!(?status, ?retry_in, "registration with the trunk failed")
                }
            }
            updates.send_replace(Some(event));
        }
        tokio::select! {
            inbound = route.recv() => match inbound {
                Some(inbound) => if let buurtbel_proto::sip::message::Message::Response(r) = inbound.message {
                    registration.handle_response(clock::now(), r);
                },
                None => return,
            },
            () = line::sleep_until(registration.poll_timeout()) => registration.handle_timeout(clock::now()),
        }
    }
}

/// Returns once `stop` asks for anything but [`Stop::No`]; never without a receiver, or once
/// the chain has dropped its sender.
async fn stop_requested(stop: Option<&mut watch::Receiver<Stop>>) {
    if let Some(stop) = stop
        && stop.wait_for(|s| *s != Stop::No).await.is_ok()
    {
        return;
    }
    std::future::pending().await
}

async fn resolve(proxy: &str) -> Result<SocketAddr, DialerError> {
    let with_port = if proxy.parse::<SocketAddr>().is_ok() || has_port(proxy) {
        proxy.to_owned()
    } else {
        format!("{proxy}:5060")
    };
    let mut found = tokio::net::lookup_host(&with_port)
        .await
        .map_err(|_| DialerError::Resolve(proxy.to_owned()))?;
    found
        .next()
        .ok_or_else(|| DialerError::Resolve(proxy.to_owned()))
}

/// `host:port` or `[v6]:port`; a bare IPv6 address or host name has none.
fn has_port(host: &str) -> bool {
    if host.starts_with('[') {
        return host.contains("]:");
    }
    host.matches(':').count() == 1
}

/// The address written in Via, Contact and SDP: the bound one, `sip.public_address`, or the
/// address the system routes to the trunk from.
fn local_ip(config: &Config, bound: SocketAddr, proxy: SocketAddr) -> Result<IpAddr, DialerError> {
    if let Some(ip) = config
        .sip
        .public_address
        .as_deref()
        .and_then(|a| a.parse().ok())
    {
        return Ok(ip);
    }
    if !bound.ip().is_unspecified() {
        return Ok(bound.ip());
    }
    let probe_bind: SocketAddr = if proxy.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    }
    .parse()
    .unwrap_or(bound);
    let probe = std::net::UdpSocket::bind(probe_bind).map_err(DialerError::LocalAddress)?;
    probe.connect(proxy).map_err(DialerError::LocalAddress)?;
    Ok(probe.local_addr().map_err(DialerError::LocalAddress)?.ip())
}

fn stream_limits(config: &Config, proxy: SocketAddr) -> StreamLimits {
    StreamLimits {
        idle_timeout: config.sip.tcp_idle_timeout,
        max_accepted: config.sip.tcp_max_connections,
        trunk: Some(proxy),
    }
}

fn host_port(ip: IpAddr, port: u16) -> String {
    match ip {
        IpAddr::V4(v4) => format!("{v4}:{port}"),
        IpAddr::V6(v6) => format!("[{v6}]:{port}"),
    }
}

fn from_user(config: &Config) -> String {
    let caller_id: String = config
        .trunk
        .caller_id
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let valid = !caller_id.is_empty()
        && caller_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-._".contains(c));
    if valid {
        caller_id
    } else if !config.trunk.username.is_empty() {
        config.trunk.username.clone()
    } else {
        "buurtbel".to_owned()
    }
}
