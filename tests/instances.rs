//! Several gateways on one database, as real `buurtbel serve` processes with simulated
//! phones on loopback.
//!
//! On PostgreSQL, two gateways share one alert to 200 members (ten households share a
//! landline), a third joins in the middle and interrupts nothing, and one of the first two
//! is killed with SIGKILL while it has calls on the line: the others take over its calls
//! once its lease has expired and finish the alert. Checked at the phones: no member has two
//! calls at once, nobody is called again after confirming, the trunk's `max_cps` and
//! `max_channels` hold across the gateways. Checked in the database: every member ends
//! settled, and only the killed gateway's calls ended `interrupted`.
//!
//! On SQLite, one gateway serves a file: a second is refused with a message naming the
//! holder; once the holder's lease has expired (it is frozen with SIGSTOP, as a paused
//! machine would be) the second starts and serves the next alert, and the first, woken,
//! finds its lease gone and stops without calling anyone.
//!
//! Each gateway binds its own loopback address (127.0.0.11, .12, .13), so the phones know
//! who placed each call. Nothing asserts on timing; every wait is a deadline that fails with
//! the servers' logs. Names and numbers are fictional (`+32 50 00 0n nn`).

#[path = "common/backends.rs"]
mod backends;
#[path = "common/serve.rs"]
mod serve;

use backends::{admin, on_postgres};
use buurtbel::sim::{Exchange, PhoneScript, PressMethod, SimCall, SimInvite};
use buurtbel::store::{AlertId, AlertState, DeliveryState, MemberId, Store};
use buurtbel::telephony::clock;
use buurtbel::time::Instant;
use serve::{Deadline, Server, buurtbel, write_prompts};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

const NETWORK: &str = "BIN Proefdorp";
/// Calls on the line at once, for all gateways together.
const CHANNELS: u32 = 12;
/// New calls per second, for all gateways together.
const CPS: u32 = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn gateways_share_an_alert_and_finish_a_killed_ones_calls() {
    on_postgres(share_and_take_over).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_gateway_cut_off_from_the_database_ends_its_calls_and_stops() {
    on_postgres(lose_the_lease).await;
}

/// gw-a and gw-b share an alert; gw-a is cut off from the database (its role may no longer
/// log in and its sessions are ended, as a network cut would). gw-a must stop starting calls,
/// end every call before its lease can run out, and exit with an error; gw-b takes over what
/// it left once the lease has expired, and no member has two calls at once.
async fn lose_the_lease(database: String) {
    let folder = tempfile::TempDir::with_prefix("buurtbel-fenced-").expect("temp dir");
    let dir = folder.path();
    let town = Town::new(40, 0);
    let exchange = town.exchange().await;
    let gateways = gateways();
    let role = format!("buurtbel_gw_a_{:08x}", rand::random::<u32>());
    let cut_off = database.replacen("postgres@", &format!("{role}@"), 1);
    assert_ne!(cut_off, database, "the test URL names the user postgres");
    admin(&database, &format!("CREATE ROLE {role} LOGIN SUPERUSER")).await;
    let configs = [
        write_config(dir, exchange.addr(), &cut_off, &gateways[0]),
        write_config(dir, exchange.addr(), &database, &gateways[1]),
    ];
    let phones = Phones::listen(exchange);
    town.import(dir, &configs[1]);
    let alert = send_alert(dir, &configs[1], town.members.len());
    let store = Store::open(&database).await.expect("open the database");

    let mut a = Server::start(dir, &configs[0], "gw-a");
    let mut b = Server::start(dir, &configs[1], "gw-b");
    wait_for(
        &store,
        &alert,
        &mut [&mut a, &mut b],
        "gw-a calling 3 members",
        |s| s.open_of("gw-a") >= 3,
    )
    .await;
    admin(&database, &format!("ALTER ROLE {role} NOLOGIN")).await;
    admin(
        &database,
        &format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'"),
    )
    .await;
    let cut = clock::now();
    let status = a.wait_for_exit("being cut off from the database").await;
    let stopped = clock::now();
    assert!(
        !status.success(),
        "gw-a went on without its lease\n{}",
        a.log()
    );
    assert!(a.whole_log().contains("ending every call"), "{}", a.log());
    let state = wait_for(&store, &alert, &mut [&mut b], "the alert to finish", |s| {
        s.state != AlertState::Sending
    })
    .await
    .state;
    let status = b.stop().await;
    assert!(status.success(), "{status}\n{}", b.log());
    admin(&database, &format!("DROP ROLE {role}")).await;

    let calls = phones.calls();
    for call in calls
        .iter()
        .filter(|c| c.invite.caller.ip() == gateways[0].ip)
    {
        let ended = call.call.as_ref().and_then(|c| c.ended_at);
        assert!(
            ended.is_some_and(|at| at <= stopped),
            "gw-a's call {} was still up when it stopped",
            call.invite.call_id
        );
    }
    let report = Report::read(&store, &alert, &town).await;
    assert_eq!(state, AlertState::Completed, "{}", report.table);
    report.check_everyone_settled(&town);
    let ends = Ends {
        deaths: HashMap::new(),
        now: clock::now(),
    };
    check_one_call_per_member_at_a_time(&calls, &town, &ends);
    let from_a = |c: &PhoneCall| c.invite.caller.ip() == gateways[0].ip;
    let after_the_cut = |c: &PhoneCall| {
        from_a(c)
            && c.call
                .as_ref()
                .and_then(|c| c.ended_at)
                .is_some_and(|at| at >= cut)
    };
    check_nobody_confirmed_is_called_again(&calls, &town, &report, &after_the_cut);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_gateway_serves_a_sqlite_file_until_its_lease_expires() {
    let folder = tempfile::TempDir::with_prefix("buurtbel-sqlite-").expect("temp dir");
    let dir = folder.path();
    let database = format!("sqlite:{}", dir.join("buurtbel.db").display());
    let town = Town::new(20, 0);
    let exchange = town.exchange().await;
    let gateways = gateways();
    let configs: Vec<PathBuf> = gateways[..2]
        .iter()
        .map(|g| write_config(dir, exchange.addr(), &database, g))
        .collect();
    let phones = Phones::listen(exchange);
    town.import(dir, &configs[0]);
    let first_alert = send_alert(dir, &configs[0], town.members.len());
    let store = Store::open(&database).await.expect("open the database");

    // gw-a serves the file; gw-b, started while gw-a calls, is refused and names it.
    let mut a = Server::start(dir, &configs[0], "gw-a");
    wait_for(&store, &first_alert, &mut [&mut a], "gw-a calling", |s| {
        s.open_of("gw-a") >= 1
    })
    .await;
    let mut refused = Server::start(dir, &configs[1], "gw-b-refused");
    let status = refused.wait_for_exit("starting beside gw-a").await;
    let log = refused.whole_log();
    assert!(!status.success(), "a second gateway served the file\n{log}");
    assert!(
        log.contains("instance `gw-a`") && log.contains(&format!("pid {}", a.pid())),
        "the refusal does not name the holder\n{log}"
    );
    wait_for(
        &store,
        &first_alert,
        &mut [&mut a],
        "the first alert",
        |s| s.state != AlertState::Sending,
    )
    .await;

    // gw-a freezes (a paused machine): once its lease has expired, gw-b starts.
    a.freeze();
    let deadline = Deadline::new(Duration::from_secs(60), "gw-a's lease to expire".into());
    while store
        .instances()
        .await
        .expect("read")
        .iter()
        .any(|i| i.id == "gw-a" && i.is_live())
    {
        deadline.wait(&mut a).await;
    }
    let mut b = Server::start(dir, &configs[1], "gw-b");
    let second_alert = send_alert(dir, &configs[1], town.members.len());
    wait_for(&store, &second_alert, &mut [&mut b], "gw-b calling", |s| {
        s.open_of("gw-b") >= 1
    })
    .await;

    // gw-a wakes: it finds its lease gone, places no call and stops with an error.
    let thawed = clock::now();
    a.thaw();
    let status = a.wait_for_exit("waking with an expired lease").await;
    assert!(
        !status.success(),
        "gw-a went on without a lease\n{}",
        a.log()
    );
    assert!(a.whole_log().contains("lease"), "{}", a.log());
    let state = wait_for(
        &store,
        &second_alert,
        &mut [&mut b],
        "the second alert",
        |s| s.state != AlertState::Sending,
    )
    .await
    .state;
    assert_eq!(state, AlertState::Completed);
    let status = b.stop().await;
    assert!(status.success(), "{status}\n{}", b.log());
    let late = phones
        .calls()
        .into_iter()
        .filter(|c| c.invite.caller.ip() == gateways[0].ip && c.invite.at >= thawed)
        .count();
    assert_eq!(late, 0, "gw-a placed calls after its lease expired");
    let report = Report::read(&store, &second_alert, &town).await;
    report.check_everyone_settled(&town);
    store.close().await;
}

/// What a member's phone does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phone {
    /// Answers within a second and presses 1 after the message.
    Confirms,
    /// Rings until the trunk's ring timeout.
    NeverAnswers,
    /// Busy every time.
    Busy,
}

/// The members: `households` pairs share a landline, the others have one of their own.
struct Town {
    /// Name, number, phone.
    members: Vec<(String, String, Phone)>,
}

impl Town {
    fn new(members: usize, households: usize) -> Town {
        let members = (1..=members)
            .map(|n| {
                // Members 1 and 2 share a number, 3 and 4, and so on.
                let line = if n <= 2 * households {
                    n.div_ceil(2)
                } else {
                    n
                };
                let phone = match line % 10 {
                    3 => Phone::NeverAnswers,
                    7 => Phone::Busy,
                    _ => Phone::Confirms,
                };
                (
                    format!("Proefbewoner {n:03}"),
                    format!("+32500{line:05}"),
                    phone,
                )
            })
            .collect();
        Town { members }
    }

    fn scripts(&self) -> HashMap<String, PhoneScript> {
        self.members
            .iter()
            .enumerate()
            .map(|(i, (_, number, phone))| {
                let i = i as u64;
                let script = match phone {
                    Phone::Confirms => {
                        PhoneScript::answer_after(Duration::from_millis(300 + 100 * (i % 5))).press(
                            Duration::from_millis(2_000 + 200 * (i % 4)),
                            '1',
                            PressMethod::Rfc4733,
                        )
                    }
                    Phone::NeverAnswers => PhoneScript::never_answer(),
                    Phone::Busy => PhoneScript::refuse(486, Duration::from_millis(300)),
                };
                (number.clone(), script)
            })
            .collect()
    }

    fn csv(&self) -> String {
        let mut csv = String::from("member_id,name,phone,language,channel\n");
        for (i, (name, number, _)) in self.members.iter().enumerate() {
            writeln!(csv, "m{i:03},{name},{number},nl,voice").expect("csv");
        }
        csv
    }

    /// Their phones on a simulated exchange on loopback.
    async fn exchange(&self) -> Exchange {
        Exchange::start(
            "127.0.0.1:0".parse().expect("address"),
            self.scripts(),
            PhoneScript::refuse(404, Duration::ZERO),
        )
        .await
        .expect("simulated exchange")
    }

    /// Imports them with `buurtbel members import`.
    fn import(&self, dir: &Path, config: &Path) {
        let members = dir.join("members.csv");
        std::fs::write(&members, self.csv()).expect("member file");
        let import = ["members", "import", "--network", NETWORK, "--create"];
        buurtbel(dir, config, &import, &[members.as_os_str()]);
    }

    fn numbers(&self) -> HashSet<&str> {
        self.members.iter().map(|(_, n, _)| n.as_str()).collect()
    }
}

/// One gateway's configuration.
struct Gateway {
    name: &'static str,
    ip: IpAddr,
    rtp: (u16, u16),
}

fn gateways() -> [Gateway; 3] {
    let base = 20_000 + 2 * rand::random_range(0..6_000u16);
    let at = |last: u8, offset: u16| Gateway {
        name: ["gw-a", "gw-b", "gw-c"][usize::from(last - 11)],
        ip: IpAddr::from([127, 0, 0, last]),
        rtp: (base + offset, base + offset + 199),
    };
    [at(11, 0), at(12, 200), at(13, 400)]
}

/// Writes the configuration of `gateway` on `database`; its path.
fn write_config(dir: &Path, exchange: SocketAddr, database: &str, gateway: &Gateway) -> PathBuf {
    let text = format!(
        "[sip]\nbind = \"{ip}:0\"\n\n\
         [trunk]\nproxy = \"{exchange}\"\ndomain = \"sim.invalid\"\n\
         caller_id = \"+3250999999\"\nmax_channels = {CHANNELS}\nmax_cps = {CPS}\n\
         ring_timeout = \"3s\"\n\n\
         [media]\nrtp_ports = \"{low}-{high}\"\nmenu_rounds = 2\nkey_wait = \"2s\"\n\
         machine_detection = false\n\n\
         [speech]\ncache_dir = \"{cache}\"\nvoices = \"{voices}\"\n\n\
         [database]\nurl = \"{database}\"\n\n\
         [api]\nlisten = \"127.0.0.1:0\"\n\n\
         [instance]\nname = \"{name}\"\n\n\
         [chain]\ncallback_number = \"+3250999999\"\n\n\
         [chain.retry.busy]\nafter = \"2s\"\nretries = 1\n\n\
         [chain.retry.no_answer]\nafter = \"2s\"\nretries = 1\n\n\
         [chain.retry.failed]\nafter = \"2s\"\nretries = 2\n",
        ip = gateway.ip,
        low = gateway.rtp.0,
        high = gateway.rtp.1,
        name = gateway.name,
        cache = dir.join("speech").display(),
        voices = dir.join("voices").display(),
    );
    let path = dir.join(format!("{}.toml", gateway.name));
    std::fs::write(&path, text).expect("write the configuration");
    write_prompts(&dir.join("voices"));
    path
}

/// The phones' side: every call as it arrived, and each as it ended.
struct Phones {
    invites: Arc<Mutex<Vec<SimInvite>>>,
    ended: Arc<Mutex<HashMap<String, SimCall>>>,
}

impl Phones {
    fn listen(mut exchange: Exchange) -> Phones {
        let invites = exchange.invite_log();
        let ended: Arc<Mutex<HashMap<String, SimCall>>> = Arc::default();
        let kept = Arc::clone(&ended);
        tokio::spawn(async move {
            while let Some(call) = exchange.next_call().await {
                lock(&kept).insert(call.call_id.clone(), call);
            }
        });
        Phones { invites, ended }
    }

    /// Every call: when it arrived, from which gateway, its end (if it ended) and the call.
    fn calls(&self) -> Vec<PhoneCall> {
        let ended = lock(&self.ended).clone();
        lock(&self.invites)
            .iter()
            .map(|invite| PhoneCall {
                invite: invite.clone(),
                call: ended.get(&invite.call_id).cloned(),
            })
            .collect()
    }
}

#[derive(Debug, Clone)]
struct PhoneCall {
    invite: SimInvite,
    call: Option<SimCall>,
}

impl PhoneCall {
    /// When it ended at the phone. A call of a gateway that died never ends, and counts as
    /// ended at its death; one still up when the test looks counts as ending at `now`.
    fn end(&self, deaths: &HashMap<IpAddr, Instant>, now: Instant) -> Instant {
        let death = deaths.get(&self.invite.caller.ip()).copied();
        let ended = self.call.as_ref().and_then(|c| c.ended_at);
        match (ended, death) {
            (Some(ended), Some(death)) => ended.min(death),
            (Some(ended), None) => ended,
            (None, Some(death)) => death,
            (None, None) => now,
        }
    }

    fn confirmed(&self) -> bool {
        self.call
            .as_ref()
            .is_some_and(|c| c.final_status == 200 && c.pressed.contains(&'1'))
    }
}

/// How the test dates the end of calls that did not end at the phone.
struct Ends {
    deaths: HashMap<IpAddr, Instant>,
    now: Instant,
}

impl Ends {
    fn of(&self, call: &PhoneCall) -> Instant {
        call.end(&self.deaths, self.now)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn share_and_take_over(database: String) {
    let folder = tempfile::TempDir::with_prefix("buurtbel-instances-").expect("temp dir");
    let dir = folder.path();
    let town = Town::new(200, 10);
    let exchange = town.exchange().await;
    let gateways = gateways();
    let configs: Vec<PathBuf> = gateways
        .iter()
        .map(|g| write_config(dir, exchange.addr(), &database, g))
        .collect();
    let phones = Phones::listen(exchange);
    town.import(dir, &configs[0]);
    let alert = send_alert(dir, &configs[0], town.members.len());
    let store = Store::open(&database).await.expect("open the database");

    let mut a = Server::start(dir, &configs[0], gateways[0].name);
    let mut b = Server::start(dir, &configs[1], gateways[1].name);
    wait_for(
        &store,
        &alert,
        &mut [&mut a, &mut b],
        "30 acknowledgements",
        |s| s.acks >= 30,
    )
    .await;
    let mut c = Server::start(dir, &configs[2], gateways[2].name);
    wait_for(
        &store,
        &alert,
        &mut [&mut c, &mut a, &mut b],
        "gw-c to register",
        |s| s.open.contains_key("gw-c"),
    )
    .await;
    check_status_shows_the_gateways(dir, &configs[1], &alert);
    wait_for(
        &store,
        &alert,
        &mut [&mut a, &mut b, &mut c],
        "60 acknowledgements and gw-a calling 2 members",
        |s| s.acks >= 60 && s.open_of("gw-a") >= 2,
    )
    .await;
    a.kill();
    let death = clock::now();
    let killed_at = store.database_now().await.expect("the database's clock");
    let state = wait_for(
        &store,
        &alert,
        &mut [&mut b, &mut c],
        "the alert to finish",
        |s| s.state != AlertState::Sending,
    )
    .await
    .state;
    for server in [&mut b, &mut c] {
        let status = server.stop().await;
        assert!(status.success(), "{status}\n{}", server.log());
        assert!(
            !server.whole_log().contains("cannot listen"),
            "a gateway polled instead of listening\n{}",
            server.log()
        );
    }

    let deaths = HashMap::from([(gateways[0].ip, death)]);
    let calls = phones.calls();
    let ends = Ends {
        deaths,
        now: clock::now(),
    };
    let report = Report::read(&store, &alert, &town).await;
    eprintln!(
        "{} calls at the phones; gw-a killed with {} calls open; taken over {} ms after the kill",
        calls.len(),
        report.interrupted.len(),
        report.taken_over_at.map_or(-1, |t| t - killed_at)
    );
    assert_eq!(state, AlertState::Completed, "{}", report.table);
    report.check_everyone_settled(&town);
    report.check_only_the_killed_gateway_was_interrupted();
    check_one_call_per_member_at_a_time(&calls, &town, &ends);
    check_nobody_confirmed_is_called_again(&calls, &town, &report, &|_| false);
    check_trunk_limits(&calls, &ends);
    store.close().await;
}

/// `buurtbel status --json` lists the gateways with live leases and the alert sending.
fn check_status_shows_the_gateways(dir: &Path, config: &Path, alert: &AlertId) {
    let out = buurtbel(dir, config, &["status", "--json"], &[]);
    let status: serde_json::Value = serde_json::from_str(&out).expect("status --json");
    let live: Vec<&str> = status["instances"]
        .as_array()
        .expect("instances")
        .iter()
        .filter(|i| i["live"] == true)
        .filter_map(|i| i["id"].as_str())
        .collect();
    assert_eq!(live, ["gw-a", "gw-b", "gw-c"], "{out}");
    assert_eq!(status["alerts_sending"][0]["id"], alert.as_str(), "{out}");
}

/// Sends the urgent alert; its id.
fn send_alert(dir: &Path, config: &Path, members: usize) -> AlertId {
    let args = ["alert", "send", "--network", NETWORK, "--kind", "urgent"];
    let text = ["--text-nl".as_ref(), "Dit is een test.".as_ref()];
    let out = buurtbel(dir, config, &args, &text);
    let words: Vec<&str> = out.split_whitespace().collect();
    assert!(
        words.first() == Some(&"alert") && out.contains(&format!("sending to {members} members")),
        "unexpected output of alert send: {out}"
    );
    AlertId::from(words[1])
}

/// How the alert stands, as the test polls it.
struct Standing {
    state: AlertState,
    acks: usize,
    /// Open attempts by instance.
    open: HashMap<String, i64>,
}

impl Standing {
    fn open_of(&self, instance: &str) -> i64 {
        self.open.get(instance).copied().unwrap_or(0)
    }
}

async fn standing(store: &Store, alert: &AlertId) -> Standing {
    let state = store
        .alert(alert)
        .await
        .expect("read")
        .expect("alert")
        .state;
    let acks = store.acknowledgements(alert).await.expect("read").len();
    let open = store
        .instances()
        .await
        .expect("read")
        .into_iter()
        .map(|i| (i.id, i.open_attempts))
        .collect();
    Standing { state, acks, open }
}

/// Until `done` holds; fails with the logs of `servers` when the deadline passes or one
/// exits.
async fn wait_for(
    store: &Store,
    alert: &AlertId,
    servers: &mut [&mut Server],
    what: &str,
    done: impl Fn(&Standing) -> bool,
) -> Standing {
    let deadline = Deadline::new(Duration::from_secs(240), what.to_owned());
    loop {
        let now = standing(store, alert).await;
        if done(&now) {
            return now;
        }
        let (first, others) = servers.split_first_mut().expect("a server");
        for other in others.iter_mut() {
            if let Some(status) = other.exited() {
                panic!(
                    "a server exited ({status}) waiting for {what}\n{}",
                    other.log()
                );
            }
        }
        deadline.wait(first).await;
    }
}

/// The alert as stored at the end.
struct Report {
    /// Member name → (state, acknowledged, attempts started at, epoch ms).
    deliveries: BTreeMap<String, (DeliveryState, bool)>,
    /// Acknowledgement time by member name.
    acknowledged_at: HashMap<String, i64>,
    /// When each of a member's attempts began, by member name.
    attempts_started: HashMap<String, Vec<i64>>,
    /// The instances whose attempts ended `interrupted`, and when (epoch ms).
    interrupted: Vec<(String, i64)>,
    /// When the first interrupted attempt was finished.
    taken_over_at: Option<i64>,
    table: String,
}

impl Report {
    async fn read(store: &Store, alert: &AlertId, town: &Town) -> Report {
        let names: HashMap<MemberId, String> = {
            let network = store
                .network_by_name(NETWORK)
                .await
                .expect("read")
                .expect("network");
            store
                .members(&network.id)
                .await
                .expect("read")
                .into_iter()
                .map(|m| (m.id, m.name))
                .collect()
        };
        assert_eq!(names.len(), town.members.len(), "every member imported");
        let acks = store.acknowledgements(alert).await.expect("read");
        let acknowledged_at: HashMap<String, i64> = acks
            .iter()
            .map(|a| (names[&a.member_id].clone(), a.acknowledged_at))
            .collect();
        let mut deliveries = BTreeMap::new();
        let mut attempts_started: HashMap<String, Vec<i64>> = HashMap::new();
        let mut table = String::from("--- deliveries at the end\n");
        for line in store.deliveries(alert).await.expect("read") {
            let d = line.delivery;
            let name = names[&d.member_id].clone();
            let _ = write!(table, "{name}: {} |", d.state);
            for a in store.attempts(&d.id).await.expect("read") {
                let outcome = a.result.as_ref().map_or("(open)", |r| r.outcome.as_str());
                let _ = write!(table, " {}:{outcome}", a.seq);
                attempts_started
                    .entry(name.clone())
                    .or_default()
                    .push(a.started_at);
            }
            table.push('\n');
            assert_eq!(d.next_try_at, None, "{name} has a try left\n{table}");
            let acked = acknowledged_at.contains_key(&name);
            deliveries.insert(name, (d.state, acked));
        }
        let rows: Vec<(Option<String>, i64)> = sqlx::query_as(
            "SELECT instance_id, ended_at FROM attempts WHERE outcome = 'interrupted' \
             ORDER BY ended_at",
        )
        .fetch_all(store.pool())
        .await
        .expect("read the interrupted attempts");
        let interrupted: Vec<(String, i64)> = rows
            .into_iter()
            .map(|(instance, at)| (instance.unwrap_or_default(), at))
            .collect();
        let taken_over_at = interrupted.first().map(|(_, at)| *at);
        Report {
            deliveries,
            acknowledged_at,
            attempts_started,
            interrupted,
            taken_over_at,
            table,
        }
    }

    /// One delivery per member, settled as the phone behaves; acknowledged exactly when an
    /// acknowledgement is stored.
    fn check_everyone_settled(&self, town: &Town) {
        let table = &self.table;
        assert_eq!(self.deliveries.len(), town.members.len(), "{table}");
        for (name, _, phone) in &town.members {
            let (state, acked) = self.deliveries[name];
            assert_eq!(state.is_acknowledged(), acked, "{name}\n{table}");
            let expected: &[DeliveryState] = match phone {
                Phone::Confirms => &[DeliveryState::Acknowledged],
                // The interrupted call of a member who never answers or is busy may be the
                // last one the retry rules allow.
                Phone::NeverAnswers => &[DeliveryState::NoAnswer, DeliveryState::Failed],
                Phone::Busy => &[DeliveryState::Busy, DeliveryState::Failed],
            };
            assert!(expected.contains(&state), "{name}: {state}\n{table}");
        }
    }

    /// The kill interrupted some of gw-a's calls; nothing of the live gateways was
    /// interrupted (the third, started mid-alert, took nothing from the others).
    fn check_only_the_killed_gateway_was_interrupted(&self) {
        assert!(
            !self.interrupted.is_empty(),
            "the kill interrupted no call\n{}",
            self.table
        );
        for (instance, _) in &self.interrupted {
            assert_eq!(instance, "gw-a", "{}", self.table);
        }
    }
}

/// The members a number reaches.
fn members_of<'t>(town: &'t Town, number: &str) -> Vec<&'t str> {
    town.members
        .iter()
        .filter(|(_, n, _)| n == number)
        .map(|(name, _, _)| name.as_str())
        .collect()
}

/// At the phones, no member's calls overlap: a number is rung once at a time, and a member
/// is never on two calls at once.
fn check_one_call_per_member_at_a_time(calls: &[PhoneCall], town: &Town, ends: &Ends) {
    let numbers = town.numbers();
    let mut by_member: HashMap<&str, Vec<(Instant, Instant, &PhoneCall)>> = HashMap::new();
    for call in calls {
        assert!(
            numbers.contains(call.invite.user.as_str()),
            "a call to {}, nobody's number",
            call.invite.user
        );
        for member in members_of(town, &call.invite.user) {
            by_member
                .entry(member)
                .or_default()
                .push((call.invite.at, ends.of(call), call));
        }
    }
    for (member, mut spans) in by_member {
        spans.sort_by_key(|(start, _, _)| *start);
        for pair in spans.windows(2) {
            let (_, first_end, first) = pair[0];
            let (second_start, _, second) = pair[1];
            assert!(
                second_start >= first_end,
                "{member} had two calls at once: {} from {} and {} from {}",
                first.invite.call_id,
                first.invite.caller,
                second.invite.call_id,
                second.invite.caller
            );
        }
    }
}

/// Nobody is called again after confirming. In the database: no attempt of an acknowledged
/// member began after the acknowledgement. At the phones: after a confirmed call to a number
/// (a household's too: its members are served by one call together), no call reaches that
/// number again, and every confirmed call is stored as an acknowledgement of the members on
/// that number.
///
/// A confirmation the gateway could not record (`unrecorded`: it was cut off from the
/// database by then) is not one: that member is rightly called again.
fn check_nobody_confirmed_is_called_again(
    calls: &[PhoneCall],
    town: &Town,
    report: &Report,
    unrecorded: &dyn Fn(&PhoneCall) -> bool,
) {
    for (member, attempts) in &report.attempts_started {
        if let Some(acknowledged) = report.acknowledged_at.get(member) {
            for started in attempts {
                assert!(
                    started <= acknowledged,
                    "{member} was called again after confirming\n{}",
                    report.table
                );
            }
        }
    }
    let mut ordered: Vec<&PhoneCall> = calls.iter().collect();
    ordered.sort_by_key(|c| c.invite.at);
    let mut confirmed_until: HashMap<&str, Instant> = HashMap::new();
    for call in ordered {
        let number = call.invite.user.as_str();
        if let Some(ended) = confirmed_until.get(number) {
            assert!(
                call.invite.at < *ended,
                "{number} confirmed and was called again ({})\n{}",
                call.invite.call_id,
                report.table
            );
        }
        if call.confirmed() && !unrecorded(call) {
            let ended = call.call.as_ref().and_then(|c| c.ended_at).expect("ended");
            confirmed_until.entry(number).or_insert(ended);
            for member in members_of(town, number) {
                assert!(
                    report.acknowledged_at.contains_key(member),
                    "{member} pressed 1 in a call that ended, but no acknowledgement is stored"
                );
            }
        }
    }
}

/// At most `CPS` INVITEs reached the phones in any one second, and at most `CHANNELS` calls
/// were up at once, all gateways together.
fn check_trunk_limits(calls: &[PhoneCall], ends: &Ends) {
    let mut arrivals: Vec<&SimInvite> = calls.iter().map(|c| &c.invite).collect();
    arrivals.sort_by_key(|i| i.at);
    let (mut busiest, mut window) = (0, String::new());
    for (i, start) in arrivals.iter().enumerate() {
        let within: Vec<&&SimInvite> = arrivals[i..]
            .iter()
            .take_while(|s| s.at.duration_since(start.at) < Duration::from_secs(1))
            .collect();
        if within.len() > busiest {
            busiest = within.len();
            window = within
                .iter()
                .map(|s| {
                    let ms = s.at.duration_since(start.at).as_millis();
                    format!("+{ms} ms {} from {} ({})", s.user, s.caller, s.call_id)
                })
                .collect::<Vec<_>>()
                .join("\n");
        }
    }
    let mut edges: Vec<(Instant, i32)> = calls
        .iter()
        .flat_map(|c| [(c.invite.at, 1), (ends.of(c), -1)])
        .collect();
    edges.sort();
    let (mut up, mut most) = (0, 0);
    for (_, step) in edges {
        up += step;
        most = most.max(up);
    }
    eprintln!("at the phones: at most {busiest} INVITEs in a second, {most} calls at once");
    assert!(
        busiest <= CPS as usize,
        "{busiest} INVITEs within one second:\n{window}"
    );
    assert!(most <= CHANNELS as i32, "{most} calls at once");
}
