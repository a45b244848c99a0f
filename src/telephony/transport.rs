//! SIP transports: UDP datagrams and TCP streams with Content-Length framing and connection
//! reuse. Everything that arrives is parsed here; what fails to parse is logged once per
//! source and dropped.
//!
//! Stream connections are bounded ([`StreamLimits`]): one idle for `idle_timeout` (no byte
//! either way) is closed, and every closed connection is forgotten before its socket closes,
//! so the table of connections holds only open ones. At most `max_accepted` accepted
//! connections are open at once; one more is closed as soon as it is accepted (logged at warn
//! once, until one is accepted again). The connection we open to the trunk is never closed for
//! idleness: the trunk reaches us through it (RFC 5626), and there is only one.
//!
//! Streams are handled generically over `AsyncRead + AsyncWrite` ([`serve_stream`]), so TLS
//! (rustls) is a new [`Connector`] and listener, with nothing in `crates/proto` touched.
//!
//! The SIP trace lives here, where bytes leave and arrive: with `RUST_LOG=buurtbel::sip=debug`
//! every message sent or received (parseable or not) is logged whole, with its direction,
//! transport, and local and remote address. SIP carries phone numbers, so never above debug.

use crate::telephony::clock;
use buurtbel_proto::sip::message::{Message, ParseError, parse_datagram, parse_stream};
use buurtbel_proto::time::Instant;
use std::collections::{HashMap, HashSet};
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, oneshot};

/// A parsed message and where it came from.
#[derive(Debug)]
pub struct Inbound {
    /// The message.
    pub message: Message,
    /// The source address (for UDP, where RFC 3581 responses go).
    pub source: SocketAddr,
}

/// Receiving end of a transport.
pub type InboundReceiver = mpsc::Receiver<Inbound>;

/// How many messages may wait for the endpoint before a transport stops reading.
const INBOUND_QUEUE: usize = 4096;
/// The largest UDP datagram we read.
const MAX_DATAGRAM: usize = 65_535;

/// Bounds on stream connections (`sip.tcp_idle_timeout`, `sip.tcp_max_connections`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamLimits {
    /// A connection with no byte either way for this long is closed.
    pub idle_timeout: Duration,
    /// Accepted connections open at once; beyond it a new one is closed at once.
    pub max_accepted: usize,
    /// The trunk: a connection we open to it is kept however long it is idle.
    pub trunk: Option<SocketAddr>,
}

/// A bound SIP transport.
#[derive(Clone)]
pub enum Transport {
    /// One UDP socket.
    Udp(Arc<UdpSocket>),
    /// Streams (TCP), one per peer, reused.
    Stream(Arc<StreamTransport>),
}

impl Transport {
    /// Binds UDP on `addr` and starts reading.
    pub async fn udp(addr: SocketAddr) -> io::Result<(Transport, InboundReceiver)> {
        let socket = Arc::new(UdpSocket::bind(addr).await?);
        let (tx, rx) = mpsc::channel(INBOUND_QUEUE);
        tokio::spawn(read_datagrams(Arc::clone(&socket), tx));
        Ok((Transport::Udp(socket), rx))
    }

    /// Listens for TCP on `addr` and connects out over TCP, within `limits`.
    pub async fn tcp(
        addr: SocketAddr,
        limits: StreamLimits,
    ) -> io::Result<(Transport, InboundReceiver)> {
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let (tx, rx) = mpsc::channel(INBOUND_QUEUE);
        let streams = Arc::new(StreamTransport {
            local,
            connector: Box::new(TcpConnector),
            connections: Mutex::new(HashMap::new()),
            inbound: tx,
            limits,
            accepted: Arc::new(Semaphore::new(limits.max_accepted)),
            at_limit: AtomicBool::new(false),
        });
        tokio::spawn(accept_tcp(listener, Arc::clone(&streams)));
        Ok((Transport::Stream(streams), rx))
    }

    /// The bound local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        match self {
            Transport::Udp(socket) => socket.local_addr(),
            Transport::Stream(streams) => Ok(streams.local),
        }
    }

    /// Stream connections open now (accepted or opened); 0 for UDP.
    pub fn open_connections(&self) -> usize {
        match self {
            Transport::Udp(_) => 0,
            Transport::Stream(streams) => streams.lock().len(),
        }
    }

    /// `true` for streams: no SIP retransmissions.
    pub fn is_reliable(&self) -> bool {
        matches!(self, Transport::Stream(_))
    }

    /// `UDP` or `TCP`, as written in Via.
    pub fn via_name(&self) -> &'static str {
        match self {
            Transport::Udp(_) => "UDP",
            Transport::Stream(streams) => streams.connector.via_name(),
        }
    }

    /// Sends one message, connecting first on streams when no connection to `to` is open.
    pub async fn send(&self, to: SocketAddr, bytes: Vec<u8>) -> io::Result<()> {
        if tracing::enabled!(target: SIP_TRACE, tracing::Level::DEBUG) {
            Trace::new(self.via_name(), self.local_addr().ok()).log("sent", "to", to, &bytes);
        }
        match self {
            Transport::Udp(socket) => socket.send_to(&bytes, to).await.map(|_| ()),
            Transport::Stream(streams) => streams.send(to, bytes).await,
        }
    }
}

/// The `tracing` target of the SIP trace.
const SIP_TRACE: &str = "buurtbel::sip";

/// Where a transport's messages pass, for the SIP trace.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Trace {
    transport: &'static str,
    local: Option<SocketAddr>,
}

impl Trace {
    fn new(transport: &'static str, local: Option<SocketAddr>) -> Trace {
        Trace { transport, local }
    }

    /// Logs one whole message at debug under [`SIP_TRACE`].
    fn log(self, direction: &str, preposition: &str, remote: SocketAddr, bytes: &[u8]) {
        if !tracing::enabled!(target: SIP_TRACE, tracing::Level::DEBUG) {
            return;
        }
        let local = self
            .local
            .map_or_else(|| "?".to_owned(), |local| local.to_string());
        tracing::debug!(
            target: SIP_TRACE,
            direction,
            transport = self.transport,
            %local,
            %remote,
            "{direction} {} bytes over {} {preposition} {remote} (local {local}):\n{}",
            bytes.len(),
            self.transport,
            String::from_utf8_lossy(bytes),
        );
    }
}

/// A connection being opened.
pub type Connecting<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = io::Result<Box<dyn Stream>>> + Send + 'a>>;

/// Opens outgoing streams: TCP today, TLS with rustls later.
pub trait Connector: Send + Sync {
    /// Connects to `to`.
    fn connect(&self, to: SocketAddr) -> Connecting<'_>;
    /// The Via transport name.
    fn via_name(&self) -> &'static str;
}

/// A byte stream a SIP connection runs over.
pub trait Stream: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Stream for T {}

struct TcpConnector;

impl Connector for TcpConnector {
    fn connect(
        &self,
        to: SocketAddr,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = io::Result<Box<dyn Stream>>> + Send + '_>>
    {
        Box::pin(async move {
            let stream = TcpStream::connect(to).await?;
            stream.set_nodelay(true)?;
            Ok(Box::new(stream) as Box<dyn Stream>)
        })
    }

    fn via_name(&self) -> &'static str {
        "TCP"
    }
}

/// Stream connections by peer address.
pub struct StreamTransport {
    local: SocketAddr,
    connector: Box<dyn Connector>,
    connections: Mutex<HashMap<SocketAddr, mpsc::UnboundedSender<Outgoing>>>,
    inbound: mpsc::Sender<Inbound>,
    limits: StreamLimits,
    /// One permit per accepted connection open.
    accepted: Arc<Semaphore>,
    /// The limit was reached and said so at warn: quiet until a connection is accepted.
    at_limit: AtomicBool,
}

/// Bytes for a connection's writer, and who waits for them to be written.
pub(crate) struct Outgoing {
    bytes: Vec<u8>,
    written: oneshot::Sender<io::Result<()>>,
}

impl StreamTransport {
    /// Returns once the bytes are written to the connection, so a process that exits right
    /// after its last message does not lose it. A reused connection that closes before
    /// writing them (idle, or closed by the peer) is replaced by a new one.
    async fn send(self: &Arc<Self>, to: SocketAddr, bytes: Vec<u8>) -> io::Result<()> {
        if let Some(writer) = self.connection(to) {
            let (written, done) = oneshot::channel();
            let outgoing = Outgoing {
                bytes: bytes.clone(),
                written,
            };
            if writer.send(outgoing).is_ok()
                && let Ok(result) = done.await
            {
                return result;
            }
        }
        let stream = self.connector.connect(to).await?;
        let idle = (Some(to) != self.limits.trunk).then_some(self.limits.idle_timeout);
        let writer = self.adopt(stream, to, idle, None);
        let (written, done) = oneshot::channel();
        writer
            .send(Outgoing { bytes, written })
            .map_err(|_| closed())?;
        wait_written(done).await
    }

    fn connection(&self, to: SocketAddr) -> Option<mpsc::UnboundedSender<Outgoing>> {
        self.lock().get(&to).filter(|w| !w.is_closed()).cloned()
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<SocketAddr, mpsc::UnboundedSender<Outgoing>>> {
        self.connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// A connection accepted from `peer`: served while under the limit, else closed at once.
    fn accept(self: &Arc<Self>, stream: TcpStream, peer: SocketAddr) {
        let Ok(permit) = Arc::clone(&self.accepted).try_acquire_owned() else {
            drop(stream);
            if self.at_limit.swap(true, Ordering::Relaxed) {
                tracing::debug!(%peer, "SIP connection refused: at sip.tcp_max_connections");
            } else {
                tracing::warn!(
                    %peer,
                    max = self.limits.max_accepted,
                    "sip.tcp_max_connections reached: refusing new SIP connections until one closes (further refusals logged at debug)"
                );
            }
            return;
        };
        self.at_limit.store(false, Ordering::Relaxed);
        let _ = stream.set_nodelay(true);
        let idle = Some(self.limits.idle_timeout);
        self.adopt(Box::new(stream), peer, idle, Some(permit));
    }

    /// Registers a connection (accepted or opened) for reuse and starts serving it; when it
    /// ends it is forgotten (and its permit given back) before its socket closes.
    fn adopt(
        self: &Arc<Self>,
        stream: Box<dyn Stream>,
        peer: SocketAddr,
        idle_timeout: Option<Duration>,
        permit: Option<OwnedSemaphorePermit>,
    ) -> mpsc::UnboundedSender<Outgoing> {
        let (writer, outgoing) = mpsc::unbounded_channel();
        self.lock().insert(peer, writer.clone());
        let transport = Arc::clone(self);
        let registered = writer.clone();
        let forget = move || {
            transport.forget(peer, &registered);
            drop(permit);
        };
        let serving = StreamServing {
            peer,
            trace: Trace::new(self.connector.via_name(), Some(self.local)),
            inbound: self.inbound.clone(),
            idle_timeout,
        };
        tokio::spawn(serve_stream(stream, outgoing, serving, forget));
        writer
    }

    /// Removes `peer`'s entry if it is still this connection's (a newer one may have taken
    /// its place).
    fn forget(&self, peer: SocketAddr, writer: &mpsc::UnboundedSender<Outgoing>) {
        let mut connections = self.lock();
        if connections
            .get(&peer)
            .is_some_and(|current| current.same_channel(writer))
        {
            connections.remove(&peer);
        }
    }
}

async fn wait_written(done: oneshot::Receiver<io::Result<()>>) -> io::Result<()> {
    done.await.unwrap_or_else(|_| Err(closed()))
}

fn closed() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "connection closed")
}

async fn accept_tcp(listener: TcpListener, streams: Arc<StreamTransport>) {
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => streams.accept(stream, peer),
            Err(e) => {
                tracing::warn!(error = %e, "accepting a SIP connection failed");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
}

/// What a served stream needs besides its bytes.
pub(crate) struct StreamServing {
    /// The far end.
    pub peer: SocketAddr,
    /// Logs every message whole at debug.
    pub trace: Trace,
    /// Where parsed messages go.
    pub inbound: mpsc::Sender<Inbound>,
    /// Close after this long without a byte either way; `None` keeps it open.
    pub idle_timeout: Option<Duration>,
}

/// Reads framed messages from a stream and writes queued ones to it until either side ends
/// or it is idle too long; then calls `closing` before the socket closes.
pub(crate) async fn serve_stream(
    stream: Box<dyn Stream>,
    mut outgoing: mpsc::UnboundedReceiver<Outgoing>,
    serving: StreamServing,
    closing: impl FnOnce(),
) {
    let StreamServing {
        peer,
        trace,
        inbound,
        idle_timeout,
    } = serving;
    let last_activity = Mutex::new(clock::now());
    let active = || *last_activity.lock().unwrap_or_else(PoisonError::into_inner) = clock::now();
    let (mut reader, mut writer) = tokio::io::split(stream);
    let read = async {
        let mut buffer = Vec::with_capacity(8192);
        let mut chunk = vec![0u8; 8192];
        loop {
            let n = match reader.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            active();
            buffer.extend_from_slice(&chunk[..n]);
            if !drain_stream_buffer(&mut buffer, peer, trace, &inbound).await {
                return;
            }
        }
    };
    let write = async {
        while let Some(Outgoing { bytes, written }) = outgoing.recv().await {
            let result = writer.write_all(&bytes).await;
            active();
            let failed = result.is_err();
            let _ = written.send(result);
            if failed {
                return;
            }
        }
    };
    let idle = idle_for(idle_timeout, &last_activity);
    tokio::select! {
        () = read => {}
        () = write => {}
        () = idle => tracing::debug!(%peer, "closing an idle SIP connection"),
    }
    closing();
    tracing::debug!(%peer, "SIP connection closed");
}

/// Returns once nothing has happened for `timeout` since `last_activity`; never without one.
async fn idle_for(timeout: Option<Duration>, last_activity: &Mutex<Instant>) {
    let Some(timeout) = timeout else {
        return std::future::pending().await;
    };
    loop {
        let deadline = *last_activity.lock().unwrap_or_else(PoisonError::into_inner) + timeout;
        if clock::now() >= deadline {
            return;
        }
        clock::sleep_until(deadline).await;
    }
}

/// Takes every whole message off the buffer. `false` when the stream is beyond repair: with
/// broken framing we cannot find the next message, so the connection is closed.
async fn drain_stream_buffer(
    buffer: &mut Vec<u8>,
    peer: SocketAddr,
    trace: Trace,
    inbound: &mpsc::Sender<Inbound>,
) -> bool {
    loop {
        match parse_stream(buffer) {
            Ok(Some((message, used))) => {
                if let Some(bytes) = buffer.get(..used) {
                    trace.log("received", "from", peer, bytes);
                }
                buffer.drain(..used);
                if inbound
                    .send(Inbound {
                        message,
                        source: peer,
                    })
                    .await
                    .is_err()
                {
                    return false;
                }
            }
            Ok(None) => {
                // Keep-alives (RFC 5626 CRLFs) between messages are not kept: a peer sending
                // only those would otherwise grow the buffer without end.
                if buffer.iter().all(|b| matches!(b, b'\r' | b'\n')) {
                    buffer.clear();
                }
                return true;
            }
            Err(error) => {
                trace.log("received", "from", peer, buffer);
                tracing::warn!(%peer, %error, "unparseable SIP on a stream; closing it");
                return false;
            }
        }
    }
}

async fn read_datagrams(socket: Arc<UdpSocket>, inbound: mpsc::Sender<Inbound>) {
    let mut buffer = vec![0u8; MAX_DATAGRAM];
    let mut warned = WarnedSources::default();
    let trace = Trace::new("UDP", socket.local_addr().ok());
    loop {
        let (n, source) = match socket.recv_from(&mut buffer).await {
            Ok(received) => received,
            // ICMP port unreachable surfaces here on some systems; it is not fatal.
            Err(e) => {
                tracing::debug!(error = %e, "UDP receive error");
                continue;
            }
        };
        let datagram = &buffer[..n];
        if datagram.iter().all(|b| matches!(b, b'\r' | b'\n')) {
            continue; // RFC 5626 keep-alive
        }
        trace.log("received", "from", source, datagram);
        match parse_datagram(datagram) {
            Ok(message) => {
                if inbound.send(Inbound { message, source }).await.is_err() {
                    return;
                }
            }
            Err(error) => warned.report(source, &error),
        }
    }
}

/// Logs a bad message at warn once per source, then at debug, so a noisy peer cannot flood
/// the log.
#[derive(Default)]
struct WarnedSources(HashSet<SocketAddr>);

impl WarnedSources {
    const LIMIT: usize = 1024;

    fn report(&mut self, source: SocketAddr, error: &ParseError) {
        if self.0.len() >= Self::LIMIT {
            self.0.clear();
        }
        if self.0.insert(source) {
            tracing::warn!(%source, %error, "dropping unparseable SIP message (further ones from this source logged at debug)");
        } else {
            tracing::debug!(%source, %error, "dropping unparseable SIP message");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trace() -> Trace {
        Trace::new("TCP", None)
    }

    #[tokio::test]
    async fn keep_alives_between_messages_are_not_kept() {
        let (inbound, _receiver) = mpsc::channel(1);
        let peer: SocketAddr = "192.0.2.1:5060".parse().unwrap();
        let mut buffer = b"\r\n".repeat(512 * 1024);
        assert!(drain_stream_buffer(&mut buffer, peer, trace(), &inbound).await);
        assert!(buffer.is_empty(), "{} bytes kept", buffer.len());
        let begun = b"\r\n\r\nOPTIONS sip:x SIP/2.0\r\n".to_vec();
        let mut partial = begun.clone();
        assert!(drain_stream_buffer(&mut partial, peer, trace(), &inbound).await);
        assert_eq!(partial, begun, "a message begun is kept");
    }
}
