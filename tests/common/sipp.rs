//! SIPp as the called phone, for the interop suite (`tests/interop.rs`), or as the trunk
//! calling buurtbel's call-back line (`tests/callback_line.rs`).
//!
//! Owns one SIPp child process per test: its ports, its trace files and its verdict. SIPp
//! exits 0 only when every call followed its scenario (`tests/sipp/*.xml`), so the verdict
//! is the peer's word on what buurtbel sent. Nothing here knows about buurtbel itself.
//!
//! Tests run in parallel threads, and other test binaries may run beside them: every test
//! reserves its own block of ports ([`Ports::reserve`]) below the kernel's ephemeral range,
//! checking that each one is free before handing the block out.

use std::fmt;
use std::fs;
use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;

/// How long SIPp may run before it gives up on its own (`-timeout`, counted as a failure).
const SIPP_TIMEOUT: &str = "30s";
/// How long we wait for SIPp to exit before killing it.
const SIPP_DEADLINE: Duration = Duration::from_secs(40);
/// How often we look at a child process or a port.
const POLL: Duration = Duration::from_millis(20);
/// Ports per test; see [`Ports`] for the layout.
const BLOCK: u16 = 20;
/// Blocks are handed out from here up; the kernel's ephemeral ports start at 32768.
const FIRST_PORT: u16 = 20000;
const LAST_PORT: u16 = 32000;

/// The transport SIPp listens on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// `-t u1`, SIPp's default.
    Udp,
    /// `-t t1`: one TCP connection.
    Tcp,
}

/// One test's ports: SIPp's signalling, control and media ports, and a range for
/// buurtbel's RTP.
#[derive(Debug, Clone, Copy)]
pub struct Ports {
    /// SIPp's SIP port (UDP or TCP), where buurtbel's trunk proxy points.
    pub sip: u16,
    /// SIPp's control port (`-cp`); SIPp would otherwise take 8888 in every test.
    pub control: u16,
    /// SIPp's media port (`-mp`); it binds this one and the one two above.
    pub media: u16,
    /// buurtbel's `media.rtp_ports`, low end.
    pub rtp_low: u16,
    /// buurtbel's `media.rtp_ports`, high end.
    pub rtp_high: u16,
}

impl Ports {
    /// A block of ports nobody is using right now.
    pub fn reserve() -> Ports {
        static NEXT: AtomicU16 = AtomicU16::new(0);
        let blocks = (LAST_PORT - FIRST_PORT) / BLOCK;
        // Spread concurrent test binaries over the range by process id.
        let start = (std::process::id() % u32::from(blocks)) as u16;
        for _ in 0..blocks {
            let index = (start + NEXT.fetch_add(1, Ordering::Relaxed)) % blocks;
            let base = FIRST_PORT + index * BLOCK;
            if block_is_free(base) {
                return Ports {
                    sip: base,
                    control: base + 1,
                    media: base + 2,
                    rtp_low: base + 10,
                    rtp_high: base + BLOCK - 1,
                };
            }
        }
        panic!("no free block of {BLOCK} ports between {FIRST_PORT} and {LAST_PORT}");
    }

    /// A port of the block SIPp leaves alone: buurtbel's `sip.bind` when SIPp calls it.
    #[allow(dead_code)] // only the call-back line's tests call buurtbel
    pub fn gateway(&self) -> u16 {
        self.sip + 6
    }
}

fn block_is_free(base: u16) -> bool {
    let udp_free = (base..base + BLOCK).all(|port| UdpSocket::bind(("127.0.0.1", port)).is_ok());
    // SIPp binds its control port on all addresses, and listens on TCP for `-t t1`.
    udp_free
        && UdpSocket::bind(("0.0.0.0", base + 1)).is_ok()
        && TcpListener::bind(("127.0.0.1", base)).is_ok()
}

/// What a test asks of SIPp.
#[derive(Debug, Clone)]
pub struct SippOptions {
    /// The scenario file name under `tests/sipp/`.
    pub scenario: &'static str,
    /// UDP or TCP.
    pub transport: Transport,
    /// SIPp calls (Call-IDs) to handle before exiting: 2 when a REGISTER comes first.
    pub calls: u32,
}

/// A running SIPp.
pub struct Sipp {
    child: Child,
    dir: PathBuf,
    scenario: &'static str,
    port: u16,
    transport: Transport,
}

impl Sipp {
    /// Starts SIPp on `ports`, writing its traces under `dir`, and waits until it listens.
    pub fn start(options: &SippOptions, ports: &Ports, dir: &Path) -> Sipp {
        Sipp::start_with_args(options, ports, dir, &[])
    }

    /// As [`Sipp::start`], with more command-line arguments (`-rtp_echo`). SIPp's working
    /// directory is `dir`: files a scenario names by a relative path are read from there.
    pub fn start_with_args(
        options: &SippOptions,
        ports: &Ports,
        dir: &Path,
        extra_args: &[&str],
    ) -> Sipp {
        let mut sipp = Sipp::spawn(options, ports, dir, extra_args);
        sipp.wait_until_listening();
        sipp
    }

    /// SIPp as the trunk (a UAC): calls `remote` at once, with more arguments (`-s NUMBER`,
    /// `-key caller NUMBER`, `-d MS`). Not waited for: a refused call may be over before
    /// anyone could see SIPp listen.
    #[allow(dead_code)] // only the call-back line's tests call buurtbel
    pub fn call(
        options: &SippOptions,
        ports: &Ports,
        dir: &Path,
        remote: std::net::SocketAddr,
        extra_args: &[&str],
    ) -> Sipp {
        let remote = remote.to_string();
        let mut args = vec![remote.as_str()];
        args.extend_from_slice(extra_args);
        Sipp::spawn(options, ports, dir, &args)
    }

    fn spawn(options: &SippOptions, ports: &Ports, dir: &Path, extra_args: &[&str]) -> Sipp {
        let scenario = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/sipp")
            .join(options.scenario);
        let mut command = Command::new("sipp");
        command
            .current_dir(dir)
            .arg("-sf")
            .arg(&scenario)
            .args(["-i", "127.0.0.1", "-mi", "127.0.0.1"])
            .args(["-p", &ports.sip.to_string()])
            .args(["-cp", &ports.control.to_string()])
            .args(["-mp", &ports.media.to_string()])
            .args(["-m", &options.calls.to_string()])
            .args(["-timeout", SIPP_TIMEOUT, "-timeout_error", "-nostdin"])
            .arg("-trace_msg")
            .arg("-message_file")
            .arg(dir.join("messages.log"))
            .arg("-trace_err")
            .arg("-error_file")
            .arg(dir.join("errors.log"))
            .arg("-trace_stat")
            .arg("-stf")
            .arg(dir.join("stat.csv"))
            .stdin(Stdio::null())
            .stdout(file(dir, "sipp.stdout"))
            .stderr(file(dir, "sipp.stderr"));
        if options.transport == Transport::Tcp {
            command.args(["-t", "t1"]);
        }
        command.args(extra_args);
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start sipp (apt-get install sip-tester): {e}"));
        Sipp {
            child,
            dir: dir.to_owned(),
            scenario: options.scenario,
            port: ports.sip,
            transport: options.transport,
        }
    }

    /// Waits for SIPp to finish its calls (killing it after [`SIPP_DEADLINE`]).
    pub fn finish(mut self) -> SippRun {
        let status = wait_with_deadline(&mut self.child, SIPP_DEADLINE);
        SippRun {
            scenario: self.scenario,
            status,
            messages: read(&self.dir, "messages.log"),
            errors: read(&self.dir, "errors.log"),
            failures: failure_counters(&read(&self.dir, "stat.csv")),
            stderr: read(&self.dir, "sipp.stderr"),
        }
    }

    /// Polls until SIPp holds its SIP port: until then binding it ourselves succeeds.
    fn wait_until_listening(&mut self) {
        for _ in 0..polls(Duration::from_secs(10)) {
            let taken = match self.transport {
                Transport::Udp => UdpSocket::bind(("127.0.0.1", self.port)).is_err(),
                Transport::Tcp => TcpListener::bind(("127.0.0.1", self.port)).is_err(),
            };
            if taken {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "sipp exited before listening ({status}):\n{}{}",
                    read(&self.dir, "sipp.stderr"),
                    read(&self.dir, "sipp.stdout")
                );
            }
            buurtbel_clock::sleep_blocking(POLL);
        }
        panic!("sipp is not listening on {}", self.port);
    }
}

impl Drop for Sipp {
    fn drop(&mut self) {
        // Only reached when a test panics before `finish`: leave no SIPp behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How a SIPp run ended, with what it logged.
pub struct SippRun {
    scenario: &'static str,
    /// None when SIPp had to be killed.
    status: Option<ExitStatus>,
    /// Every message sent and received (`-trace_msg`).
    pub messages: String,
    errors: String,
    failures: Vec<String>,
    stderr: String,
}

impl SippRun {
    /// SIPp's verdict: every call went as its scenario says.
    pub fn passed(&self) -> bool {
        self.status.is_some_and(|s| s.success())
    }

    /// The requests SIPp received, first lines only (`INVITE sip:… SIP/2.0`).
    pub fn received_requests(&self) -> Vec<&str> {
        self.received()
            .filter_map(|message| message.lines().next())
            .filter(|line| line.ends_with("SIP/2.0"))
            .collect()
    }

    /// The responses SIPp received, status lines only (`SIP/2.0 200 OK`).
    #[allow(dead_code)] // not every test binary counts responses
    pub fn received_statuses(&self) -> Vec<&str> {
        self.received()
            .filter_map(|message| message.lines().next())
            .filter(|line| line.starts_with("SIP/2.0 "))
            .collect()
    }

    /// The value of header `name` in the first request SIPp received with this method.
    pub fn header_of(&self, method: &str, name: &str) -> Option<&str> {
        let start = format!("{method} ");
        let message = self.received().find(|m| m.starts_with(&start))?;
        message.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }

    /// Each received message, from its first line on. The log separates entries with a
    /// line of dashes and starts each with "UDP message received [N] bytes :".
    fn received(&self) -> impl Iterator<Item = &str> {
        self.messages
            .split("\n-----")
            .filter_map(|entry| entry.split_once("message received")?.1.split_once(":\n"))
            .map(|(_, message)| message.trim_start())
    }
}

impl fmt::Display for SippRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = match self.status {
            Some(status) => status.to_string(),
            None => format!("killed after {SIPP_DEADLINE:?}"),
        };
        writeln!(f, "--- sipp {} ({status})", self.scenario)?;
        writeln!(f, "failure counters: {:?}", self.failures)?;
        writeln!(f, "--- sipp errors.log\n{}", self.errors)?;
        writeln!(f, "--- sipp stderr\n{}", self.stderr)?;
        writeln!(f, "--- sipp messages.log\n{}", self.messages)
    }
}

/// Waits for a child, killing it at the deadline; None if it had to be killed.
pub fn wait_with_deadline(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    for _ in 0..polls(limit) {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) => buurtbel_clock::sleep_blocking(POLL),
            Err(e) => panic!("cannot wait for child: {e}"),
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// Poll counts stand in for deadlines: the project keeps clock reads in its driver.
fn polls(limit: Duration) -> u128 {
    limit.as_millis() / POLL.as_millis()
}

/// A file under `dir` for a child's output.
pub fn file(dir: &Path, name: &str) -> fs::File {
    fs::File::create(dir.join(name)).unwrap_or_else(|e| panic!("cannot create {name}: {e}"))
}

/// A file under `dir`, or a note that it is missing.
pub fn read(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name)).unwrap_or_else(|_| format!("({name}: none)\n"))
}

/// The non-zero cumulative `Failed…` counters of SIPp's last statistics line.
fn failure_counters(csv: &str) -> Vec<String> {
    let mut lines = csv.lines().filter(|l| !l.trim().is_empty());
    let (Some(header), Some(last)) = (lines.next(), lines.next_back()) else {
        return Vec::new();
    };
    header
        .split(';')
        .zip(last.split(';'))
        .filter(|(name, value)| {
            name.starts_with("Failed") && name.ends_with("(C)") && *value != "0"
        })
        .map(|(name, value)| format!("{name}={value}"))
        .collect()
}
