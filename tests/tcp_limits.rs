//! The SIP TCP transport's bounds over real loopback sockets: an idle connection is closed
//! and forgotten, accepted connections beyond the maximum are closed at once, and a peer
//! opening and closing connections in a loop leaves nothing behind.

use buurtbel::sip::{Message, Method};
use buurtbel::telephony::transport::{InboundReceiver, StreamLimits, Transport};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Longer than anything here should take; only a hang reaches it.
const HANG: Duration = Duration::from_secs(20);

async fn listen(idle_timeout: Duration, max_accepted: usize) -> (Transport, InboundReceiver) {
    let limits = StreamLimits {
        idle_timeout,
        max_accepted,
        trunk: None,
    };
    Transport::tcp("127.0.0.1:0".parse().unwrap(), limits)
        .await
        .unwrap()
}

fn options(n: u32) -> Vec<u8> {
    format!(
        "OPTIONS sip:buurtbel@127.0.0.1 SIP/2.0\r\n\
         Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKtcp{n}\r\n\
         From: <sip:peer@127.0.0.1>;tag=p{n}\r\nTo: <sip:buurtbel@127.0.0.1>\r\n\
         Call-ID: tcp-limits-{n}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n\
         Content-Length: 0\r\n\r\n"
    )
    .into_bytes()
}

/// Connects and sends an OPTIONS the transport then hands over: the connection is served.
async fn served(transport: &Transport, inbound: &mut InboundReceiver, n: u32) -> TcpStream {
    let mut stream = TcpStream::connect(address(transport)).await.unwrap();
    stream.write_all(&options(n)).await.unwrap();
    let arrived = tokio::time::timeout(HANG, inbound.recv()).await.unwrap();
    let inbound = arrived.unwrap();
    assert!(
        matches!(&inbound.message, Message::Request(r) if r.method == Method::Options),
        "{:?}",
        inbound.message
    );
    assert_eq!(inbound.source, stream.local_addr().unwrap());
    stream
}

fn address(transport: &Transport) -> SocketAddr {
    transport.local_addr().unwrap()
}

/// Waits for the far end to close `stream`: end of stream, or a reset.
async fn closed_by_far_end(stream: &mut TcpStream) {
    let mut byte = [0u8; 1];
    let read = tokio::time::timeout(HANG, stream.read(&mut byte)).await;
    match read.expect("the transport never closed the connection") {
        Ok(0) | Err(_) => {}
        Ok(_) => panic!("unexpected bytes"),
    }
}

/// Waits until the transport holds `expected` connections (it learns of a close by the peer
/// a moment after the peer closes).
async fn until_open_connections(transport: &Transport, expected: usize) {
    tokio::time::timeout(HANG, async {
        while transport.open_connections() != expected {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .unwrap_or_else(|_| {
        panic!(
            "{} connections open, expected {expected}",
            transport.open_connections()
        )
    });
}

#[tokio::test]
async fn an_idle_connection_is_closed_and_forgotten() {
    let (transport, mut inbound) = listen(Duration::from_millis(200), 16).await;
    let mut stream = served(&transport, &mut inbound, 1).await;
    assert_eq!(transport.open_connections(), 1);
    closed_by_far_end(&mut stream).await;
    assert_eq!(
        transport.open_connections(),
        0,
        "forgotten before its socket closed"
    );
}

#[tokio::test]
async fn connections_beyond_the_maximum_are_closed_at_once() {
    let (transport, mut inbound) = listen(Duration::from_secs(600), 2).await;
    let first = served(&transport, &mut inbound, 1).await;
    let _second = served(&transport, &mut inbound, 2).await;
    let mut third = TcpStream::connect(address(&transport)).await.unwrap();
    let _ = third.write_all(&options(3)).await;
    closed_by_far_end(&mut third).await;
    assert_eq!(transport.open_connections(), 2);
    assert!(inbound.try_recv().is_err(), "nothing read from the third");
    // One closes: the next is served again.
    drop(first);
    until_open_connections(&transport, 1).await;
    let _fourth = served(&transport, &mut inbound, 4).await;
    assert_eq!(transport.open_connections(), 2);
}

#[tokio::test]
async fn a_peer_connecting_in_a_loop_leaves_nothing_behind() {
    let (transport, mut inbound) = listen(Duration::from_secs(600), 64).await;
    for _ in 0..2_000 {
        let stream = TcpStream::connect(address(&transport)).await.unwrap();
        drop(stream);
    }
    until_open_connections(&transport, 0).await;
    // Every permit came back: the maximum is still served.
    let mut held = Vec::new();
    for n in 0..64 {
        held.push(served(&transport, &mut inbound, n).await);
    }
    assert_eq!(transport.open_connections(), 64);
}

#[tokio::test]
async fn the_connection_to_the_trunk_is_kept_however_idle() {
    let trunk = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let limits = StreamLimits {
        idle_timeout: Duration::from_millis(100),
        max_accepted: 4,
        trunk: Some(trunk.local_addr().unwrap()),
    };
    let (transport, _inbound) = Transport::tcp("127.0.0.1:0".parse().unwrap(), limits)
        .await
        .unwrap();
    // Opened to the trunk first, so its idle time would run out first.
    for listener in [&trunk, &other] {
        let to = listener.local_addr().unwrap();
        transport.send(to, options(1)).await.unwrap();
    }
    let (mut at_trunk, _) = trunk.accept().await.unwrap();
    let (mut at_other, _) = other.accept().await.unwrap();
    let mut message = vec![0u8; options(1).len()];
    at_other.read_exact(&mut message).await.unwrap();
    closed_by_far_end(&mut at_other).await;
    assert_eq!(transport.open_connections(), 1, "the trunk's is still open");
    at_trunk.read_exact(&mut message).await.unwrap();
    let mut more = [0u8; 1];
    assert!(
        matches!(at_trunk.try_read(&mut more), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "no end of stream from us"
    );
}
