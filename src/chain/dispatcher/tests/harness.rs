//! Scripted phones and a chain to run them against.

use crate::chain::caller::{CallProgress, CallRequest, CallSummary, Caller, Stop};
use crate::chain::clock::{ChainClock, ManualTime};
pub use crate::chain::dispatcher::ChainSettings;
use crate::chain::dispatcher::Dispatcher;
use crate::chain::events::Events;
use crate::chain::program_source::{ProgramError, ProgramSource};
use crate::speech::Language;
use crate::store::*;
use buurtbel_proto::media::audio::{EncodedProgram, Segments};
use buurtbel_proto::policy::AttemptOutcome;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const SECOND: i64 = 1000;
pub const MINUTE: i64 = 60 * SECOND;

/// Thursday 26 November 2026, 14:00 in Brussels.
pub fn afternoon() -> i64 {
    brussels("2026-11-26T14:00")
}

/// A local time in Brussels as epoch ms.
pub fn brussels(text: &str) -> i64 {
    let zoned: jiff::ZonedDateTime = format!("{text}[Europe/Brussels]").parse().expect("time");
    zoned.timestamp().as_millisecond()
}

/// What a phone does on one call.
#[derive(Debug, Clone)]
pub struct Turn {
    ring: Duration,
    outcome: AttemptOutcome,
    status: Option<u16>,
    keys: Vec<char>,
    talk: Duration,
}

fn turn(ring: u64, outcome: AttemptOutcome, status: Option<u16>) -> Turn {
    Turn {
        ring: Duration::from_secs(ring),
        outcome,
        status,
        keys: Vec::new(),
        talk: Duration::ZERO,
    }
}

pub fn busy() -> Turn {
    turn(1, AttemptOutcome::Busy, Some(486))
}

pub fn no_answer() -> Turn {
    turn(30, AttemptOutcome::NoAnswer, Some(480))
}

pub fn rings(seconds: u64) -> Turn {
    turn(seconds, AttemptOutcome::NoAnswer, Some(480))
}

pub fn fails() -> Turn {
    turn(0, AttemptOutcome::Failed, Some(500))
}

pub fn unavailable(retry_after: Duration) -> Turn {
    let retry_after = Some(retry_after);
    turn(0, AttemptOutcome::Unavailable { retry_after }, Some(503))
}

/// Answers after 5 s, presses these keys 2 s apart, and the call ends 10 s later.
pub fn presses(keys: &str) -> Turn {
    let outcome = if keys.contains('1') {
        AttemptOutcome::Acknowledged
    } else {
        AttemptOutcome::AnsweredNoAck
    };
    Turn {
        keys: keys.chars().collect(),
        talk: Duration::from_secs(10),
        ..turn(5, outcome, Some(200))
    }
}

/// Answers and listens to the end without a key.
pub fn listens() -> Turn {
    Turn {
        talk: Duration::from_secs(40),
        ..turn(5, AttemptOutcome::AnsweredNoAck, Some(200))
    }
}

pub fn voicemail() -> Turn {
    Turn {
        talk: Duration::from_secs(45),
        ..turn(10, AttemptOutcome::Voicemail, Some(200))
    }
}

/// One call the phones received.
#[derive(Debug, Clone)]
pub struct Placed {
    pub number: String,
    pub started: i64,
    pub ended: i64,
    pub stopped: Option<Stop>,
}

/// Phones by number; a phone repeats its last turn.
pub struct Phones {
    clock: ChainClock,
    turns: Mutex<HashMap<String, VecDeque<Turn>>>,
    placed: Mutex<Vec<Placed>>,
    active: AtomicUsize,
    most_at_once: AtomicUsize,
    /// Calls on each number right now, and the most there ever were.
    lines: Mutex<HashMap<String, (usize, usize)>>,
}

impl Phones {
    pub fn placed(&self) -> Vec<Placed> {
        self.placed.lock().unwrap().clone()
    }

    pub fn calls_to(&self, number: &str) -> Vec<Placed> {
        self.placed()
            .into_iter()
            .filter(|p| p.number == number)
            .collect()
    }

    pub fn most_at_once(&self) -> usize {
        self.most_at_once.load(Ordering::SeqCst)
    }

    /// The most calls there ever were at once to this number.
    pub fn most_at_once_to(&self, number: &str) -> usize {
        self.lines.lock().unwrap().get(number).map_or(0, |l| l.1)
    }

    fn line(&self, number: &str, change: isize) {
        let mut lines = self.lines.lock().unwrap();
        let line = lines.entry(number.to_owned()).or_default();
        line.0 = line.0.saturating_add_signed(change);
        line.1 = line.1.max(line.0);
    }

    fn next_turn(&self, number: &str) -> Turn {
        let mut turns = self.turns.lock().unwrap();
        let queue = turns.get_mut(number).expect("a scripted number");
        if queue.len() > 1 {
            queue.pop_front().expect("a turn")
        } else {
            queue.front().cloned().expect("a turn")
        }
    }
}

/// The scripted phones behind a shared handle.
#[derive(Clone)]
pub struct Scripted(pub Arc<Phones>);

impl Caller for Scripted {
    async fn call(&self, mut request: CallRequest) -> CallSummary {
        let phones = &self.0;
        let turn = phones.next_turn(&request.number);
        let active = phones.active.fetch_add(1, Ordering::SeqCst) + 1;
        phones.most_at_once.fetch_max(active, Ordering::SeqCst);
        phones.line(&request.number, 1);
        let started = phones.clock.now();
        let (summary, stopped) = play(&phones.clock, &turn, &mut request).await;
        phones.line(&request.number, -1);
        phones.active.fetch_sub(1, Ordering::SeqCst);
        phones.placed.lock().unwrap().push(Placed {
            number: request.number.clone(),
            started,
            ended: phones.clock.now(),
            stopped,
        });
        summary
    }
}

async fn play(
    clock: &ChainClock,
    turn: &Turn,
    request: &mut CallRequest,
) -> (CallSummary, Option<Stop>) {
    let mut summary = CallSummary {
        outcome: turn.outcome,
        sip_status: turn.status,
        ring: turn.ring,
        ..CallSummary::failed()
    };
    tokio::select! {
        () = clock.sleep(turn.ring) => {}
        stop = stopped(&mut request.stop, Stop::IfRinging) => {
            summary.outcome = AttemptOutcome::NoAnswer;
            summary.sip_status = Some(487);
            return (summary, Some(stop));
        }
    }
    let answered = matches!(
        turn.outcome,
        AttemptOutcome::Acknowledged | AttemptOutcome::AnsweredNoAck | AttemptOutcome::Voicemail
    );
    if !answered {
        return (summary, None);
    }
    let _ = request.progress.send(CallProgress::Answered);
    let talk = async {
        for key in &turn.keys {
            clock.sleep(Duration::from_secs(2)).await;
            if *key == '1' {
                // These scripted calls stand for the whole call program, which confirms.
                let _ = request.progress.send(CallProgress::Confirmed);
            }
        }
        clock.sleep(turn.talk).await;
    };
    let mut stop = request.stop.clone();
    tokio::select! {
        () = talk => {}
        stop = stopped(&mut stop, Stop::Now) => {
            summary.outcome = AttemptOutcome::AnsweredNoAck;
            return (summary, Some(stop));
        }
    }
    summary.digits = turn.keys.iter().collect();
    summary.talk = turn.talk;
    (summary, None)
}

/// Resolves when a stop at least as strong as `least` is asked for; never if the sender
/// went away.
async fn stopped(stop: &mut tokio::sync::watch::Receiver<Stop>, least: Stop) -> Stop {
    let strong_enough = |s: &Stop| match least {
        Stop::Now => *s == Stop::Now,
        _ => *s != Stop::No,
    };
    let asked = stop.wait_for(strong_enough).await.map(|stop| *stop);
    match asked {
        Ok(stop) => stop,
        Err(_) => std::future::pending().await,
    }
}

/// A short silent program: the scripted phones do not listen.
pub struct Silence;

impl ProgramSource for Silence {
    async fn program(
        &self,
        _alert: &AlertId,
        _language: Language,
        _rate: f32,
    ) -> Result<Arc<EncodedProgram>, ProgramError> {
        let tone = vec![0i16; 800];
        Ok(Arc::new(EncodedProgram::new(&Segments {
            intro: tone.clone(),
            message: tone.clone(),
            menu: tone.clone(),
            thanks: tone.clone(),
            listen_first: tone.clone(),
            voicemail: tone,
        })))
    }

    fn forget(&self, _alert: &AlertId) {}
}

pub type TestDispatcher = Dispatcher<Scripted, Silence>;

/// A running chain over scripted phones.
pub struct Chain {
    pub dispatcher: TestDispatcher,
    pub phones: Arc<Phones>,
    pub store: Store,
    pub network: NetworkId,
    pub clock: ChainClock,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    driver: JoinHandle<()>,
    /// While above zero the driver leaves the clock alone: the test itself is working.
    holds: Arc<AtomicUsize>,
}

/// Keeps the manual clock where it is until dropped (see [`Chain::hold`]).
pub struct Hold(Arc<AtomicUsize>);

impl Drop for Hold {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Drop for Chain {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

/// Runs a dispatcher test on a runtime of its own: one thread, its clock paused once the
/// store is open ([`Chain::prepare`]), and noting each time it goes idle whether a statement
/// was under way on the chain's store then (see [`drive`]).
pub fn virtual_time<F: Future>(test: F) -> F::Output {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .on_thread_park(|| IDLE.with(Idle::note))
        .build()
        .expect("runtime");
    runtime.block_on(test)
}

thread_local! {
    /// The test thread's chain store, and what it was doing when the runtime last went idle.
    static IDLE: Idle = Idle::default();
}

#[derive(Default)]
struct Idle {
    pool: std::cell::RefCell<Option<sqlx::AnyPool>>,
    busy: std::cell::Cell<bool>,
}

impl Idle {
    fn watch(&self, store: &Store) {
        *self.pool.borrow_mut() = Some(store.pool().clone());
    }

    /// The runtime is about to go idle: nothing is left to run.
    fn note(&self) {
        self.busy.set(self.in_use());
    }

    /// Connections taken from the pool: a statement is under way, or a connection is being
    /// returned (sqlx pings it first).
    fn in_use(&self) -> bool {
        self.pool
            .borrow()
            .as_ref()
            .is_some_and(|pool| pool.num_idle() < pool.size() as usize)
    }

    /// Whether the store was busy when the runtime last went idle, or is now.
    fn busy(&self) -> bool {
        self.busy.get() || self.in_use()
    }
}

/// Moves the manual clock to the next moment anyone waits for, once nothing can happen
/// before it. The runtime's clock is paused, so the driver's own short sleep ends only when
/// the runtime went idle with nothing left to run (it then moves its clock to the earliest
/// timer). The in-memory SQLite works on a thread of its own that the runtime does not see:
/// if a statement was under way at that idle moment (noted by the park hook, since its
/// answer may be handled before the driver runs), or is now, a task still has work, and a
/// blocking task keeps the runtime's clock still while the statement runs. Otherwise every
/// task waits for the manual clock. A [`Hold`] keeps the manual clock still too.
async fn drive(time: Arc<ManualTime>, holds: Arc<AtomicUsize>) {
    loop {
        tokio::time::sleep(Duration::from_millis(1)).await;
        if IDLE.with(Idle::busy) {
            let pause = || crate::telephony::clock::sleep_blocking(Duration::from_micros(200));
            let _ = tokio::task::spawn_blocking(pause).await;
            continue;
        }
        if holds.load(Ordering::SeqCst) > 0 {
            continue;
        }
        if let Some(at) = time.next_wake() {
            time.advance_to(at);
        }
    }
}

/// A member: a name and numbers with their phones' turns. Members sharing a number script
/// it once: a number with no turns takes its script from another member.
pub struct Person<'a> {
    pub name: &'a str,
    pub numbers: Vec<(&'a str, Vec<Turn>)>,
}

pub fn person<'a>(name: &'a str, number: &'a str, turns: Vec<Turn>) -> Person<'a> {
    Person {
        name,
        numbers: vec![(number, turns)],
    }
}

pub fn settings() -> ChainSettings {
    ChainSettings {
        channels: 4,
        sweep: Duration::from_secs(600),
        ..ChainSettings::default()
    }
}

impl Chain {
    /// A store with one network of these people, and a dispatcher running from `start`.
    pub async fn start(start: i64, settings: ChainSettings, people: Vec<Person<'_>>) -> Chain {
        let mut chain = Chain::prepare(start, settings, test_network("BIN Testwijk"), people).await;
        chain.run();
        chain
    }

    /// As [`Chain::start`] with this network, and the dispatcher not yet running. Pauses the
    /// runtime's clock once the store is open (opening it under a paused clock would time
    /// out while SQLite works on its own thread).
    pub async fn prepare(
        start: i64,
        settings: ChainSettings,
        network: NewNetwork,
        people: Vec<Person<'_>>,
    ) -> Chain {
        let store = Store::open("sqlite::memory:").await.expect("store");
        IDLE.with(|idle| idle.watch(&store));
        tokio::time::pause();
        let (clock, time) = ChainClock::manual(start);
        let holds = Arc::new(AtomicUsize::new(0));
        let driver = tokio::spawn(drive(time, Arc::clone(&holds)));
        let network = store.create_network(network, start).await.expect("network");
        let mut turns = HashMap::new();
        let mut members = Vec::new();
        for person in &people {
            for (number, script) in &person.numbers {
                if !script.is_empty() {
                    turns.insert((*number).to_owned(), script.iter().cloned().collect());
                }
            }
            members.push(new_member(person));
        }
        store
            .import_members(&network.id, members, start)
            .await
            .expect("members");
        let phones = Arc::new(Phones {
            clock: clock.clone(),
            turns: Mutex::new(turns),
            placed: Mutex::new(Vec::new()),
            active: AtomicUsize::new(0),
            most_at_once: AtomicUsize::new(0),
            lines: Mutex::new(HashMap::new()),
        });
        let dispatcher = Dispatcher::new(
            store.clone(),
            Scripted(Arc::clone(&phones)),
            Silence,
            Events::default(),
            clock.clone(),
            settings,
        );
        Chain {
            dispatcher,
            phones,
            store,
            network: network.id,
            clock,
            shutdown: None,
            task: None,
            driver,
            holds,
        }
    }

    /// Stops the clock while the test does several things that must happen at one moment:
    /// between two of its statements everything else may be waiting.
    pub fn hold(&self) -> Hold {
        self.holds.fetch_add(1, Ordering::SeqCst);
        Hold(Arc::clone(&self.holds))
    }

    /// Starts the dispatcher's loop.
    pub fn run(&mut self) {
        let (shutdown, stopped) = oneshot::channel::<()>();
        let dispatcher = self.dispatcher.clone();
        self.shutdown = Some(shutdown);
        self.task = Some(tokio::spawn(async move {
            let stop = async {
                let _ = stopped.await;
            };
            dispatcher.run(stop).await.expect("dispatcher");
        }));
    }

    /// Sends an alert of `kind` to the network.
    pub async fn send(&self, kind: AlertKind) -> AlertId {
        let (alert, created) = self
            .dispatcher
            .send(new_alert(kind, vec![self.network.clone()]))
            .await
            .expect("send");
        assert!(created);
        alert.id
    }

    /// Waits until the alert is no longer sending and no call runs, while the driver moves
    /// the clock; gives up after two virtual days or 30 000 looks.
    pub async fn settled(&self, alert: &AlertId) -> Alert {
        let give_up = self.clock.now() + 48 * 60 * MINUTE;
        let mut polls = 0;
        while self.clock.now() < give_up && polls < 30_000 {
            polls += 1;
            let stored = self.store.alert(alert).await.expect("read").expect("alert");
            if stored.state != AlertState::Sending && self.dispatcher.calls_in_progress() == 0 {
                return stored;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        panic!("alert {alert} still sending after two virtual days or 30 000 looks");
    }

    /// Lets virtual time pass.
    pub async fn wait(&self, seconds: u64) {
        self.clock.sleep(Duration::from_secs(seconds)).await;
    }

    /// The delivery of the member named `name`.
    pub async fn delivery_of(&self, alert: &AlertId, name: &str) -> Delivery {
        let lines = self.store.deliveries(alert).await.expect("deliveries");
        lines
            .into_iter()
            .find(|l| l.member_name == name)
            .map(|l| l.delivery)
            .expect("a delivery for that member")
    }

    /// Stops the dispatcher's loop as a shutdown would.
    pub async fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("dispatcher task");
        }
    }
}

pub fn test_network(name: &str) -> NewNetwork {
    NewNetwork {
        name: name.into(),
        kind: NetworkKind::Residential,
        police_zone: "Zone Test".into(),
        language: "nl".into(),
        caller_id: "+3220000000".into(),
        ring_timeout_ms: None,
        retry_policy: None,
    }
}

fn new_member(person: &Person<'_>) -> NewMember {
    let contact_points = person
        .numbers
        .iter()
        .enumerate()
        .map(|(i, (number, _))| ContactPoint {
            kind: if i == 0 {
                ContactKind::Landline
            } else {
                ContactKind::Mobile
            },
            number: (*number).to_owned(),
        })
        .collect();
    NewMember {
        external_id: None,
        name: person.name.into(),
        language: "nl".into(),
        contact_points,
        channel: Channel::Voice,
        quiet_hours: None,
        speech_rate: 1.0,
        status: MemberStatus::Active,
        consent_at: None,
    }
}

pub fn new_alert(kind: AlertKind, networks: Vec<NetworkId>) -> NewAlert {
    NewAlert {
        kind,
        activation_of: None,
        created_by: "test".into(),
        networks,
        messages: vec![Message {
            language: "nl".into(),
            body: MessageBody::Text("Dit is een test.".into()),
        }],
        expires_at: None,
        drill: true,
        idempotency_key: None,
    }
}

/// Start times of calls to `number`, as offsets from the first.
pub fn gaps(placed: &[Placed]) -> Vec<i64> {
    placed
        .windows(2)
        .map(|w| w[1].started - w[0].ended)
        .collect()
}

/// Writes the alert's deliveries as the dispatcher's first pages would, before it runs.
pub async fn write_deliveries(store: &Store, alert: &AlertId, at: i64) {
    let members = store
        .targeted_members(alert, None, 10)
        .await
        .expect("members");
    store
        .create_deliveries(alert, &members, at)
        .await
        .expect("deliveries");
}
