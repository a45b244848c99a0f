//! The pacing loops: one per core, each driving the RTP of many calls from absolute 20 ms
//! deadlines on one shared grid. No per-call timer: a call joins a lane and is served on every
//! tick; a late tick sends every packet that is due, each with its own timestamp.
//!
//! A lane owns the sessions it serves: on each tick it feeds every session the inputs its
//! line and receive task sent since the last tick, sends what is due, and passes on what the
//! session says (see [`crate::telephony::media`]). A session leaves the lane when it ends.
//!
//! Each lane records how late its ticks ran against the ideal schedule, for the benchmark.

use crate::telephony::clock;
use crate::telephony::media::{MediaInput, MediaNews, MediaReport};
use buurtbel_proto::media::program::FRAME;
use buurtbel_proto::media::session::{MediaEvent, MediaSession};
use buurtbel_proto::time::Instant;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TryRecvError;

/// A call's media as a lane serves it: the session, owned here alone.
pub struct PacedMedia {
    /// The session.
    pub session: MediaSession,
    /// The call's RTP socket.
    pub socket: Arc<UdpSocket>,
    /// Datagrams, INFO keys and the stop, from the call's line and receive task.
    pub inputs: mpsc::UnboundedReceiver<MediaInput>,
    /// What the session says, to the call's line.
    pub news: mpsc::UnboundedSender<MediaNews>,
}

/// Tick lateness in 100 µs buckets up to 50 ms (the last bucket holds everything later).
#[derive(Debug, Clone)]
pub struct Lateness {
    buckets: Vec<u64>,
    max: Duration,
}

impl Default for Lateness {
    fn default() -> Lateness {
        Lateness {
            buckets: vec![0; 501],
            max: Duration::ZERO,
        }
    }
}

impl Lateness {
    fn record(&mut self, late: Duration) {
        let bucket = usize::try_from(late.as_micros() / 100)
            .unwrap_or(usize::MAX)
            .min(500);
        if let Some(count) = self.buckets.get_mut(bucket) {
            *count += 1;
        }
        self.max = self.max.max(late);
    }

    fn merge(&mut self, other: &Lateness) {
        for (mine, theirs) in self.buckets.iter_mut().zip(&other.buckets) {
            *mine += theirs;
        }
        self.max = self.max.max(other.max);
    }

    /// The lateness at quantile `q` (0.0–1.0), to 100 µs.
    pub fn quantile(&self, q: f64) -> Duration {
        let total: u64 = self.buckets.iter().sum();
        let wanted = (total as f64 * q).ceil() as u64;
        let mut seen = 0;
        for (bucket, count) in self.buckets.iter().enumerate() {
            seen += count;
            if seen >= wanted.max(1) {
                return Duration::from_micros(bucket as u64 * 100);
            }
        }
        self.max
    }

    /// The latest tick.
    pub fn max(&self) -> Duration {
        self.max
    }

    /// Ticks recorded.
    pub fn ticks(&self) -> u64 {
        self.buckets.iter().sum()
    }
}

/// The pacing lanes.
pub struct Pacer {
    origin: Instant,
    lanes: Vec<mpsc::UnboundedSender<PacedMedia>>,
    lateness: Vec<Arc<Mutex<Lateness>>>,
    next_lane: AtomicUsize,
}

impl Pacer {
    /// Starts `lanes` pacing loops (one per core is the intent).
    pub fn start(lanes: usize) -> Pacer {
        let origin = clock::now();
        let mut senders = Vec::new();
        let mut lateness = Vec::new();
        for _ in 0..lanes.max(1) {
            let (tx, rx) = mpsc::unbounded_channel();
            let record = Arc::new(Mutex::new(Lateness::default()));
            tokio::spawn(run_lane(origin, rx, Arc::clone(&record)));
            senders.push(tx);
            lateness.push(record);
        }
        Pacer {
            origin,
            lanes: senders,
            lateness,
            next_lane: AtomicUsize::new(0),
        }
    }

    /// The first grid deadline at or after `now`: where a new session's first packet goes.
    pub fn next_tick(&self, now: Instant) -> Instant {
        let since = now.saturating_duration_since(self.origin).as_nanos();
        let frame = FRAME.as_nanos();
        let ticks = since.div_ceil(frame);
        self.origin + Duration::from_nanos(u64::try_from(ticks * frame).unwrap_or(u64::MAX))
    }

    /// Hands a call's media to a lane, round robin.
    pub fn add(&self, media: PacedMedia) {
        let lane = self.next_lane.fetch_add(1, Ordering::Relaxed) % self.lanes.len();
        if let Some(sender) = self.lanes.get(lane) {
            let _ = sender.send(media);
        }
    }

    /// Tick lateness over all lanes so far.
    pub fn lateness(&self) -> Lateness {
        let mut total = Lateness::default();
        for lane in &self.lateness {
            total.merge(&lane.lock().unwrap_or_else(PoisonError::into_inner));
        }
        total
    }
}

async fn run_lane(
    origin: Instant,
    mut joining: mpsc::UnboundedReceiver<PacedMedia>,
    lateness: Arc<Mutex<Lateness>>,
) {
    let mut calls: Vec<PacedMedia> = Vec::new();
    let mut buffer = Vec::with_capacity(256);
    let mut tick: u32 = 0;
    loop {
        if calls.is_empty() {
            // Idle: no tick until a call joins, then the grid's next point after now.
            let Some(media) = joining.recv().await else {
                return;
            };
            calls.push(media);
            let elapsed = clock::now().saturating_duration_since(origin);
            tick = u32::try_from(elapsed.as_nanos() / FRAME.as_nanos()).unwrap_or(u32::MAX);
        }
        tick = tick.wrapping_add(1);
        let deadline = origin + FRAME * tick;
        clock::sleep_until(deadline).await;
        let now = clock::now();
        while let Ok(media) = joining.try_recv() {
            calls.push(media);
        }
        if !calls.is_empty() {
            lateness
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .record(now.saturating_duration_since(deadline));
        }
        calls.retain_mut(|media| serve(media, now, &mut buffer));
        if joining.is_closed() && calls.is_empty() {
            return;
        }
    }
}

/// Feeds one call's inputs, sends what is due and passes on what the session says; `false`
/// once the session has ended and its report is sent.
fn serve(media: &mut PacedMedia, now: Instant, buffer: &mut Vec<u8>) -> bool {
    let session = &mut media.session;
    loop {
        match media.inputs.try_recv() {
            Ok(MediaInput::Datagram { at, from, bytes }) => {
                session.handle_datagram(at, from, &bytes);
            }
            Ok(MediaInput::Info {
                at,
                content_type,
                body,
            }) => session.handle_info(at, &content_type, &body),
            // A line gone without a word has dropped its call.
            Ok(MediaInput::Stop) | Err(TryRecvError::Disconnected) => session.stop(),
            Err(TryRecvError::Empty) => break,
        }
        if session.end().is_some() {
            break;
        }
    }
    while let Some(destination) = session.poll_packet(now, buffer) {
        let result = media.socket.try_send_to(buffer, destination);
        if let Err(e) = &result {
            tracing::debug!(error = %e, "RTP send failed");
        }
        session.record_send(result.is_ok());
    }
    while let Some(event) = session.poll_event() {
        let ended = matches!(event, MediaEvent::Ended(_));
        // A line that stopped listening has dropped the call; the session ends all the same.
        let _ = media.news.send(MediaNews::Event(event));
        if ended {
            let _ = media.news.send(MediaNews::Report(MediaReport::of(session)));
            return false;
        }
    }
    true
}
