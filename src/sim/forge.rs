//! A forger beside a simulated phone: an RFC 4733 key event sent to the caller's RTP port
//! from a socket of its own, on the phone's address or another one. The caller must hear keys
//! only from the phone; a test sees what it did with these.

use super::line::event_payload;
use super::script::{ForgedSource, Forgery};
use rand::Rng;
use std::io;
use std::net::{IpAddr, SocketAddr};
use tokio::net::UdpSocket;

/// End packets sent for the event, as a phone repeats them (RFC 4733 §2.5.1.4).
const END_COPIES: usize = 3;
/// The event's length in timestamp units: 100 ms.
const DURATION: u32 = 800;

/// Sends `forgery`'s key as one whole event (a start packet, then its end packets) to `to`
/// with payload type `event_type`, from a new socket; returns that socket's address.
pub(super) async fn send(
    forgery: &Forgery,
    phone: IpAddr,
    to: SocketAddr,
    event_type: u8,
) -> io::Result<SocketAddr> {
    let ip = match forgery.from {
        ForgedSource::OtherPort => phone,
        ForgedSource::Address(ip) => ip,
    };
    let socket = UdpSocket::bind(SocketAddr::new(ip, 0)).await?;
    let (ssrc, timestamp, mut sequence): (u32, u32, u16) = rand::rng().random();
    let packets = std::iter::once((true, false, 160))
        .chain(std::iter::repeat_n((false, true, DURATION), END_COPIES));
    for (marker, end, duration) in packets {
        let mut packet = vec![0x80, event_type | if marker { 0x80 } else { 0 }];
        packet.extend_from_slice(&sequence.to_be_bytes());
        packet.extend_from_slice(&timestamp.to_be_bytes());
        packet.extend_from_slice(&ssrc.to_be_bytes());
        packet.extend_from_slice(&event_payload(forgery.digit, end, duration));
        socket.send_to(&packet, to).await?;
        sequence = sequence.wrapping_add(1);
    }
    socket.local_addr()
}
