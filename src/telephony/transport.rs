//! SIP transports: UDP datagrams and TCP streams with Content-Length framing and connection
//! reuse. Everything that arrives is parsed here; what fails to parse is logged once per
//! source and dropped.
//!
//! Streams are handled generically over `AsyncRead + AsyncWrite` ([`serve_stream`]), so TLS
//! (rustls) is a new [`Connector`] and listener, with nothing in `src/sip/` touched.
//!
//! The SIP trace lives here, where bytes leave and arrive: with `RUST_LOG=buurtbel::sip=debug`
//! every message sent or received (parseable or not) is logged whole, with its direction,
//! transport, and local and remote address. SIP carries phone numbers, so never above debug.

use crate::sip::message::{Message, ParseError, parse_datagram, parse_stream};
use std::collections::{HashMap, HashSet};
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{mpsc, oneshot};

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

    /// Listens for TCP on `addr` and connects out over TCP.
    pub async fn tcp(addr: SocketAddr) -> io::Result<(Transport, InboundReceiver)> {
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let (tx, rx) = mpsc::channel(INBOUND_QUEUE);
        let streams = Arc::new(StreamTransport {
            local,
            connector: Box::new(TcpConnector),
            connections: Mutex::new(HashMap::new()),
            inbound: tx,
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
}

/// Bytes for a connection's writer, and who waits for them to be written.
pub(crate) struct Outgoing {
    bytes: Vec<u8>,
    written: oneshot::Sender<io::Result<()>>,
}

impl StreamTransport {
    /// Returns once the bytes are written to the connection, so a process that exits right
    /// after its last message does not lose it.
    async fn send(self: &Arc<Self>, to: SocketAddr, bytes: Vec<u8>) -> io::Result<()> {
        let (written, done) = oneshot::channel();
        let outgoing = Outgoing { bytes, written };
        let outgoing = match self.connection(to) {
            Some(writer) => match writer.send(outgoing) {
                Ok(()) => return wait_written(done).await,
                Err(mpsc::error::SendError(outgoing)) => outgoing,
            },
            None => outgoing,
        };
        let stream = self.connector.connect(to).await?;
        let writer = self.adopt(stream, to);
        writer.send(outgoing).map_err(|_| closed())?;
        wait_written(done).await
    }

    fn connection(&self, to: SocketAddr) -> Option<mpsc::UnboundedSender<Outgoing>> {
        let connections = self
            .connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        connections.get(&to).filter(|w| !w.is_closed()).cloned()
    }

    /// Registers a connection (accepted or opened) for reuse and starts serving it.
    fn adopt(
        self: &Arc<Self>,
        stream: Box<dyn Stream>,
        peer: SocketAddr,
    ) -> mpsc::UnboundedSender<Outgoing> {
        let (writer, outgoing) = mpsc::unbounded_channel();
        self.connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(peer, writer.clone());
        let trace = Trace::new(self.connector.via_name(), Some(self.local));
        tokio::spawn(serve_stream(
            stream,
            peer,
            trace,
            outgoing,
            self.inbound.clone(),
        ));
        writer
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
            Ok((stream, peer)) => {
                let _ = stream.set_nodelay(true);
                streams.adopt(Box::new(stream), peer);
            }
            Err(e) => {
                tracing::warn!(error = %e, "accepting a SIP connection failed");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
}

/// Reads framed messages from a stream and writes queued ones to it until either side ends.
pub(crate) async fn serve_stream(
    stream: Box<dyn Stream>,
    peer: SocketAddr,
    trace: Trace,
    mut outgoing: mpsc::UnboundedReceiver<Outgoing>,
    inbound: mpsc::Sender<Inbound>,
) {
    let (mut reader, mut writer) = tokio::io::split(stream);
    let read = async {
        let mut buffer = Vec::with_capacity(8192);
        let mut chunk = vec![0u8; 8192];
        loop {
            let n = match reader.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            buffer.extend_from_slice(&chunk[..n]);
            if !drain_stream_buffer(&mut buffer, peer, trace, &inbound).await {
                return;
            }
        }
    };
    let write = async {
        while let Some(Outgoing { bytes, written }) = outgoing.recv().await {
            let result = writer.write_all(&bytes).await;
            let failed = result.is_err();
            let _ = written.send(result);
            if failed {
                return;
            }
        }
    };
    tokio::select! {
        () = read => {}
        () = write => {}
    }
    tracing::debug!(%peer, "SIP connection closed");
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
            Ok(None) => return true,
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
