//! The exchange: one SIP socket serving every simulated number; each INVITE gets its own
//! line task, which routes by Call-ID. The same socket places members' calls to the gateway
//! ([`Exchange::dial_in`]), as the trunk does: each dial-in's Call-ID is routed to its own
//! task too, registered before its INVITE leaves.
//!
//! SIP is read and written with `buurtbel_phone`, not the gateway's own SIP code, so a bug
//! the gateway's parser and builders share cannot hide. A message from the gateway that
//! lacks what RFC 3261 §8.1.1 asks of it is dropped with a warning, as a strict phone would.

use super::dial_in::{self, DialIn, DialInResult};
use super::line;
use super::script::PhoneScript;
use buurtbel_phone::{Message, parse_datagram, response_to, uri_user};
use rand::Rng;
use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

/// What a simulated phone saw of one call.
#[derive(Debug, Clone, Default)]
pub struct SimCall {
    /// The dialled user part (the number).
    pub user: String,
    /// The Call-ID.
    pub call_id: String,
    /// The final status it sent (200, 486, 487…).
    pub final_status: u16,
    /// The audio it heard, decoded to 8 kHz linear samples (one per received sample).
    pub heard: Vec<i16>,
    /// Audio RTP packets received.
    pub rtp_received: u64,
    /// `true` when the phone hung up, `false` when the caller did (or never answered).
    pub hung_up_by_phone: bool,
    /// The caller cancelled while it rang.
    pub cancelled: bool,
    /// The keys it pressed.
    pub pressed: Vec<char>,
    /// Where each forged key event was sent from, in order.
    pub forged_from: Vec<SocketAddr>,
    /// When the call ended on the phone's side (final refusal, BYE or CANCEL either way).
    pub ended_at: Option<buurtbel_proto::time::Instant>,
}

/// A call as it arrived, before it ends (a call whose caller died never ends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimInvite {
    /// The dialled user part (the number).
    pub user: String,
    /// The Call-ID.
    pub call_id: String,
    /// Where the INVITE came from.
    pub caller: SocketAddr,
    /// When it arrived.
    pub at: buurtbel_proto::time::Instant,
}

/// A running exchange.
pub struct Exchange {
    addr: SocketAddr,
    socket: Arc<UdpSocket>,
    calls: mpsc::UnboundedReceiver<SimCall>,
    invites: Arc<std::sync::Mutex<Vec<SimInvite>>>,
    routes: mpsc::UnboundedSender<Route>,
}

/// Places calls to the gateway through a running exchange, as its trunk.
#[derive(Clone)]
pub struct Caller {
    addr: SocketAddr,
    socket: Arc<UdpSocket>,
    routes: mpsc::UnboundedSender<Route>,
}

impl Caller {
    /// As [`Exchange::dial_in`].
    pub async fn dial_in(&self, gateway: SocketAddr, call: DialIn) -> DialInResult {
        let call_id = format!(
            "dialin{:016x}@{}",
            rand::rng().random::<u64>(),
            self.addr.ip()
        );
        let (tx, inbox) = mpsc::unbounded_channel();
        // Queued before the INVITE leaves, and the switch takes routes before datagrams, so
        // no response can come before its route.
        let _ = self.routes.send((call_id.clone(), tx));
        dial_in::place(Arc::clone(&self.socket), gateway, call, call_id, inbox).await
    }
}

/// A Call-ID and the task its messages go to.
type Route = (String, mpsc::UnboundedSender<Message>);

impl Exchange {
    /// Serves `scripts` by user part on `bind`; other numbers get `default`.
    pub async fn start(
        bind: SocketAddr,
        scripts: HashMap<String, PhoneScript>,
        default: PhoneScript,
    ) -> io::Result<Exchange> {
        let socket = Arc::new(UdpSocket::bind(bind).await?);
        let addr = socket.local_addr()?;
        let (done, calls) = mpsc::unbounded_channel();
        let (routes, new_routes) = mpsc::unbounded_channel();
        let invites = Arc::default();
        let switch = Switch {
            socket: Arc::clone(&socket),
            new_routes,
            scripts,
            default,
            lines: HashMap::new(),
            done,
            invites: Arc::clone(&invites),
        };
        tokio::spawn(switch.run());
        Ok(Exchange {
            addr,
            socket,
            calls,
            invites,
            routes,
        })
    }

    /// Places a call from `call.from` (the member's number, E.164) to `call.to` (the line's
    /// number) at `gateway` (the gateway's SIP address), from the exchange's own socket as
    /// the trunk does; the member follows `call`'s script. Returns when the call is over.
    pub async fn dial_in(&self, gateway: SocketAddr, call: DialIn) -> DialInResult {
        self.caller().dial_in(gateway, call).await
    }

    /// A handle that places calls through this exchange ([`Caller::dial_in`]) while
    /// something else owns the exchange (and takes its calls).
    pub fn caller(&self) -> Caller {
        Caller {
            addr: self.addr,
            socket: Arc::clone(&self.socket),
            routes: self.routes.clone(),
        }
    }

    /// Every call that has arrived so far, in order, ended or not.
    pub fn invites(&self) -> Vec<SimInvite> {
        self.invites
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// A handle on the arrivals that outlives the exchange's own handle.
    pub fn invite_log(&self) -> Arc<std::sync::Mutex<Vec<SimInvite>>> {
        Arc::clone(&self.invites)
    }

    /// Where to send INVITEs.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The next call that has ended.
    pub async fn next_call(&mut self) -> Option<SimCall> {
        self.calls.recv().await
    }
}

struct Switch {
    socket: Arc<UdpSocket>,
    /// Dial-ins' Call-IDs, before their INVITEs leave.
    new_routes: mpsc::UnboundedReceiver<Route>,
    scripts: HashMap<String, PhoneScript>,
    default: PhoneScript,
    lines: HashMap<String, mpsc::UnboundedSender<Message>>,
    done: mpsc::UnboundedSender<SimCall>,
    invites: Arc<std::sync::Mutex<Vec<SimInvite>>>,
}

impl Switch {
    async fn run(mut self) {
        let mut buffer = vec![0u8; 65_535];
        loop {
            tokio::select! {
                biased;
                Some((call_id, task)) = self.new_routes.recv() => {
                    self.lines.insert(call_id, task);
                }
                received = self.socket.recv_from(&mut buffer) => {
                    let Ok((n, from)) = received else { continue };
                    self.route(buffer.get(..n).unwrap_or_default(), from).await;
                }
            }
        }
    }

    /// Hands a datagram to its call's task, starts a line for a new INVITE, or answers 481.
    async fn route(&mut self, datagram: &[u8], from: SocketAddr) {
        let Ok(message) = parse_datagram(datagram) else {
            return;
        };
        if let Err(e) = message.check_mandatory() {
            tracing::warn!(error = %e, "the simulated exchange drops a malformed message");
            return;
        }
        let Ok(call_id) = message.headers.call_id().map(str::to_owned) else {
            return;
        };
        self.lines.retain(|_, line| !line.is_closed());
        if let Some(line) = self.lines.get(&call_id) {
            let _ = line.send(message);
            return;
        }
        match message.method() {
            Some("INVITE") => self.start_line(message, call_id, from),
            Some(method) if method != "ACK" => {
                let reply = response_to(&message, 481, "Call/Transaction Does Not Exist", "sim");
                let _ = self.socket.send_to(&reply.to_bytes(), from).await;
            }
            _ => {}
        }
    }

    /// A line task for the gateway's INVITE to a simulated number.
    fn start_line(&mut self, invite: Message, call_id: String, from: SocketAddr) {
        let user = invite
            .uri()
            .and_then(uri_user)
            .unwrap_or_default()
            .to_owned();
        let script = self.scripts.get(&user).unwrap_or(&self.default).clone();
        let (tx, rx) = mpsc::unbounded_channel();
        self.invites
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(SimInvite {
                user: user.clone(),
                call_id: call_id.clone(),
                caller: from,
                at: crate::telephony::clock::now(),
            });
        self.lines.insert(call_id, tx);
        let line = line::Line::new(Arc::clone(&self.socket), from, invite, script, user);
        let done = self.done.clone();
        tokio::spawn(async move {
            let _ = done.send(line.run(rx).await);
        });
    }
}
