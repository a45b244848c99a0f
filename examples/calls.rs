//! The load benchmark of issue 3: N concurrent calls, each playing a long message to a
//! simulated phone that answers at once and sends 20 ms of silence back, with the gateway's
//! CPU, memory, send lateness and packet loss measured alone.
//!
//! ```text
//! cargo run --release --example calls -- --calls 2000 --seconds 60 --capture 3 --sipp
//! cargo run --release --example calls -- --sendto-bench --calls 2000
//! ```
//!
//! The phones (`buurtbel::sim::Exchange`) run in a second process, this binary re-executed
//! with the hidden `--phones ADDR`, so `getrusage(RUSAGE_SELF)` counts the gateway only. The
//! figures are taken over a steady window: from when every call is up to just before the
//! first one ends. Send lateness comes two ways: the pacer's own tick lateness
//! (`Pacer::lateness`, when each lane woke), and with `--capture S` each packet's departure
//! on `lo` (tcpdump, before the window) against the grid point it was due at. With `--sipp`,
//! SIPp then places calls to the same phones as the caller, streaming the same audio with
//! `rtp_stream`, and its CPU per call-second is measured over the same kind of window from
//! `/proc/<pid>/stat`. `docs/BENCHMARKS.md` records the results.
//!
//! With `--api-clients N`, the HTTP API runs in the gateway's process over a database of its
//! own holding an alert to `--api-members` members, and N clients read the alert
//! (`GET /v1/alerts/{id}`) for `--api-seconds`, first with no call up and then inside the
//! steady window; the window's CPU then includes the API's.
//!
//! The harness reads the clock through `telephony::clock`, as the driver does, and the wall
//! clock once to line the pacer's grid up with tcpdump's timestamps.

use buurtbel::config::{Config, MediaConfig, SipConfig, TrunkConfig};
use buurtbel::media::audio::{EncodedProgram, Segments};
use buurtbel::media::g711;
use buurtbel::sim::{Exchange, PhoneScript};
use buurtbel::sip::Uri;
use buurtbel::telephony::clock;
use buurtbel::telephony::pacer::Lateness;
use buurtbel::telephony::pending::PendingProgram;
use buurtbel::telephony::{CallResult, Dialer, DialerError, Playback};
use buurtbel::time::Instant;
use clap::Parser;
use std::collections::{BTreeMap, HashMap};
use std::error::Error;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::task::JoinSet;

#[path = "support/api_load.rs"]
mod api_load;

type Fallible<T> = Result<T, Box<dyn Error>>;

/// Segments around the message: short, so the message dominates the call.
const INTRO_MS: u64 = 1_000;
const MENU_MS: u64 = 2_000;
const KEY_WAIT_MS: u64 = 1_000;
const THANKS_MS: u64 = 500;
/// One RTP packet per 20 ms.
const FRAME_MS: u64 = 20;
/// Settling time after the last call is placed before the window opens.
const SETTLE: Duration = Duration::from_secs(2);
/// The window closes this long before the first call's program ends.
const MARGIN: Duration = Duration::from_millis(500);
/// SIPp's local RTP port (outside the gateway's 20000-29999).
const SIPP_MEDIA_PORT: u16 = 16_000;

/// Command line.
#[derive(Debug, Parser)]
#[command(about = "Load benchmark: N concurrent calls to simulated phones")]
struct Args {
    /// Concurrent calls.
    #[arg(long, default_value_t = 100)]
    calls: usize,
    /// Length of the message each call plays, in seconds.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// New calls per second (the trunk's max_cps, and SIPp's -r).
    #[arg(long, default_value_t = 500.0)]
    cps: f64,
    /// Also run SIPp as the caller on the same phones, for comparison.
    #[arg(long)]
    sipp: bool,
    /// Calls for the SIPp run (default: --calls).
    #[arg(long)]
    sipp_calls: Option<usize>,
    /// Instead of calls: time `send_to` per packet against `sendmmsg` batches on loopback.
    #[arg(long)]
    sendto_bench: bool,
    /// Capture the gateway's RTP with tcpdump for this many seconds at the start of the
    /// window, for per-packet send lateness (the CPU window starts after the capture).
    #[arg(long, default_value_t = 0)]
    capture: u64,
    /// Pin the phones' process to this CPU.
    #[arg(long)]
    phones_cpu: Option<usize>,
    /// Niceness of the phones' process (10: the gateway preempts them, as if they ran on
    /// other machines).
    #[arg(long, default_value_t = 0)]
    phones_nice: i32,
    /// Phones send no audio back (the gateway then only sends, as SIPp does, which reads none).
    #[arg(long)]
    silent_phones: bool,
    /// Clients reading an alert over the HTTP API, idle and then while the calls are up.
    #[arg(long, default_value_t = 0)]
    api_clients: usize,
    /// Members of the alert the API clients read.
    #[arg(long, default_value_t = 2_000)]
    api_members: usize,
    /// How long the API clients read, each time.
    #[arg(long, default_value_t = 10)]
    api_seconds: u64,
    /// Internal: read this URL as API clients (`--api-clients` of them) and print the figures.
    #[arg(long, hide = true)]
    hammer_url: Option<String>,
    /// Internal: the hammer's token.
    #[arg(long, hide = true, default_value = "")]
    hammer_token: String,
    /// Internal: how long the hammer reads, ms.
    #[arg(long, hide = true, default_value_t = 10_000)]
    hammer_millis: u64,
    /// Internal: run the simulated phones on this address and report on stdout.
    #[arg(long, hide = true)]
    phones: Option<SocketAddr>,
}

fn main() -> Fallible<()> {
    let args = Args::parse();
    if let Some(bind) = args.phones {
        place_phones(args.phones_cpu, args.phones_nice)?;
        return runtime()?.block_on(run_phones(bind, !args.silent_phones));
    }
    if args.sendto_bench {
        return sendto_bench(args.calls);
    }
    if let Some(url) = args.hammer_url.clone() {
        let length = Duration::from_millis(args.hammer_millis);
        let token = args.hammer_token.clone();
        let figures = runtime()?.block_on(api_load::hammer(url, token, args.api_clients, length));
        println!("{}", figures.line());
        return Ok(());
    }
    runtime()?.block_on(benchmark(args))
}

/// The default multi-threaded runtime: one worker per core this process may use.
fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}

/// The gateway's run, then SIPp's if asked for.
async fn benchmark(args: Args) -> Fallible<()> {
    let program_ms = INTRO_MS + args.seconds * 1_000 + MENU_MS + KEY_WAIT_MS;
    let phones = Phones::spawn(&args)?;
    println!("{}", Machine::read());
    let api = match args.api_clients {
        0 => None,
        _ => Some(api_load::ApiLoad::start(args.api_members).await?),
    };
    let idle = match &api {
        Some(api) => Some(
            api.hammer(args.api_clients, Duration::from_secs(args.api_seconds))
                .await?,
        ),
        None => None,
    };
    let gateway = run_gateway(&args, &phones, program_ms, api.as_ref()).await;
    let gateway = gateway.map(|g| g.with_phones(phones.wait_for('g', args.calls)));
    if let Some(idle) = &idle {
        print_api("with no call up", &args, idle, 0);
    }
    match &gateway {
        Ok(figures) => figures.print(&args),
        Err(e) => println!("gateway run failed: {e}"),
    }
    if args.sipp {
        let calls = args.sipp_calls.unwrap_or(args.calls);
        let sipp = tokio::task::block_in_place(|| run_sipp(&args, calls, phones.addr, program_ms));
        match sipp {
            Ok(sipp) => sipp
                .with_phones(phones.wait_for('s', calls))
                .print(gateway.as_ref().ok()),
            Err(e) => println!("SIPp run failed: {e}"),
        }
    }
    phones.stop();
    Ok(())
}

/// One stretch of API reads.
fn print_api(when: &str, args: &Args, figures: &api_load::LoadFigures, calls: usize) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "API {when} ({calls} calls): GET /v1/alerts/{{id}} of {} members, {} clients: \
         {:.0} requests/s, p50 {:.1} ms, p99 {:.1} ms, {} failed",
        args.api_members,
        args.api_clients,
        figures.per_second(),
        ms(figures.quantile(0.50)),
        ms(figures.quantile(0.99)),
        figures.failed
    );
}

// ---------------------------------------------------------------------------------------------
// The phones' process

/// The hidden `--phones` mode: an exchange whose every number answers at once and sends
/// silence (unless `send_audio` is off); prints its address, then one line per ended call:
/// `ended USER STATUS RTP_IN`.
async fn run_phones(bind: SocketAddr, send_audio: bool) -> Fallible<()> {
    let script = PhoneScript {
        send_audio,
        ..PhoneScript::answer_after(Duration::ZERO)
    };
    let mut exchange = Exchange::start(bind, HashMap::new(), script).await?;
    println!("{}", exchange.addr());
    // The parent holds our stdin; when it goes away, so do we.
    std::thread::spawn(|| {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        std::process::exit(0);
    });
    while let Some(call) = exchange.next_call().await {
        println!(
            "ended {} {} {}",
            call.user, call.final_status, call.rtp_received
        );
    }
    Ok(())
}

/// Pins this process to `cpu` and sets its niceness, before the runtime starts its workers.
fn place_phones(cpu: Option<usize>, nice: i32) -> std::io::Result<()> {
    if let Some(cpu) = cpu {
        // SAFETY: the set is zeroed and ours; `sched_setaffinity` only reads it.
        let pinned = unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            libc::CPU_SET(cpu, &mut set);
            libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set)
        };
        if pinned != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    // SAFETY: plain system call on this process.
    if nice != 0 && unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, nice) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// What the phones saw of one group of calls (gateway's numbers start with `g`, SIPp's `s`).
#[derive(Debug, Clone, Copy, Default)]
struct PhoneTally {
    /// Calls ended.
    ended: u64,
    /// Calls the phone answered with 200.
    answered: u64,
    /// Audio RTP packets the phones received.
    rtp_received: u64,
}

/// The phones' process, seen from the benchmark.
struct Phones {
    child: Child,
    addr: SocketAddr,
    tallies: Arc<Mutex<HashMap<char, PhoneTally>>>,
}

impl Phones {
    /// Re-executes this binary in `--phones` mode and reads its address.
    fn spawn(args: &Args) -> Fallible<Phones> {
        let mut command = Command::new(std::env::current_exe()?);
        command.args(["--phones", "127.0.0.1:0"]);
        command.args(["--phones-nice", &args.phones_nice.to_string()]);
        if let Some(cpu) = args.phones_cpu {
            command.args(["--phones-cpu", &cpu.to_string()]);
        }
        if args.silent_phones {
            command.arg("--silent-phones");
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("phones: no stdout")?;
        let mut lines = BufReader::new(stdout);
        let mut first = String::new();
        lines.read_line(&mut first)?;
        let addr = first.trim().parse()?;
        let tallies = Arc::new(Mutex::new(HashMap::new()));
        let tally = Arc::clone(&tallies);
        std::thread::spawn(move || read_tallies(lines, &tally));
        Ok(Phones {
            child,
            addr,
            tallies,
        })
    }

    /// Waits (up to 10 s) until `calls` calls of group `prefix` have ended.
    fn wait_for(&self, prefix: char, calls: usize) -> PhoneTally {
        let deadline = clock::now() + Duration::from_secs(10);
        loop {
            let tally = self.tally(prefix);
            if tally.ended >= calls as u64 || clock::now() > deadline {
                return tally;
            }
            clock::sleep_blocking(Duration::from_millis(50));
        }
    }

    fn tally(&self, prefix: char) -> PhoneTally {
        let tallies = self.tallies.lock().unwrap_or_else(PoisonError::into_inner);
        tallies.get(&prefix).copied().unwrap_or_default()
    }

    /// The phones' CPU so far.
    fn cpu(&self) -> Option<Duration> {
        proc_cpu(self.child.id())
    }

    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_tallies(lines: BufReader<ChildStdout>, tallies: &Mutex<HashMap<char, PhoneTally>>) {
    for line in lines.lines().map_while(Result::ok) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let ["ended", user, status, received] = fields.as_slice() else {
            continue;
        };
        let prefix = user.chars().next().unwrap_or('?');
        let mut tallies = tallies.lock().unwrap_or_else(PoisonError::into_inner);
        let tally = tallies.entry(prefix).or_default();
        tally.ended += 1;
        tally.answered += u64::from(*status == "200");
        tally.rtp_received += received.parse::<u64>().unwrap_or(0);
    }
}

// ---------------------------------------------------------------------------------------------
// The gateway's run

/// What one gateway run measured.
#[derive(Debug, Default)]
struct GatewayFigures {
    calls: usize,
    /// Calls holding a channel when the window opened and when it closed.
    up_at_open: usize,
    up_at_close: usize,
    window: Duration,
    cpu: Duration,
    phones_cpu: Option<Duration>,
    /// Busy time of every CPU over the window: gateway, phones and anything else running.
    system_busy: Option<Duration>,
    rss_before_kib: u64,
    rss_up_kib: u64,
    peak_rss_kib: u64,
    /// Tick lateness over the whole run, and over the window only.
    lateness_run: Quantiles,
    lateness_window: Quantiles,
    /// Per-packet send lateness from a capture, when one was taken.
    packets: Option<PacketLateness>,
    /// Kernel UDP drops over the whole run.
    drops: KernelDrops,
    outcomes: BTreeMap<String, usize>,
    media: MediaTotals,
    phones: PhoneTally,
    expected_packets: u64,
}

/// Sums of every call's media report.
#[derive(Debug, Default, Clone, Copy)]
struct MediaTotals {
    sent: u64,
    received: u64,
    lost: u64,
    played: Duration,
}

/// A look at the gateway at one instant of the window.
struct Snapshot {
    usage: Usage,
    lateness: Lateness,
    /// Calls holding a channel.
    up: usize,
    phones_cpu: Option<Duration>,
    /// Every CPU's busy time, all processes.
    system_busy: Option<Duration>,
}

impl Snapshot {
    fn take(dialer: &Dialer, calls: usize, phones: &Phones) -> Snapshot {
        Snapshot {
            usage: Usage::own(),
            lateness: dialer.pacer().lateness(),
            up: calls - dialer.limits().free_channels().min(calls),
            phones_cpu: phones.cpu(),
            system_busy: system_busy(),
        }
    }
}

/// Places `args.calls` calls and measures the steady window.
async fn run_gateway(
    args: &Args,
    phones: &Phones,
    program_ms: u64,
    api: Option<&api_load::ApiLoad>,
) -> Fallible<GatewayFigures> {
    let dialer = Dialer::start(&gateway_config(args, phones.addr, program_ms)).await?;
    let program = Arc::new(EncodedProgram::new(&segments(args.seconds)));
    let playback = Arc::new(Playback::Program(PendingProgram::ready(program)));
    let (before, drops) = (Usage::own(), KernelDrops::read());
    let placed = clock::now();
    let mut calls = JoinSet::new();
    for n in 0..args.calls {
        let (dialer, playback) = (Arc::clone(&dialer), Arc::clone(&playback));
        calls.spawn(async move { dialer.call(gateway_number(n)?, &playback).await });
    }
    let capture = Duration::from_secs(args.capture);
    let (open, close) = window(args.calls, args.cps, placed, program_ms, capture)?;
    clock::sleep_until(open - capture).await;
    let capture = match args.capture {
        0 => None,
        _ => Some(capture_rtp(&dialer, capture).await?),
    };
    clock::sleep_until(open).await;
    let start = Snapshot::take(&dialer, args.calls, phones);
    if let Some(api) = api {
        let room = (close - open).saturating_sub(Duration::from_secs(1));
        let length = Duration::from_secs(args.api_seconds).min(room);
        let busy = api.hammer(args.api_clients, length).await?;
        print_api("while the calls are up", args, &busy, start.up);
    }
    clock::sleep_until(close).await;
    let end = Snapshot::take(&dialer, args.calls, phones);
    let window = end.usage.at - start.usage.at;
    let mut figures = GatewayFigures {
        calls: args.calls,
        up_at_open: start.up,
        up_at_close: end.up,
        window,
        cpu: end.usage.cpu.saturating_sub(start.usage.cpu),
        phones_cpu: delta(start.phones_cpu, end.phones_cpu),
        system_busy: delta(start.system_busy, end.system_busy),
        rss_before_kib: before.rss_kib,
        rss_up_kib: start.usage.rss_kib.max(end.usage.rss_kib),
        lateness_window: Quantiles::between(&start.lateness, &end.lateness),
        expected_packets: args.calls as u64 * program_ms / FRAME_MS,
        ..GatewayFigures::default()
    };
    collect_results(&mut calls, &mut figures).await;
    figures.drops = KernelDrops::read().since(drops);
    figures.lateness_run = Quantiles::of(&dialer.pacer().lateness());
    figures.peak_rss_kib = Usage::own().peak_rss_kib;
    // Read the capture only now: its analysis would count in the gateway's memory.
    figures.packets = capture.map(|c| c.analyse()).transpose()?;
    Ok(figures)
}

/// The steady window: from when the last call is placed (plus settling and a capture) to
/// just before the first call's program ends.
fn window(
    calls: usize,
    cps: f64,
    placed: Instant,
    program_ms: u64,
    capture: Duration,
) -> Fallible<(Instant, Instant)> {
    let ramp = Duration::from_secs_f64(calls as f64 / cps) + capture;
    let open = placed + ramp + SETTLE;
    let close = placed + Duration::from_millis(program_ms) - MARGIN;
    if close < open + Duration::from_secs(5) {
        let need = (ramp + SETTLE + MARGIN).as_secs() + 6;
        return Err(
            format!("message too short for a steady window: use --seconds {need} or more").into(),
        );
    }
    Ok((open, close))
}

/// Joins every call and adds up outcomes and media counters.
async fn collect_results(
    calls: &mut JoinSet<Result<CallResult, DialerError>>,
    figures: &mut GatewayFigures,
) {
    while let Some(joined) = calls.join_next().await {
        let outcome = match joined {
            Ok(Ok(result)) => {
                if let Some(played) = &result.played {
                    figures.media.sent += played.stats.sent;
                    figures.media.received += played.stats.received;
                    figures.media.lost += played.stats.lost;
                    figures.media.played += played.stats.played;
                }
                result.report.outcome.as_str().to_owned()
            }
            Ok(Err(e)) => format!("dialer error: {e}"),
            Err(e) => format!("task failed: {e}"),
        };
        *figures.outcomes.entry(outcome).or_default() += 1;
    }
}

impl GatewayFigures {
    fn with_phones(mut self, phones: PhoneTally) -> GatewayFigures {
        self.phones = phones;
        self
    }

    /// CPU seconds per call-second.
    fn cpu_per_call_second(&self) -> f64 {
        self.cpu.as_secs_f64() / (self.up_at_open as f64 * self.window.as_secs_f64())
    }

    fn print(&self, args: &Args) {
        println!(
            "== gateway: {} calls, {} s message, {} cps",
            self.calls, args.seconds, args.cps
        );
        self.print_load();
        self.print_lateness();
        self.print_media();
        self.print_goals();
    }

    fn cores(&self) -> f64 {
        self.cpu.as_secs_f64() / self.window.as_secs_f64()
    }

    fn memory_per_call_kib(&self) -> f64 {
        self.rss_up_kib.saturating_sub(self.rss_before_kib) as f64 / self.calls as f64
    }

    fn print_load(&self) {
        let window = self.window.as_secs_f64();
        println!(
            "calls up at window open/close: {}/{}",
            self.up_at_open, self.up_at_close
        );
        println!("window: {window:.1} s");
        println!(
            "gateway CPU: {:.3} s = {:.3} of one core",
            self.cpu.as_secs_f64(),
            self.cores()
        );
        println!(
            "gateway CPU per call-second: {:.1} µs",
            self.cpu_per_call_second() * 1e6
        );
        if let (Some(phones), Some(busy)) = (self.phones_cpu, self.system_busy) {
            let others = busy.saturating_sub(phones + self.cpu).as_secs_f64();
            let (phones, busy) = (phones.as_secs_f64(), busy.as_secs_f64());
            println!(
                "over the window, of one core: phones {:.3}, everything else {:.3}, all CPUs busy {:.3}",
                phones / window,
                others / window,
                busy / window
            );
        }
        println!(
            "RSS before calls {} KiB, with calls up {} KiB, peak (VmHWM) {} KiB; per call {:.1} KiB",
            self.rss_before_kib,
            self.rss_up_kib,
            self.peak_rss_kib,
            self.memory_per_call_kib()
        );
    }

    fn print_lateness(&self) {
        println!("tick lateness, window: {}", self.lateness_window);
        println!("tick lateness, whole run: {}", self.lateness_run);
        if let Some(packets) = &self.packets {
            println!("per-packet send lateness (capture): {packets}");
        }
        let frames = self.window.as_secs_f64() / 0.020;
        println!(
            "pacer ticks per 20 ms in the window: {:.2} (one per lane; {} cores)",
            self.lateness_window.ticks as f64 / frames,
            std::thread::available_parallelism().map_or(1, |n| n.get())
        );
    }

    fn print_media(&self) {
        let m = &self.media;
        println!("outcomes: {:?}", self.outcomes);
        println!(
            "RTP sent {} (expected {}), phones received {}: {} lost on the way out",
            m.sent,
            self.expected_packets,
            self.phones.rtp_received,
            self.lost_out()
        );
        println!(
            "RTP received from phones {}, lost {} (sequence gaps)",
            m.received, m.lost
        );
        println!(
            "phones: {} calls ended, {} answered",
            self.phones.ended, self.phones.answered
        );
        let d = &self.drops;
        println!(
            "kernel UDP drops during the run (all processes): receive buffer full {}, send buffer {}, input backlog {}",
            d.rcvbuf_errors, d.sndbuf_errors, d.backlog_drops
        );
    }

    fn lost_out(&self) -> i64 {
        i64::try_from(self.media.sent).unwrap_or(i64::MAX)
            - i64::try_from(self.phones.rtp_received).unwrap_or(i64::MAX)
    }

    /// The issue's goals, met or not (SIPp's ratio is printed with SIPp's run).
    fn print_goals(&self) {
        let verdict = |met: bool| if met { "met" } else { "NOT met" };
        // The worse of the pacer's tick lateness and the captured packets' lateness.
        let p99 = self.packets.map_or(self.lateness_window.p99, |p| {
            p.p99.max(self.lateness_window.p99)
        });
        let max = self.packets.map_or(self.lateness_window.max, |p| {
            p.max.max(self.lateness_window.max)
        });
        let lossless = self.lost_out() == 0 && self.media.lost == 0;
        println!(
            "goal ≤ 1 core: {:.2} → {}",
            self.cores(),
            verdict(self.cores() <= 1.0)
        );
        println!(
            "goal p99 ≤ 2 ms: {p99:?} → {}",
            verdict(p99 <= Duration::from_millis(2))
        );
        println!(
            "goal max < 20 ms: {max:?} → {}",
            verdict(max < Duration::from_millis(20))
        );
        println!(
            "goal no loss: {} → {}",
            self.lost_out() + i64::try_from(self.media.lost).unwrap_or(0),
            verdict(lossless)
        );
        let kib = self.memory_per_call_kib();
        println!(
            "goal ≤ 64 KiB per call: {kib:.1} → {}",
            verdict(kib <= 64.0)
        );
    }
}

/// The configuration, built in code: loopback, the phones as the trunk, room for every call.
fn gateway_config(args: &Args, phones: SocketAddr, program_ms: u64) -> Config {
    // Silent phones would trip the RTP inactivity timeout before the program ends.
    let rtp_timeout = match args.silent_phones {
        true => Duration::from_millis(program_ms) + Duration::from_secs(30),
        false => Duration::from_secs(30),
    };
    Config {
        sip: SipConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            ..SipConfig::default()
        },
        trunk: TrunkConfig {
            proxy: phones.to_string(),
            domain: "127.0.0.1".to_owned(),
            max_channels: u32::try_from(args.calls).unwrap_or(u32::MAX),
            max_cps: args.cps,
            ring_timeout: Duration::from_secs(10),
            ..TrunkConfig::default()
        },
        media: MediaConfig {
            rtp_ports: 20_000..=29_999,
            rtp_timeout,
            menu_rounds: 1,
            key_wait: Duration::from_millis(KEY_WAIT_MS),
            // The phones answer with silence: listening first would only delay the program
            // by 2 s and shift the measuring window.
            machine_detection: false,
            ..MediaConfig::default()
        },
        ..Config::default()
    }
}

fn gateway_number(n: usize) -> Result<Uri, DialerError> {
    Uri::parse(&format!("sip:g{n}@127.0.0.1")).map_err(|_| DialerError::Resolve(format!("g{n}")))
}

/// A 440 Hz message of `seconds`, between short tones for intro, menu and thanks.
fn segments(seconds: u64) -> Segments {
    Segments {
        intro: tone(500.0, INTRO_MS),
        message: tone(440.0, seconds * 1_000),
        menu: tone(600.0, MENU_MS),
        thanks: tone(300.0, THANKS_MS),
        listen_first: Vec::new(),
        voicemail: Vec::new(),
    }
}

fn tone(hz: f32, ms: u64) -> Vec<i16> {
    (0..ms * 8)
        .map(|i| {
            (8_000.0 * (std::f32::consts::TAU * hz * (i % 8_000) as f32 / 8_000.0).sin()) as i16
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Lateness

/// Buckets of `Lateness` (100 µs each, the last holding everything from 50 ms).
const BUCKETS: usize = 501;
const BUCKET: Duration = Duration::from_micros(100);

/// p50, p99 and max of tick lateness, and how many ticks they cover.
#[derive(Debug, Default, Clone, Copy)]
struct Quantiles {
    p50: Duration,
    p99: Duration,
    max: Duration,
    ticks: u64,
}

impl Quantiles {
    /// Over everything `lateness` recorded.
    fn of(lateness: &Lateness) -> Quantiles {
        Quantiles {
            max: lateness.max(),
            ..Quantiles::from_buckets(&histogram(lateness))
        }
    }

    /// Over what was recorded between two snapshots of the same lanes. The max is exact when
    /// it grew inside the window, else the upper edge of the highest bucket used.
    fn between(start: &Lateness, end: &Lateness) -> Quantiles {
        let (before, after) = (histogram(start), histogram(end));
        let window: Vec<u64> = after
            .iter()
            .zip(&before)
            .map(|(a, b)| a.saturating_sub(*b))
            .collect();
        let quantiles = Quantiles::from_buckets(&window);
        if end.max() > start.max() {
            return Quantiles {
                max: end.max(),
                ..quantiles
            };
        }
        quantiles
    }

    fn from_buckets(buckets: &[u64]) -> Quantiles {
        let ticks: u64 = buckets.iter().sum();
        let at = |q: f64| {
            let wanted = ((ticks as f64 * q).ceil() as u64).max(1);
            let mut seen = 0;
            let bucket = buckets.iter().position(|count| {
                seen += count;
                seen >= wanted
            });
            BUCKET * u32::try_from(bucket.unwrap_or(0)).unwrap_or(0)
        };
        let top = buckets.iter().rposition(|count| *count > 0).unwrap_or(0);
        Quantiles {
            p50: at(0.50),
            p99: at(0.99),
            max: BUCKET * u32::try_from(top + 1).unwrap_or(0),
            ticks,
        }
    }
}

impl std::fmt::Display for Quantiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        write!(
            f,
            "p50 {:.1} ms, p99 {:.1} ms, max {:.2} ms over {} ticks (100 µs buckets)",
            ms(self.p50),
            ms(self.p99),
            ms(self.max),
            self.ticks
        )
    }
}

/// The bucket counts of `lateness`, rebuilt from `quantile` at every rank: the type keeps
/// its buckets private, and a window needs the difference of two snapshots. The rank-r tick
/// is `quantile((r - 0.5) / total)`, which rounds up to exactly r.
fn histogram(lateness: &Lateness) -> Vec<u64> {
    let total = lateness.ticks();
    let mut buckets = vec![0u64; BUCKETS];
    for rank in 1..=total {
        let late = lateness.quantile((rank as f64 - 0.5) / total as f64);
        let bucket = usize::try_from(late.as_micros() / BUCKET.as_micros()).unwrap_or(BUCKETS);
        if let Some(count) = buckets.get_mut(bucket.min(BUCKETS - 1)) {
            *count += 1;
        }
    }
    buckets
}

/// Per-packet send lateness against the 20 ms grid, from a capture.
#[derive(Debug, Clone, Copy, Default)]
struct PacketLateness {
    packets: usize,
    flows: usize,
    p50: Duration,
    p99: Duration,
    p999: Duration,
    max: Duration,
}

impl std::fmt::Display for PacketLateness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        write!(
            f,
            "p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms over {} packets of {} calls",
            ms(self.p50),
            ms(self.p99),
            ms(self.p999),
            ms(self.max),
            self.packets,
            self.flows
        )
    }
}

/// Where the pacer's grid lies on the capture's clock (CLOCK_REALTIME).
#[derive(Debug, Clone, Copy)]
struct GridAnchor {
    /// A grid point, in ns since the Unix epoch.
    grid_ns: i128,
}

impl GridAnchor {
    /// Reads both clocks back to back and asks the pacer for a grid point.
    fn now(dialer: &Dialer) -> GridAnchor {
        let at = clock::now();
        let wall = clock::unix_time();
        let grid = dialer.pacer().next_tick(at);
        GridAnchor {
            grid_ns: wall.as_nanos() as i128 + (grid - at).as_nanos() as i128,
        }
    }
}

/// A capture of the gateway's outgoing RTP, and where the pacer's grid lay during it.
struct Capture {
    dir: tempfile::TempDir,
    anchor: GridAnchor,
}

impl Capture {
    /// Measures each captured packet against the grid point it was due at.
    fn analyse(&self) -> Fallible<PacketLateness> {
        let flows = rtp_flows(&std::fs::read(self.dir.path().join("rtp.pcap"))?)?;
        Ok(packet_lateness(&flows, self.anchor))
    }
}

/// Captures the gateway's outgoing RTP on `lo` for `length` with tcpdump.
async fn capture_rtp(dialer: &Dialer, length: Duration) -> Fallible<Capture> {
    let dir = tempfile::Builder::new()
        .prefix("buurtbel-capture-")
        .tempdir()?;
    let file = dir.path().join("rtp.pcap");
    let mut tcpdump = Command::new("tcpdump")
        .args([
            "-i",
            "lo",
            "-s",
            "64",
            "-B",
            "65536",
            "--time-stamp-precision=nano",
        ])
        .arg("-w")
        .arg(&file)
        .arg("udp and src portrange 20000-29999")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let anchor = GridAnchor::now(dialer);
    tokio::time::sleep(length).await;
    let pid = i32::try_from(tcpdump.id())?;
    // SAFETY: signals our own child; SIGINT makes tcpdump flush its file and exit.
    unsafe { libc::kill(pid, libc::SIGINT) };
    tokio::task::spawn_blocking(move || tcpdump.wait()).await??;
    Ok(Capture { dir, anchor })
}

/// Send times (ns, wall clock) and RTP timestamps of each UDP source port in a pcap file
/// with nanosecond timestamps.
fn rtp_flows(pcap: &[u8]) -> Fallible<HashMap<u16, Vec<(i128, u32)>>> {
    let word = |at: usize| -> Option<u32> {
        Some(u32::from_le_bytes(pcap.get(at..at + 4)?.try_into().ok()?))
    };
    if word(0) != Some(0xa1b2_3c4d) {
        return Err("capture is not a little-endian nanosecond pcap".into());
    }
    let link = match word(20) {
        Some(1) => 14,
        Some(113) => 16,
        _ => return Err("capture has an unknown link type".into()),
    };
    let mut flows: HashMap<u16, Vec<(i128, u32)>> = HashMap::new();
    let mut at = 24;
    while let (Some(sec), Some(nsec), Some(len)) = (word(at), word(at + 4), word(at + 8)) {
        let data = pcap
            .get(at + 16..at + 16 + len as usize)
            .unwrap_or_default();
        if let Some((port, timestamp)) = udp_rtp(data.get(link..).unwrap_or_default()) {
            let ns = i128::from(sec) * 1_000_000_000 + i128::from(nsec);
            flows.entry(port).or_default().push((ns, timestamp));
        }
        at += 16 + len as usize;
    }
    Ok(flows)
}

/// The UDP source port and RTP timestamp of an IPv4 packet carrying G.711 RTP.
fn udp_rtp(ip: &[u8]) -> Option<(u16, u32)> {
    let header = usize::from(ip.first()? & 0x0F) * 4;
    let udp = ip.get(header..)?;
    let rtp_audio = udp.get(8)? >> 6 == 2 && matches!(udp.get(9)? & 0x7F, 0 | 8);
    if !rtp_audio {
        return None;
    }
    let port = u16::from_be_bytes(udp.get(0..2)?.try_into().ok()?);
    let timestamp = u32::from_be_bytes(udp.get(12..16)?.try_into().ok()?);
    Some((port, timestamp))
}

/// Each packet is due at its flow's first grid point plus its RTP timestamp's advance; the
/// first grid point is the last one at or before the flow's least-late packet.
fn packet_lateness(flows: &HashMap<u16, Vec<(i128, u32)>>, anchor: GridAnchor) -> PacketLateness {
    const FRAME_NS: i128 = 20_000_000;
    let mut late: Vec<i128> = Vec::new();
    for packets in flows.values() {
        let Some(&(_, first)) = packets.first() else {
            continue;
        };
        let offsets: Vec<i128> = packets
            .iter()
            .map(|(ns, ts)| ns - i128::from(ts.wrapping_sub(first)) * 125_000)
            .collect();
        let least = offsets.iter().copied().min().unwrap_or(0);
        let due = anchor.grid_ns + (least - anchor.grid_ns).div_euclid(FRAME_NS) * FRAME_NS;
        late.extend(offsets.iter().map(|offset| offset - due));
    }
    late.sort_unstable();
    let at = |q: f64| {
        let index = ((late.len() as f64 * q).ceil() as usize).clamp(1, late.len().max(1)) - 1;
        Duration::from_nanos(
            late.get(index)
                .map_or(0, |ns| u64::try_from(*ns).unwrap_or(0)),
        )
    };
    PacketLateness {
        packets: late.len(),
        flows: flows.len(),
        p50: at(0.5),
        p99: at(0.99),
        p999: at(0.999),
        max: at(1.0),
    }
}

// ---------------------------------------------------------------------------------------------
// CPU and memory

/// This process's CPU and memory at one instant.
#[derive(Debug, Clone, Copy)]
struct Usage {
    at: Instant,
    /// User + system time, from `getrusage(RUSAGE_SELF)`.
    cpu: Duration,
    /// `VmRSS`.
    rss_kib: u64,
    /// `VmHWM`, the peak RSS.
    peak_rss_kib: u64,
}

impl Usage {
    fn own() -> Usage {
        // SAFETY: `getrusage` only writes the struct it is given, which is zeroed and ours.
        let usage = unsafe {
            let mut usage: libc::rusage = std::mem::zeroed();
            libc::getrusage(libc::RUSAGE_SELF, &mut usage);
            usage
        };
        let micros = |t: libc::timeval| {
            Duration::from_secs(t.tv_sec.unsigned_abs())
                + Duration::from_micros(t.tv_usec.unsigned_abs())
        };
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        Usage {
            at: clock::now(),
            cpu: micros(usage.ru_utime) + micros(usage.ru_stime),
            rss_kib: status_kib(&status, "VmRSS:"),
            peak_rss_kib: status_kib(&status, "VmHWM:"),
        }
    }
}

fn delta(start: Option<Duration>, end: Option<Duration>) -> Option<Duration> {
    Some(end?.saturating_sub(start?))
}

/// Busy time of all CPUs (user, nice, system, irq, softirq, steal) from `/proc/stat`.
fn system_busy() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let busy: u64 = [0, 1, 2, 5, 6, 7]
        .iter()
        .filter_map(|i| fields.get(*i))
        .sum();
    Some(Duration::from_secs_f64(busy as f64 / clock_ticks()? as f64))
}

/// `USER_HZ`, the unit of `/proc` CPU times.
fn clock_ticks() -> Option<u64> {
    // SAFETY: `sysconf` reads a constant.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(per_second).ok().filter(|t| *t > 0)
}

/// The kernel's UDP drop counters (all processes): receive-buffer overflows, send-buffer
/// errors, and packets dropped from a CPU's input backlog (loopback goes through it).
#[derive(Debug, Clone, Copy, Default)]
struct KernelDrops {
    rcvbuf_errors: u64,
    sndbuf_errors: u64,
    backlog_drops: u64,
}

impl KernelDrops {
    fn read() -> KernelDrops {
        let snmp = std::fs::read_to_string("/proc/net/snmp").unwrap_or_default();
        let udp: Vec<&str> = snmp.lines().filter(|l| l.starts_with("Udp:")).collect();
        let field = |name: &str| -> u64 {
            let (Some(names), Some(values)) = (udp.first(), udp.get(1)) else {
                return 0;
            };
            let index = names.split_whitespace().position(|n| n == name);
            index
                .and_then(|i| values.split_whitespace().nth(i)?.parse().ok())
                .unwrap_or(0)
        };
        let softnet = std::fs::read_to_string("/proc/net/softnet_stat").unwrap_or_default();
        let backlog_drops = softnet
            .lines()
            .filter_map(|l| u64::from_str_radix(l.split_whitespace().nth(1)?, 16).ok())
            .sum();
        KernelDrops {
            rcvbuf_errors: field("RcvbufErrors"),
            sndbuf_errors: field("SndbufErrors"),
            backlog_drops,
        }
    }

    fn since(self, before: KernelDrops) -> KernelDrops {
        KernelDrops {
            rcvbuf_errors: self.rcvbuf_errors.saturating_sub(before.rcvbuf_errors),
            sndbuf_errors: self.sndbuf_errors.saturating_sub(before.sndbuf_errors),
            backlog_drops: self.backlog_drops.saturating_sub(before.backlog_drops),
        }
    }
}

/// A `kB` line of `/proc/<pid>/status`.
fn status_kib(status: &str, key: &str) -> u64 {
    status
        .lines()
        .find_map(|line| line.strip_prefix(key))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// utime + stime of another process (all its threads), from `/proc/<pid>/stat`.
fn proc_cpu(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces; utime and
    // stime are fields 14 and 15, so 11 and 12 after the state.
    let fields: Vec<&str> = stat
        .get(stat.rfind(')')? + 1..)?
        .split_whitespace()
        .collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_secs_f64(
        ticks as f64 / clock_ticks()? as f64,
    ))
}

/// The machine, as the benchmark page records it.
struct Machine {
    cores: usize,
    model: String,
    memory_gib: f64,
}

impl Machine {
    fn read() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let model = cpuinfo
            .lines()
            .find_map(|line| line.strip_prefix("model name"))
            .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
            .unwrap_or_default();
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        Machine {
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            model,
            memory_gib: status_kib(&meminfo, "MemTotal:") as f64 / 1024.0 / 1024.0,
        }
    }
}

impl std::fmt::Display for Machine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "machine: {} cores, {}, {:.1} GiB",
            self.cores, self.model, self.memory_gib
        )
    }
}

// ---------------------------------------------------------------------------------------------
// SIPp on the same phones

/// What the SIPp run measured.
#[derive(Debug)]
struct SippFigures {
    calls: usize,
    /// SIPp's own count of calls in progress at window open and close (`CurrentCall`).
    up_at_open: Option<u64>,
    up_at_close: Option<u64>,
    window: Duration,
    cpu: Duration,
    peak_rss_kib: u64,
    exit: Option<i32>,
    phones: PhoneTally,
    expected_packets: u64,
}

/// Runs SIPp as the caller (`rtp_stream` of the same audio, PT 8) and measures its window.
fn run_sipp(
    args: &Args,
    calls: usize,
    phones: SocketAddr,
    program_ms: u64,
) -> Fallible<SippFigures> {
    let dir = tempfile::Builder::new()
        .prefix("buurtbel-calls-")
        .tempdir()?;
    let audio = dir.path().join("message.alaw");
    std::fs::write(&audio, program_alaw(args.seconds))?;
    let scenario = dir.path().join("uac_rtp_stream.xml");
    std::fs::write(&scenario, uac_scenario(&audio, program_ms))?;
    let mut sipp = sipp_command(dir.path(), &scenario, calls, args.cps, phones)?.spawn()?;
    let placed = clock::now();
    let (open, close) = window(calls, args.cps, placed, program_ms, Duration::ZERO)?;
    clock::sleep_blocking(open.saturating_duration_since(clock::now()));
    let (start_at, start_cpu) = (clock::now(), proc_cpu(sipp.id()));
    let up_at_open = sipp_current_calls(dir.path());
    clock::sleep_blocking(close.saturating_duration_since(clock::now()));
    let (end_at, end_cpu) = (clock::now(), proc_cpu(sipp.id()));
    let up_at_close = sipp_current_calls(dir.path());
    let peak_rss_kib = std::fs::read_to_string(format!("/proc/{}/status", sipp.id()))
        .map_or(0, |status| status_kib(&status, "VmHWM:"));
    let exit = wait_or_kill(
        &mut sipp,
        Duration::from_millis(program_ms) + Duration::from_secs(30),
    )?;
    Ok(SippFigures {
        calls,
        up_at_open,
        up_at_close,
        window: end_at - start_at,
        cpu: end_cpu
            .zip(start_cpu)
            .map_or(Duration::ZERO, |(e, s)| e.saturating_sub(s)),
        peak_rss_kib,
        exit,
        phones: PhoneTally::default(),
        expected_packets: calls as u64 * program_ms / FRAME_MS,
    })
}

/// `sipp` with the scenario; statistics every second in `dir` so the window can read
/// `CurrentCall`; no screen.
fn sipp_command(
    dir: &Path,
    scenario: &Path,
    calls: usize,
    cps: f64,
    phones: SocketAddr,
) -> Fallible<Command> {
    let local_port = UdpSocket::bind("127.0.0.1:0")?.local_addr()?.port();
    let mut command = Command::new("sipp");
    command
        .current_dir(dir)
        .arg(phones.to_string())
        .arg("-sf")
        .arg(scenario)
        .args(["-i", "127.0.0.1", "-p", &local_port.to_string()])
        .args(["-mi", "127.0.0.1", "-mp", &SIPP_MEDIA_PORT.to_string()])
        .args(["-m", &calls.to_string(), "-l", &calls.to_string()])
        .args([
            "-r",
            &format!("{cps}"),
            "-nostdin",
            "-trace_stat",
            "-fd",
            "1",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    Ok(command)
}

/// The last `CurrentCall` in SIPp's statistics file (`<scenario>_<pid>_.csv`).
fn sipp_current_calls(dir: &Path) -> Option<u64> {
    let csv = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|e| e == "csv"))?;
    let text = std::fs::read_to_string(csv).ok()?;
    let mut lines = text.lines();
    let column = lines
        .next()?
        .split(';')
        .position(|name| name == "CurrentCall")?;
    lines.last()?.split(';').nth(column)?.parse().ok()
}

fn wait_or_kill(child: &mut Child, limit: Duration) -> Fallible<Option<i32>> {
    let deadline = clock::now() + limit;
    while clock::now() < deadline {
        if let Some(status) = child.try_wait()? {
            return Ok(status.code());
        }
        clock::sleep_blocking(Duration::from_millis(100));
    }
    child.kill()?;
    child.wait()?;
    Ok(None)
}

/// What the gateway plays, as raw A-law: intro, message, menu, then the key wait's silence.
fn program_alaw(seconds: u64) -> Vec<u8> {
    let segments = segments(seconds);
    let silence = vec![0i16; usize::try_from(KEY_WAIT_MS * 8).unwrap_or(0)];
    let pcm: Vec<i16> = [segments.intro, segments.message, segments.menu, silence].concat();
    g711::encode_alaw(&pcm)
}

/// A UAC: INVITE with a PCMA offer, ACK, stream the file once, pause for its length, BYE.
fn uac_scenario(audio: &Path, program_ms: u64) -> String {
    UAC_SCENARIO
        .replace("{headers}", UAC_HEADERS)
        .replace("{audio}", &audio.display().to_string())
        .replace("{program_ms}", &program_ms.to_string())
}

/// Headers every request of the UAC carries.
const UAC_HEADERS: &str = "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      Max-Forwards: 70
      Contact: <sip:sipp@[local_ip]:[local_port]>";

/// The SIPp caller; `{…}` are filled in by [`uac_scenario`], `[…]` by SIPp.
const UAC_SCENARIO: &str = r#"<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<!-- buurtbel load benchmark: SIPp as the caller, streaming the message with rtp_stream. -->
<scenario name="buurtbel calls: uac with rtp_stream">
  <send retrans="500">
    <![CDATA[
      INVITE sip:s[call_number]@[remote_ip]:[remote_port] SIP/2.0
      {headers}
      From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]sipp[call_number]
      To: <sip:s[call_number]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=sipp 1 1 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 8
      a=rtpmap:8 PCMA/8000
      a=ptime:20
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rrs="true"/>
  <send>
    <![CDATA[
      ACK [next_url] SIP/2.0
      {headers}
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      CSeq: 1 ACK
      Content-Length: 0
    ]]>
  </send>
  <nop><action><exec rtp_stream="{audio},1,8"/></action></nop>
  <pause milliseconds="{program_ms}"/>
  <send retrans="500">
    <![CDATA[
      BYE [next_url] SIP/2.0
      {headers}
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      CSeq: 2 BYE
      Content-Length: 0
    ]]>
  </send>
  <recv response="200" crlf="true"/>
</scenario>
"#;

impl SippFigures {
    fn with_phones(mut self, phones: PhoneTally) -> SippFigures {
        self.phones = phones;
        self
    }

    /// CPU seconds per call-second, counting the calls SIPp had up when the window opened.
    fn cpu_per_call_second(&self) -> f64 {
        let up = self.up_at_open.map_or(self.calls as f64, |up| up as f64);
        self.cpu.as_secs_f64() / (up * self.window.as_secs_f64())
    }

    fn print(&self, gateway: Option<&GatewayFigures>) {
        let cores = self.cpu.as_secs_f64() / self.window.as_secs_f64();
        println!("== SIPp (rtp_stream): {} calls", self.calls);
        println!(
            "SIPp calls up at window open/close: {:?}/{:?}; exit code {:?}",
            self.up_at_open, self.up_at_close, self.exit
        );
        println!("window: {:.1} s", self.window.as_secs_f64());
        println!(
            "SIPp CPU: {:.3} s = {cores:.3} of one core",
            self.cpu.as_secs_f64()
        );
        println!(
            "SIPp CPU per call-second: {:.3e} s ({:.1} µs)",
            self.cpu_per_call_second(),
            self.cpu_per_call_second() * 1e6
        );
        println!("SIPp peak RSS {} KiB", self.peak_rss_kib);
        println!(
            "phones: {} calls ended, {} answered, RTP received {} (expected {})",
            self.phones.ended,
            self.phones.answered,
            self.phones.rtp_received,
            self.expected_packets
        );
        if let Some(gateway) = gateway {
            println!(
                "ratio gateway / SIPp CPU per call-second: {:.2}",
                gateway.cpu_per_call_second() / self.cpu_per_call_second()
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// send_to per packet against sendmmsg

/// Times rounds of `calls` packets three ways on loopback, each to a sink drained by another
/// thread: one `send_to` per call socket (what the pacer does), the same from one socket, and
/// `sendmmsg` batches of 64 from one socket (batching needs a socket shared by the calls).
fn sendto_bench(calls: usize) -> Fallible<()> {
    let to = drained_sink()?;
    let sockets: Vec<UdpSocket> = (0..calls)
        .map(|_| UdpSocket::bind("127.0.0.1:0"))
        .collect::<Result<_, _>>()?;
    let shared = sockets.first().ok_or("no calls")?;
    let packet = [0x80u8; 172];
    let per_call = send_cost(calls, || {
        for socket in &sockets {
            let _ = socket.send_to(&packet, to);
        }
    });
    let one = send_cost(calls, || {
        for _ in 0..calls {
            let _ = shared.send_to(&packet, to);
        }
    });
    let batched = send_cost(calls, || sendmmsg_round(shared, to, &packet, calls));
    let cores = |cost: f64| cost * 50.0 * calls as f64;
    println!("== send cost per packet, thread CPU, rounds of {calls} packets");
    for (way, cost) in [
        ("send_to, one socket per call (the pacer)", per_call),
        ("send_to, one shared socket", one),
        ("sendmmsg by 64, one shared socket", batched),
    ] {
        println!(
            "{way}: {:.2} µs, {:.3} of one core at {calls} calls",
            cost * 1e6,
            cores(cost)
        );
    }
    Ok(())
}

/// A socket on loopback whose datagrams a thread reads and drops, for as long as they come.
fn drained_sink() -> std::io::Result<SocketAddr> {
    let sink = UdpSocket::bind("127.0.0.1:0")?;
    let to = sink.local_addr()?;
    sink.set_read_timeout(Some(Duration::from_millis(500)))?;
    std::thread::spawn(move || {
        let mut buffer = [0u8; 2048];
        while sink.recv(&mut buffer).is_ok() {}
    });
    Ok(to)
}

/// Thread CPU seconds per packet of `round` (which sends `calls` packets), over 200 rounds.
fn send_cost(calls: usize, mut round: impl FnMut()) -> f64 {
    const ROUNDS: usize = 200;
    let before = thread_cpu();
    for _ in 0..ROUNDS {
        round();
    }
    (thread_cpu() - before).as_secs_f64() / (calls * ROUNDS) as f64
}

fn thread_cpu() -> Duration {
    // SAFETY: `getrusage` only writes the zeroed struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_THREAD, &mut usage);
        usage
    };
    let micros = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec.unsigned_abs())
            + Duration::from_micros(t.tv_usec.unsigned_abs())
    };
    micros(usage.ru_utime) + micros(usage.ru_stime)
}

/// `calls` packets to `to` in `sendmmsg` batches of 64.
fn sendmmsg_round(socket: &UdpSocket, to: SocketAddr, packet: &[u8], calls: usize) {
    use std::os::fd::AsRawFd;
    let SocketAddr::V4(to) = to else { return };
    let address = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: to.port().to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from(*to.ip()).to_be(),
        },
        sin_zero: [0; 8],
    };
    let mut iov = libc::iovec {
        iov_base: packet.as_ptr() as *mut libc::c_void,
        iov_len: packet.len(),
    };
    let mut left = calls;
    while left > 0 {
        let batch = left.min(64);
        // SAFETY: every header points at `address` and `iov`, which outlive the call; the
        // kernel only reads them.
        let mut headers: Vec<libc::mmsghdr> = (0..batch)
            .map(|_| unsafe {
                let mut header: libc::mmsghdr = std::mem::zeroed();
                header.msg_hdr.msg_name = &address as *const _ as *mut libc::c_void;
                header.msg_hdr.msg_namelen = std::mem::size_of::<libc::sockaddr_in>() as u32;
                header.msg_hdr.msg_iov = &mut iov;
                header.msg_hdr.msg_iovlen = 1;
                header
            })
            .collect();
        // SAFETY: `headers` holds `batch` initialised entries.
        let sent =
            unsafe { libc::sendmmsg(socket.as_raw_fd(), headers.as_mut_ptr(), batch as u32, 0) };
        left -= usize::try_from(sent).unwrap_or(batch).max(1).min(left);
    }
}
