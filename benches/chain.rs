//! The alert chain end to end, on SQLite (a file in a temporary folder) and, when
//! `BUURTBEL_TEST_POSTGRES` holds a URL, on a fresh PostgreSQL schema dropped afterwards:
//!
//! - **first INVITE**: from sending an alert to 10 000 members until its first INVITE reaches
//!   the trunk, through the chain `serve` builds (`chain::service::start`: the SIP dialer as
//!   the caller, programs rendered by the speech engine), for a text already in the speech
//!   cache, a recorded message, a text never rendered, and an alert handed over by another
//!   process as `alert send` does;
//! - **throughput**: deliveries per second from due to finished (`begin_attempt` and
//!   `finish_attempt` committed) with a caller that returns at once, and the database writes
//!   each call costs;
//! - **cps**: INVITEs per second the trunk sees against `trunk.max_cps`, and how long a new
//!   alert waits for its first INVITE right after a cancelled one.
//!
//! ```text
//! cargo bench --bench chain                          # everything
//! cargo bench --bench chain -- first-invite postgresql  # benchmarks: first-invite,
//!                                                       # throughput, cps; databases:
//!                                                       # sqlite, postgresql
//! ```
//!
//! The store never runs ANALYZE, so neither database has planner statistics unless a
//! PostgreSQL server's autovacuum gathers them; the last first-INVITE case on PostgreSQL runs
//! after one ANALYZE.
//!
//! A hand-written harness, not criterion: a sample is a whole alert (seconds of setup for
//! one figure), and what is asked is its tail (p99), counts and rates, which criterion does
//! not report. `docs/BENCHMARKS.md` records the figures.
//!
//! The trunk is a relay on loopback in front of the simulated exchange (`buurtbel::sim`): it
//! notes when each new INVITE arrives on a thread of its own, blocked on the socket, so the
//! time is the datagram's and not when a busy runtime got round to it. Names and numbers are
//! fictional (`+32 470 …` and `+32 471 …`).

use buurtbel::chain::caller::{CallRequest, CallSummary, Caller};
use buurtbel::chain::clock::ChainClock;
use buurtbel::chain::dispatcher::{ChainError, ChainSettings, Dispatcher, submit};
use buurtbel::chain::events::{ChainEvent, Events};
use buurtbel::chain::program_source::{ProgramError, ProgramSource};
use buurtbel::chain::programs::{AlertAudio, MessageSource, Programs};
use buurtbel::chain::service::{self, LiveDispatcher};
use buurtbel::config::{Config, MediaConfig, SipConfig, SpeechConfig, TrunkConfig};
use buurtbel::media::audio::{EncodedProgram, Segments};
use buurtbel::policy::{AttemptOutcome, RetryPolicy, Rule};
use buurtbel::sim::{Exchange, PhoneScript};
use buurtbel::sip::{Message, parse_datagram};
use buurtbel::speech::engine::{Builtin, SpeechEngine, Utterance};
use buurtbel::speech::normalise::normalise;
use buurtbel::speech::{Language, Speech};
use buurtbel::store::{
    AlertId, AlertKind, Backend, Channel, ContactKind, ContactPoint, MemberStatus,
    Message as AlertMessage, MessageBody, NetworkId, NetworkKind, NewAlert, NewMember, NewNetwork,
    Store,
};
use buurtbel::telephony::clock::{self, epoch_ms};
use buurtbel::time::Instant;
use std::collections::{HashMap, HashSet};
use std::error::Error;
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

#[path = "support/http.rs"]
mod http;

type Fallible<T> = Result<T, Box<dyn Error + Send + Sync>>;

/// The network the first-INVITE alerts go to.
const NETWORK_NAME: &str = "BIN Kerkwijk";
/// Members of the network the first-INVITE and throughput alerts go to.
const MEMBERS: usize = 10_000;
/// Timed runs per first-INVITE case, after one untimed run.
const RUNS: usize = 30;
/// Members of each network in the pace benchmark.
const PACED_MEMBERS: usize = 200;
/// Runs of "a new alert right after a cancelled one".
const AFTER_CANCEL_RUNS: usize = 5;
/// Runs on PostgreSQL after ANALYZE.
const ANALYSED_RUNS: usize = 10;

/// A Dutch alert as a dispatcher types it (about 300 characters).
const ALERT_TEXT: &str = "Verdacht voertuig gezien in de Kerkstraat en de Molenweg: een witte \
bestelwagen met nummerplaat 1-ABC-234, twee mannen in donkere kledij. Sluit uw deuren en ramen, \
laat niemand binnen die u niet kent. Ziet u het voertuig, bel dan meteen 101 en geef de plaats \
en het uur door. Dank u voor uw waakzaamheid.";

fn main() -> Fallible<()> {
    let chosen = Chosen::from_args();
    log_if_asked();
    // As `serve`: a multi-threaded runtime with a worker per core.
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        for database in Database::configured() {
            if !chosen.database(database.label) {
                continue;
            }
            if chosen.benchmark("first-invite") {
                first_invite(&database).await?;
            }
            if chosen.benchmark("throughput") {
                throughput(&database).await?;
            }
            if chosen.benchmark("cps") {
                pace(&database).await?;
            }
        }
        Ok(())
    })
}

/// The benchmarks and databases named on the command line; none named means all.
struct Chosen(Vec<String>);

impl Chosen {
    fn from_args() -> Chosen {
        let args = std::env::args()
            .skip(1)
            .filter(|arg| !arg.starts_with("--"));
        Chosen(args.map(|arg| arg.to_lowercase()).collect())
    }

    fn benchmark(&self, name: &str) -> bool {
        self.picks(&["first-invite", "throughput", "cps"], name)
    }

    fn database(&self, label: &str) -> bool {
        self.picks(&["sqlite", "postgresql"], &label.to_lowercase())
    }

    fn picks(&self, kinds: &[&str], name: &str) -> bool {
        let mut named = self.0.iter().filter(|arg| kinds.contains(&arg.as_str()));
        let mut again = named.clone();
        named.next().is_none() || again.any(|arg| arg == name)
    }
}

/// With `RUST_LOG` set (`RUST_LOG=sqlx::query=debug` prints every statement and its time),
/// the library's log goes to standard error.
fn log_if_asked() {
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .try_init();
    }
}

// ---- first INVITE ----

/// How the alert's message reaches the first call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    /// Text already rendered into the on-disk cache by another engine (as `alert send` does
    /// before it submits), sent through `Dispatcher::send`.
    CachedText,
    /// A recorded WAV: decoded, resampled and checked at the first call.
    Recording,
    /// Text never rendered: the first call waits for the synthesis.
    ColdText,
    /// Cached text submitted through another connection pool, as `alert send` in its own
    /// process does; the dispatcher finds it at its next look at the alerts.
    OtherProcess,
    /// As [`Case::CachedText`], after PostgreSQL's ANALYZE.
    Analysed,
    /// `POST /v1/alerts` over HTTP, its text heard before in a preview (in the cache).
    Http,
    /// `POST /v1/alerts` over HTTP with a text never rendered: the API speaks it before it
    /// stores the alert.
    HttpCold,
}

impl Case {
    /// The cases measured on every database, one run of each in turn, so a drift in the
    /// machine's load or the table's growth reaches them alike.
    const ALL: [Case; 6] = [
        Case::CachedText,
        Case::Recording,
        Case::ColdText,
        Case::OtherProcess,
        Case::Http,
        Case::HttpCold,
    ];

    fn name(self) -> &'static str {
        match self {
            Case::CachedText => "cached text, Dispatcher::send",
            Case::Recording => "recorded WAV, Dispatcher::send",
            Case::ColdText => "text never rendered, Dispatcher::send",
            Case::OtherProcess => "cached text, submitted by another process",
            Case::Analysed => "cached text, Dispatcher::send, after ANALYZE",
            Case::Http => "previewed text, POST /v1/alerts",
            Case::HttpCold => "text never rendered, POST /v1/alerts",
        }
    }
}

/// One run's times, from the start of the send.
#[derive(Debug, Clone, Copy)]
struct Sample {
    /// `send` (or `submit`) returned: the alert is committed.
    returned: Duration,
    /// The first page of deliveries was committed.
    first_page: Duration,
    /// The first `begin_attempt` was committed.
    first_calling: Duration,
    /// The first INVITE reached the trunk.
    invite: Duration,
    /// Every page was committed.
    all_pages: Duration,
}

/// Sends alerts to 10 000 members through the chain `serve` runs and times the first INVITE.
/// Each run's alert is cancelled once all its deliveries are written (pages written after a
/// cancel stay scheduled), its calls are left to end, and the trunk's CPS bucket to empty,
/// so runs do not overlap. The database is left as the store leaves it, without ANALYZE;
/// on PostgreSQL a last case runs after one.
async fn first_invite(database: &Database) -> Fallible<()> {
    let fresh = database.fresh().await?;
    let store = Store::open(&fresh.url).await?;
    let network = neighbourhood(&store, NETWORK_NAME, 470, MEMBERS).await?;
    let refuse = PhoneScript::refuse(486, Duration::ZERO);
    let exchange = Exchange::start(loopback(), HashMap::new(), refuse).await?;
    let mut trunk = Trunk::start(exchange.addr())?;
    let cache = tempfile::tempdir()?;
    // 100 calls per second: the call slots one run reserves (30 channels) are spent 0.3 s
    // later, so the next run starts on an idle trunk. The first INVITE never waits for an
    // idle bucket; the pace benchmark measures the bucket at a trunk's usual 10.
    let config = gateway_config(trunk.addr(), 30, 100.0, cache.path());
    let chain = Chain::start(&config, store.clone()).await?;
    let http = http::HttpSender::start(&config, store.clone(), &chain.dispatcher).await?;
    let mut sender = Sender::new(&config, &fresh.url, network, http).await?;
    // Not counted: the prompts are rendered, as by a serve's first alert.
    sender.run(&chain, &mut trunk, Case::CachedText).await?;
    let mut samples = vec![Vec::new(); Case::ALL.len()];
    for _ in 0..RUNS {
        for (case, samples) in Case::ALL.iter().zip(&mut samples) {
            samples.push(sender.run(&chain, &mut trunk, *case).await?);
        }
    }
    for (case, samples) in Case::ALL.iter().zip(&samples) {
        report_first_invite(database.label, *case, samples);
        if !matches!(case, Case::OtherProcess | Case::Http | Case::HttpCold) {
            let mut alone = sender.programs_alone(&config, *case).await?;
            println!("  its program made alone {}", Spread::of(&mut alone));
        }
    }
    if store.backend() == Backend::Postgres {
        // Statistics taken now see no delivery due, as they would between alerts.
        sqlx::query("ANALYZE").execute(store.pool()).await?;
        let mut samples = Vec::new();
        for _ in 0..ANALYSED_RUNS {
            samples.push(sender.run(&chain, &mut trunk, Case::Analysed).await?);
        }
        report_first_invite(database.label, Case::Analysed, &samples);
    }
    chain.stop().await?;
    sender.other.close().await;
    store.close().await;
    fresh.remove().await
}

/// What each run sends: a fresh alert to the network, its message made for the case.
struct Sender {
    /// A second pool on the same database, standing in for `alert send`'s process.
    other: Store,
    /// `alert send`'s speech engine: renders cached texts into the shared cache.
    renderer: Arc<Speech>,
    recording: Arc<Vec<u8>>,
    network: NetworkId,
    serial: usize,
    /// The HTTP API over the same chain.
    http: http::HttpSender,
}

impl Sender {
    async fn new(
        config: &Config,
        url: &str,
        network: NetworkId,
        http: http::HttpSender,
    ) -> Fallible<Sender> {
        let settings = config.speech.settings()?;
        let recording = recording(&settings.cache_dir)?;
        Ok(Sender {
            other: Store::open(url).await?,
            renderer: Arc::new(Speech::new(settings)?),
            recording: Arc::new(recording),
            network,
            serial: 0,
            http,
        })
    }

    /// One alert: sent, timed to its first INVITE, cancelled once written, calls ended.
    async fn run(&mut self, chain: &Chain, trunk: &mut Trunk, case: Case) -> Fallible<Sample> {
        let body = self.message(case).await?;
        let alert = new_alert(&[&self.network], body);
        trunk.forget();
        let start = clock::now();
        let id = match case {
            Case::OtherProcess => {
                let expiry = Duration::from_secs(30 * 60);
                submit(&self.other, alert, expiry, epoch_ms()).await?.0.id
            }
            Case::Http | Case::HttpCold => {
                let MessageBody::Text(text) = &alert.messages[0].body else {
                    return Err("the HTTP cases send text".into());
                };
                self.http.send(NETWORK_NAME, text).await?
            }
            _ => chain.dispatcher.send(alert).await?.0.id,
        };
        let returned = clock::elapsed(start);
        let invite = trunk.next_invite(|_| true).await?.at;
        let marks = chain.watcher.all_pages(&id).await?;
        chain.dispatcher.cancel(&id).await?;
        chain.quiet().await?;
        tokio::time::sleep(Duration::from_millis(400)).await;
        let since = |at: Option<Instant>| at.map_or(Duration::MAX, |at| at - start);
        Ok(Sample {
            returned,
            first_page: since(marks.first_page),
            first_calling: since(marks.first_calling),
            invite: invite - start,
            all_pages: since(marks.all_pages),
        })
    }

    /// The alert's message for this case; cached text is rendered first by `alert send`'s
    /// engine. Every run has a text of its own, which the chain's engine has never held in
    /// memory.
    async fn message(&mut self, case: Case) -> Fallible<MessageBody> {
        self.serial += 1;
        let text = format!("Bericht {}. {ALERT_TEXT}", self.serial);
        match case {
            Case::Recording => Ok(MessageBody::Recording(self.recording.to_vec())),
            Case::ColdText | Case::HttpCold => Ok(MessageBody::Text(text)),
            Case::CachedText | Case::OtherProcess | Case::Analysed | Case::Http => {
                let speech = Arc::clone(&self.renderer);
                let spoken = text.clone();
                tokio::task::spawn_blocking(move || speech.message(&spoken, Language::Nl, 1.0))
                    .await??;
                Ok(MessageBody::Text(text))
            }
        }
    }

    /// The first call's program made `RUNS` times on its own, outside the chain, by an
    /// engine whose prompts are rendered: what the message's audio adds in each case.
    async fn programs_alone(&mut self, config: &Config, case: Case) -> Fallible<Vec<Duration>> {
        let speech = Speech::new(config.speech.settings()?)?;
        let programs = Arc::new(Programs::new(Arc::new(speech)));
        let mut times = Vec::new();
        for run in 0..=RUNS {
            let source = match self.message(case).await? {
                MessageBody::Text(text) => MessageSource::Text(text),
                MessageBody::Recording(wav) => MessageSource::Recording(Arc::new(wav)),
            };
            let audio = AlertAudio {
                alert: format!("alone-{}", self.serial),
                revision: 0,
                network: "BIN Kerkwijk".into(),
                callback: "+3250000000".into(),
                drill: false,
                messages: vec![(Language::Nl, source)],
            };
            let programs = Arc::clone(&programs);
            let took = tokio::task::spawn_blocking(move || {
                let start = clock::now();
                let program = programs.program(&audio, Language::Nl, 1.0);
                program.map(|_| clock::elapsed(start))
            })
            .await??;
            // The first one renders the prompts.
            if run > 0 {
                times.push(took);
            }
        }
        Ok(times)
    }
}

/// A recorded message: the alert text in the built-in voice at the engine's own rate, as a
/// 16-bit WAV, standing in for a coordinator's recording.
fn recording(scratch: &Path) -> Fallible<Vec<u8>> {
    let engine = Builtin::new(scratch)?;
    let voice = engine.default_voice(Language::Nl)?;
    let text = normalise(Language::Nl, ALERT_TEXT);
    let pcm = engine.synthesise(&Utterance {
        text: &text,
        language: Language::Nl,
        voice: &voice,
        rate: 1.0,
    })?;
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: pcm.rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut bytes = std::io::Cursor::new(Vec::new());
    let mut writer = hound::WavWriter::new(&mut bytes, spec)?;
    for sample in &pcm.samples {
        writer.write_sample((sample.clamp(-1.0, 1.0) * 32_767.0) as i16)?;
    }
    writer.finalize()?;
    Ok(bytes.into_inner())
}

fn report_first_invite(database: &str, case: Case, samples: &[Sample]) {
    let column = |pick: fn(&Sample) -> Duration| {
        let mut values: Vec<Duration> = samples.iter().map(pick).collect();
        Spread::of(&mut values)
    };
    println!(
        "first-invite {database} | {} | {} runs",
        case.name(),
        samples.len()
    );
    println!("  send returned          {}", column(|s| s.returned));
    println!("  first page committed   {}", column(|s| s.first_page));
    println!("  first begin_attempt    {}", column(|s| s.first_calling));
    println!("  first INVITE at trunk  {}", column(|s| s.invite));
    println!("  all 10 000 written     {}", column(|s| s.all_pages));
}

// ---- throughput and writes per call ----

/// Deliveries per second from due to finished, with a caller that returns at once, and the
/// database writes per call; one alert to 10 000 members per outcome.
async fn throughput(database: &Database) -> Fallible<()> {
    let fresh = database.fresh().await?;
    let store = Store::open(&fresh.url).await?;
    let network = neighbourhood(&store, "BIN Molenwijk", 470, MEMBERS).await?;
    let outcomes = [
        ("pressed 1", AttemptOutcome::Acknowledged),
        ("no answer, no retry", AttemptOutcome::NoAnswer),
    ];
    for (name, outcome) in outcomes {
        let figures = deliver_all(&store, &network, outcome).await?;
        figures.report(database.label, name);
    }
    store.close().await;
    fresh.remove().await
}

/// What one alert's delivery cost.
struct Throughput {
    calls: u64,
    elapsed: Duration,
    pages: Option<Duration>,
    writes: u64,
    cpu: Duration,
}

/// Sends one alert to the network through a dispatcher whose every call ends at once with
/// `outcome`, and waits until it is completed.
async fn deliver_all(
    store: &Store,
    network: &NetworkId,
    outcome: AttemptOutcome,
) -> Fallible<Throughput> {
    let caller = InstantCalls::new(outcome);
    let calls = Arc::clone(&caller.calls);
    let events = Events::default();
    let settings = ChainSettings {
        channels: 50,
        retry: no_retries(),
        sweep: Duration::from_millis(250),
        ..ChainSettings::default()
    };
    let clock = ChainClock::system();
    let dispatcher = Dispatcher::new(
        store.clone(),
        caller,
        Silence::new(),
        events.clone(),
        clock,
        settings,
    );
    let running = Running::start(&dispatcher);
    let mut news = events.subscribe();
    let writes = store.writes();
    let cpu = cpu_time();
    let start = clock::now();
    let body = MessageBody::Text(ALERT_TEXT.to_owned());
    let (alert, _) = dispatcher.send(new_alert(&[network], body)).await?;
    let pages = completed(&mut news, &alert.id, start).await?;
    let elapsed = clock::elapsed(start);
    let cpu = cpu_time() - cpu;
    // The alert completes once no delivery is open, which an acknowledgement makes true
    // before the last call's `finish_attempt` commits: count after the drain.
    running.stop().await?;
    Ok(Throughput {
        calls: calls.load(Ordering::SeqCst),
        elapsed,
        pages,
        writes: store.writes() - writes,
        cpu,
    })
}

/// Waits for the alert to complete; returns when its last page was written, if seen.
async fn completed(
    news: &mut tokio::sync::broadcast::Receiver<ChainEvent>,
    alert: &AlertId,
    start: Instant,
) -> Fallible<Option<Duration>> {
    use tokio::sync::broadcast::error::RecvError;
    let mut pages = None;
    loop {
        match news.recv().await {
            Ok(ChainEvent::DeliveriesCreated { alert: a, total })
                if a == alert.as_str() && total == MEMBERS as u64 =>
            {
                pages = Some(clock::elapsed(start));
            }
            Ok(ChainEvent::AlertDone { alert: a, state }) if a == alert.as_str() => {
                if state != "completed" {
                    return Err(format!("the alert ended {state}").into());
                }
                return Ok(pages);
            }
            Ok(_) | Err(RecvError::Lagged(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
}

impl Throughput {
    fn report(&self, database: &str, outcome: &str) {
        let seconds = self.elapsed.as_secs_f64();
        let calls = self.calls.max(1) as f64;
        let pages = self
            .pages
            .map_or("?".to_owned(), |p| format!("{:.2} s", p.as_secs_f64()));
        println!("throughput {database} | {outcome} | 50 channels");
        println!(
            "  {} calls in {seconds:.2} s: {:.0} deliveries/s; pages all written at {pages}",
            self.calls,
            self.calls as f64 / seconds,
        );
        println!(
            "  {} writes: {:.4} per call; this process's CPU {:.2} s ({:.0} µs per call)",
            self.writes,
            self.writes as f64 / calls,
            self.cpu.as_secs_f64(),
            self.cpu.as_secs_f64() * 1e6 / calls
        );
    }
}

/// Every outcome final after one round.
fn no_retries() -> RetryPolicy {
    let none = Rule {
        after: Duration::from_secs(60),
        retries: 0,
    };
    RetryPolicy {
        busy: none,
        no_answer: none,
        answered_no_ack: none,
        failed: none,
        unavailable: none,
    }
}

/// A caller whose every call ends at once with one outcome.
struct InstantCalls {
    outcome: AttemptOutcome,
    calls: Arc<AtomicU64>,
}

impl InstantCalls {
    fn new(outcome: AttemptOutcome) -> InstantCalls {
        InstantCalls {
            outcome,
            calls: Arc::new(AtomicU64::new(0)),
        }
    }
}

impl Caller for InstantCalls {
    async fn call(&self, _request: CallRequest) -> CallSummary {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let answered = self.outcome == AttemptOutcome::Acknowledged;
        CallSummary {
            outcome: self.outcome,
            sip_status: Some(if answered { 200 } else { 480 }),
            digits: if answered { "1".into() } else { String::new() },
            ..CallSummary::failed()
        }
    }
}

/// One short silent program for every call.
struct Silence(Arc<EncodedProgram>);

impl Silence {
    fn new() -> Silence {
        let quiet = vec![0i16; 800];
        Silence(Arc::new(EncodedProgram::new(&Segments {
            intro: quiet.clone(),
            message: quiet.clone(),
            menu: quiet.clone(),
            thanks: quiet.clone(),
            listen_first: quiet.clone(),
            voicemail: quiet,
        })))
    }
}

impl ProgramSource for Silence {
    async fn program(
        &self,
        _alert: &AlertId,
        _language: Language,
        _rate: f32,
    ) -> Result<Arc<EncodedProgram>, ProgramError> {
        Ok(Arc::clone(&self.0))
    }

    fn forget(&self, _alert: &AlertId) {}
}

/// User and system CPU time of this process.
fn cpu_time() -> Duration {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}

// ---- calls per second ----

/// INVITEs per second at the trunk for an alert to 200 members with `trunk.max_cps` 10; then
/// how long a new alert waits for its first INVITE when the alert before it is cancelled
/// half a second after it started.
async fn pace(database: &Database) -> Fallible<()> {
    let fresh = database.fresh().await?;
    let store = Store::open(&fresh.url).await?;
    let first = neighbourhood(&store, "BIN Stationswijk", 470, PACED_MEMBERS).await?;
    let second = neighbourhood(&store, "BIN Heidewijk", 471, PACED_MEMBERS).await?;
    let exchange = Exchange::start(loopback(), paced_phones(), answer_briefly()).await?;
    let mut trunk = Trunk::start(exchange.addr())?;
    let cache = tempfile::tempdir()?;
    let max_cps = 10.0;
    let config = gateway_config(trunk.addr(), 30, max_cps, cache.path());
    let chain = Chain::start(&config, store.clone()).await?;
    let body = || MessageBody::Text("Dit is een oefening van het buurtinformatienetwerk.".into());
    trunk.forget();
    let (alert, _) = chain.dispatcher.send(new_alert(&[&first], body())).await?;
    let mut arrivals = Vec::new();
    while arrivals.len() < PACED_MEMBERS {
        arrivals.push(trunk.next_invite(|_| true).await?.at);
    }
    chain.dispatcher.cancel(&alert.id).await?;
    chain.quiet().await?;
    report_pace(database.label, max_cps, &arrivals);
    let mut waits = Vec::new();
    for _ in 0..AFTER_CANCEL_RUNS {
        // Every call slot the last alert reserved is spent: 30 channels at 10 a second.
        tokio::time::sleep(Duration::from_millis(3_500)).await;
        waits.push(after_cancel(&chain, &mut trunk, &first, &second, body()).await?);
    }
    println!(
        "cps {} | first INVITE of an alert sent 0.5 s after one was cancelled: {}",
        database.label,
        Spread::of(&mut waits)
    );
    chain.stop().await?;
    store.close().await;
    fresh.remove().await
}

/// Odd numbers answer after 200 ms and hang up 500 ms later; even ones are busy.
fn paced_phones() -> HashMap<String, PhoneScript> {
    (1..=PACED_MEMBERS)
        .flat_map(|n| [number(470, n), number(471, n)].map(|number| (number, n)))
        .filter(|(_, n)| n % 2 == 0)
        .map(|(number, _)| (number, PhoneScript::refuse(486, Duration::from_millis(200))))
        .collect()
}

fn answer_briefly() -> PhoneScript {
    PhoneScript::answer_after(Duration::from_millis(200)).hang_up_after(Duration::from_millis(500))
}

/// Sends to `first`, cancels it 0.5 s later and at once sends to `second`: the time to the
/// first INVITE of `second`, whose numbers are `+32 471 …`.
async fn after_cancel(
    chain: &Chain,
    trunk: &mut Trunk,
    first: &NetworkId,
    second: &NetworkId,
    body: MessageBody,
) -> Fallible<Duration> {
    let (cancelled, _) = chain
        .dispatcher
        .send(new_alert(&[first], body.clone()))
        .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    chain.dispatcher.cancel(&cancelled.id).await?;
    trunk.forget();
    let start = clock::now();
    let (alert, _) = chain.dispatcher.send(new_alert(&[second], body)).await?;
    let invite = trunk.next_invite(|user| user.starts_with("+32471")).await?;
    chain.watcher.all_pages(&cancelled.id).await?;
    chain.watcher.all_pages(&alert.id).await?;
    chain.dispatcher.cancel(&alert.id).await?;
    chain.quiet().await?;
    Ok(invite.at - start)
}

fn report_pace(database: &str, max_cps: f64, arrivals: &[Instant]) {
    // The INVITEs in the second that starts at each one.
    let windows: Vec<usize> = arrivals
        .iter()
        .map(|from| {
            let end = *from + Duration::from_secs(1);
            arrivals
                .iter()
                .filter(|at| **at >= *from && **at < end)
                .count()
        })
        .collect();
    let busiest = windows.iter().copied().max().unwrap_or(0);
    let over = windows.iter().filter(|n| **n as f64 > max_cps).count();
    let span = match (arrivals.first(), arrivals.last()) {
        (Some(first), Some(last)) => *last - *first,
        _ => Duration::ZERO,
    };
    let mean = (arrivals.len().saturating_sub(1)) as f64 / span.as_secs_f64().max(1e-9);
    let mut gaps: Vec<Duration> = arrivals.windows(2).map(|w| w[1] - w[0]).collect();
    let shortest = gaps.iter().copied().min().unwrap_or_default();
    println!(
        "cps {database} | max_cps {max_cps} | {} INVITEs over {:.3} s",
        arrivals.len(),
        span.as_secs_f64()
    );
    println!("  mean rate {mean:.3} per s; most in any 1 s window {busiest}");
    println!(
        "  1 s windows (one starting at each INVITE) holding more than {max_cps}: {over} of {}",
        windows.len()
    );
    println!(
        "  gap between INVITEs {}; shortest {:.1} ms",
        Spread::of(&mut gaps),
        shortest.as_secs_f64() * 1e3
    );
}

// ---- the chain as `serve` builds it ----

/// `service::start` over a store, running, with its events watched.
struct Chain {
    dispatcher: LiveDispatcher,
    watcher: Watcher,
    running: Running,
}

impl Chain {
    async fn start(config: &Config, store: Store) -> Fallible<Chain> {
        let events = Events::default();
        let watcher = Watcher::start(&events);
        let settings = service::settings(config)?;
        let dispatcher = service::start(config, store, settings, events).await?;
        let running = Running::start(&dispatcher);
        Ok(Chain {
            dispatcher,
            watcher,
            running,
        })
    }

    /// Waits until no call is in progress.
    async fn quiet(&self) -> Fallible<()> {
        let give_up = clock::now() + Duration::from_secs(60);
        while self.dispatcher.calls_in_progress() > 0 {
            if clock::now() > give_up {
                return Err("calls still in progress after a minute".into());
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Ok(())
    }

    async fn stop(self) -> Fallible<()> {
        self.running.stop().await
    }
}

/// A dispatcher's loop on its own task.
struct Running {
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<Result<(), ChainError>>,
}

impl Running {
    fn start<C: Caller, P: ProgramSource>(dispatcher: &Dispatcher<C, P>) -> Running {
        let (shutdown, stopped) = oneshot::channel::<()>();
        let dispatcher = dispatcher.clone();
        let task = tokio::spawn(async move {
            let stop = async {
                let _ = stopped.await;
            };
            dispatcher.run(stop).await
        });
        Running { shutdown, task }
    }

    async fn stop(self) -> Fallible<()> {
        let _ = self.shutdown.send(());
        Ok(self.task.await??)
    }
}

/// When an alert's events were first seen.
#[derive(Debug, Clone, Copy, Default)]
struct Marks {
    first_page: Option<Instant>,
    first_calling: Option<Instant>,
    all_pages: Option<Instant>,
}

/// Notes when each alert's events arrive, on a thread blocked on the event stream, so the
/// times do not wait for a runtime worker.
struct Watcher {
    marks: Arc<Mutex<HashMap<String, Marks>>>,
}

impl Watcher {
    fn start(events: &Events) -> Watcher {
        let marks = Arc::new(Mutex::new(HashMap::<String, Marks>::new()));
        let mut news = events.subscribe();
        let noted = Arc::clone(&marks);
        std::thread::spawn(move || {
            use tokio::sync::broadcast::error::RecvError;
            loop {
                let event = match news.blocking_recv() {
                    Ok(event) => event,
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => break,
                };
                let at = clock::now();
                let mut marks = noted.lock().unwrap_or_else(PoisonError::into_inner);
                note(&mut marks, event, at);
            }
        });
        Watcher { marks }
    }

    /// Waits until every targeted member of `alert` has a delivery.
    async fn all_pages(&self, alert: &AlertId) -> Fallible<Marks> {
        let give_up = clock::now() + Duration::from_secs(120);
        loop {
            let marks = self.marks_of(alert);
            if marks.all_pages.is_some() {
                return Ok(marks);
            }
            if clock::now() > give_up {
                return Err(format!("alert {alert}: deliveries not all written").into());
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    fn marks_of(&self, alert: &AlertId) -> Marks {
        let marks = self.marks.lock().unwrap_or_else(PoisonError::into_inner);
        marks.get(alert.as_str()).copied().unwrap_or_default()
    }
}

fn note(marks: &mut HashMap<String, Marks>, event: ChainEvent, at: Instant) {
    match event {
        ChainEvent::DeliveriesCreated { alert, total } => {
            let mark = marks.entry(alert).or_default();
            mark.first_page.get_or_insert(at);
            if total == MEMBERS as u64 || total == PACED_MEMBERS as u64 {
                mark.all_pages.get_or_insert(at);
            }
        }
        ChainEvent::Calling { alert, .. } => {
            marks
                .entry(alert)
                .or_default()
                .first_calling
                .get_or_insert(at);
        }
        _ => {}
    }
}

/// A configuration for loopback: the trunk at `trunk`, speech cached under `cache`.
fn gateway_config(trunk: SocketAddr, channels: u32, max_cps: f64, cache: &Path) -> Config {
    Config {
        sip: SipConfig {
            bind: loopback(),
            ..SipConfig::default()
        },
        trunk: TrunkConfig {
            proxy: trunk.to_string(),
            domain: "127.0.0.1".to_owned(),
            caller_id: "+3250000000".to_owned(),
            max_channels: channels,
            max_cps,
            ring_timeout: Duration::from_secs(10),
            ..TrunkConfig::default()
        },
        media: MediaConfig {
            rtp_ports: 36_000..=37_999,
            ..MediaConfig::default()
        },
        speech: SpeechConfig {
            cache_dir: Some(cache.to_owned()),
            voices: Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("voices")),
            ..SpeechConfig::default()
        },
        ..Config::default()
    }
}

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

// ---- the trunk ----

/// A new INVITE as the trunk saw it.
#[derive(Debug, Clone)]
struct Invite {
    at: Instant,
    user: String,
}

/// The trunk as the gateway sees it: a UDP socket that notes when each new INVITE (a Call-ID
/// not seen before) arrives and passes every datagram on to the simulated exchange, and the
/// exchange's back to the gateway. Each direction has a thread blocked on its socket.
struct Trunk {
    addr: SocketAddr,
    invites: mpsc::UnboundedReceiver<Invite>,
    stop: Arc<AtomicBool>,
}

impl Trunk {
    fn start(exchange: SocketAddr) -> Fallible<Trunk> {
        let outer = UdpSocket::bind(loopback())?;
        let inner = UdpSocket::bind(loopback())?;
        for socket in [&outer, &inner] {
            socket.set_read_timeout(Some(Duration::from_millis(100)))?;
        }
        let addr = outer.local_addr()?;
        let (tx, invites) = mpsc::unbounded_channel();
        let stop = Arc::new(AtomicBool::new(false));
        let gateway = Arc::new(Mutex::new(None::<SocketAddr>));
        let (outer, inner) = (Arc::new(outer), Arc::new(inner));
        let relay = Relay {
            from: Arc::clone(&outer),
            to: Arc::clone(&inner),
            stop: Arc::clone(&stop),
            gateway: Arc::clone(&gateway),
        };
        std::thread::spawn(move || relay.outward(exchange, tx));
        let relay = Relay {
            from: inner,
            to: outer,
            stop: Arc::clone(&stop),
            gateway,
        };
        std::thread::spawn(move || relay.inward());
        Ok(Trunk {
            addr,
            invites,
            stop,
        })
    }

    fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Forgets the INVITEs that arrived so far.
    fn forget(&mut self) {
        while self.invites.try_recv().is_ok() {}
    }

    /// The next new INVITE to a user that `which` accepts.
    async fn next_invite(&mut self, which: impl Fn(&str) -> bool) -> Fallible<Invite> {
        let give_up = clock::tokio_now() + Duration::from_secs(30);
        loop {
            let invite = tokio::time::timeout_at(give_up, self.invites.recv()).await;
            match invite {
                Ok(Some(invite)) if which(&invite.user) => return Ok(invite),
                Ok(Some(_)) => {}
                Ok(None) => return Err("the trunk stopped".into()),
                Err(_) => return Err("no INVITE within 30 s".into()),
            }
        }
    }
}

impl Drop for Trunk {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// One direction of the trunk.
struct Relay {
    from: Arc<UdpSocket>,
    to: Arc<UdpSocket>,
    stop: Arc<AtomicBool>,
    gateway: Arc<Mutex<Option<SocketAddr>>>,
}

impl Relay {
    /// Gateway to exchange, noting new INVITEs.
    fn outward(self, exchange: SocketAddr, invites: mpsc::UnboundedSender<Invite>) {
        let mut buffer = vec![0u8; 65_535];
        let mut seen = HashSet::new();
        while !self.stop.load(Ordering::SeqCst) {
            let Ok((n, from)) = self.from.recv_from(&mut buffer) else {
                continue;
            };
            let at = clock::now();
            let datagram = &buffer[..n];
            *self.gateway.lock().unwrap_or_else(PoisonError::into_inner) = Some(from);
            if let Some(user) = new_invite(datagram, &mut seen) {
                let _ = invites.send(Invite { at, user });
            }
            let _ = self.to.send_to(datagram, exchange);
        }
    }

    /// Exchange to gateway.
    fn inward(self) {
        let mut buffer = vec![0u8; 65_535];
        while !self.stop.load(Ordering::SeqCst) {
            let Ok((n, _)) = self.from.recv_from(&mut buffer) else {
                continue;
            };
            let gateway = *self.gateway.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(gateway) = gateway {
                let _ = self.to.send_to(&buffer[..n], gateway);
            }
        }
    }
}

/// The dialled user of an INVITE whose Call-ID is new; `None` for anything else.
fn new_invite(datagram: &[u8], seen: &mut HashSet<String>) -> Option<String> {
    if !datagram.starts_with(b"INVITE ") {
        return None;
    }
    let Ok(Message::Request(request)) = parse_datagram(datagram) else {
        return None;
    };
    let call_id = request.headers.call_id().ok()?.to_owned();
    if !seen.insert(call_id) {
        return None; // a retransmission
    }
    let user = request
        .uri
        .as_sip()
        .and_then(|uri| uri.user())
        .unwrap_or("");
    Some(user.to_owned())
}

// ---- databases and fictional members ----

/// SQLite always; PostgreSQL when `BUURTBEL_TEST_POSTGRES` names a server.
struct Database {
    label: &'static str,
    postgres: Option<String>,
}

/// A database of its own for one benchmark.
struct Fresh {
    url: String,
    _folder: Option<tempfile::TempDir>,
    schema: Option<(String, String)>,
}

impl Database {
    fn configured() -> Vec<Database> {
        let mut databases = vec![Database {
            label: "SQLite",
            postgres: None,
        }];
        if let Ok(base) = std::env::var("BUURTBEL_TEST_POSTGRES") {
            databases.push(Database {
                label: "PostgreSQL",
                postgres: Some(base),
            });
        }
        databases
    }

    /// A SQLite file in a new temporary folder, or a new PostgreSQL schema.
    async fn fresh(&self) -> Fallible<Fresh> {
        let Some(base) = &self.postgres else {
            let folder = tempfile::tempdir()?;
            let url = format!("sqlite:{}", folder.path().join("buurtbel.db").display());
            return Ok(Fresh {
                url,
                _folder: Some(folder),
                schema: None,
            });
        };
        let schema = format!("buurtbel_bench_{:016x}", rand::random::<u64>());
        admin(base, &format!("CREATE SCHEMA {schema}")).await?;
        let separator = if base.contains('?') { '&' } else { '?' };
        Ok(Fresh {
            url: format!("{base}{separator}options=-c%20search_path%3D{schema}"),
            _folder: None,
            schema: Some((base.clone(), schema)),
        })
    }
}

impl Fresh {
    async fn remove(self) -> Fallible<()> {
        if let Some((base, schema)) = &self.schema {
            admin(base, &format!("DROP SCHEMA {schema} CASCADE")).await?;
        }
        Ok(())
    }
}

async fn admin(url: &str, sql: &str) -> Fallible<()> {
    use sqlx::{Connection, Executor};
    let mut connection = sqlx::PgConnection::connect(url).await?;
    connection.execute(sql).await?;
    connection.close().await?;
    Ok(())
}

/// A network of `members` fictional members, numbered `+32 <prefix> 00 00 01` onwards.
async fn neighbourhood(
    store: &Store,
    name: &str,
    prefix: u32,
    members: usize,
) -> Fallible<NetworkId> {
    let now = epoch_ms();
    let network = NewNetwork {
        name: name.into(),
        kind: NetworkKind::Residential,
        police_zone: "Zone Voorbeeld".into(),
        language: "nl".into(),
        caller_id: "+3250000000".into(),
        ring_timeout_ms: None,
        retry_policy: None,
    };
    let network = store.create_network(network, now).await?;
    let members = (1..=members).map(|n| member(prefix, n)).collect();
    store.import_members(&network.id, members, now).await?;
    Ok(network.id)
}

fn member(prefix: u32, n: usize) -> NewMember {
    NewMember {
        external_id: None,
        name: format!("Lid {prefix}-{n:05}"),
        language: "nl".into(),
        contact_points: vec![ContactPoint {
            kind: ContactKind::Mobile,
            number: number(prefix, n),
        }],
        channel: Channel::Voice,
        quiet_hours: None,
        speech_rate: 1.0,
        status: MemberStatus::Active,
        consent_at: None,
    }
}

fn number(prefix: u32, n: usize) -> String {
    format!("+32{prefix}{n:06}")
}

fn new_alert(networks: &[&NetworkId], body: MessageBody) -> NewAlert {
    NewAlert {
        kind: AlertKind::Urgent,
        activation_of: None,
        created_by: "bench".into(),
        networks: networks.iter().map(|id| (*id).clone()).collect(),
        messages: vec![AlertMessage {
            language: "nl".into(),
            body,
        }],
        expires_at: None,
        drill: true,
        idempotency_key: None,
    }
}

// ---- figures ----

/// Percentiles (nearest rank) of a set of durations, printed in milliseconds.
struct Spread {
    n: usize,
    p50: Duration,
    p95: Duration,
    p99: Duration,
    max: Duration,
}

impl Spread {
    fn of(values: &mut [Duration]) -> Spread {
        values.sort();
        let rank = |q: f64| {
            let index = ((q * values.len() as f64).ceil() as usize).max(1) - 1;
            values.get(index).copied().unwrap_or_default()
        };
        Spread {
            n: values.len(),
            p50: rank(0.50),
            p95: rank(0.95),
            p99: rank(0.99),
            max: values.last().copied().unwrap_or_default(),
        }
    }
}

impl std::fmt::Display for Spread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        write!(
            f,
            "p50 {:7.1}  p95 {:7.1}  p99 {:7.1}  max {:7.1} ms  (n {})",
            ms(self.p50),
            ms(self.p95),
            ms(self.p99),
            ms(self.max),
            self.n
        )
    }
}
