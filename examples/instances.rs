//! The benchmark of issue 13: several gateways on one PostgreSQL database.
//!
//! ```text
//! cargo build --release --bin buurtbel --example instances
//! target/release/examples/instances                      # all four parts
//! target/release/examples/instances --only takeover --runs 10
//! ```
//!
//! Four parts, each in fresh schemas of the database given by `--postgres` (created and
//! dropped here, reached through `options=-c search_path=…`):
//!
//! 1. **Take-over after SIGKILL.** Two `buurtbel serve` processes share one alert; one is
//!    killed while it has calls in flight. Measured on the database's clock, from the kill
//!    to the moment the survivor finished the first, and the last, of the dead one's open
//!    attempts as `interrupted`.
//! 2. **Queries of an idle instance.** One `serve` with no alert sending, its connections
//!    through a relay here that reads the client's side of the PostgreSQL protocol: every
//!    statement executed (simple `Query` and extended `Execute` messages, by SQL text) and
//!    every transaction (a `ReadyForQuery` that returns to idle after one). Beside it, the
//!    database's own `xact_commit + xact_rollback` (`pg_stat_database`) over the same window,
//!    less a baseline with no instance. As built, the instance cannot name its channel
//!    (`SELECT current_schema()` returns a `name`, which sqlx's Any driver cannot decode), so
//!    it falls back to polling: a look every 20 ms and a sweep every 250 ms, as every
//!    instance did before it listened. A second window has the relay rewrite that one
//!    statement to `SELECT CAST(current_schema() AS TEXT)`, so the instance listens as
//!    designed.
//! 3. **Deliveries per second** with one, two and three instances: one alert to N members
//!    whose phones answer at once and press 1 after the short message, trunk limits generous
//!    enough that the gateways bound the rate; from the alert's creation to its completion.
//! 4. **Claims.** Store-level: N concurrent claimers take 5 000 due deliveries as the gateway
//!    does (read due deliveries without locks, claim each with `begin_line_call`), with the
//!    guarded UPDATE alone, and with `FOR UPDATE SKIP LOCKED`; claims per second and claims
//!    that found their delivery taken.
//!
//! The simulated phones (`buurtbel::sim::Exchange`) run in a second process, this binary
//! re-executed with the hidden `--phones KIND`, started afresh for each run so calls a
//! killed gateway left on a phone end with that run. Each gateway binds its own loopback
//! address (127.0.0.11, .12, .13) and RTP ports. `docs/BENCHMARKS.md` records the results.

use buurtbel::sim::{Exchange, PhoneScript, PressMethod};
use buurtbel::store::{
    AlertId, AlertKind, AlertState, CallClaim, ContactKind, ContactPoint, DeliveryState, LineClaim,
    MemberStatus, Message, MessageBody, NetworkKind, NewAlert, NewMember, NewNetwork, Registration,
    Store, TrunkLedger,
};
use buurtbel::telephony::clock;
use buurtbel::time::Instant;
use clap::Parser;
use sqlx::{AnyPool, Connection};
use std::collections::{BTreeMap, HashMap};
use std::error::Error;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Write as _};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

type Fallible<T> = Result<T, Box<dyn Error + Send + Sync>>;

const NETWORK: &str = "BIN Proefstad";
/// Due deliveries read at once, as in the claims' micro-benchmark.
const BATCH: i64 = 50;

/// Command line.
#[derive(Debug, Parser)]
#[command(about = "Several gateways on one PostgreSQL database")]
struct Args {
    /// The `buurtbel` binary (default: target/release/buurtbel).
    #[arg(long)]
    buurtbel: Option<PathBuf>,
    /// The PostgreSQL database; each run gets a fresh schema in it.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/test")]
    postgres: String,
    /// Run only these parts (repeatable); default all.
    #[arg(long, value_enum)]
    only: Vec<Part>,
    /// Take-over: runs.
    #[arg(long, default_value_t = 10)]
    runs: usize,
    /// Take-over: members of the alert.
    #[arg(long, default_value_t = 60)]
    takeover_members: usize,
    /// Idle instance: seconds per window.
    #[arg(long, default_value_t = 60)]
    idle_seconds: u64,
    /// Deliveries per second: members of the alert.
    #[arg(long, default_value_t = 600)]
    members: usize,
    /// Deliveries per second: rounds of one, two and three instances.
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// Deliveries per second: the trunk's max_channels, for all instances together (as many
    /// as members: every phone may be on a call at once).
    #[arg(long, default_value_t = 600)]
    channels: u32,
    /// Deliveries per second: the trunk's max_cps, for all instances together.
    #[arg(long, default_value_t = 1000.0)]
    cps: f64,
    /// Claims: due deliveries to claim per run.
    #[arg(long, default_value_t = 5_000)]
    claims: usize,
    /// Claims: runs per variant and number of claimers.
    #[arg(long, default_value_t = 3)]
    claim_runs: usize,
    /// Keep the gateways' configurations and logs (the folder is printed).
    #[arg(long)]
    keep: bool,
    /// Internal: run the simulated phones of this kind and print their address.
    #[arg(long, hide = true, value_enum)]
    phones: Option<PhoneKind>,
    /// Internal: how many numbers the phones serve.
    #[arg(long, hide = true, default_value_t = 0)]
    phone_count: usize,
}

/// A part of the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Part {
    Takeover,
    Idle,
    Throughput,
    Claims,
}

/// What the simulated phones do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum PhoneKind {
    /// Most answer within a second and press 1 after the message; every tenth never answers.
    Takeover,
    /// Every phone answers at once and presses 1 after the message; no audio back.
    Throughput,
}

fn main() -> Fallible<()> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if let Some(kind) = args.phones {
        return runtime.block_on(run_phones(kind, args.phone_count));
    }
    runtime.block_on(benchmark(args))
}

async fn benchmark(args: Args) -> Fallible<()> {
    let bench = Bench::new(&args)?;
    println!("{}", Machine::read());
    println!("{}", bench.postgres_version().await?);
    println!("work folder: {}", bench.work.path().display());
    let wanted = |part| args.only.is_empty() || args.only.contains(&part);
    if wanted(Part::Takeover) {
        takeover(&bench, args.runs, args.takeover_members).await?;
    }
    if wanted(Part::Idle) {
        idle(&bench, Duration::from_secs(args.idle_seconds)).await?;
    }
    if wanted(Part::Throughput) {
        let trunk = Trunk {
            channels: args.channels,
            cps: args.cps,
            ring_timeout: "10s",
        };
        throughput(&bench, args.members, args.rounds, &trunk).await?;
    }
    if wanted(Part::Claims) {
        claims(&bench, args.claims, args.claim_runs).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 1. Take-over after SIGKILL

/// What one take-over run measured, milliseconds after the kill on the database's clock.
#[derive(Debug)]
struct TakeoverRun {
    /// The killed instance's open attempts at the kill.
    open_at_kill: i64,
    /// Of them, finished as `interrupted` by the survivor.
    interrupted: i64,
    /// The killed instance's lease expired.
    expiry: i64,
    /// The survivor marked it taken over.
    marked: i64,
    /// First and last interrupted attempt finished.
    first: i64,
    last: i64,
    logs: Vec<LogSummary>,
}

async fn takeover(bench: &Bench, runs: usize, members: usize) -> Fallible<()> {
    println!("\n== 1. take-over after SIGKILL: {runs} runs, {members} members, two gateways");
    println!("{}", load());
    let mut done = Vec::new();
    for run in 1..=runs {
        let figures = takeover_run(bench, run, members).await?;
        println!(
            "run {run:2}: {} open at the kill, {} interrupted; lease expired +{} ms, marked +{} ms, \
             first +{} ms, last +{} ms",
            figures.open_at_kill,
            figures.interrupted,
            figures.expiry,
            figures.marked,
            figures.first,
            figures.last
        );
        for log in &figures.logs {
            log.print();
        }
        done.push(figures);
    }
    let column =
        |f: fn(&TakeoverRun) -> i64| -> Vec<f64> { done.iter().map(|r| f(r) as f64).collect() };
    println!("{}", load());
    for (what, values) in [
        ("lease expired", column(|r| r.expiry)),
        ("taken over (marked)", column(|r| r.marked)),
        ("first interrupted attempt finished", column(|r| r.first)),
        ("last interrupted attempt finished", column(|r| r.last)),
        ("open attempts at the kill", column(|r| r.open_at_kill)),
    ] {
        println!(
            "{what}: p50 {:.0}, min {:.0}, max {:.0}",
            quantile(&values, 0.5),
            quantile(&values, 0.0),
            quantile(&values, 1.0)
        );
    }
    Ok(())
}

async fn takeover_run(bench: &Bench, run: usize, members: usize) -> Fallible<TakeoverRun> {
    let dir = bench.folder(&format!("takeover-{run}"))?;
    let schema = Schema::create(&bench.base).await?;
    let store = Store::open(&schema.url).await?;
    let phones = Phones::spawn(PhoneKind::Takeover, members)?;
    let trunk = Trunk {
        channels: 12,
        cps: 4.0,
        ring_timeout: "15s",
    };
    let mut gateways = Gateway::write(&dir, 2, 200, &trunk, phones.addr, &schema.url)?;
    bench.import(&dir, &gateways[0], members)?;
    let alert = bench.send_alert(&dir, &gateways[0])?;
    // Instances renew on phases of their own: gw-b starts up to one renewal period later.
    gateways[0].start(bench)?;
    tokio::time::sleep(Duration::from_millis(rand::random_range(0..2_000))).await;
    gateways[1].start(bench)?;
    let deadline = clock::now() + Duration::from_secs(120);
    loop {
        let acks = store.acknowledgements(&alert).await?.len();
        if acks >= 10 && open_attempts(&store, "gw-a").await? >= 2 {
            break;
        }
        check_running(&mut gateways, deadline, "gw-a to have calls in flight")?;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    gateways[0].kill();
    let killed = store.database_now().await?;
    let open_at_kill = open_attempts(&store, "gw-a").await?;
    let deadline = clock::now() + Duration::from_secs(60);
    while open_attempts(&store, "gw-a").await? > 0 {
        check_running(&mut gateways[1..], deadline, "the take-over")?;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (first, last, interrupted): (Option<i64>, Option<i64>, i64) = sqlx::query_as(
        "SELECT MIN(ended_at), MAX(ended_at), COUNT(*) FROM attempts \
         WHERE instance_id = 'gw-a' AND outcome = 'interrupted'",
    )
    .fetch_one(store.pool())
    .await?;
    let dead = store
        .instances()
        .await?
        .into_iter()
        .find(|i| i.id == "gw-a")
        .ok_or("gw-a is not registered")?;
    bench.buurtbel(
        &dir,
        &gateways[1],
        &["alert", "cancel"],
        &[alert.as_str().as_ref()],
    )?;
    let logs = stop_all(&mut gateways).await;
    drop(phones);
    store.close().await;
    schema.drop().await?;
    let after = |at: Option<i64>| at.map_or(-1, |at| at - killed);
    Ok(TakeoverRun {
        open_at_kill,
        interrupted,
        expiry: dead.lease_expires_at - killed,
        marked: after(dead.taken_over_at),
        first: after(first),
        last: after(last),
        logs,
    })
}

/// Attempts without an end under any generation of `instance`.
async fn open_attempts(store: &Store, instance: &str) -> Fallible<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM attempts WHERE instance_id = $1 AND ended_at IS NULL",
    )
    .bind(instance)
    .fetch_one(store.pool())
    .await?)
}

// ---------------------------------------------------------------------------------------------
// 2. Queries of an idle instance

/// Statements and transactions over one window.
struct Window {
    seconds: f64,
    /// `xact_commit + xact_rollback` of the whole database.
    database_xacts: i64,
    /// What the relay saw, when the instance went through it.
    relayed: Option<Counts>,
}

impl Window {
    fn print(&self, what: &str, baseline: Option<&Window>) {
        let rate = self.database_xacts as f64 / self.seconds;
        let base = baseline.map_or(0.0, |b| b.database_xacts as f64 / b.seconds);
        println!(
            "{what}: {:.1} s; pg_stat_database {rate:.2} xact/s (less baseline: {:.2})",
            self.seconds,
            rate - base
        );
        let Some(counts) = &self.relayed else {
            return;
        };
        println!(
            "  relay: {:.2} statements/s, {:.2} transactions/s, {} connections opened",
            counts.statements.values().sum::<u64>() as f64 / self.seconds,
            counts.transactions as f64 / self.seconds,
            counts.connections
        );
        let mut by_count: Vec<(&String, &u64)> = counts.statements.iter().collect();
        by_count.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (sql, n) in by_count {
            println!("  {:8.3}/s  {n:6}  {sql}", *n as f64 / self.seconds);
        }
    }

    /// Statements per second whose text starts with one of `prefixes`.
    fn rate_of(&self, prefixes: &[&str]) -> f64 {
        self.relayed.as_ref().map_or(0.0, |counts| {
            let n: u64 = counts
                .statements
                .iter()
                .filter(|(sql, _)| prefixes.iter().any(|p| sql.starts_with(p)))
                .map(|(_, n)| n)
                .sum();
            n as f64 / self.seconds
        })
    }

    fn statements_per_second(&self) -> f64 {
        self.relayed.as_ref().map_or(0.0, |c| {
            c.statements.values().sum::<u64>() as f64 / self.seconds
        })
    }

    fn transactions_per_second(&self) -> f64 {
        self.relayed
            .as_ref()
            .map_or(0.0, |c| c.transactions as f64 / self.seconds)
    }
}

/// The statements the lease costs: the renewal, and the look for dead instances after it.
const LEASE_STATEMENTS: [&str; 2] = [
    "UPDATE instances SET renewed_at",
    "SELECT CASE WHEN EXISTS (SELECT 1 FROM attempts",
];

async fn idle(bench: &Bench, seconds: Duration) -> Fallible<()> {
    println!("\n== 2. an idle instance's queries: windows of {seconds:?}");
    println!("{}", load());
    let dir = bench.folder("idle")?;
    let schema = Schema::create(&bench.base).await?;
    let store = Store::open(&schema.url).await?;
    let mut stats = sqlx::PgConnection::connect(&bench.base).await?;
    let baseline = measure(&mut stats, None, seconds).await?;
    baseline.print("baseline, no instance", None);

    let as_built = idle_window(bench, &dir, &schema, &mut stats, false, seconds).await?;
    as_built.print("one idle instance, as built", Some(&baseline));
    let listening = idle_window(bench, &dir, &schema, &mut stats, true, seconds).await?;
    listening.print(
        "the same, its channel query rewritten by the relay (listening)",
        Some(&baseline),
    );
    for (what, window) in [("as built", &as_built), ("listening", &listening)] {
        let lease = window.rate_of(&LEASE_STATEMENTS);
        println!(
            "{what}: {:.2} statements/s, {:.2} transactions/s; of the statements, the lease's \
             {lease:.2}/s, the rest {:.2}/s",
            window.statements_per_second(),
            window.transactions_per_second(),
            window.statements_per_second() - lease
        );
    }
    println!("{}", load());
    stats.close().await?;
    store.close().await;
    schema.drop().await
}

/// One instance through a relay, idle once it has settled; its window.
async fn idle_window(
    bench: &Bench,
    dir: &Path,
    schema: &Schema,
    stats: &mut sqlx::PgConnection,
    fix_channel: bool,
    seconds: Duration,
) -> Fallible<Window> {
    let relay = Relay::start(&bench.base, fix_channel).await?;
    let url = relay.url(&schema.url)?;
    let unused = "127.0.0.1:9".parse()?;
    let trunk = Trunk {
        channels: 12,
        cps: 4.0,
        ring_timeout: "15s",
    };
    let mut gateways = Gateway::write(dir, 1, 200, &trunk, unused, &url)?;
    gateways[0].start(bench)?;
    let store = Store::open(&schema.url).await?;
    let deadline = clock::now() + Duration::from_secs(30);
    while !store.instances().await?.iter().any(|i| i.is_live()) {
        check_running(&mut gateways, deadline, "the instance to register")?;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    store.close().await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let window = measure(stats, Some(&relay), seconds).await?;
    let logs = stop_all(&mut gateways).await;
    for log in &logs {
        log.print();
    }
    Ok(window)
}

/// Counts over `seconds`: the database's transactions and, with a relay, its statements.
async fn measure(
    stats: &mut sqlx::PgConnection,
    relay: Option<&Relay>,
    seconds: Duration,
) -> Fallible<Window> {
    let before = (database_xacts(stats).await?, relay.map(Relay::counts));
    let started = clock::now();
    tokio::time::sleep(seconds).await;
    let after = (database_xacts(stats).await?, relay.map(Relay::counts));
    let seconds = clock::elapsed(started).as_secs_f64();
    Ok(Window {
        seconds,
        database_xacts: after.0 - before.0,
        relayed: after.1.zip(before.1).map(|(a, b)| a.since(&b)),
    })
}

async fn database_xacts(stats: &mut sqlx::PgConnection) -> Fallible<i64> {
    Ok(sqlx::query_scalar(
        "SELECT xact_commit + xact_rollback FROM pg_stat_database \
         WHERE datname = current_database()",
    )
    .fetch_one(stats)
    .await?)
}

// ---------------------------------------------------------------------------------------------
// The relay: PostgreSQL's wire protocol, counted on the way through

/// What went through the relay.
#[derive(Debug, Clone, Default)]
struct Counts {
    /// Statements executed, by SQL text (whitespace folded, cut at 100 characters).
    statements: BTreeMap<String, u64>,
    /// Transactions ended: a `ReadyForQuery` back to idle after a statement or a block.
    transactions: u64,
    connections: u64,
}

impl Counts {
    fn since(&self, before: &Counts) -> Counts {
        let statements = self
            .statements
            .iter()
            .map(|(sql, n)| {
                let earlier = before.statements.get(sql).copied().unwrap_or(0);
                (sql.clone(), n - earlier)
            })
            .filter(|(_, n)| *n > 0)
            .collect();
        Counts {
            statements,
            transactions: self.transactions - before.transactions,
            connections: self.connections - before.connections,
        }
    }
}

/// A TCP relay in front of PostgreSQL that reads both directions' message frames: the
/// client's `Query`, `Parse`, `Bind` and `Execute` for the statements, the server's
/// `ReadyForQuery` for the transactions. TLS would hide them, so clients connect with
/// `sslmode=disable`. With `fix_channel`, the one statement that names the listening
/// channel is rewritten so the Any driver can decode its answer (see the module).
struct Relay {
    addr: SocketAddr,
    counts: Arc<Mutex<Counts>>,
    accept: tokio::task::JoinHandle<()>,
}

impl Relay {
    async fn start(database: &str, fix_channel: bool) -> Fallible<Relay> {
        let upstream = postgres_address(database)?;
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let counts = Arc::new(Mutex::new(Counts::default()));
        let shared = Arc::clone(&counts);
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (counts, upstream) = (Arc::clone(&shared), upstream.clone());
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(&upstream).await {
                        lock(&counts).connections += 1;
                        // Frames go on at once: Nagle's wait would slow every query.
                        let _ = (client.set_nodelay(true), server.set_nodelay(true));
                        relay_connection(client, server, counts, fix_channel).await;
                    }
                });
            }
        });
        Ok(Relay {
            addr,
            counts,
            accept,
        })
    }

    /// `database` reached through the relay, without TLS.
    fn url(&self, database: &str) -> Fallible<String> {
        let upstream = postgres_address(database)?;
        if !database.contains(&upstream) {
            return Err(format!("cannot find {upstream} in the database URL").into());
        }
        let through = database.replacen(&upstream, &self.addr.to_string(), 1);
        Ok(with_param(&through, "sslmode=disable"))
    }

    fn counts(&self) -> Counts {
        lock(&self.counts).clone()
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// `host:port` of a PostgreSQL URL.
fn postgres_address(url: &str) -> Fallible<String> {
    use std::str::FromStr;
    let options = sqlx::postgres::PgConnectOptions::from_str(url)?;
    Ok(format!("{}:{}", options.get_host(), options.get_port()))
}

async fn relay_connection(
    client: TcpStream,
    server: TcpStream,
    counts: Arc<Mutex<Counts>>,
    fix_channel: bool,
) {
    let (mut client_in, mut client_out) = client.into_split();
    let (mut server_in, mut server_out) = server.into_split();
    let executed = Arc::new(AtomicBool::new(false));
    let statements = {
        let (counts, executed) = (Arc::clone(&counts), Arc::clone(&executed));
        async move {
            let mut session = Session::default();
            let Ok(startup) = read_startup(&mut client_in).await else {
                return;
            };
            if server_out.write_all(&startup).await.is_err() {
                return;
            }
            while let Ok((tag, mut frame)) = read_frame(&mut client_in).await {
                if fix_channel && tag == b'P' {
                    frame = rewrite_parse(frame, CHANNEL_QUERY, CHANNEL_QUERY_AS_TEXT);
                }
                let body = frame.get(5..).unwrap_or_default();
                if let Some(sql) = session.executes(tag, body) {
                    executed.store(true, Ordering::SeqCst);
                    *lock(&counts).statements.entry(sql).or_insert(0) += 1;
                }
                if server_out.write_all(&frame).await.is_err() {
                    return;
                }
            }
        }
    };
    let replies = async move {
        let mut in_block = false;
        while let Ok((tag, frame)) = read_frame(&mut server_in).await {
            if tag == b'Z' {
                let idle = frame.get(5) == Some(&b'I');
                let ran = executed.swap(false, Ordering::SeqCst);
                if idle && (ran || in_block) {
                    lock(&counts).transactions += 1;
                }
                in_block = !idle;
            }
            if client_out.write_all(&frame).await.is_err() {
                return;
            }
        }
    };
    // Either side closing ends the connection.
    tokio::select! {
        () = statements => {}
        () = replies => {}
    }
}

/// The extended protocol's names: prepared statements and the portals bound to them.
#[derive(Default)]
struct Session {
    prepared: HashMap<String, String>,
    portals: HashMap<String, String>,
}

impl Session {
    /// The SQL a client message executes, if it executes one.
    fn executes(&mut self, tag: u8, body: &[u8]) -> Option<String> {
        let mut fields = body.split(|b| *b == 0);
        let mut text = || String::from_utf8_lossy(fields.next().unwrap_or_default()).into_owned();
        match tag {
            b'Q' => Some(fold(&text())),
            b'P' => {
                let (name, sql) = (text(), text());
                self.prepared.insert(name, fold(&sql));
                None
            }
            b'B' => {
                let (portal, statement) = (text(), text());
                self.portals.insert(portal, statement);
                None
            }
            b'E' => {
                let statement = self.portals.get(&text())?;
                Some(self.prepared.get(statement)?.clone())
            }
            _ => None,
        }
    }
}

/// The statement `Store::listen` names its channel with; its `name` result is what the Any
/// driver cannot decode.
const CHANNEL_QUERY: &str = "SELECT current_schema()";
const CHANNEL_QUERY_AS_TEXT: &str = "SELECT CAST(current_schema() AS TEXT)";

/// A `Parse` frame (tag, length, name, query, parameter types) whose query is `from`, with
/// `to` instead; any other frame as it is.
fn rewrite_parse(frame: Vec<u8>, from: &str, to: &str) -> Vec<u8> {
    let body = frame.get(5..).unwrap_or_default();
    let mut fields = body.splitn(3, |b| *b == 0);
    let (Some(name), Some(query), Some(rest)) = (fields.next(), fields.next(), fields.next())
    else {
        return frame;
    };
    if fold(&String::from_utf8_lossy(query)) != from {
        return frame;
    }
    let mut body = name.to_vec();
    body.push(0);
    body.extend_from_slice(to.as_bytes());
    body.push(0);
    body.extend_from_slice(rest);
    let length = u32::try_from(body.len() + 4).unwrap_or(u32::MAX);
    let mut rewritten = vec![b'P'];
    rewritten.extend_from_slice(&length.to_be_bytes());
    rewritten.extend_from_slice(&body);
    rewritten
}

/// Whitespace folded, cut at 100 characters.
fn fold(sql: &str) -> String {
    let folded = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    folded.chars().take(100).collect()
}

/// The startup message (length, then the rest), whole.
async fn read_startup(from: &mut tokio::net::tcp::OwnedReadHalf) -> std::io::Result<Vec<u8>> {
    let length = from.read_u32().await?;
    let mut message = length.to_be_bytes().to_vec();
    let rest = usize::try_from(length.saturating_sub(4)).unwrap_or(0);
    message.resize(4 + rest, 0);
    from.read_exact(&mut message[4..]).await?;
    Ok(message)
}

/// One tagged message (tag, length, body), whole.
async fn read_frame(from: &mut tokio::net::tcp::OwnedReadHalf) -> std::io::Result<(u8, Vec<u8>)> {
    let tag = from.read_u8().await?;
    let length = from.read_u32().await?;
    let mut frame = vec![tag];
    frame.extend_from_slice(&length.to_be_bytes());
    let rest = usize::try_from(length.saturating_sub(4)).unwrap_or(0);
    frame.resize(5 + rest, 0);
    from.read_exact(&mut frame[5..]).await?;
    Ok((tag, frame))
}

// ---------------------------------------------------------------------------------------------
// 3. Deliveries per second with one, two and three instances

/// What one alert run measured.
#[derive(Debug)]
struct ThroughputRun {
    instances: usize,
    /// From the alert's creation to its completion.
    seconds: f64,
    /// From its creation to the first attempt, ms.
    first_call: Option<i64>,
    /// Attempts begun per second, from the first to the last.
    placing: Option<f64>,
    state: String,
    acknowledged: i64,
    /// Attempts by instance.
    attempts: Vec<(String, i64)>,
    outcomes: Vec<(String, i64)>,
    gateways_cpu: Duration,
    postgres_cpu: Option<Duration>,
    system_busy: Option<Duration>,
    wall: Duration,
    logs: Vec<LogSummary>,
}

async fn throughput(bench: &Bench, members: usize, rounds: usize, trunk: &Trunk) -> Fallible<()> {
    println!(
        "\n== 3. deliveries per second: {members} members, max_channels {}, max_cps {}, \
         {rounds} round(s) of 1, 2 and 3 instances",
        trunk.channels, trunk.cps
    );
    println!("{}", load());
    let mut runs = Vec::new();
    for round in 1..=rounds {
        for instances in 1..=3 {
            let run = throughput_run(bench, round, instances, members, trunk).await?;
            run.print(members);
            runs.push(run);
        }
    }
    println!("{}", load());
    for instances in 1..=3 {
        let rates: Vec<f64> = runs
            .iter()
            .filter(|r| r.instances == instances && r.state == "completed")
            .map(|r| members as f64 / r.seconds)
            .collect();
        if !rates.is_empty() {
            println!(
                "{instances} instance(s): p50 {:.1} deliveries/s (min {:.1}, max {:.1}) over {} run(s)",
                quantile(&rates, 0.5),
                quantile(&rates, 0.0),
                quantile(&rates, 1.0),
                rates.len()
            );
        }
    }
    Ok(())
}

async fn throughput_run(
    bench: &Bench,
    round: usize,
    instances: usize,
    members: usize,
    trunk: &Trunk,
) -> Fallible<ThroughputRun> {
    let dir = bench.folder(&format!("throughput-{round}-{instances}"))?;
    let schema = Schema::create(&bench.base).await?;
    let store = Store::open(&schema.url).await?;
    let phones = Phones::spawn(PhoneKind::Throughput, members)?;
    let ports = u16::try_from(trunk.channels.saturating_mul(4).max(200)).unwrap_or(u16::MAX);
    let mut gateways = Gateway::write(&dir, instances, ports, trunk, phones.addr, &schema.url)?;
    bench.import(&dir, &gateways[0], members)?;
    for gateway in &mut gateways {
        gateway.start(bench)?;
    }
    let deadline = clock::now() + Duration::from_secs(30);
    while store
        .instances()
        .await?
        .iter()
        .filter(|i| i.is_live())
        .count()
        < instances
    {
        check_running(&mut gateways, deadline, "the instances to register")?;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let cpu_before = gateways_cpu(&gateways);
    let (postgres_before, busy_before) = (postgres_cpu(), system_busy());
    let started = clock::now();
    let alert = bench.send_alert(&dir, &gateways[0])?;
    let deadline = clock::now() + Duration::from_secs(600);
    let stored = loop {
        let stored = store.alert(&alert).await?.ok_or("the alert vanished")?;
        if stored.state != AlertState::Sending {
            break stored;
        }
        check_running(&mut gateways, deadline, "the alert to complete")?;
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let wall = clock::elapsed(started);
    let gateways_cpu = gateways_cpu(&gateways).saturating_sub(cpu_before);
    let postgres_cpu = delta(postgres_before, postgres_cpu());
    let system_busy = delta(busy_before, system_busy());
    let acknowledged = store.acknowledgements(&alert).await?.len();
    // The alert completes at the last confirmation; its calls end a moment later.
    let logs = stop_all(&mut gateways).await;
    let attempts = grouped(
        &store,
        "SELECT COALESCE(instance_id, '?'), COUNT(*) FROM attempts GROUP BY 1 ORDER BY 1",
    )
    .await?;
    let outcomes = grouped(
        &store,
        "SELECT COALESCE(outcome, '(open)'), COUNT(*) FROM attempts GROUP BY 1 ORDER BY 1",
    )
    .await?;
    let (first_start, last_start): (Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT MIN(started_at), MAX(started_at) FROM attempts")
            .fetch_one(store.pool())
            .await?;
    let calls = attempts.iter().map(|(_, n)| n).sum::<i64>();
    drop(phones);
    store.close().await;
    schema.drop().await?;
    let placing = first_start
        .zip(last_start)
        .map(|(first, last)| (calls - 1) as f64 * 1000.0 / (last - first).max(1) as f64);
    Ok(ThroughputRun {
        instances,
        seconds: (stored.updated_at - stored.created_at) as f64 / 1000.0,
        first_call: first_start.map(|at| at - stored.created_at),
        placing,
        state: stored.state.as_str().to_owned(),
        acknowledged: i64::try_from(acknowledged)?,
        attempts,
        outcomes,
        gateways_cpu,
        postgres_cpu,
        system_busy,
        wall,
        logs,
    })
}

impl ThroughputRun {
    fn print(&self, members: usize) {
        let per = |cpu: Duration| cpu.as_secs_f64() * 1000.0 / members as f64;
        println!(
            "{} instance(s): alert {} after {:.2} s: {:.1} deliveries/s; {} acknowledged; \
             first attempt +{} ms, attempts begun (claims) at {:.1}/s",
            self.instances,
            self.state,
            self.seconds,
            members as f64 / self.seconds,
            self.acknowledged,
            self.first_call.unwrap_or(-1),
            self.placing.unwrap_or(0.0)
        );
        println!(
            "  attempts by instance {:?}; outcomes {:?}",
            self.attempts, self.outcomes
        );
        let wall = self.wall.as_secs_f64();
        println!(
            "  CPU over {wall:.1} s: gateways {:.2} s ({:.2} ms per delivery, {:.2} of one core), \
             PostgreSQL {}, all CPUs busy {}",
            self.gateways_cpu.as_secs_f64(),
            per(self.gateways_cpu),
            self.gateways_cpu.as_secs_f64() / wall,
            self.postgres_cpu.map_or("?".to_owned(), |c| format!(
                "{:.2} s ({:.2} ms per delivery)",
                c.as_secs_f64(),
                per(c)
            )),
            self.system_busy.map_or("?".to_owned(), |c| format!(
                "{:.2} of 2 cores",
                c.as_secs_f64() / wall
            )),
        );
        for log in &self.logs {
            log.print();
        }
    }
}

/// `(text, count)` rows of a grouping query.
async fn grouped(store: &Store, sql: &str) -> Fallible<Vec<(String, i64)>> {
    Ok(sqlx::query_as(sql).fetch_all(store.pool()).await?)
}

// ---------------------------------------------------------------------------------------------
// 4. Claims: the gateway's guarded UPDATE against FOR UPDATE SKIP LOCKED

/// How claimers take due deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClaimWay {
    /// As the gateway does: `due_deliveries(now, 50)` without locks, then `begin_line_call`
    /// for each (lease check, trunk row lock, ledger rows, guarded UPDATE, attempt), and the
    /// batch's calls taken off the line in one statement.
    Gateway,
    /// The guarded UPDATE alone: 50 due ids read without locks, one autocommit UPDATE each.
    Guarded,
    /// The same 50 guarded UPDATEs in one transaction.
    GuardedBatch,
    /// One transaction per batch: `SELECT … FOR UPDATE SKIP LOCKED` of 50 due ids, then the
    /// guarded UPDATE for each.
    SkipLocked,
}

impl ClaimWay {
    const ALL: [ClaimWay; 4] = [
        ClaimWay::Gateway,
        ClaimWay::Guarded,
        ClaimWay::GuardedBatch,
        ClaimWay::SkipLocked,
    ];

    fn name(self) -> &'static str {
        match self {
            ClaimWay::Gateway => "gateway (due_deliveries + begin_line_call)",
            ClaimWay::Guarded => "guarded UPDATE, one transaction per claim",
            ClaimWay::GuardedBatch => "guarded UPDATE, one transaction per 50",
            ClaimWay::SkipLocked => "FOR UPDATE SKIP LOCKED, one transaction per 50",
        }
    }
}

/// One claimer's work.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    claimed: u64,
    /// Claims that found the delivery taken (or its number or member on a call).
    wasted: u64,
}

/// The due ids, without locks: what the guarded variants read.
const DUE_IDS: &str = "SELECT id FROM deliveries WHERE next_try_at <= $1 \
                       ORDER BY priority, next_try_at, id LIMIT $2";
/// The due ids, locked, skipping rows another claimer holds.
const DUE_IDS_SKIP_LOCKED: &str = "SELECT id FROM deliveries WHERE next_try_at <= $1 \
                                   ORDER BY priority, next_try_at, id LIMIT $2 \
                                   FOR UPDATE SKIP LOCKED";
/// The gateway's guarded claim (`store::attempts::claim`) of a pending delivery.
const CLAIM: &str = "UPDATE deliveries SET state = 'calling', next_try_at = NULL, \
                     attempts = attempts + 1, updated_at = $1 WHERE id = $2 \
                     AND next_try_at IS NOT NULL \
                     AND alert_id IN (SELECT id FROM alerts WHERE state = 'sending') \
                     AND state IN ('pending') RETURNING attempts";

async fn claims(bench: &Bench, count: usize, runs: usize) -> Fallible<()> {
    println!("\n== 4. claims: {count} due deliveries, 1–3 claimers, {runs} run(s) each");
    println!("{}", load());
    let schema = Schema::create(&bench.base).await?;
    let store = Store::open(&schema.url).await?;
    let town = ClaimTown::create(&store, count).await?;
    let mut results: BTreeMap<(usize, usize), Vec<(f64, Tally)>> = BTreeMap::new();
    for _ in 0..runs {
        for claimers in 1..=3 {
            for (w, way) in ClaimWay::ALL.into_iter().enumerate() {
                let (seconds, tally) = town.run(way, claimers).await?;
                results
                    .entry((w, claimers))
                    .or_default()
                    .push((seconds, tally));
            }
        }
    }
    println!("{}", load());
    for ((w, claimers), runs) in &results {
        let rates: Vec<f64> = runs.iter().map(|(s, t)| t.claimed as f64 / s).collect();
        let wasted: Vec<f64> = runs.iter().map(|(_, t)| t.wasted as f64).collect();
        println!(
            "{} | {claimers} claimer(s) | {:.0} claims/s (min {:.0}, max {:.0}) | wasted p50 {:.0} (max {:.0})",
            ClaimWay::ALL[*w].name(),
            quantile(&rates, 0.5),
            quantile(&rates, 0.0),
            quantile(&rates, 1.0),
            quantile(&wasted, 0.5),
            quantile(&wasted, 1.0)
        );
    }
    store.close().await;
    schema.drop().await
}

/// Members with a number each, and a leased store for the gateway's way.
struct ClaimTown {
    store: Store,
    leased: Store,
    network: buurtbel::store::NetworkId,
    members: Vec<buurtbel::store::MemberId>,
    trunk: TrunkLedger,
}

impl ClaimTown {
    async fn create(store: &Store, count: usize) -> Fallible<ClaimTown> {
        let now = clock::epoch_ms();
        let network = NewNetwork {
            name: NETWORK.into(),
            kind: NetworkKind::Residential,
            police_zone: "Zone Proef".into(),
            language: "nl".into(),
            caller_id: "+3250999999".into(),
            ring_timeout_ms: None,
            retry_policy: None,
        };
        let network = store.create_network(network, now).await?;
        let members = (1..=count)
            .map(|n| NewMember {
                external_id: None,
                name: format!("Proefbewoner {n:05}"),
                language: "nl".into(),
                contact_points: vec![ContactPoint {
                    kind: ContactKind::Mobile,
                    number: format!("+32470{n:06}"),
                }],
                channel: buurtbel::store::Channel::Voice,
                quiet_hours: None,
                speech_rate: 1.0,
                status: MemberStatus::Active,
                consent_at: Some(now),
            })
            .collect();
        let members = store
            .import_members(&network.id, members, now)
            .await?
            .members;
        let registration = Registration {
            instance: "bench-claims".into(),
            host: "bench".into(),
            pid: std::process::id(),
            version: "bench".into(),
            trunk: "bench.trunk".into(),
        };
        let lease = store
            .register_instance(&registration, Duration::from_secs(3600), false)
            .await?;
        Ok(ClaimTown {
            store: store.clone(),
            leased: store.with_lease(lease),
            network: network.id,
            members,
            trunk: TrunkLedger {
                name: "bench.trunk".into(),
                max_channels: u32::MAX,
                max_cps: None,
            },
        })
    }

    /// A fresh sending alert with every member due, the tables vacuumed and analysed; then
    /// `claimers` tasks claim until nothing is due. Seconds and the claimers' tally.
    async fn run(&self, way: ClaimWay, claimers: usize) -> Fallible<(f64, Tally)> {
        let alert = self.fresh_alert().await?;
        let barrier = Arc::new(tokio::sync::Barrier::new(claimers + 1));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..claimers {
            let barrier = Arc::clone(&barrier);
            let (leased, trunk) = (self.leased.clone(), self.trunk.clone());
            let connection = match way {
                ClaimWay::Gateway => None,
                _ => Some(self.store.pool().acquire().await?),
            };
            tasks.spawn(async move {
                match connection {
                    None => claim_as_gateway(&leased, &trunk, &barrier).await,
                    Some(mut connection) => claim_directly(&mut connection, way, &barrier).await,
                }
            });
        }
        barrier.wait().await;
        let started = clock::now();
        let mut tally = Tally::default();
        while let Some(done) = tasks.join_next().await {
            let done = done??;
            tally.claimed += done.claimed;
            tally.wasted += done.wasted;
        }
        let seconds = clock::elapsed(started).as_secs_f64();
        let calling: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM deliveries WHERE alert_id = $1 AND state = 'calling'",
        )
        .bind(alert.as_str())
        .fetch_one(self.store.pool())
        .await?;
        let expected = self.members.len() as u64;
        if tally.claimed != expected || calling != i64::try_from(expected)? {
            return Err(format!(
                "{}: {} claimed, {calling} calling, of {expected}",
                way.name(),
                tally.claimed
            )
            .into());
        }
        Ok((seconds, tally))
    }

    /// Ends the last alert, empties the line, and sends a new alert to every member.
    async fn fresh_alert(&self) -> Fallible<AlertId> {
        let pool = self.store.pool();
        sqlx::query("UPDATE alerts SET state = 'completed' WHERE state = 'sending'")
            .execute(pool)
            .await?;
        sqlx::query("DELETE FROM calls_in_progress")
            .execute(pool)
            .await?;
        let now = clock::epoch_ms();
        let alert = NewAlert {
            kind: AlertKind::Urgent,
            activation_of: None,
            created_by: "Agent Proef".into(),
            networks: vec![self.network.clone()],
            messages: vec![Message {
                language: "nl".into(),
                body: MessageBody::Text("Dit is een test.".into()),
            }],
            expires_at: Some(now + 3_600_000),
            drill: true,
            idempotency_key: None,
        };
        let (alert, _) = self.store.create_alert(alert, now).await?;
        let sending = [AlertState::Draft];
        self.store
            .set_alert_state(&alert.id, &sending, AlertState::Sending, now)
            .await?;
        self.store
            .create_deliveries(&alert.id, &self.members, now)
            .await?;
        for table in [
            "deliveries",
            "attempts",
            "calls_in_progress",
            "members_on_the_line",
        ] {
            sqlx::query(&format!("VACUUM ANALYZE {table}"))
                .execute(pool)
                .await?;
        }
        Ok(alert.id)
    }
}

async fn claim_as_gateway(
    store: &Store,
    trunk: &TrunkLedger,
    barrier: &tokio::sync::Barrier,
) -> Fallible<Tally> {
    barrier.wait().await;
    let mut tally = Tally::default();
    loop {
        let now = clock::epoch_ms();
        let due = store.due_deliveries(now, BATCH as u32).await?;
        if due.is_empty() {
            return Ok(tally);
        }
        let mut calls = Vec::new();
        for delivery in &due {
            let number = delivery.next_contact().ok_or("a member without a number")?;
            let claim = [LineClaim {
                delivery: delivery.delivery.id.clone(),
                member: delivery.delivery.member_id.clone(),
                expected: &[DeliveryState::Pending],
            }];
            match store
                .begin_line_call(&claim, &number.number, trunk, now)
                .await?
            {
                CallClaim::Begun(attempts) => {
                    tally.claimed += 1;
                    calls.extend(attempts.into_iter().map(|(_, attempt)| attempt));
                }
                CallClaim::Busy | CallClaim::Nobody => tally.wasted += 1,
                CallClaim::TrunkFull => return Err("the trunk is full".into()),
            }
        }
        hang_up(store.pool(), &calls).await?;
    }
}

/// Takes the calls off the line (their members with them), as finishing them would.
async fn hang_up(pool: &AnyPool, calls: &[buurtbel::store::AttemptId]) -> Fallible<()> {
    if calls.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = (1..=calls.len()).map(|n| format!("${n}")).collect();
    let sql = format!(
        "DELETE FROM calls_in_progress WHERE id IN ({})",
        list.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for call in calls {
        query = query.bind(call.as_str());
    }
    query.execute(pool).await?;
    Ok(())
}

async fn claim_directly(
    connection: &mut sqlx::pool::PoolConnection<sqlx::Any>,
    way: ClaimWay,
    barrier: &tokio::sync::Barrier,
) -> Fallible<Tally> {
    barrier.wait().await;
    let mut tally = Tally::default();
    loop {
        let now = clock::epoch_ms();
        let ids: Vec<String> = match way {
            ClaimWay::SkipLocked | ClaimWay::GuardedBatch => {
                let locking = way == ClaimWay::SkipLocked;
                let mut tx = Connection::begin(&mut **connection).await?;
                let sql = if locking {
                    DUE_IDS_SKIP_LOCKED
                } else {
                    DUE_IDS
                };
                let ids: Vec<String> = sqlx::query_scalar(sql)
                    .bind(now)
                    .bind(BATCH)
                    .fetch_all(&mut *tx)
                    .await?;
                for id in &ids {
                    count_claim(&mut tally, claim_one(&mut tx, id, now).await?);
                }
                tx.commit().await?;
                ids
            }
            _ => {
                let ids: Vec<String> = sqlx::query_scalar(DUE_IDS)
                    .bind(now)
                    .bind(BATCH)
                    .fetch_all(&mut **connection)
                    .await?;
                for id in &ids {
                    count_claim(&mut tally, claim_one(connection, id, now).await?);
                }
                ids
            }
        };
        if ids.is_empty() {
            return Ok(tally);
        }
    }
}

async fn claim_one(
    connection: &mut sqlx::AnyConnection,
    id: &str,
    now: i64,
) -> Fallible<Option<i64>> {
    Ok(sqlx::query_scalar(CLAIM)
        .bind(now)
        .bind(id)
        .fetch_optional(connection)
        .await?)
}

fn count_claim(tally: &mut Tally, claimed: Option<i64>) {
    match claimed {
        Some(_) => tally.claimed += 1,
        None => tally.wasted += 1,
    }
}

// ---------------------------------------------------------------------------------------------
// The simulated phones' process

/// The hidden `--phones` mode: serves `count` numbers, prints its address, and runs until
/// the parent closes our stdin.
async fn run_phones(kind: PhoneKind, count: usize) -> Fallible<()> {
    let scripts = (1..=count)
        .map(|n| (landline(n), script(kind, n)))
        .collect();
    let refuse = PhoneScript::refuse(404, Duration::ZERO);
    let mut exchange = Exchange::start("127.0.0.1:0".parse()?, scripts, refuse).await?;
    println!("{}", exchange.addr());
    std::io::stdout().flush()?;
    std::thread::spawn(|| {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        std::process::exit(0);
    });
    while exchange.next_call().await.is_some() {}
    Ok(())
}

/// Member `n`'s phone. The message (300 ms intro, "Dit is een test.", 300 ms menu) ends
/// about 1.5 s after the answer, so a 1 pressed from 2 s on confirms.
fn script(kind: PhoneKind, n: usize) -> PhoneScript {
    let n64 = n as u64;
    match kind {
        PhoneKind::Takeover if n % 10 == 3 => PhoneScript::never_answer(),
        PhoneKind::Takeover => {
            PhoneScript::answer_after(Duration::from_millis(300 + 100 * (n64 % 5)))
                .press(
                    Duration::from_millis(2_000 + 200 * (n64 % 4)),
                    '1',
                    PressMethod::Rfc4733,
                )
                // A call of a killed gateway ends at the phone, as a person would hang up.
                .hang_up_after(Duration::from_secs(15))
        }
        PhoneKind::Throughput => PhoneScript {
            send_audio: false,
            ..PhoneScript::answer_after(Duration::ZERO)
        }
        .press(Duration::from_millis(2_000), '1', PressMethod::Rfc4733),
    }
}

/// Member `n`'s fictional landline, `+32 50 0n nn nn`.
fn landline(n: usize) -> String {
    format!("+32500{n:05}")
}

/// The phones' process, seen from here; killed when dropped.
struct Phones {
    child: Child,
    addr: SocketAddr,
}

impl Phones {
    fn spawn(kind: PhoneKind, count: usize) -> Fallible<Phones> {
        let kind = match kind {
            PhoneKind::Takeover => "takeover",
            PhoneKind::Throughput => "throughput",
        };
        let mut child = Command::new(std::env::current_exe()?)
            .args(["--phones", kind, "--phone-count", &count.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("phones: no stdout")?;
        let mut first = String::new();
        BufReader::new(stdout).read_line(&mut first)?;
        let addr = first.trim().parse()?;
        Ok(Phones { child, addr })
    }
}

impl Drop for Phones {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// Gateways: real `buurtbel serve` processes

/// The trunk every gateway of a run shares.
struct Trunk {
    channels: u32,
    cps: f64,
    ring_timeout: &'static str,
}

/// One `buurtbel serve`, its configuration and its log.
struct Gateway {
    name: &'static str,
    config: PathBuf,
    log: PathBuf,
    child: Option<Child>,
}

impl Gateway {
    /// Configurations for `count` gateways (gw-a on 127.0.0.11, gw-b on .12, gw-c on .13),
    /// each with `ports` RTP ports of its own from a random base.
    fn write(
        dir: &Path,
        count: usize,
        ports: u16,
        trunk: &Trunk,
        proxy: SocketAddr,
        database: &str,
    ) -> Fallible<Vec<Gateway>> {
        write_prompts(&dir.join("voices"))?;
        let span = u32::from(ports) * 3;
        let base = 20_000 + 2 * rand::random_range(0..(40_000 - span) / 2);
        let mut gateways = Vec::new();
        for (i, name) in ["gw-a", "gw-b", "gw-c"].into_iter().enumerate().take(count) {
            let low = base + u32::from(ports) * i as u32;
            let ip = IpAddr::from([127, 0, 0, 11 + i as u8]);
            let text = format!(
                "[sip]\nbind = \"{ip}:0\"\n\n\
                 [trunk]\nproxy = \"{proxy}\"\ndomain = \"sim.invalid\"\n\
                 caller_id = \"+3250999999\"\nmax_channels = {channels}\nmax_cps = {cps}\n\
                 ring_timeout = \"{ring}\"\n\n\
                 [media]\nrtp_ports = \"{low}-{high}\"\nmenu_rounds = 2\nkey_wait = \"2s\"\n\
                 machine_detection = false\n\n\
                 [speech]\ncache_dir = \"{cache}\"\nvoices = \"{voices}\"\n\n\
                 [database]\nurl = \"{database}\"\n\n\
                 [instance]\nname = \"{name}\"\n\n\
                 [chain]\ncallback_number = \"+3250999999\"\n\n\
                 [chain.retry.busy]\nafter = \"2s\"\nretries = 1\n\n\
                 [chain.retry.no_answer]\nafter = \"2s\"\nretries = 1\n\n\
                 [chain.retry.failed]\nafter = \"2s\"\nretries = 2\n",
                channels = trunk.channels,
                cps = trunk.cps,
                ring = trunk.ring_timeout,
                high = low + u32::from(ports) - 1,
                cache = dir.join("speech").display(),
                voices = dir.join("voices").display(),
            );
            let config = dir.join(format!("{name}.toml"));
            std::fs::write(&config, text)?;
            gateways.push(Gateway {
                name,
                config,
                log: dir.join(format!("{name}.log")),
                child: None,
            });
        }
        Ok(gateways)
    }

    fn start(&mut self, bench: &Bench) -> Fallible<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)?;
        let dir = self.config.parent().ok_or("a configuration in no folder")?;
        let child = Command::new(&bench.binary)
            .arg("serve")
            .arg("--config")
            .arg(&self.config)
            .current_dir(dir)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        self.child = Some(child);
        Ok(())
    }

    /// SIGKILL, and waits for the process to be gone.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM, then waits up to `limit` for it to exit (killed after); true when it exited
    /// by itself with success.
    async fn stop(&mut self, limit: Duration) -> bool {
        let Some(child) = self.child.as_mut() else {
            return true;
        };
        if let Ok(pid) = libc::pid_t::try_from(child.id()) {
            // SAFETY: signals a child of ours that has not been reaped, so the pid is still its.
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
        let deadline = clock::now() + limit;
        while clock::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                return status.success();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.kill();
        false
    }

    fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.as_mut()?.try_wait().ok().flatten()
    }

    /// Its log's warnings and errors.
    fn log_summary(&self, stopped_cleanly: bool) -> LogSummary {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let mut lines: BTreeMap<String, (usize, String)> = BTreeMap::new();
        for line in text.lines() {
            let mut words = line.split_whitespace();
            let (_, level) = (words.next(), words.next());
            if matches!(level, Some("WARN" | "ERROR")) {
                // Alike lines fold into one: the same level, target and message, whatever
                // their fields (ids, counts, times); the first is shown whole.
                let message: Vec<&str> = words.clone().take_while(|w| !w.contains('=')).collect();
                let key = format!("{} {}", level.unwrap_or_default(), message.join(" "));
                let whole = words.collect::<Vec<_>>().join(" ");
                lines.entry(key).or_insert((0, whole)).0 += 1;
            }
        }
        LogSummary {
            name: self.name,
            stopped_cleanly,
            lines,
        }
    }
}

/// A gateway's warnings and errors, each with how often it came.
#[derive(Debug)]
struct LogSummary {
    name: &'static str,
    stopped_cleanly: bool,
    /// By level and message: how many, and the first whole.
    lines: BTreeMap<String, (usize, String)>,
}

impl LogSummary {
    fn print(&self) {
        if !self.stopped_cleanly {
            println!("  {}: did not stop cleanly on SIGTERM", self.name);
        }
        for (key, (n, first)) in &self.lines {
            let level = key.split_whitespace().next().unwrap_or_default();
            let first: String = first.chars().take(300).collect();
            println!("  {} log, {n}× {level}: {first}", self.name);
        }
    }
}

/// Fails when the deadline has passed or a gateway exited.
fn check_running(gateways: &mut [Gateway], deadline: Instant, what: &str) -> Fallible<()> {
    for gateway in gateways.iter_mut() {
        if let Some(status) = gateway.exited() {
            return Err(format!(
                "{} exited ({status}) while waiting for {what}; see {}",
                gateway.name,
                gateway.log.display()
            )
            .into());
        }
    }
    if clock::now() > deadline {
        return Err(format!("timed out waiting for {what}").into());
    }
    Ok(())
}

/// Stops every gateway still running (SIGTERM, 30 s); their logs' warnings and errors.
async fn stop_all(gateways: &mut [Gateway]) -> Vec<LogSummary> {
    let mut logs = Vec::new();
    for gateway in gateways.iter_mut() {
        let running = gateway.child.is_some();
        let clean = !running || gateway.stop(Duration::from_secs(30)).await;
        logs.push(gateway.log_summary(clean));
    }
    logs
}

fn gateways_cpu(gateways: &[Gateway]) -> Duration {
    gateways
        .iter()
        .filter_map(|g| g.child.as_ref())
        .filter_map(|c| proc_cpu(c.id()))
        .sum()
}

/// Short recorded prompts (300 ms tones), so calls are short.
fn write_prompts(voices: &Path) -> Fallible<()> {
    let nl = voices.join("nl");
    std::fs::create_dir_all(&nl)?;
    for (name, hz) in [("intro", 500.0), ("menu", 600.0), ("thanks", 700.0)] {
        let tone: Vec<i16> = (0..2_400)
            .map(|n| (6_000.0 * (std::f32::consts::TAU * hz * n as f32 / 8_000.0).sin()) as i16)
            .collect();
        buurtbel::speech::wav::write_8k(&nl.join(format!("{name}.wav")), &tone)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The benchmark's surroundings: binary, folders, schemas, machine

struct Bench {
    binary: PathBuf,
    base: String,
    work: tempfile::TempDir,
}

impl Bench {
    fn new(args: &Args) -> Fallible<Bench> {
        let binary = args
            .buurtbel
            .clone()
            .unwrap_or_else(|| PathBuf::from("target/release/buurtbel"));
        if !binary.exists() {
            return Err(format!(
                "{} not found: build it (cargo build --release --bin buurtbel) or pass --buurtbel",
                binary.display()
            )
            .into());
        }
        let mut work = tempfile::Builder::new()
            .prefix("buurtbel-instances-")
            .tempdir()?;
        work.disable_cleanup(args.keep);
        Ok(Bench {
            binary: std::fs::canonicalize(binary)?,
            base: args.postgres.clone(),
            work,
        })
    }

    fn folder(&self, name: &str) -> Fallible<PathBuf> {
        let dir = self.work.path().join(name);
        std::fs::create_dir_all(&dir)?;
        Ok(dir)
    }

    async fn postgres_version(&self) -> Fallible<String> {
        let mut connection = sqlx::PgConnection::connect(&self.base).await?;
        let version: String = sqlx::query_scalar("SELECT version()")
            .fetch_one(&mut connection)
            .await?;
        connection.close().await?;
        Ok(version)
    }

    /// Runs `buurtbel ARGS… --config CONFIG MORE…` to its end; its standard output.
    fn buurtbel(
        &self,
        dir: &Path,
        gateway: &Gateway,
        args: &[&str],
        more: &[&OsStr],
    ) -> Fallible<String> {
        let output = Command::new(&self.binary)
            .args(args)
            .arg("--config")
            .arg(&gateway.config)
            .args(more)
            .current_dir(dir)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .output()?;
        if !output.status.success() {
            return Err(format!(
                "buurtbel {args:?} failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            )
            .into());
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Imports `count` members with landlines of their own into the network.
    fn import(&self, dir: &Path, gateway: &Gateway, count: usize) -> Fallible<()> {
        let mut csv = String::from("member_id,name,phone,language,channel\n");
        for n in 1..=count {
            csv.push_str(&format!(
                "m{n:05},Proefbewoner {n:05},{},nl,voice\n",
                landline(n)
            ));
        }
        let file = dir.join("members.csv");
        std::fs::write(&file, csv)?;
        let import = ["members", "import", "--network", NETWORK, "--create"];
        self.buurtbel(dir, gateway, &import, &[file.as_os_str()])?;
        Ok(())
    }

    /// Sends the urgent alert ("Dit is een test."); its id.
    fn send_alert(&self, dir: &Path, gateway: &Gateway) -> Fallible<AlertId> {
        let args = ["alert", "send", "--network", NETWORK, "--kind", "urgent"];
        let text = ["--text-nl".as_ref(), "Dit is een test.".as_ref()];
        let out = self.buurtbel(dir, gateway, &args, &text)?;
        let words: Vec<&str> = out.split_whitespace().collect();
        match words.as_slice() {
            ["alert", id, ..] => Ok(AlertId::from(*id)),
            _ => Err(format!("unexpected output of alert send: {out}").into()),
        }
    }
}

/// A fresh schema, reached through `options=-c search_path=…`; dropped by [`Schema::drop`].
struct Schema {
    base: String,
    name: String,
    url: String,
}

impl Schema {
    async fn create(base: &str) -> Fallible<Schema> {
        let name = format!("buurtbel_bench_{:016x}", rand::random::<u64>());
        admin(base, &format!("CREATE SCHEMA {name}")).await?;
        let url = with_param(base, &format!("options=-c%20search_path%3D{name}"));
        Ok(Schema {
            base: base.to_owned(),
            name,
            url,
        })
    }

    async fn drop(self) -> Fallible<()> {
        admin(&self.base, &format!("DROP SCHEMA {} CASCADE", self.name)).await
    }
}

async fn admin(url: &str, sql: &str) -> Fallible<()> {
    use sqlx::Executor;
    let mut connection = sqlx::PgConnection::connect(url).await?;
    connection.execute(sql).await?;
    connection.close().await?;
    Ok(())
}

fn with_param(url: &str, param: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{param}")
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Nearest-rank quantile of `values` (0 for none).
fn quantile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (q * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn delta(before: Option<Duration>, after: Option<Duration>) -> Option<Duration> {
    Some(after?.saturating_sub(before?))
}

/// utime + stime of a process (all its threads), from `/proc/<pid>/stat`.
fn proc_cpu(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (in parentheses, may hold spaces): utime and stime are
    // fields 14 and 15, so 11 and 12 after the state.
    let fields: Vec<&str> = stat
        .get(stat.rfind(')')? + 1..)?
        .split_whitespace()
        .collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_secs_f64(
        ticks as f64 / clock_ticks()? as f64,
    ))
}

/// CPU of every `postgres` process (the server and its backends, whoever they serve).
fn postgres_cpu() -> Option<Duration> {
    let mut total = Duration::ZERO;
    for entry in std::fs::read_dir("/proc").ok()?.filter_map(Result::ok) {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if comm.trim() == "postgres" {
            total += proc_cpu(pid).unwrap_or_default();
        }
    }
    Some(total)
}

/// Busy time of every CPU, all processes, from `/proc/stat`.
fn system_busy() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal
    let busy: u64 = fields.iter().take(8).sum::<u64>() - fields.get(3)? - fields.get(4)?;
    Some(Duration::from_secs_f64(busy as f64 / clock_ticks()? as f64))
}

fn clock_ticks() -> Option<u64> {
    // SAFETY: a plain query of a system constant.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(ticks).ok().filter(|t| *t > 0)
}

fn load() -> String {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let fields: Vec<&str> = load.split_whitespace().take(3).collect();
    format!("load average {}", fields.join(" "))
}

/// The machine, as the benchmark page records it.
struct Machine {
    cores: usize,
    model: String,
    memory_gib: f64,
    kernel: String,
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
        let kib: f64 = meminfo
            .lines()
            .find_map(|line| line.strip_prefix("MemTotal:"))
            .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
            .unwrap_or(0.0);
        Machine {
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            model,
            memory_gib: kib / 1024.0 / 1024.0,
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .unwrap_or_default()
                .trim()
                .to_owned(),
        }
    }
}

impl std::fmt::Display for Machine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "machine: {} cores, {}, {:.1} GiB, kernel {}",
            self.cores, self.model, self.memory_gib, self.kernel
        )
    }
}
