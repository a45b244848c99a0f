//! One call's task: runs the sans-IO [`Call`] against the clock and its routed SIP messages,
//! and once answered either holds the line or plays the program through the pacer, ending the
//! call when the program or the far end says so. Whether the program first listens for an
//! answering machine comes with [`LineContext::settings`].
//!
//! Silence is not an end: a phone may send no RTP at all (silence suppression, no
//! microphone) and must still hear the whole program. When nothing has arrived for
//! [`LineContext::silence`] (at most [`MAX_SILENCE`]) the line asks the [`Call`] to probe the
//! far end with an in-dialog OPTIONS; any answer lets the program go on, none within
//! [`PROBE_TIMEOUT`] hangs up. So a far end that vanished is hung up within
//! `MAX_SILENCE + PROBE_TIMEOUT` = 28 s of its last packet or answer.
//!
//! The chain may supervise the call ([`Supervision`]): it can ask it to stop, and hears of the
//! answer and of the program's acceptance of a confirmation as it happens, so a confirmation is
//! committed while the thank-you plays, not after the call. Without supervision the call runs to its own end.

use crate::telephony::clock;
use crate::telephony::control::{CallProgress, Stop};
use crate::telephony::endpoint::{Endpoint, Route};
use crate::telephony::pacer::{PacedMedia, Pacer};
use crate::telephony::pending::{Made, PendingProgram};
use buurtbel_proto::media::amd::Answerer;
use buurtbel_proto::media::audio::EncodedProgram;
use buurtbel_proto::media::program::ProgramSettings;
use buurtbel_proto::media::rtp::SenderStart;
use buurtbel_proto::media::session::{Digit, MediaEnd, MediaSession, MediaStats, SessionSetup};
use buurtbel_proto::sip::call::{Call, CallEvent, CallReport, Outcome, PROBE_TIMEOUT, Transmit};
use buurtbel_proto::sip::sdp::{Answer, TELEPHONE_EVENT_PT};
use buurtbel_proto::time::Instant;
use rand::Rng;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinHandle;

/// The longest silence before a probe, so that silence plus [`PROBE_TIMEOUT`] stays under
/// 30 s with room for a late timer.
pub const MAX_SILENCE: Duration = Duration::from_secs(12);
const _: () = assert!(MAX_SILENCE.as_secs() + PROBE_TIMEOUT.as_secs() < 30);

/// What happens once the call is answered.
#[derive(Debug, Clone)]
pub enum Playback {
    /// Stay on the line this long, silent, then hang up.
    Hold(Duration),
    /// Play the program, made by the answer or awaited then; the member's keys decide the
    /// end.
    Program(PendingProgram),
}

/// How the media part of a call went.
#[derive(Debug, Clone)]
pub struct MediaReport {
    /// Counters.
    pub stats: MediaStats,
    /// Keys received, in order.
    pub digits: Vec<Digit>,
    /// How many times the message started.
    pub message_starts: u32,
    /// The program accepted a `1` as the confirmation.
    pub confirmed: bool,
    /// Why the media ended.
    pub end: Option<MediaEnd>,
    /// The far end's audio, when [`LineContext::record`] asked for it.
    pub recording: Option<Vec<i16>>,
    /// Who answered, when machine detection was on and decided.
    pub machine: Option<Answerer>,
}

/// Shared pieces a line uses.
pub struct LineContext<'a> {
    /// Sends SIP.
    pub endpoint: &'a Endpoint,
    /// Paces RTP.
    pub pacer: &'a Pacer,
    /// Menu rounds, key wait, machine detection.
    pub settings: ProgramSettings,
    /// How long the far end may send no RTP before we ask whether it is still there.
    pub silence: Duration,
    /// Keep the far end's audio.
    pub record: bool,
}

struct ActiveMedia {
    session: Arc<Mutex<MediaSession>>,
    ended: Arc<Notify>,
    receiver: JoinHandle<()>,
}

impl Drop for ActiveMedia {
    fn drop(&mut self) {
        self.receiver.abort();
        self.session
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .stop();
    }
}

/// The chain's hold on one call: a stop request to obey and a channel for its news. The
/// default has neither, as for a call placed from the command line.
#[derive(Debug, Default)]
pub struct Supervision {
    /// Asks the call to end early: [`Stop::IfRinging`] cancels a call not yet answered (and
    /// is ignored once answered), [`Stop::Now`] ends it ringing or answered.
    pub stop: Option<watch::Receiver<Stop>>,
    /// Hears [`CallProgress::Answered`] at the answer, and [`CallProgress::Confirmed`] the
    /// moment the program accepts the member's `1`, before the thank-you plays.
    pub progress: Option<mpsc::UnboundedSender<CallProgress>>,
}

/// Runs one call to its end: the SIP report, the answer, and the media report if played.
pub async fn run(
    context: &LineContext<'_>,
    call: Call,
    route: Route,
    rtp: UdpSocket,
    playback: &Playback,
    supervision: Supervision,
) -> (CallReport, Option<Answer>, Option<MediaReport>) {
    let line = Line {
        context,
        call,
        route,
        rtp: Arc::new(rtp),
        playback,
        stop: supervision.stop,
        progress: Arc::new(Progress::new(supervision.progress)),
        answered: false,
        answer: None,
        media: None,
        awaiting: None,
        hang_up_at: None,
        last_probe: None,
        last_source: None,
        answered_from: None,
    };
    line.run().await
}

/// One call in progress, as its task sees it.
struct Line<'l, 'a> {
    context: &'l LineContext<'a>,
    call: Call,
    route: Route,
    rtp: Arc<UdpSocket>,
    playback: &'l Playback,
    stop: Option<watch::Receiver<Stop>>,
    progress: Arc<Progress>,
    answered: bool,
    answer: Option<Answer>,
    media: Option<ActiveMedia>,
    /// Answered before the program was made: it is awaited here.
    awaiting: Option<PendingProgram>,
    hang_up_at: Option<Instant>,
    /// When we last asked the far end whether it is still there.
    last_probe: Option<Instant>,
    /// Where the last SIP message came from.
    last_source: Option<SocketAddr>,
    /// The IP address the answer (2xx) came from: the media may latch onto a source there.
    answered_from: Option<IpAddr>,
}

impl Line<'_, '_> {
    async fn run(mut self) -> (CallReport, Option<Answer>, Option<MediaReport>) {
        // A stop that came after the dialer last looked, before this line started.
        if let Some(stop) = self.stop.as_mut().map(|s| *s.borrow_and_update()) {
            self.obey(stop);
        }
        loop {
            flush(self.context.endpoint, &mut self.call).await;
            while let Some(event) = self.call.poll_event() {
                if let CallEvent::Ended(report) = event {
                    return self.finish(report).await;
                }
                self.on_event(event);
            }
            self.wait().await;
        }
    }

    /// Waits for the next message, timer, media end or stop request, and handles it.
    async fn wait(&mut self) {
        let wake = [self.call.poll_timeout(), self.hang_up_at, self.probe_at()]
            .into_iter()
            .flatten()
            .min();
        let media = &self.media;
        let media_ended = async {
            match media {
                Some(active) => active.ended.notified().await,
                None => std::future::pending().await,
            }
        };
        let awaiting = &mut self.awaiting;
        let program_made = async {
            match awaiting {
                Some(pending) => pending.made().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            made = program_made => {
                self.awaiting = None;
                self.on_program(made);
            }
            inbound = self.route.recv() => match inbound {
                Some(inbound) => {
                    self.last_source = Some(inbound.source);
                    self.call.handle_message(clock::now(), inbound.message, inbound.source);
                }
                None => self.call.hang_up(clock::now()),
            },
            () = media_ended => self.call.hang_up(clock::now()),
            () = sleep_until(wake) => self.on_timer(),
            stop = next_stop(&mut self.stop) => match stop {
                Some(stop) => self.obey(stop),
                // The chain dropped its side: nobody will ask again.
                None => self.stop = None,
            },
        }
    }

    fn on_event(&mut self, event: CallEvent) {
        match event {
            CallEvent::Answered { media } => self.on_answer(media),
            CallEvent::Ending { reason } => {
                tracing::info!(
                    call_id = self.call.call_id(),
                    reason = reason.as_str(),
                    "hanging up"
                );
                if let Some(active) = &self.media {
                    lock(&active.session).stop();
                }
            }
            CallEvent::AuthRejected {
                status,
                method,
                realm,
                username,
            } => tracing::warn!(
                target: "buurtbel::sip",
                call_id = self.call.call_id(),
                status,
                %method,
                %realm,
                %username,
                "digest authentication failed: the trunk refused our credentials"
            ),
            CallEvent::Info { content_type, body } => {
                if let Some(active) = &self.media {
                    let mut session = lock(&active.session);
                    session.handle_info(clock::now(), &content_type, &body);
                    self.progress.confirmation(&session);
                }
            }
            CallEvent::Ringing { .. } | CallEvent::Ended(_) => {}
        }
    }

    fn on_answer(&mut self, answer: Answer) {
        self.answered = true;
        self.answered_from = self.last_source.map(|source| source.ip());
        self.progress.send(CallProgress::Answered);
        self.answer = Some(answer);
        match self.playback {
            Playback::Hold(hold) => self.hang_up_at = Some(clock::now() + *hold),
            Playback::Program(pending) => match pending.now() {
                Some(made) => self.on_program(made),
                None => self.awaiting = Some(pending.clone()),
            },
        }
    }

    /// The program is made (or failed) and the call is answered: play it, or hang up.
    fn on_program(&mut self, made: Made) {
        let Some(answer) = &self.answer else {
            return;
        };
        match made {
            Ok(program) => {
                self.media = Some(start_media(
                    self.context,
                    &program,
                    answer,
                    self.answered_from,
                    &self.rtp,
                    &self.progress,
                ));
            }
            Err(e) => {
                tracing::error!(call_id = self.call.call_id(), error = %e, "no program to play; hanging up");
                self.hang_up_at = Some(clock::now());
            }
        }
    }

    fn on_timer(&mut self) {
        let now = clock::now();
        if self.hang_up_at.is_some_and(|at| at <= now) {
            self.hang_up_at = None;
            self.call.hang_up(now);
        }
        if self.probe_at().is_some_and(|at| at <= now) {
            tracing::debug!(
                call_id = self.call.call_id(),
                "no RTP for a while; asking the far end whether it is still there"
            );
            self.last_probe = Some(now);
            self.call.probe(now);
        }
        self.call.handle_timeout(now);
    }

    /// When to probe the far end: [`LineContext::silence`] after the last RTP packet or the
    /// last probe, whichever came later; `None` without media or while a probe is out.
    fn probe_at(&self) -> Option<Instant> {
        let active = self.media.as_ref()?;
        if self.call.is_probing() {
            return None;
        }
        let heard = lock(&active.session).last_heard();
        let since = self.last_probe.map_or(heard, |probe| probe.max(heard));
        Some(since + self.context.silence.min(MAX_SILENCE))
    }

    /// A stop request. The [`Call`] holds a CANCEL back until a provisional response has
    /// arrived (RFC 3261 §9.1), and ends with a BYE an answer that crosses it.
    fn obey(&mut self, stop: Stop) {
        match stop {
            Stop::No => {}
            Stop::IfRinging if self.answered => {}
            Stop::IfRinging => self.call.hang_up(clock::now()),
            Stop::Now => {
                if let Some(active) = &self.media {
                    lock(&active.session).stop();
                }
                self.call.hang_up(clock::now());
            }
        }
    }

    async fn finish(
        mut self,
        report: CallReport,
    ) -> (CallReport, Option<Answer>, Option<MediaReport>) {
        flush(self.context.endpoint, &mut self.call).await;
        let played = self.media.take().map(|active| media_report(&active));
        (refine(report, played.as_ref()), self.answer, played)
    }
}

/// The next stop request; `None` once the chain has dropped its sender.
async fn next_stop(stop: &mut Option<watch::Receiver<Stop>>) -> Option<Stop> {
    match stop {
        Some(receiver) => {
            receiver.changed().await.ok()?;
            Some(*receiver.borrow_and_update())
        }
        None => std::future::pending().await,
    }
}

/// Sends the chain its news: the answer, then the confirmation once, whichever task received
/// the key.
struct Progress {
    sender: Option<mpsc::UnboundedSender<CallProgress>>,
    confirmation_sent: AtomicBool,
}

impl Progress {
    fn new(sender: Option<mpsc::UnboundedSender<CallProgress>>) -> Progress {
        Progress {
            sender,
            confirmation_sent: AtomicBool::new(false),
        }
    }

    fn send(&self, progress: CallProgress) {
        if let Some(sender) = &self.sender {
            // The chain may have stopped listening; the call carries on regardless.
            let _ = sender.send(progress);
        }
    }

    /// Reports the confirmation once the session's program has accepted it.
    fn confirmation(&self, session: &MediaSession) {
        if session.confirmed() && !self.confirmation_sent.swap(true, Ordering::Relaxed) {
            self.send(CallProgress::Confirmed);
        }
    }
}

fn start_media(
    context: &LineContext<'_>,
    program: &EncodedProgram,
    answer: &Answer,
    signalling: Option<IpAddr>,
    rtp: &Arc<UdpSocket>,
    progress: &Arc<Progress>,
) -> ActiveMedia {
    let now = clock::now();
    let payload_type = answer.codec.payload_type();
    let mut rng = rand::rng();
    let setup = SessionSetup {
        audio: program.for_payload_type(payload_type),
        settings: context.settings,
        rtp: SenderStart {
            ssrc: rng.random(),
            sequence: rng.random(),
            timestamp: rng.random(),
            payload_type,
        },
        telephone_events: [Some(TELEPHONE_EVENT_PT), answer.telephone_event]
            .into_iter()
            .flatten()
            .collect(),
        remote: answer.rtp,
        signalling,
        record: context.record,
    };
    let session = Arc::new(Mutex::new(MediaSession::new(
        now,
        context.pacer.next_tick(now),
        setup,
    )));
    let ended = Arc::new(Notify::new());
    let receiver = tokio::spawn(receive(
        Arc::clone(rtp),
        Arc::clone(&session),
        Arc::clone(&ended),
        Arc::clone(progress),
    ));
    context.pacer.add(PacedMedia {
        session: Arc::clone(&session),
        socket: Arc::clone(rtp),
        ended: Arc::clone(&ended),
    });
    ActiveMedia {
        session,
        ended,
        receiver,
    }
}

/// Feeds every datagram on the call's RTP port into its session, reporting a key as soon as
/// the session has it.
async fn receive(
    socket: Arc<UdpSocket>,
    session: Arc<Mutex<MediaSession>>,
    ended: Arc<Notify>,
    progress: Arc<Progress>,
) {
    let mut buffer = vec![0u8; 2048];
    loop {
        let Ok((n, from)) = socket.recv_from(&mut buffer).await else {
            continue;
        };
        let Some(datagram) = buffer.get(..n) else {
            continue;
        };
        let mut session = lock(&session);
        session.handle_datagram(clock::now(), from, datagram);
        progress.confirmation(&session);
        if session.end().is_some() {
            ended.notify_one();
        }
    }
}

fn media_report(active: &ActiveMedia) -> MediaReport {
    let session = lock(&active.session);
    MediaReport {
        stats: session.stats(),
        digits: session.digits().to_vec(),
        message_starts: session.message_starts(),
        confirmed: session.confirmed(),
        end: session.end(),
        recording: session.recording().map(<[i16]>::to_vec),
        machine: session.answerer(),
    }
}

/// An answered call that played the program ends acknowledged exactly when the program
/// accepted the confirmation, even if the member hung up during the thank-you; an answering
/// machine that took the message is not acknowledged here (the SIP outcome has no such case):
/// the media report's [`MediaEnd`] says `Voicemail`.
fn refine(mut report: CallReport, played: Option<&MediaReport>) -> CallReport {
    if let (Outcome::Answered, Some(played)) = (report.outcome, played) {
        report.outcome = if played.confirmed {
            Outcome::Acknowledged
        } else {
            Outcome::AnsweredNoAck
        };
    }
    report
}

fn lock(session: &Mutex<MediaSession>) -> std::sync::MutexGuard<'_, MediaSession> {
    session.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn flush(endpoint: &Endpoint, call: &mut Call) {
    let transmits: Vec<Transmit> = std::iter::from_fn(|| call.poll_transmit()).collect();
    for transmit in transmits {
        if let Err(e) = endpoint
            .transport()
            .send(transmit.destination, transmit.bytes)
            .await
        {
            tracing::warn!(destination = %transmit.destination, error = %e, "sending SIP failed");
        }
    }
}

pub(crate) async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => clock::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
