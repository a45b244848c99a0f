//! Crash safety end to end: the real `buurtbel serve` is killed with SIGKILL in the middle of
//! an urgent alert, started again on the same database, and must finish the alert as if
//! nothing had happened. The calls the kill cut short end as `interrupted` attempts and are
//! retried as the retry rules say; no acknowledgement is lost, doubled or rewritten; nobody
//! who had confirmed is called again; every member ends settled.
//!
//! The phones are the simulated exchange of `buurtbel::sim`, in this test process on
//! loopback, so they outlive the server as a real network would: a call that was up at the
//! kill stays up on the phone's side (nobody sends it a BYE). Such a phone keeps sending RTP
//! to the dead server's port. A server hands out its ports from a random starting point, which
//! makes landing on such a port unlikely but not impossible, so the restarted server here gets
//! an RTP port range of its own: the test is about the chain, not about stray media (see
//! `rtp_ranges`).
//!
//! Runs on SQLite always, and on PostgreSQL too when `BUURTBEL_TEST_POSTGRES` holds a URL, in
//! a fresh schema dropped afterwards. Nothing asserts on timing: each wait is a generous
//! deadline that fails with the server's log. Names and numbers are fictional
//! (`+32 50 00 00 nn`, `+32 470 00 00 nn`).

#[path = "common/backends.rs"]
mod backends;
#[path = "common/serve.rs"]
mod serve;

use backends::each_backend;
use buurtbel::policy::{self, AttemptOutcome, Decision, Progress, RetryPolicy, Rule};
use buurtbel::sim::{Exchange, PhoneScript, PressMethod, SimCall};
use buurtbel::store::{
    Acknowledgement, AlertId, AlertState, Attempt, Delivery, DeliveryId, DeliveryState, InFlight,
    MemberId, Store,
};
use buurtbel::telephony::clock;
use buurtbel::time::Instant;
use serve::{Deadline, Server, UNTIL_EXIT, buurtbel, write_prompts};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

const NETWORK: &str = "BIN Proefwijk";
const MEMBERS: usize = 20;
/// Calls at once: few, so the alert is still running when the acknowledgements come in.
const CHANNELS: u32 = 5;
/// Every retry rule waits this long, so the test ends soon.
const RETRY_AFTER: Duration = Duration::from_secs(2);
/// Acknowledged members before the kill.
const ACKS_BEFORE_KILL: usize = 4;
/// Calls ringing or being heard at the kill (unconfirmed ones, so a retry follows).
const CALLING_AT_KILL: usize = 2;
const UNTIL_KILL: Duration = Duration::from_secs(60);
const UNTIL_DONE: Duration = Duration::from_secs(90);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_server_finishes_the_alert_after_a_restart() {
    each_backend(crash_and_resume).await;
}

/// The whole story on one database.
async fn crash_and_resume(url: String) {
    let scene = Scene::set_up(url).await;
    let mut server = Server::start(scene.dir(), &scene.first_config, "serve-1");
    let seen = wait_for_the_kill(&scene, &mut server).await;
    server.kill();
    scene.wait_for_the_killed_sessions().await;
    let at_kill = scene.snapshot().await;
    eprintln!(
        "killed with {} acknowledged, {} calls in flight, {} calls finished ({} confirmed)",
        at_kill.acks.len(),
        at_kill.in_flight.len(),
        at_kill.calls.len(),
        at_kill.calls.iter().filter(|(_, c)| confirmed(c)).count()
    );
    check_nothing_lost_at_the_kill(&at_kill, &seen, &scene.town);

    let restart = clock::now();
    let mut server = Server::start(scene.dir(), &scene.restart_config, "serve-2");
    let state = wait_until_done(&scene, &mut server).await;
    let status = server.stop().await;
    let end = scene.snapshot().await;
    let table = end.table(&scene.town);
    assert_eq!(state, AlertState::Completed, "{table}");
    assert!(
        status.success(),
        "serve exited with {status}\n{}",
        server.log()
    );

    let town = &scene.town;
    check_interrupted_calls_were_retried(&at_kill, &end, town, &table);
    check_nobody_confirmed_is_called_again(&at_kill, &end, restart, town, &table);
    check_acknowledgements_kept(&at_kill, &end, &table);
    check_everyone_settled(&end, town, &table);
    scene.store.close().await;
}

/// One backend's run: the phones, the files, the members imported and the alert sent, not
/// yet served.
struct Scene {
    folder: tempfile::TempDir,
    /// For the first server, and for the one started after the kill (see [`rtp_ranges`]).
    first_config: PathBuf,
    restart_config: PathBuf,
    calls: Heard,
    store: Store,
    /// The database as the test reads it, and the PostgreSQL `application_name` the first
    /// server's sessions carry.
    database: String,
    first_sessions: String,
    alert: AlertId,
    town: Town,
}

impl Scene {
    async fn set_up(database: String) -> Scene {
        let folder = tempfile::TempDir::with_prefix("buurtbel-crash-").expect("temp dir");
        let neighbours = neighbours();
        let exchange = Exchange::start(
            "127.0.0.1:0".parse().expect("address"),
            scripts(&neighbours),
            PhoneScript::refuse(404, Duration::ZERO),
        )
        .await
        .expect("simulated exchange");
        let first_sessions = format!("buurtbel-crash-{:08x}", rand::random::<u32>());
        let config = ConfigFile {
            exchange: exchange.addr(),
            database: database.clone(),
            dir: folder.path().to_owned(),
        };
        let (first, restart) = rtp_ranges();
        let first_config = config.write("first.toml", first, Some(&first_sessions));
        let restart_config = config.write("restart.toml", restart, None);
        import_members(folder.path(), &first_config, &neighbours);
        let alert = send_alert(folder.path(), &first_config);
        let store = Store::open(&config.database)
            .await
            .expect("open the database");
        let town = Town::read(&store, neighbours).await;
        Scene {
            folder,
            first_config,
            restart_config,
            calls: collect_calls(exchange),
            store,
            database,
            first_sessions,
            alert,
            town,
        }
    }

    fn dir(&self) -> &Path {
        self.folder.path()
    }

    async fn snapshot(&self) -> Snapshot {
        Snapshot::read(&self.store, &self.alert, &self.calls).await
    }

    /// On PostgreSQL a killed server's last COMMIT may still be on its way: the database
    /// carries it out when it reads it, after the process is gone. What the server wrote is
    /// all there once its sessions have ended; SQLite has no such lag.
    async fn wait_for_the_killed_sessions(&self) {
        use sqlx::Connection;
        if !self.database.starts_with("postgres") {
            return;
        }
        let mut connection = sqlx::PgConnection::connect(&self.database)
            .await
            .expect("PostgreSQL");
        let deadline = clock::now() + UNTIL_EXIT;
        loop {
            let (left,): (i64,) =
                sqlx::query_as("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1")
                    .bind(&self.first_sessions)
                    .fetch_one(&mut connection)
                    .await
                    .expect("pg_stat_activity");
            if left == 0 {
                return;
            }
            assert!(
                clock::now() < deadline,
                "the killed server's {left} database sessions never ended"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

// ---- the neighbourhood ----

/// What a member's phone does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phone {
    /// Answers after about a second and presses 1 a few seconds later.
    Confirms,
    /// Rings until the trunk's ring timeout.
    NeverAnswers,
    /// Busy every time.
    Busy,
    /// The landline is busy; the mobile answers and presses 1.
    BusyThenMobileConfirms,
}

impl Phone {
    /// Where the member's delivery ends, whatever the kill interrupted.
    fn settles_as(self) -> DeliveryState {
        match self {
            Phone::Confirms | Phone::BusyThenMobileConfirms => DeliveryState::Acknowledged,
            Phone::NeverAnswers => DeliveryState::NoAnswer,
            Phone::Busy => DeliveryState::Busy,
        }
    }
}

#[derive(Debug, Clone)]
struct Neighbour {
    name: String,
    /// Landline first.
    numbers: Vec<String>,
    phone: Phone,
}

/// Three never answer, three are busy, two are reached on their mobile, the rest confirm.
fn neighbours() -> Vec<Neighbour> {
    (1..=MEMBERS)
        .map(|n| {
            let phone = match n % 7 {
                3 => Phone::NeverAnswers,
                5 => Phone::Busy,
                1 if n > 1 => Phone::BusyThenMobileConfirms,
                _ => Phone::Confirms,
            };
            let mut numbers = vec![format!("+3250{n:06}")];
            if phone == Phone::BusyThenMobileConfirms {
                numbers.push(format!("+32470{n:06}"));
            }
            Neighbour {
                name: format!("Testbuur {n:02}"),
                numbers,
                phone,
            }
        })
        .collect()
}

/// Every number's script. The phones say nothing (machine detection is off) and never hang
/// up themselves, so a call the kill left up stays up and is never reported as ended.
fn scripts(neighbours: &[Neighbour]) -> HashMap<String, PhoneScript> {
    let mut scripts = HashMap::new();
    for (i, neighbour) in neighbours.iter().enumerate() {
        let i = i as u64;
        let confirms = PhoneScript::answer_after(Duration::from_millis(600 + 150 * (i % 5))).press(
            Duration::from_millis(2_000 + 400 * (i % 4)),
            '1',
            PressMethod::Rfc4733,
        );
        let busy = PhoneScript::refuse(486, Duration::from_millis(500));
        let landline = match neighbour.phone {
            Phone::Confirms => confirms.clone(),
            Phone::NeverAnswers => PhoneScript::never_answer(),
            Phone::Busy | Phone::BusyThenMobileConfirms => busy,
        };
        scripts.insert(neighbour.numbers[0].clone(), landline);
        if let Some(mobile) = neighbour.numbers.get(1) {
            scripts.insert(mobile.clone(), confirms);
        }
    }
    scripts
}

/// The retry rules the configuration gives, for working out what must follow an
/// interrupted call.
fn retry_policy() -> RetryPolicy {
    let rule = |retries| Rule {
        after: RETRY_AFTER,
        retries,
    };
    RetryPolicy {
        busy: rule(1),
        no_answer: rule(1),
        answered_no_ack: rule(1),
        failed: rule(2),
        unavailable: rule(1),
    }
}

/// The members as stored, with their phones.
struct Town {
    by_member: HashMap<MemberId, Neighbour>,
}

impl Town {
    async fn read(store: &Store, neighbours: Vec<Neighbour>) -> Town {
        let network = store
            .network_by_name(NETWORK)
            .await
            .expect("read the network")
            .expect("the network was imported");
        let members = store.members(&network.id).await.expect("read the members");
        let mut by_number: HashMap<String, Neighbour> = neighbours
            .into_iter()
            .map(|n| (n.numbers[0].clone(), n))
            .collect();
        let by_member: HashMap<MemberId, Neighbour> = members
            .into_iter()
            .filter_map(|m| {
                let first = &m.contact_points.first()?.number;
                Some((m.id, by_number.remove(first)?))
            })
            .collect();
        assert_eq!(by_member.len(), MEMBERS, "every member imported once");
        Town { by_member }
    }

    fn neighbour(&self, member: &MemberId) -> &Neighbour {
        self.by_member
            .get(member)
            .unwrap_or_else(|| panic!("member {member} is not one of the test's"))
    }

    fn member_of_number(&self, number: &str) -> Option<&MemberId> {
        self.by_member
            .iter()
            .find(|(_, n)| n.numbers.iter().any(|x| x == number))
            .map(|(id, _)| id)
    }
}

// ---- the command line ----

/// What a configuration file points at.
struct ConfigFile {
    exchange: SocketAddr,
    database: String,
    dir: PathBuf,
}

impl ConfigFile {
    /// Writes a configuration for the simulated exchange with RTP ports `rtp`, its PostgreSQL
    /// sessions named `sessions`; its path.
    fn write(&self, name: &str, (low, high): (u16, u16), sessions: Option<&str>) -> PathBuf {
        let database = match sessions {
            Some(sessions) if self.database.starts_with("postgres") => {
                let separator = if self.database.contains('?') {
                    '&'
                } else {
                    '?'
                };
                format!("{}{separator}application_name={sessions}", self.database)
            }
            _ => self.database.clone(),
        };
        let mut text = format!(
            "[sip]\nbind = \"127.0.0.1:0\"\n\n\
             [trunk]\nproxy = \"{exchange}\"\ndomain = \"sim.invalid\"\n\
             caller_id = \"+3250999999\"\nmax_channels = {CHANNELS}\nmax_cps = 10\n\
             ring_timeout = \"4s\"\n\n\
             [media]\nrtp_ports = \"{low}-{high}\"\nmenu_rounds = 2\nkey_wait = \"2s\"\n\
             machine_detection = false\n\n\
             [speech]\ncache_dir = \"{cache}\"\nvoices = \"{voices}\"\n\n\
             [database]\nurl = \"{database}\"\n\n\
             [api]\nlisten = \"127.0.0.1:0\"\n\n\
             [chain]\ncallback_number = \"+3250999999\"\n",
            exchange = self.exchange,
            cache = self.dir.join("speech").display(),
            voices = self.dir.join("voices").display(),
        );
        let policy = retry_policy();
        let rules = [
            ("busy", policy.busy),
            ("no_answer", policy.no_answer),
            ("answered_no_ack", policy.answered_no_ack),
            ("failed", policy.failed),
            ("unavailable", policy.unavailable),
        ];
        for (outcome, rule) in rules {
            let after = humantime::format_duration(rule.after);
            let retries = rule.retries;
            let _ = write!(
                text,
                "\n[chain.retry.{outcome}]\nafter = \"{after}\"\nretries = {retries}\n"
            );
        }
        let path = self.dir.join(name);
        std::fs::write(&path, text).expect("write the configuration");
        write_prompts(&self.dir.join("voices"));
        path
    }
}

/// Two RTP port ranges, one per server process, at a random place below the ephemeral
/// ports. A phone whose call the kill left up keeps sending RTP to the dead server's port;
/// a restarted server that bound that port for a new call would latch onto the stray stream
/// (symmetric RTP takes the first source it hears) and miss the real phone's keys.
fn rtp_ranges() -> ((u16, u16), (u16, u16)) {
    let base = 20_000 + 2 * rand::random_range(0..6_000u16);
    ((base, base + 199), (base + 200, base + 399))
}

fn import_members(dir: &Path, config: &Path, neighbours: &[Neighbour]) {
    let mut csv = String::from("name,phone,phone2,language,channel\n");
    for n in neighbours {
        let mobile = n.numbers.get(1).map_or("", String::as_str);
        writeln!(csv, "{},{},{mobile},nl,voice", n.name, n.numbers[0]).expect("csv");
    }
    let file = dir.join("members.csv");
    std::fs::write(&file, csv).expect("write the member file");
    let args = ["members", "import", "--network", NETWORK, "--create"];
    buurtbel(dir, config, &args, &[file.as_os_str()]);
}

/// Sends the alert; its id.
fn send_alert(dir: &Path, config: &Path) -> AlertId {
    let args = ["alert", "send", "--network", NETWORK, "--kind", "urgent"];
    let text = ["--text-nl".as_ref(), "Dit is een test.".as_ref()];
    let out = buurtbel(dir, config, &args, &text);
    // "alert ID (urgent) sending to 20 members"
    let words: Vec<&str> = out.split_whitespace().collect();
    assert!(
        words.first() == Some(&"alert") && out.contains(&format!("sending to {MEMBERS} members")),
        "unexpected output of alert send: {out}"
    );
    AlertId::from(words[1])
}

// ---- waiting ----

/// Until a few members have acknowledged and unconfirmed calls are ringing or being
/// heard; the acknowledgements seen then.
async fn wait_for_the_kill(scene: &Scene, server: &mut Server) -> Vec<Acknowledgement> {
    let store = &scene.store;
    let what = format!(
        "{ACKS_BEFORE_KILL} acknowledgements and {CALLING_AT_KILL} unconfirmed calls in flight"
    );
    let deadline = Deadline::new(UNTIL_KILL, what);
    loop {
        let acks = store.acknowledgements(&scene.alert).await.expect("read");
        let flying = store.in_flight().await.expect("read");
        let calling = flying
            .iter()
            .filter(|f| f.delivery.state == DeliveryState::Calling)
            .count();
        if acks.len() >= ACKS_BEFORE_KILL && calling >= CALLING_AT_KILL {
            return acks;
        }
        deadline.wait(server).await;
    }
}

/// Until the alert is no longer sending; its state then.
async fn wait_until_done(scene: &Scene, server: &mut Server) -> AlertState {
    let deadline = Deadline::new(UNTIL_DONE, "the alert to finish".to_owned());
    loop {
        let alert = scene.store.alert(&scene.alert).await.expect("read");
        let alert = alert.expect("the alert");
        if alert.state != AlertState::Sending {
            return alert.state;
        }
        deadline.wait(server).await;
    }
}

// ---- what the database and the phones say ----

/// The calls the phones finished, each with when the test heard of it.
type Heard = Arc<Mutex<Vec<(Instant, SimCall)>>>;

fn collect_calls(mut exchange: Exchange) -> Heard {
    let heard: Heard = Arc::default();
    let kept = Arc::clone(&heard);
    tokio::spawn(async move {
        while let Some(call) = exchange.next_call().await {
            let now = clock::now();
            kept.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push((now, call));
        }
    });
    heard
}

/// The alert as stored, and the phones' calls, at one moment.
struct Snapshot {
    acks: Vec<Acknowledgement>,
    in_flight: Vec<InFlight>,
    deliveries: Vec<Delivery>,
    attempts: HashMap<DeliveryId, Vec<Attempt>>,
    calls: Vec<(Instant, SimCall)>,
}

impl Snapshot {
    async fn read(store: &Store, alert: &AlertId, heard: &Heard) -> Snapshot {
        let acks = store.acknowledgements(alert).await.expect("read");
        let in_flight = store.in_flight().await.expect("read");
        let lines = store.deliveries(alert).await.expect("read");
        let deliveries: Vec<Delivery> = lines.into_iter().map(|l| l.delivery).collect();
        let mut attempts = HashMap::new();
        for delivery in &deliveries {
            let list = store.attempts(&delivery.id).await.expect("read");
            attempts.insert(delivery.id.clone(), list);
        }
        let calls = heard.lock().unwrap_or_else(PoisonError::into_inner).clone();
        Snapshot {
            acks,
            in_flight,
            deliveries,
            attempts,
            calls,
        }
    }

    fn delivery(&self, id: &DeliveryId) -> &Delivery {
        self.deliveries
            .iter()
            .find(|d| &d.id == id)
            .unwrap_or_else(|| panic!("no delivery {id}"))
    }

    fn attempts(&self, delivery: &DeliveryId) -> &[Attempt] {
        self.attempts.get(delivery).map_or(&[], Vec::as_slice)
    }

    fn acknowledged(&self) -> HashSet<&MemberId> {
        self.acks.iter().map(|a| &a.member_id).collect()
    }

    /// One line per member: state, rounds, and every attempt; for failure messages.
    fn table(&self, town: &Town) -> String {
        let mut table = String::from("--- deliveries at the end\n");
        for d in &self.deliveries {
            let name = &town.neighbour(&d.member_id).name;
            let _ = write!(table, "{name}: {} rounds {} |", d.state, d.rounds);
            for a in self.attempts(&d.id) {
                let outcome = a.result.as_ref().map_or("(open)", |r| r.outcome.as_str());
                let _ = write!(table, " {}:{} {outcome};", a.seq, a.number);
            }
            table.push('\n');
        }
        table
    }
}

// ---- the checks ----

/// Right after the kill: every acknowledgement seen while the server ran is there, with its
/// delivery acknowledged, and so is the acknowledgement of every call a phone finished
/// after pressing 1 (the member heard the thank-you).
fn check_nothing_lost_at_the_kill(at_kill: &Snapshot, seen: &[Acknowledgement], town: &Town) {
    for ack in seen {
        assert!(
            at_kill.acks.contains(ack),
            "{ack:?} was seen before the kill and is gone after it"
        );
    }
    for ack in &at_kill.acks {
        let delivery = at_kill
            .deliveries
            .iter()
            .find(|d| d.member_id == ack.member_id)
            .expect("an acknowledged member has a delivery");
        assert_eq!(delivery.state, DeliveryState::Acknowledged, "{delivery:?}");
    }
    let acknowledged = at_kill.acknowledged();
    for (_, call) in at_kill.calls.iter().filter(|(_, c)| confirmed(c)) {
        let member = town
            .member_of_number(&call.user)
            .expect("a member's number");
        assert!(
            acknowledged.contains(member),
            "{} pressed 1 and the call ended before the kill, but no acknowledgement is stored",
            town.neighbour(member).name
        );
    }
    assert!(
        !at_kill.in_flight.is_empty(),
        "no call was in flight at the kill"
    );
}

/// Each call in flight at the kill ended as `interrupted`, and what followed is what the
/// retry rules give a failed call: the next number, another round, or nothing more. No
/// other attempt was touched.
fn check_interrupted_calls_were_retried(
    at_kill: &Snapshot,
    end: &Snapshot,
    town: &Town,
    table: &str,
) {
    let policy = retry_policy();
    for flight in &at_kill.in_flight {
        let delivery = &flight.delivery;
        let name = &town.neighbour(&delivery.member_id).name;
        let attempts = end.attempts(&delivery.id);
        let ended = attempts
            .iter()
            .find(|a| a.id == flight.attempt.id)
            .and_then(|a| a.result.as_ref());
        let outcome = ended.map(|r| r.outcome.as_str());
        assert_eq!(outcome, Some("interrupted"), "{name}\n{table}");
        let next = attempts.iter().find(|a| a.seq == flight.attempt.seq + 1);
        if delivery.state.is_acknowledged() {
            assert!(
                next.is_none(),
                "{name} confirmed and was called again\n{table}"
            );
            continue;
        }
        let numbers = &town.neighbour(&delivery.member_id).numbers;
        let progress = Progress {
            contact: usize::try_from(delivery.contact_index).expect("index"),
            contacts: numbers.len(),
            rounds: u32::try_from(delivery.rounds).expect("rounds"),
            expires_at: None,
        };
        let expected = match policy::decide(&policy, AttemptOutcome::Failed, progress, 0) {
            Decision::NextContact { contact } => Some(&numbers[contact]),
            Decision::Retry { .. } => Some(&numbers[0]),
            Decision::Done | Decision::Expired => None,
        };
        let dialled = next.map(|a| &a.number);
        assert_eq!(
            dialled, expected,
            "after {name}'s interrupted call\n{table}"
        );
        if expected.is_none() {
            let state = end.delivery(&delivery.id).state;
            assert_eq!(state, DeliveryState::Failed, "{name}\n{table}");
        }
    }
    let interrupted: HashSet<_> = at_kill.in_flight.iter().map(|f| &f.attempt.id).collect();
    for attempt in end.attempts.values().flatten() {
        let outcome = attempt.result.as_ref().map(|r| r.outcome.as_str());
        if outcome == Some("interrupted") {
            assert!(interrupted.contains(&attempt.id), "{attempt:?}\n{table}");
        }
    }
    assert!(end.in_flight.is_empty(), "{:?}\n{table}", end.in_flight);
}

/// Nobody who had confirmed before the kill got another attempt, nor another call on any
/// of their phones after the restart.
fn check_nobody_confirmed_is_called_again(
    at_kill: &Snapshot,
    end: &Snapshot,
    restart: Instant,
    town: &Town,
    table: &str,
) {
    let confirmed = at_kill.acknowledged();
    for delivery in end
        .deliveries
        .iter()
        .filter(|d| confirmed.contains(&d.member_id))
    {
        let ids = |s: &Snapshot| -> Vec<_> {
            s.attempts(&delivery.id)
                .iter()
                .map(|a| a.id.clone())
                .collect()
        };
        let name = &town.neighbour(&delivery.member_id).name;
        assert_eq!(ids(end), ids(at_kill), "{name} was called again\n{table}");
    }
    for (_, call) in end.calls.iter().filter(|(at, _)| *at >= restart) {
        let member = town.member_of_number(&call.user);
        assert!(
            member.is_none_or(|m| !confirmed.contains(m)),
            "{} rang after the restart though they had confirmed\n{table}",
            call.user
        );
    }
}

/// The acknowledgements after are those before and more, unchanged, one per member.
fn check_acknowledgements_kept(at_kill: &Snapshot, end: &Snapshot, table: &str) {
    let after: HashMap<&MemberId, &Acknowledgement> =
        end.acks.iter().map(|a| (&a.member_id, a)).collect();
    assert_eq!(
        after.len(),
        end.acks.len(),
        "two acknowledgements of one member\n{table}"
    );
    for ack in &at_kill.acks {
        assert_eq!(
            after.get(&ack.member_id),
            Some(&ack),
            "rewritten or lost\n{table}"
        );
    }
}

/// Every member has one delivery, settled as their phone behaves, acknowledged exactly
/// when an acknowledgement is stored, and every call a phone ended after pressing 1 counted.
fn check_everyone_settled(end: &Snapshot, town: &Town, table: &str) {
    assert_eq!(end.deliveries.len(), MEMBERS, "{table}");
    let members: HashSet<_> = end.deliveries.iter().map(|d| &d.member_id).collect();
    assert_eq!(members.len(), MEMBERS, "one delivery per member\n{table}");
    let acknowledged = end.acknowledged();
    for delivery in &end.deliveries {
        let neighbour = town.neighbour(&delivery.member_id);
        assert_eq!(delivery.next_try_at, None, "{}\n{table}", neighbour.name);
        assert_eq!(
            delivery.state,
            neighbour.phone.settles_as(),
            "{}\n{table}",
            neighbour.name
        );
        assert_eq!(
            delivery.state.is_acknowledged(),
            acknowledged.contains(&delivery.member_id),
            "{}\n{table}",
            neighbour.name
        );
    }
    for (_, call) in end.calls.iter().filter(|(_, c)| confirmed(c)) {
        let member = town
            .member_of_number(&call.user)
            .expect("a member's number");
        assert!(acknowledged.contains(member), "{}\n{table}", call.user);
    }
}

/// A call the phone answered and pressed 1 in, and that the server then ended.
fn confirmed(call: &SimCall) -> bool {
    call.final_status == 200 && call.pressed.contains(&'1')
}
