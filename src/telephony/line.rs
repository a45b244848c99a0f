//! One call's task: runs the sans-IO [`Call`] against the clock and its routed SIP messages,
//! and once answered either holds the line or plays the program through the pacer, ending the
//! call when the program or the far end says so. Whether the program first listens for an
//! answering machine comes with [`LineContext::settings`].
//!
//! Silence is not an end: a phone may send no RTP at all (silence suppression, no
//! microphone) and must still hear the whole program. When nothing has arrived for
//! [`LineContext::silence`] (at most [`MAX_SILENCE`]) the media session says so, and the line
//! asks the [`Call`] to probe the far end with an in-dialog OPTIONS; any answer lets the
//! program go on, none within
//! [`PROBE_TIMEOUT`] hangs up. So a far end that vanished is hung up within
//! `MAX_SILENCE + PROBE_TIMEOUT` = 28 s of its last packet or answer.
//!
//! The chain may supervise the call ([`Supervision`]): it can ask it to stop, and hears of the
//! answer and of the program's acceptance of a confirmation as it happens, so a confirmation is
//! committed while the thank-you plays, not after the call. Without supervision the call runs to its own end.
//!
//! The media session itself lives in its pacing lane ([`crate::telephony::media`]); the line
//! sends it INFO keys and the stop, and hears back its keys, confirmation, silences and end.

use crate::telephony::clock;
use crate::telephony::control::{CallProgress, Stop};
use crate::telephony::endpoint::{Endpoint, Route};
use crate::telephony::media::{MediaHandle, MediaInput, MediaNews, MediaReport};
use crate::telephony::pacer::Pacer;
use crate::telephony::pending::{Made, PendingProgram};
use buurtbel_proto::media::audio::EncodedProgram;
use buurtbel_proto::media::program::ProgramSettings;
use buurtbel_proto::media::rtp::SenderStart;
use buurtbel_proto::media::session::{MediaEvent, MediaSession, Script, SessionSetup};
use buurtbel_proto::sip::call::{Call, CallEvent, CallReport, PROBE_TIMEOUT, Transmit};
use buurtbel_proto::sip::sdp::{Answer, TELEPHONE_EVENT_PT};
use buurtbel_proto::time::Instant;
use rand::Rng;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, watch};

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
        progress: supervision.progress,
        answered: false,
        answer: None,
        media: None,
        report: None,
        awaiting: None,
        hang_up_at: None,
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
    progress: Option<mpsc::UnboundedSender<CallProgress>>,
    answered: bool,
    answer: Option<Answer>,
    /// The media in its lane, while it runs.
    media: Option<MediaHandle>,
    /// The media's report, once it ended on its own.
    report: Option<MediaReport>,
    /// Answered before the program was made: it is awaited here.
    awaiting: Option<PendingProgram>,
    hang_up_at: Option<Instant>,
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

    /// Waits for the next message, timer, media news or stop request, and handles it.
    async fn wait(&mut self) {
        let wake = [self.call.poll_timeout(), self.hang_up_at]
            .into_iter()
            .flatten()
            .min();
        let media = &mut self.media;
        let media_news = async {
            match media {
                Some(handle) => handle.next().await,
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
            news = media_news => self.on_media(news),
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
                self.stop_media();
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
                if let Some(media) = &self.media {
                    media.send(MediaInput::Info {
                        at: clock::now(),
                        content_type,
                        body,
                    });
                }
            }
            CallEvent::Ringing { .. } | CallEvent::Ended(_) => {}
        }
    }

    /// What the media in its lane said; `None` once it is gone.
    fn on_media(&mut self, news: Option<MediaNews>) {
        match news {
            Some(MediaNews::Event(MediaEvent::Confirmed)) => self.tell(CallProgress::Confirmed),
            Some(MediaNews::Event(MediaEvent::Silent)) if !self.call.is_probing() => {
                tracing::debug!(
                    call_id = self.call.call_id(),
                    "no RTP for a while; asking the far end whether it is still there"
                );
                self.call.probe(clock::now());
            }
            Some(MediaNews::Event(MediaEvent::Ended(_))) => self.call.hang_up(clock::now()),
            Some(MediaNews::Event(_)) => {}
            Some(MediaNews::Report(report)) => {
                self.report = Some(report);
                self.media = None;
            }
            None => self.media = None,
        }
    }

    fn on_answer(&mut self, answer: Answer) {
        self.answered = true;
        self.answered_from = self.last_source.map(|source| source.ip());
        self.tell(CallProgress::Answered);
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
                let session = new_session(self.context, &program, answer, self.answered_from);
                let handle = MediaHandle::start(self.context.pacer, session, &self.rtp);
                self.media = Some(handle);
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
        self.call.handle_timeout(now);
    }

    /// A stop request. The [`Call`] holds a CANCEL back until a provisional response has
    /// arrived (RFC 3261 §9.1), and ends with a BYE an answer that crosses it.
    fn obey(&mut self, stop: Stop) {
        match stop {
            Stop::No => {}
            Stop::IfRinging if self.answered => {}
            Stop::IfRinging => self.call.hang_up(clock::now()),
            Stop::Now => {
                self.stop_media();
                self.call.hang_up(clock::now());
            }
        }
    }

    fn stop_media(&self) {
        if let Some(media) = &self.media {
            media.send(MediaInput::Stop);
        }
    }

    /// Sends the chain its news, if it listens; the call carries on regardless.
    fn tell(&self, progress: CallProgress) {
        if let Some(sender) = &self.progress {
            let _ = sender.send(progress);
        }
    }

    async fn finish(
        mut self,
        report: CallReport,
    ) -> (CallReport, Option<Answer>, Option<MediaReport>) {
        flush(self.context.endpoint, &mut self.call).await;
        let played = match self.media.take() {
            Some(media) => self.finish_media(media).await,
            None => self.report.take(),
        };
        (report, self.answer, played)
    }

    /// Stops the media still running and waits for its report, passing on a confirmation
    /// said on the way (a member who pressed 1 in the last frame before the BYE).
    async fn finish_media(&mut self, mut media: MediaHandle) -> Option<MediaReport> {
        media.send(MediaInput::Stop);
        while let Some(news) = media.next().await {
            match news {
                MediaNews::Event(MediaEvent::Confirmed) => self.tell(CallProgress::Confirmed),
                MediaNews::Event(_) => {}
                MediaNews::Report(report) => return Some(report),
            }
        }
        None
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

/// The session for an answered call, its first packet on the pacer's next tick.
fn new_session(
    context: &LineContext<'_>,
    program: &EncodedProgram,
    answer: &Answer,
    signalling: Option<IpAddr>,
) -> MediaSession {
    let script = |payload_type| Script::Alert {
        audio: program.for_payload_type(payload_type),
        settings: context.settings,
    };
    let silence = context.silence.min(MAX_SILENCE);
    answered_session(
        context.pacer,
        script,
        answer,
        signalling,
        context.record,
        silence,
    )
}

/// A session that plays `script` (made for the answer's payload type) to the far end the
/// answer names, its first packet on the pacer's next tick.
pub(crate) fn answered_session(
    pacer: &Pacer,
    script: impl FnOnce(u8) -> Script,
    answer: &Answer,
    signalling: Option<IpAddr>,
    record: bool,
    silence: Duration,
) -> MediaSession {
    let now = clock::now();
    let payload_type = answer.codec.payload_type();
    let mut rng = rand::rng();
    let setup = SessionSetup {
        script: script(payload_type),
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
        record,
        silence,
    };
    MediaSession::new(now, pacer.next_tick(now), setup)
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
