//! One call to the call-back line, as its task sees it: the sans-IO [`InboundCall`] against
//! the clock and its routed messages, the desk's admission, and once answered the playlist in
//! a pacing lane.

use super::{Admission, CallbackDesk, Caller, VisitNews, VisitReport};
use crate::config::InboundConfig;
use crate::telephony::Dialer;
use crate::telephony::clock;
use crate::telephony::endpoint::{NewCall, Route};
use crate::telephony::line::{self, sleep_until};
use crate::telephony::media::{MediaHandle, MediaInput, MediaNews, MediaReport};
use buurtbel_proto::media::audio::EncodedPlaylist;
use buurtbel_proto::media::playlist::PlaylistSettings;
use buurtbel_proto::media::session::{MediaEvent, Script};
use buurtbel_proto::sip::inbound::{InboundCall, InboundEvent, InboundReport, InboundSetup};
use buurtbel_proto::sip::message::Request;
use buurtbel_proto::sip::sdp::{Answer, Offer};
use buurtbel_proto::time::Instant;
use rand::Rng;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

/// How long a desk may take to admit a caller whose call ended meanwhile, before the call's
/// end is given up on: its channel is then freed by the desk's own clean-up.
const LATE_ADMISSION: Duration = Duration::from_secs(30);

/// What every call to the line shares.
pub(super) struct Line {
    pub(super) dialer: Arc<Dialer>,
    pub(super) desk: Arc<dyn CallbackDesk>,
    pub(super) config: InboundConfig,
}

impl Line {
    pub(super) async fn send(&self, to: SocketAddr, bytes: Vec<u8>) {
        if let Err(e) = self.dialer.endpoint().transport().send(to, bytes).await {
            tracing::warn!(destination = %to, error = %e, "sending SIP failed");
        }
    }

    /// Gives the INVITE's Call-ID back to the endpoint.
    pub(super) fn release(&self, invite: &Request) {
        if let Ok(call_id) = invite.headers.call_id() {
            self.dialer.endpoint().release(call_id);
        }
    }
}

type Admitting<'a> = Pin<Box<dyn Future<Output = Admission> + Send + 'a>>;

/// Runs one call to the line to its end.
pub(super) async fn run(line: Arc<Line>, call: NewCall) {
    let NewCall {
        invite,
        source,
        route,
    } = call;
    let call_id = invite.headers.call_id().unwrap_or_default().to_owned();
    let rtp = match line.dialer.rtp_ports().bind(line.dialer.local_ip()).await {
        Ok(rtp) => rtp,
        Err(e) => {
            tracing::error!(error = %e, "no RTP port for a call-back; answering 503");
            let busy =
                buurtbel_proto::sip::call::response_to(&invite, 503, "Service Unavailable", "line");
            line.send(source, busy.to_bytes()).await;
            line.release(&invite);
            return;
        }
    };
    let Ok(rtp_addr) = rtp.local_addr() else {
        line.release(&invite);
        return;
    };
    let setup = setup(&line.dialer, rtp_addr);
    match InboundCall::new(clock::now(), invite.clone(), source, setup) {
        Ok(call) => {
            let visit = Visit::new(&line, call, route, rtp, source);
            visit.run().await;
        }
        Err(refusal) => {
            tracing::info!(
                status = refusal.status,
                "a call to the call-back line refused"
            );
            line.send(source, refusal.to_bytes()).await;
        }
    }
    line.dialer.endpoint().release(&call_id);
}

fn setup(dialer: &Dialer, rtp: SocketAddr) -> InboundSetup {
    let mut rng = rand::rng();
    InboundSetup {
        contact: dialer.contact().clone(),
        reliable: dialer.endpoint().transport().is_reliable(),
        timers: dialer.timers(),
        user_agent: dialer.user_agent().to_owned(),
        media: Offer {
            rtp,
            codecs: dialer.codecs().to_vec(),
            session_id: rng.random::<u32>().into(),
        },
        seed: rng.random(),
    }
}

/// One call to the line in progress.
struct Visit<'l> {
    line: &'l Line,
    call: InboundCall,
    route: Route,
    rtp: Arc<UdpSocket>,
    source: SocketAddr,
    admitting: Option<Admitting<'l>>,
    playlist: Option<Arc<EncodedPlaylist>>,
    news: Option<mpsc::UnboundedSender<VisitNews>>,
    media: Option<MediaHandle>,
    report: Option<MediaReport>,
    ended: Option<InboundReport>,
    /// The line says goodbye at the latest here; `None` once it has.
    deadline: Option<Instant>,
}

impl<'l> Visit<'l> {
    fn new(
        line: &'l Line,
        call: InboundCall,
        route: Route,
        rtp: UdpSocket,
        source: SocketAddr,
    ) -> Visit<'l> {
        Visit {
            line,
            call,
            route,
            rtp: Arc::new(rtp),
            source,
            admitting: None,
            playlist: None,
            news: None,
            media: None,
            report: None,
            ended: None,
            deadline: Some(clock::now() + line.config.longest),
        }
    }

    async fn run(mut self) {
        let now = clock::now();
        match self.line.config.line_number(self.call.called()) {
            Some(called) => {
                self.call.ring(now);
                let caller = Caller {
                    call_id: self.call.call_id().to_owned(),
                    identity: self.call.caller().clone(),
                    called,
                };
                self.admitting = Some(self.line.desk.admit(caller));
            }
            None => {
                tracing::info!("a call for a number the call-back line does not answer");
                self.call.reject(now, 404, "Not Found");
            }
        }
        loop {
            self.flush().await;
            while let Some(event) = self.call.poll_event() {
                self.on_event(event);
            }
            if let Some(report) = &self.ended
                && self.media.is_none()
                && self.call.is_finished()
            {
                let report = report.clone();
                return self.finish(report).await;
            }
            self.wait().await;
        }
    }

    async fn wait(&mut self) {
        let wake = [self.call.poll_timeout(), self.deadline]
            .into_iter()
            .flatten()
            .min();
        let admitting = &mut self.admitting;
        let admitted = async {
            match admitting {
                Some(future) => future.await,
                None => std::future::pending().await,
            }
        };
        let media = &mut self.media;
        let media_news = async {
            match media {
                Some(handle) => handle.next().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            admission = admitted => {
                self.admitting = None;
                self.on_admission(admission);
            }
            inbound = self.route.recv() => match inbound {
                Some(inbound) => self.call.handle_message(clock::now(), inbound.message, inbound.source),
                None => self.call.hang_up(clock::now()),
            },
            news = media_news => self.on_media(news),
            () = sleep_until(wake) => self.on_timer(),
        }
    }

    fn on_admission(&mut self, admission: Admission) {
        let now = clock::now();
        match admission {
            Admission::Play { playlist, news } => {
                self.news = Some(news);
                if self.ended.is_some() {
                    return;
                }
                self.playlist = Some(playlist);
                self.call.answer(now);
            }
            Admission::Full => {
                tracing::info!(
                    call_id = self.call.call_id(),
                    "the call-back line is full; answering 486"
                );
                self.call.reject(now, 486, "Busy Here");
            }
            Admission::Unavailable => self.call.reject(now, 503, "Service Unavailable"),
        }
    }

    fn on_event(&mut self, event: InboundEvent) {
        match event {
            InboundEvent::Answered { media } => self.start_media(&media),
            InboundEvent::Info { content_type, body } => {
                if let Some(media) = &self.media {
                    media.send(MediaInput::Info {
                        at: clock::now(),
                        content_type,
                        body,
                    });
                }
            }
            InboundEvent::Ending { reason } => {
                tracing::info!(
                    call_id = self.call.call_id(),
                    reason = reason.as_str(),
                    "hanging up a call-back"
                );
                self.stop_media();
            }
            InboundEvent::Ended(report) => {
                self.stop_media();
                self.ended = Some(report);
            }
        }
    }

    fn start_media(&mut self, answer: &Answer) {
        let Some(playlist) = &self.playlist else {
            self.call.hang_up(clock::now());
            return;
        };
        let settings = self.line.dialer.program_settings();
        let settings = PlaylistSettings {
            menu_rounds: settings.menu_rounds,
            key_wait: settings.key_wait,
        };
        let script = |payload_type| Script::Playlist {
            audio: playlist.for_payload_type(payload_type),
            settings,
        };
        let pacer = self.line.dialer.pacer();
        let silence = line::MAX_SILENCE;
        let session = line::answered_session(
            pacer,
            script,
            answer,
            Some(self.source.ip()),
            false,
            silence,
        );
        self.media = Some(MediaHandle::start(pacer, session, &self.rtp));
    }

    fn on_media(&mut self, news: Option<MediaNews>) {
        match news {
            Some(MediaNews::Event(MediaEvent::ItemConfirmed(item))) => {
                self.tell(VisitNews::Confirmed(item));
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

    fn on_timer(&mut self) {
        let now = clock::now();
        let reached = self.deadline.is_some_and(|at| at <= now);
        if reached {
            // Once: the call ends within the BYE's transaction from here.
            self.deadline = None;
        }
        if reached && self.ended.is_none() {
            tracing::info!(
                call_id = self.call.call_id(),
                "a call-back reached [inbound] longest"
            );
            self.stop_media();
            self.call.hang_up(now);
        }
        self.call.handle_timeout(now);
    }

    fn stop_media(&self) {
        if let Some(media) = &self.media {
            media.send(MediaInput::Stop);
        }
    }

    fn tell(&self, news: VisitNews) {
        if let Some(sender) = &self.news {
            let _ = sender.send(news);
        }
    }

    async fn finish(mut self, ended: InboundReport) {
        if self.news.is_none()
            && let Some(admitting) = self.admitting.take()
        {
            // Hung up while the desk still looked: it may have taken a channel to give back.
            if let Ok(Admission::Play { news, .. }) =
                tokio::time::timeout(LATE_ADMISSION, admitting).await
            {
                self.news = Some(news);
            }
        }
        let played = self.report.take();
        let report = VisitReport {
            status: ended.status,
            answered: ended.answered,
            talk: ended.talk,
            items: played.as_ref().map(|p| p.items.clone()).unwrap_or_default(),
            digits: played
                .as_ref()
                .map(|p| p.digits.iter().map(|d| d.digit).collect())
                .unwrap_or_default(),
        };
        self.tell(VisitNews::Ended(report));
    }

    async fn flush(&mut self) {
        while let Some(transmit) = self.call.poll_transmit() {
            self.line.send(transmit.destination, transmit.bytes).await;
        }
    }
}
