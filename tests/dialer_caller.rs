//! The chain's [`Caller`] over the real dialer, end to end on loopback: simulated phones
//! (`buurtbel::sim`) answer, press keys, are busy, ring forever, are answering machines or
//! ask to be called back later; the chain's stop requests cancel or end calls; and its
//! progress channel hears the answer and a key while the call still runs.
//!
//! Machine detection is off except for the answering machine, so the program starts at the
//! answer and keys land where they aim. Nothing here asserts a duration.

use buurtbel::chain::caller::{CallProgress, CallRequest, CallSummary, Caller, Stop};
use buurtbel::chain::dialer_caller::DialerCaller;
use buurtbel::config::Config;
use buurtbel::media::audio::{EncodedProgram, Segments};
use buurtbel::policy::AttemptOutcome;
use buurtbel::sim::{Exchange, PhoneScript, PressMethod, SimCall};
use buurtbel::sip::call::response_to;
use buurtbel::sip::{Message, Method, Request, parse_datagram};
use buurtbel::speech::{Language, Speech, SpeechSettings};
use buurtbel::telephony::Dialer;
use buurtbel::telephony::pending::{PendingProgram, ProgramFailure};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

/// A member's number, E.164 (a Bruges landline).
const NUMBER: &str = "+3250123456";

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn tone(hz: f32, ms: usize) -> Vec<i16> {
    (0..ms * 8)
        .map(|i| (8000.0 * (2.0 * std::f32::consts::PI * hz * i as f32 / 8000.0).sin()) as i16)
        .collect()
}

/// A short program with a message of `message_ms` and a thank-you long enough that a key
/// reported at once is reported well before the call can end.
fn program(message_ms: usize) -> PendingProgram {
    PendingProgram::ready(made(message_ms))
}

fn made(message_ms: usize) -> Arc<EncodedProgram> {
    Arc::new(EncodedProgram::new(&Segments {
        intro: tone(500.0, 200),
        message: tone(440.0, message_ms),
        menu: tone(600.0, 400),
        thanks: tone(300.0, 1000),
        listen_first: tone(800.0, 300),
        voicemail: tone(700.0, 300),
    }))
}

fn config(proxy: SocketAddr, machine_detection: bool) -> Config {
    let text = format!(
        "[sip]\nbind = \"127.0.0.1:0\"\n[trunk]\nproxy = \"{proxy}\"\ndomain = \"127.0.0.1\"\nring_timeout = \"10s\"\n\
         [media]\nrtp_ports = \"44000-44999\"\nmenu_rounds = 2\nkey_wait = \"500ms\"\nrtp_timeout = \"2s\"\n\
         machine_detection = {machine_detection}\n"
    );
    Config::parse(&text, "test.toml").unwrap()
}

async fn caller(proxy: SocketAddr, machine_detection: bool) -> DialerCaller {
    let dialer = Dialer::start(&config(proxy, machine_detection))
        .await
        .unwrap();
    DialerCaller::new(dialer)
}

/// A call in progress, with the chain's two ends of it.
struct Placed {
    call: JoinHandle<CallSummary>,
    stop: watch::Sender<Stop>,
    progress: mpsc::UnboundedReceiver<CallProgress>,
}

impl Placed {
    fn start(caller: DialerCaller, number: &str, program: PendingProgram) -> Placed {
        let (stop, stop_requests) = watch::channel(Stop::No);
        let (news, progress) = mpsc::unbounded_channel();
        let request = CallRequest {
            number: number.to_owned(),
            program,
            stop: stop_requests,
            progress: news,
        };
        let call = tokio::spawn(async move { caller.call(request).await });
        Placed {
            call,
            stop,
            progress,
        }
    }

    /// Waits for the answer's report.
    async fn answered(&mut self) {
        assert_eq!(self.progress.recv().await, Some(CallProgress::Answered));
    }

    async fn summary(self) -> CallSummary {
        self.call.await.unwrap()
    }
}

/// An exchange whose every number follows `script`, and a caller through it.
async fn phones(script: PhoneScript, machine_detection: bool) -> (Exchange, DialerCaller) {
    let exchange = Exchange::start("127.0.0.1:0".parse().unwrap(), HashMap::new(), script)
        .await
        .unwrap();
    let caller = caller(exchange.addr(), machine_detection).await;
    (exchange, caller)
}

async fn phone_side(exchange: &mut Exchange) -> SimCall {
    tokio::time::timeout(Duration::from_secs(10), exchange.next_call())
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn pressing_1_acknowledges_and_is_reported_while_the_call_runs() {
    let script = PhoneScript::answer_after(ms(100)).press(ms(2000), '1', PressMethod::Rfc4733);
    let (mut exchange, caller) = phones(script, false).await;
    let mut placed = Placed::start(caller, NUMBER, program(1000));
    let mut news = Vec::new();
    while let Some(progress) = placed.progress.recv().await {
        news.push(progress);
        if progress == CallProgress::Confirmed {
            assert!(
                !placed.call.is_finished(),
                "the key is reported before the thank-you ends"
            );
        }
    }
    assert_eq!(news, [CallProgress::Answered, CallProgress::Confirmed]);
    let summary = placed.summary().await;
    assert_eq!(summary.outcome, AttemptOutcome::Acknowledged);
    assert_eq!(summary.sip_status, Some(200));
    assert_eq!(summary.digits, "1");
    assert_eq!(summary.machine, None, "detection is off");
    let phone = phone_side(&mut exchange).await;
    assert_eq!(phone.user, NUMBER, "dialled as sip:+E164@trunk");
    assert!(!phone.hung_up_by_phone);
}

/// Everything the chain heard during the call, and how the call ended.
async fn news_and_summary(mut placed: Placed) -> (Vec<CallProgress>, CallSummary) {
    let mut news = Vec::new();
    while let Some(progress) = placed.progress.recv().await {
        news.push(progress);
    }
    (news, placed.summary().await)
}

#[tokio::test]
async fn a_one_during_the_intro_confirms_nothing() {
    let script = PhoneScript::answer_after(ms(0)).press(ms(100), '1', PressMethod::Rfc4733);
    let (_exchange, caller) = phones(script, false).await;
    let placed = Placed::start(caller, NUMBER, program(1000));
    let (news, summary) = news_and_summary(placed).await;
    assert_eq!(
        news,
        [CallProgress::Answered],
        "never reported as confirmed"
    );
    assert_eq!(summary.outcome, AttemptOutcome::AnsweredNoAck);
    assert_eq!(summary.digits, "1", "the early key is kept");
}

#[tokio::test]
async fn a_one_during_the_intro_then_one_after_the_message_confirms() {
    let script = PhoneScript::answer_after(ms(0))
        .press(ms(100), '1', PressMethod::Rfc4733)
        .press(ms(2000), '1', PressMethod::Rfc4733);
    let (_exchange, caller) = phones(script, false).await;
    let placed = Placed::start(caller, NUMBER, program(1000));
    let (news, summary) = news_and_summary(placed).await;
    assert_eq!(news, [CallProgress::Answered, CallProgress::Confirmed]);
    assert_eq!(summary.outcome, AttemptOutcome::Acknowledged);
    assert_eq!(summary.digits, "11");
}

/// A member who presses 1 after the message and hangs up one frame later is confirmed, and
/// the chain hears it.
#[tokio::test]
async fn a_one_after_the_message_then_hanging_up_at_once_confirms() {
    let script = PhoneScript::answer_after(ms(0))
        .press(ms(2000), '1', PressMethod::Rfc4733)
        .hang_up_after(ms(2020));
    let (_exchange, caller) = phones(script, false).await;
    let placed = Placed::start(caller, NUMBER, program(1000));
    let (news, summary) = news_and_summary(placed).await;
    assert_eq!(news, [CallProgress::Answered, CallProgress::Confirmed]);
    assert_eq!(summary.outcome, AttemptOutcome::Acknowledged);
    assert_eq!(summary.digits, "1");
}

#[tokio::test]
async fn a_one_during_the_intro_then_hanging_up_at_once_confirms_nothing() {
    let script = PhoneScript::answer_after(ms(0))
        .press(ms(100), '1', PressMethod::Rfc4733)
        .hang_up_after(ms(120));
    let (_exchange, caller) = phones(script, false).await;
    let placed = Placed::start(caller, NUMBER, program(1000));
    let (news, summary) = news_and_summary(placed).await;
    assert_eq!(
        news,
        [CallProgress::Answered],
        "never reported as confirmed"
    );
    assert_eq!(summary.outcome, AttemptOutcome::AnsweredNoAck);
    assert_eq!(summary.digits, "1", "the key is kept");
}

#[tokio::test]
async fn a_one_while_machine_detection_listens_confirms_nothing() {
    let script = PhoneScript::answer_after(ms(0)).press(ms(300), '1', PressMethod::Rfc4733);
    let (_exchange, caller) = phones(script, true).await;
    let placed = Placed::start(caller, NUMBER, program(1000));
    let (news, summary) = news_and_summary(placed).await;
    assert_eq!(news, [CallProgress::Answered]);
    assert_eq!(summary.outcome, AttemptOutcome::AnsweredNoAck);
    assert_eq!(
        summary.machine.as_deref(),
        Some("human"),
        "a key means a person"
    );
    assert_eq!(summary.digits, "1");
}

#[tokio::test]
async fn a_call_answered_before_its_program_is_made_plays_it_once_made() {
    let script = PhoneScript::answer_after(ms(0)).press(ms(2500), '1', PressMethod::Rfc4733);
    let (mut exchange, caller) = phones(script, false).await;
    let (maker, pending) = PendingProgram::later();
    let mut placed = Placed::start(caller, NUMBER, pending);
    placed.answered().await;
    maker.finish(Ok(made(1000)));
    assert_eq!(placed.progress.recv().await, Some(CallProgress::Confirmed));
    let summary = placed.summary().await;
    assert_eq!(summary.outcome, AttemptOutcome::Acknowledged);
    let phone = phone_side(&mut exchange).await;
    assert!(phone.rtp_received > 0, "the program reached the phone");
}

#[tokio::test]
async fn a_call_whose_program_fails_after_the_answer_is_hung_up() {
    let script = PhoneScript::answer_after(ms(0)).press(ms(2500), '1', PressMethod::Rfc4733);
    let (mut exchange, caller) = phones(script, false).await;
    let (maker, pending) = PendingProgram::later();
    let mut placed = Placed::start(caller, NUMBER, pending);
    placed.answered().await;
    maker.finish(Err(no_voice()));
    let summary = placed.summary().await;
    assert_eq!(summary.outcome, AttemptOutcome::AnsweredNoAck);
    assert_eq!(summary.digits, "");
    assert!(!phone_side(&mut exchange).await.hung_up_by_phone);
}

#[tokio::test]
async fn a_call_whose_program_already_failed_is_not_dialled() {
    let (_exchange, caller) = phones(PhoneScript::never_answer(), false).await;
    let (maker, pending) = PendingProgram::later();
    maker.finish(Err(no_voice()));
    let summary = Placed::start(caller, NUMBER, pending).summary().await;
    assert_eq!(summary, CallSummary::failed());
}

fn no_voice() -> ProgramFailure {
    ProgramFailure::unmade(std::io::Error::other("no voice"))
}

#[tokio::test]
async fn a_key_by_sip_info_is_reported_too() {
    let script = PhoneScript::answer_after(ms(0)).press(ms(2000), '1', PressMethod::Info);
    let (_exchange, caller) = phones(script, false).await;
    let mut placed = Placed::start(caller, NUMBER, program(1000));
    placed.answered().await;
    assert_eq!(placed.progress.recv().await, Some(CallProgress::Confirmed));
    assert!(!placed.call.is_finished());
    assert_eq!(placed.summary().await.outcome, AttemptOutcome::Acknowledged);
}

#[tokio::test]
async fn a_busy_phone_is_busy() {
    let (mut exchange, caller) = phones(PhoneScript::refuse(486, ms(100)), false).await;
    let mut placed = Placed::start(caller, NUMBER, program(1000));
    let summary = placed.call.await.unwrap();
    assert_eq!(summary.outcome, AttemptOutcome::Busy);
    assert_eq!(summary.sip_status, Some(486));
    assert_eq!(summary.digits, "");
    assert_eq!(placed.progress.recv().await, None, "never answered");
    assert_eq!(phone_side(&mut exchange).await.final_status, 486);
}

#[tokio::test]
async fn a_ringing_call_stopped_if_ringing_is_cancelled_as_no_answer() {
    let (mut exchange, caller) = phones(PhoneScript::never_answer(), false).await;
    let placed = Placed::start(caller, NUMBER, program(1000));
    tokio::time::sleep(ms(300)).await;
    placed.stop.send_replace(Stop::IfRinging);
    let summary = placed.summary().await;
    assert_eq!(summary.outcome, AttemptOutcome::NoAnswer);
    assert_eq!(summary.sip_status, Some(487));
    assert_eq!(summary.talk, Duration::ZERO);
    let phone = phone_side(&mut exchange).await;
    assert!(phone.cancelled, "the phone saw our CANCEL");
}

#[tokio::test]
async fn an_answered_call_ignores_stop_if_ringing() {
    let script = PhoneScript::answer_after(ms(100)).press(ms(2000), '1', PressMethod::Rfc4733);
    let (mut exchange, caller) = phones(script, false).await;
    let mut placed = Placed::start(caller, NUMBER, program(1000));
    placed.answered().await;
    placed.stop.send_replace(Stop::IfRinging);
    assert_eq!(placed.progress.recv().await, Some(CallProgress::Confirmed));
    let summary = placed.summary().await;
    assert_eq!(
        summary.outcome,
        AttemptOutcome::Acknowledged,
        "played to its end"
    );
    let phone = phone_side(&mut exchange).await;
    assert!(!phone.cancelled);
}

#[tokio::test]
async fn an_answered_call_stopped_now_ends_early() {
    let (mut exchange, caller) = phones(PhoneScript::answer_after(ms(100)), false).await;
    let message_ms = 10_000;
    let mut placed = Placed::start(caller, NUMBER, program(message_ms));
    placed.answered().await;
    placed.stop.send_replace(Stop::Now);
    let summary = placed.summary().await;
    assert_eq!(summary.outcome, AttemptOutcome::AnsweredNoAck);
    assert_eq!(summary.sip_status, Some(200));
    let phone = phone_side(&mut exchange).await;
    assert!(!phone.hung_up_by_phone, "we hung up");
    assert!(
        phone.heard.len() < message_ms * 8,
        "cut short: heard {} samples",
        phone.heard.len()
    );
}

#[tokio::test]
async fn a_ringing_call_stopped_now_is_cancelled() {
    let (mut exchange, caller) = phones(PhoneScript::never_answer(), false).await;
    let placed = Placed::start(caller, NUMBER, program(1000));
    tokio::time::sleep(ms(300)).await;
    placed.stop.send_replace(Stop::Now);
    let summary = placed.summary().await;
    assert_eq!(summary.outcome, AttemptOutcome::NoAnswer);
    assert_eq!(summary.sip_status, Some(487));
    assert!(phone_side(&mut exchange).await.cancelled);
}

#[tokio::test]
async fn a_call_stopped_before_it_is_placed_is_not_dialled() {
    // A phone that rings forever: had it been dialled, the stop would have cancelled it (487).
    let (_exchange, caller) = phones(PhoneScript::never_answer(), false).await;
    let (stop, stop_requests) = watch::channel(Stop::No);
    stop.send_replace(Stop::IfRinging);
    let (news, _progress) = mpsc::unbounded_channel();
    let request = CallRequest {
        number: NUMBER.to_owned(),
        program: program(1000),
        stop: stop_requests,
        progress: news,
    };
    let summary = caller.call(request).await;
    assert_eq!(summary, CallSummary::failed());
}

/// Speech from the built-in engine, 8 kHz.
fn spoken(text: &str, language: Language) -> Arc<Vec<i16>> {
    let cache = tempfile::tempdir().unwrap();
    let speech = Speech::new(SpeechSettings {
        cache_dir: cache.path().to_owned(),
        ..SpeechSettings::default()
    })
    .unwrap();
    speech.render(text, language, 1.0).unwrap().samples
}

#[tokio::test]
async fn an_answering_machine_with_a_beep_is_voicemail() {
    let greeting = spoken(
        "hallo, u bent verbonden met de voicemail van jan peeters. spreek een bericht in na de toon.",
        Language::Nl,
    );
    let (mut exchange, caller) = phones(PhoneScript::machine(greeting, true), true).await;
    let summary = Placed::start(caller, NUMBER, program(1000)).summary().await;
    assert_eq!(summary.outcome, AttemptOutcome::Voicemail);
    assert_eq!(summary.machine.as_deref(), Some("machine"));
    assert_eq!(summary.sip_status, Some(200));
    assert!(!phone_side(&mut exchange).await.hung_up_by_phone);
}

#[tokio::test]
async fn unavailable_carries_its_retry_after() {
    let script = PhoneScript::refuse(503, ms(100)).retry_after(Duration::from_secs(120));
    let (_exchange, caller) = phones(script, false).await;
    let summary = Placed::start(caller, NUMBER, program(1000)).summary().await;
    assert_eq!(
        summary.outcome,
        AttemptOutcome::Unavailable {
            retry_after: Some(Duration::from_secs(120))
        }
    );
    assert_eq!(summary.sip_status, Some(503));
}

#[tokio::test]
async fn a_number_that_does_not_dial_fails_without_a_call() {
    let (_exchange, caller) = phones(PhoneScript::never_answer(), false).await;
    let summary = Placed::start(caller, "call me", program(1000))
        .summary()
        .await;
    assert_eq!(summary, CallSummary::failed());
}

#[tokio::test]
async fn a_stop_before_any_provisional_response_waits_for_one() {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let caller = caller(socket.local_addr().unwrap(), false).await;
    let (invited, on_invite) = oneshot::channel();
    let phone = tokio::spawn(late_ringing_phone(socket, invited));
    let placed = Placed::start(caller, NUMBER, program(1000));
    on_invite.await.unwrap();
    placed.stop.send_replace(Stop::IfRinging);
    let summary = placed.summary().await;
    assert_eq!(
        phone.await.unwrap(),
        ["INVITE", "180", "CANCEL", "ACK"],
        "RFC 3261 §9.1: no CANCEL before a provisional response"
    );
    assert_eq!(summary.outcome, AttemptOutcome::NoAnswer);
    assert_eq!(summary.sip_status, Some(487));
}

/// A phone that says nothing for 300 ms after the INVITE (not even 100 Trying), then rings;
/// a CANCEL gets 200 and the INVITE 487. Returns what it received and sent, in order
/// (retransmitted INVITEs left out).
async fn late_ringing_phone(socket: UdpSocket, invited: oneshot::Sender<()>) -> Vec<&'static str> {
    let mut log = Vec::new();
    let Some((invite, caller)) = next_request(&socket).await else {
        return log;
    };
    log.push("INVITE");
    let _ = invited.send(());
    let ring = tokio::time::sleep(ms(300));
    tokio::pin!(ring);
    loop {
        tokio::select! {
            () = &mut ring => break,
            request = next_request(&socket) => match request {
                Some((r, _)) if r.method == Method::Invite => {}
                Some((r, _)) => log.push(method_name(&r)),
                None => return log,
            },
        }
    }
    let reply = |status, reason| response_to(&invite, status, reason, "late1").to_bytes();
    socket
        .send_to(&reply(180, "Ringing"), caller)
        .await
        .unwrap();
    log.push("180");
    while let Some((request, from)) = next_request(&socket).await {
        match request.method {
            Method::Invite => {}
            Method::Cancel => {
                log.push("CANCEL");
                let ok = response_to(&request, 200, "OK", "late1").to_bytes();
                socket.send_to(&ok, from).await.unwrap();
                let terminated = reply(487, "Request Terminated");
                socket.send_to(&terminated, from).await.unwrap();
            }
            Method::Ack => {
                log.push("ACK");
                return log;
            }
            _ => log.push(method_name(&request)),
        }
    }
    log
}

/// The next request, or `None` when nothing comes for 10 s.
async fn next_request(socket: &UdpSocket) -> Option<(Request, SocketAddr)> {
    let mut buffer = vec![0u8; 65_535];
    loop {
        let (n, from) =
            tokio::time::timeout(Duration::from_secs(10), socket.recv_from(&mut buffer))
                .await
                .ok()?
                .ok()?;
        if let Ok(Message::Request(request)) = parse_datagram(&buffer[..n]) {
            return Some((request, from));
        }
    }
}

fn method_name(request: &Request) -> &'static str {
    match request.method {
        Method::Invite => "INVITE",
        Method::Cancel => "CANCEL",
        Method::Ack => "ACK",
        Method::Bye => "BYE",
        _ => "other",
    }
}
