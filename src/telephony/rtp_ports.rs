//! Local RTP ports from the configured range: even ports (RFC 3550 §11), handed out round
//! robin from a random starting point and bound for real, so an offer never names a port
//! another process holds, and a restarted process does not reuse the ports its predecessor's
//! calls were on (phones of calls cut off by a crash may still be sending there).

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;
use std::sync::atomic::{AtomicU32, Ordering};
use tokio::net::UdpSocket;

/// Hands out bound RTP sockets.
#[derive(Debug)]
pub struct RtpPorts {
    first: u16,
    count: u32,
    next: AtomicU32,
}

impl RtpPorts {
    /// Even ports of `range`.
    pub fn new(range: RangeInclusive<u16>) -> RtpPorts {
        let first = range.start() + range.start() % 2;
        let count = (u32::from(*range.end()).saturating_sub(u32::from(first)) / 2) + 1;
        RtpPorts {
            first,
            count,
            next: AtomicU32::new(rand::random::<u32>() % count.max(1)),
        }
    }

    /// Binds the next free even port on `ip`.
    pub async fn bind(&self, ip: IpAddr) -> io::Result<UdpSocket> {
        for _ in 0..self.count {
            let slot = self.next.fetch_add(1, Ordering::Relaxed) % self.count;
            let Ok(port) = u16::try_from(u32::from(self.first) + slot * 2) else {
                continue;
            };
            if let Ok(socket) = UdpSocket::bind(SocketAddr::new(ip, port)).await {
                return Ok(socket);
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            "no free RTP port in the configured range",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn binds_distinct_even_ports_until_the_range_is_used_up() {
        // Below the ephemeral range, where other tests' sockets land.
        let ports = RtpPorts::new(15001..=15010);
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let mut held = Vec::new();
        while let Ok(socket) = ports.bind(ip).await {
            held.push(socket);
        }
        let mut found: Vec<u16> = held
            .iter()
            .map(|s| s.local_addr().unwrap().port())
            .collect();
        found.sort_unstable();
        assert!(!found.is_empty());
        assert!(found.windows(2).all(|w| w[0] < w[1]), "distinct");
        assert!(
            found
                .iter()
                .all(|p| [15002, 15004, 15006, 15008, 15010].contains(p)),
            "{found:?}"
        );
        let freed = held.pop().unwrap().local_addr().unwrap().port();
        assert_eq!(
            ports.bind(ip).await.unwrap().local_addr().unwrap().port(),
            freed,
            "a freed port is reused"
        );
    }
}
