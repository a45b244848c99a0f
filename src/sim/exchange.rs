//! The exchange: one SIP socket serving every simulated number; each INVITE gets its own
//! line task, which routes by Call-ID.
//!
//! SIP is read and written with `buurtbel_phone`, not the gateway's own SIP code, so a bug
//! the gateway's parser and builders share cannot hide. A message from the gateway that
//! lacks what RFC 3261 §8.1.1 asks of it is dropped with a warning, as a strict phone would.

use super::line;
use super::script::PhoneScript;
use buurtbel_phone::{Message, parse_datagram, response_to, uri_user};
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
    calls: mpsc::UnboundedReceiver<SimCall>,
    invites: Arc<std::sync::Mutex<Vec<SimInvite>>>,
}

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
        let invites = Arc::default();
        let switch = Switch {
            socket,
            scripts,
            default,
            lines: HashMap::new(),
            done,
            invites: Arc::clone(&invites),
        };
        tokio::spawn(switch.run());
        Ok(Exchange {
            addr,
            calls,
            invites,
        })
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
            let Ok((n, from)) = self.socket.recv_from(&mut buffer).await else {
                continue;
            };
            let Ok(message) = parse_datagram(&buffer[..n]) else {
                continue;
            };
            if let Err(e) = message.check_mandatory() {
                tracing::warn!(error = %e, "the simulated exchange drops a malformed message");
                continue;
            }
            let Ok(call_id) = message.headers.call_id().map(str::to_owned) else {
                continue;
            };
            self.lines.retain(|_, line| !line.is_closed());
            if let Some(line) = self.lines.get(&call_id) {
                let _ = line.send(message);
                continue;
            }
            match message.method() {
                Some("INVITE") => {
                    let user = message
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
                    let line =
                        line::Line::new(Arc::clone(&self.socket), from, message, script, user);
                    let done = self.done.clone();
                    tokio::spawn(async move {
                        let _ = done.send(line.run(rx).await);
                    });
                }
                Some(method) if method != "ACK" => {
                    let reply =
                        response_to(&message, 481, "Call/Transaction Does Not Exist", "sim");
                    let _ = self.socket.send_to(&reply.to_bytes(), from).await;
                }
                _ => {}
            }
        }
    }
}
