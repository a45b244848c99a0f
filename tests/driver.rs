//! The tokio driver over real loopback sockets (UDP and TCP) against a minimal phone written
//! here with the library's own message types, so `cargo test` covers the transports without
//! third-party peers.

use buurtbel::config::Config;
use buurtbel::sip::call::{Outcome, Party, response_to};
use buurtbel::sip::{Message, Method, Request, Uri, parse_datagram, parse_stream};
use buurtbel::telephony::{CallResult, Dialer, Playback};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};

const SDP: &str = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
                   m=audio 40000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n";

/// What the phone answers to an INVITE.
fn answers(invite: &Request, final_status: u16) -> Vec<Vec<u8>> {
    let ringing = response_to(invite, 180, "Ringing", "phone1").to_bytes();
    let mut last = response_to(invite, final_status, "Final", "phone1");
    if final_status == 200 {
        last.headers.push("Contact", "<sip:phone@127.0.0.1>");
        last.headers.push("Content-Type", "application/sdp");
        last.body = SDP.as_bytes().to_vec().into();
    }
    vec![ringing, last.to_bytes()]
}

/// A UDP phone: answers one INVITE with `final_status`, acknowledges BYE; returns the methods
/// it saw.
async fn udp_phone(socket: UdpSocket, final_status: u16) -> Vec<Method> {
    let mut seen = Vec::new();
    let mut buffer = vec![0u8; 65_535];
    loop {
        let Ok(Ok((n, from))) =
            tokio::time::timeout(Duration::from_secs(10), socket.recv_from(&mut buffer)).await
        else {
            return seen;
        };
        let Ok(Message::Request(request)) = parse_datagram(&buffer[..n]) else {
            continue;
        };
        seen.push(request.method.clone());
        let replies = match request.method {
            Method::Invite => answers(&request, final_status),
            Method::Bye => vec![response_to(&request, 200, "OK", "phone1").to_bytes()],
            _ => vec![],
        };
        for reply in replies {
            socket.send_to(&reply, from).await.unwrap();
        }
        if request.method == Method::Bye || (request.method == Method::Ack && final_status != 200) {
            return seen;
        }
    }
}

/// A TCP phone on one accepted connection.
async fn tcp_phone(listener: TcpListener) -> Vec<Method> {
    let (mut stream, _) = listener.accept().await.unwrap();
    let (mut seen, mut buffer, mut chunk) = (Vec::new(), Vec::new(), vec![0u8; 4096]);
    loop {
        while let Ok(Some((message, used))) = parse_stream(&buffer) {
            buffer.drain(..used);
            let Message::Request(request) = message else {
                continue;
            };
            seen.push(request.method.clone());
            let replies = match request.method {
                Method::Invite => answers(&request, 200),
                Method::Bye => vec![response_to(&request, 200, "OK", "phone1").to_bytes()],
                _ => vec![],
            };
            for reply in replies {
                stream.write_all(&reply).await.unwrap();
            }
            if request.method == Method::Bye {
                return seen;
            }
        }
        let n = stream.read(&mut chunk).await.unwrap();
        if n == 0 {
            return seen;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
}

/// Calls `sip:1234@127.0.0.1`, holding the line `hold` once answered.
async fn call_1234(dialer: &Dialer, hold: Duration) -> CallResult {
    let target = Uri::parse("sip:1234@127.0.0.1").unwrap();
    dialer.call(target, &Playback::Hold(hold)).await.unwrap()
}

fn config(phone: SocketAddr, transport: &str) -> Config {
    let text = format!(
        "[sip]\nbind = \"127.0.0.1:0\"\ntransport = \"{transport}\"\n\
         [trunk]\nproxy = \"{phone}\"\ndomain = \"127.0.0.1\"\nring_timeout = \"5s\"\n\
         [media]\nrtp_ports = \"42000-42100\"\n"
    );
    Config::parse(&text, "test.toml").unwrap()
}

#[tokio::test]
async fn udp_call_is_answered_and_hung_up() {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let phone_addr = socket.local_addr().unwrap();
    let phone = tokio::spawn(udp_phone(socket, 200));
    let dialer = Dialer::start(&config(phone_addr, "udp")).await.unwrap();
    let result = call_1234(&dialer, Duration::from_millis(200)).await;
    assert_eq!(result.report.outcome, Outcome::Answered);
    assert_eq!(result.report.hung_up_by, Some(Party::Local));
    assert!(result.report.talk >= Duration::from_millis(200));
    assert_eq!(result.media.unwrap().codec.name(), "PCMU");
    assert_eq!(
        phone.await.unwrap(),
        [Method::Invite, Method::Ack, Method::Bye]
    );
}

#[tokio::test]
async fn udp_busy_is_acked() {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let phone_addr = socket.local_addr().unwrap();
    let phone = tokio::spawn(udp_phone(socket, 486));
    let dialer = Dialer::start(&config(phone_addr, "udp")).await.unwrap();
    let result = call_1234(&dialer, Duration::ZERO).await;
    assert_eq!(
        (result.report.outcome, result.report.sip_status),
        (Outcome::Busy, Some(486))
    );
    assert_eq!(phone.await.unwrap(), [Method::Invite, Method::Ack]);
}

#[tokio::test]
async fn tcp_call_reuses_one_connection() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let phone_addr = listener.local_addr().unwrap();
    let phone = tokio::spawn(tcp_phone(listener));
    let dialer = Dialer::start(&config(phone_addr, "tcp")).await.unwrap();
    let result = call_1234(&dialer, Duration::from_millis(100)).await;
    assert_eq!(result.report.outcome, Outcome::Answered);
    assert_eq!(
        phone.await.unwrap(),
        [Method::Invite, Method::Ack, Method::Bye],
        "all on the one accepted connection"
    );
}

#[tokio::test]
async fn garbage_datagrams_are_dropped_not_fatal() {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let phone_addr = socket.local_addr().unwrap();
    let dialer = Dialer::start(&config(phone_addr, "udp")).await.unwrap();
    let noisy = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let phone = tokio::spawn(async move {
        let mut buffer = vec![0u8; 65_535];
        let (n, from) = socket.recv_from(&mut buffer).await.unwrap();
        for junk in [
            &b"\xff\xfe garbage"[..],
            b"SIP/2.0 200\r\n\r\n",
            b"INVITE sip:x SIP/2.0\r\nVia: ???\r\n\r\n",
        ] {
            noisy.send_to(junk, from).await.unwrap();
        }
        let Ok(Message::Request(invite)) = parse_datagram(&buffer[..n]) else {
            panic!()
        };
        for reply in answers(&invite, 486) {
            socket.send_to(&reply, from).await.unwrap();
        }
    });
    let result = call_1234(&dialer, Duration::ZERO).await;
    assert_eq!(result.report.outcome, Outcome::Busy);
    phone.await.unwrap();
}
