//! A forger for the interop suite: RFC 4733 `1`s sent to buurtbel's RTP ports from a socket
//! that is not the phone's, as an attacker on the network would, to show that a forged key
//! never confirms a message.
//!
//! The forger does not know which port of the range the call took, so it sends to every even
//! port of it; it runs on a thread of its own until stopped.

use buurtbel::telephony::clock;
use std::io;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// How often a whole event goes out.
const EVERY: Duration = Duration::from_millis(100);
/// How often the forger looks for its start file.
const POLL: Duration = Duration::from_millis(20);
/// The telephone-event payload type of buurtbel's offer.
const EVENT_PT: u8 = 101;

/// A running forger.
pub struct Forger {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<io::Result<u64>>,
    from: SocketAddr,
}

impl Forger {
    /// Binds a socket on `ip` and sends a `1` to every even port of `ports` each 100 ms;
    /// with `start_file`, only once that file exists.
    pub fn start(
        ip: IpAddr,
        ports: std::ops::RangeInclusive<u16>,
        start_file: Option<PathBuf>,
    ) -> Forger {
        let socket = UdpSocket::bind(SocketAddr::new(ip, 0)).expect("forger's socket");
        let from = socket.local_addr().expect("forger's address");
        let targets: Vec<SocketAddr> = ports
            .filter(|port| port % 2 == 0)
            .map(|port| SocketAddr::from(([127, 0, 0, 1], port)))
            .collect();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = thread::spawn(move || {
            if let Some(file) = start_file {
                while !file.exists() {
                    if stopped.load(Ordering::Relaxed) {
                        return Ok(0);
                    }
                    clock::sleep_blocking(POLL);
                }
            }
            let mut events = 0u64;
            while !stopped.load(Ordering::Relaxed) {
                send_event(&socket, &targets, events)?;
                events += 1;
                clock::sleep_blocking(EVERY);
            }
            Ok(events)
        });
        Forger { stop, thread, from }
    }

    /// Where it sends from.
    pub fn from(&self) -> SocketAddr {
        self.from
    }

    /// Stops it; returns how many events it sent to each port.
    pub fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        let sent = self.thread.join().expect("forger thread");
        sent.expect("forger could send")
    }
}

/// One whole event, number `n`: a start packet, then three end packets, on SSRC 0xF0F0F0F0
/// with a timestamp of its own.
fn send_event(socket: &UdpSocket, targets: &[SocketAddr], n: u64) -> io::Result<()> {
    let timestamp = u32::try_from(n % 100_000).unwrap_or(0) * 1_600;
    let first_sequence = u16::try_from(n * 4 % 65_536).unwrap_or(0);
    for (i, (marker, end)) in [(true, false), (false, true), (false, true), (false, true)]
        .into_iter()
        .enumerate()
    {
        let mut packet = vec![0x80, EVENT_PT | if marker { 0x80 } else { 0 }];
        let sequence = first_sequence.wrapping_add(u16::try_from(i).unwrap_or(0));
        packet.extend_from_slice(&sequence.to_be_bytes());
        packet.extend_from_slice(&timestamp.to_be_bytes());
        packet.extend_from_slice(&0xF0F0_F0F0u32.to_be_bytes());
        // Event 1, end bit, volume 10, duration 800 (100 ms).
        packet.extend_from_slice(&[1, if end { 0x8A } else { 0x0A }, 0x03, 0x20]);
        for target in targets {
            socket.send_to(&packet, target)?;
        }
    }
    Ok(())
}
