//! One call's task: runs the sans-IO [`Call`] against the clock and its routed SIP messages,
//! and once answered either holds the line or plays the program through the pacer, ending the
//! call when the program, the far end or RTP inactivity says so. Whether the program first
//! listens for an answering machine comes with [`LineContext::settings`].

use crate::media::amd::Answerer;
use crate::media::audio::EncodedProgram;
use crate::media::program::ProgramEnd;
use crate::media::program::ProgramSettings;
use crate::media::rtp::SenderStart;
use crate::media::session::{Digit, MediaEnd, MediaSession, MediaStats, SessionSetup};
use crate::sip::call::{Call, CallEvent, CallReport, Outcome, Transmit};
use crate::sip::sdp::{Answer, TELEPHONE_EVENT_PT};
use crate::telephony::clock;
use crate::telephony::endpoint::{Endpoint, Route};
use crate::telephony::pacer::{PacedMedia, Pacer};
use rand::Rng;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::net::UdpSocket;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// What happens once the call is answered.
#[derive(Debug, Clone)]
pub enum Playback {
    /// Stay on the line this long, silent, then hang up.
    Hold(Duration),
    /// Play the program; the member's keys decide the end.
    Program(Arc<EncodedProgram>),
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
    /// RTP inactivity timeout.
    pub inactivity: Duration,
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

/// Runs one call to its end: the SIP report, the answer, and the media report if played.
pub async fn run(
    context: &LineContext<'_>,
    mut call: Call,
    mut route: Route,
    rtp: UdpSocket,
    playback: &Playback,
) -> (CallReport, Option<Answer>, Option<MediaReport>) {
    let rtp = Arc::new(rtp);
    let (mut hang_up_at, mut answer, mut media): (
        Option<Instant>,
        Option<Answer>,
        Option<ActiveMedia>,
    ) = (None, None, None);
    loop {
        flush(context.endpoint, &mut call).await;
        while let Some(event) = call.poll_event() {
            match event {
                CallEvent::Answered { media: negotiated } => {
                    answer = negotiated.as_ref().ok().cloned();
                    match (playback, &answer) {
                        (Playback::Hold(hold), _) => hang_up_at = Some(clock::now() + *hold),
                        (Playback::Program(program), Some(answer)) => {
                            media = Some(start_media(context, program, answer, &rtp));
                        }
                        (Playback::Program(_), None) => {
                            tracing::warn!(
                                call_id = call.call_id(),
                                "answer has no usable media; hanging up"
                            );
                            hang_up_at = Some(clock::now());
                        }
                    }
                }
                CallEvent::Info { content_type, body } => {
                    if let Some(active) = &media {
                        lock(&active.session).handle_info(clock::now(), &content_type, &body);
                    }
                }
                CallEvent::Ended(report) => {
                    flush(context.endpoint, &mut call).await;
                    let played = media.take().map(|active| media_report(&active));
                    return (refine(report, played.as_ref()), answer, played);
                }
                CallEvent::Ringing { .. } => {}
            }
        }
        let wake = [call.poll_timeout(), hang_up_at]
            .into_iter()
            .flatten()
            .min();
        let media_ended = async {
            match &media {
                Some(active) => active.ended.notified().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            inbound = route.recv() => match inbound {
                Some(inbound) => call.handle_message(clock::now(), inbound.message, inbound.source),
                None => call.hang_up(clock::now()),
            },
            () = media_ended => call.hang_up(clock::now()),
            () = sleep_until(wake) => {
                let now = clock::now();
                if hang_up_at.is_some_and(|at| at <= now) {
                    hang_up_at = None;
                    call.hang_up(now);
                }
                call.handle_timeout(now);
            }
        }
    }
}

fn start_media(
    context: &LineContext<'_>,
    program: &EncodedProgram,
    answer: &Answer,
    rtp: &Arc<UdpSocket>,
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
        inactivity: context.inactivity,
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

/// Feeds every datagram on the call's RTP port into its session.
async fn receive(socket: Arc<UdpSocket>, session: Arc<Mutex<MediaSession>>, ended: Arc<Notify>) {
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
        end: session.end(),
        recording: session.recording().map(<[i16]>::to_vec),
        machine: session.answerer(),
    }
}

/// An answered call that played the program ends acknowledged or not; an answering machine
/// that took the message is not acknowledged here (the SIP outcome has no such case): the
/// media report's [`MediaEnd`] says `Voicemail`.
fn refine(mut report: CallReport, played: Option<&MediaReport>) -> CallReport {
    if let (Outcome::Answered, Some(played)) = (report.outcome, played) {
        report.outcome = match played.end {
            Some(MediaEnd::Program(ProgramEnd::Acknowledged)) => Outcome::Acknowledged,
            _ => Outcome::AnsweredNoAck,
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
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}
