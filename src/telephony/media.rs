//! One answered call's media as the driver runs it. The [`MediaSession`] has one owner, the
//! pacing lane that sends its packets: the call's line and its RTP receive task never touch
//! it, they send it [`MediaInput`]s through a channel, and the lane drains its
//! [`MediaEvent`]s back to the line as [`MediaNews`], ending with the [`MediaReport`].
//!
//! Inputs carry the time they arrived, so the session sees a key or a packet at its own
//! moment even though the lane reads them at its next tick (at most one 20 ms frame later).

use crate::telephony::clock;
use crate::telephony::pacer::{PacedMedia, Pacer};
use buurtbel_proto::media::amd::Answerer;
use buurtbel_proto::media::playlist::ItemOutcome;
use buurtbel_proto::media::session::{Digit, MediaEnd, MediaEvent, MediaSession, MediaStats};
use buurtbel_proto::outcome::Heard;
use buurtbel_proto::time::Instant;
use bytes::Bytes;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

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
    /// What became of each item of a call-back playlist; empty for an alert call.
    pub items: Vec<ItemOutcome>,
    /// Why the media ended.
    pub end: Option<MediaEnd>,
    /// The far end's audio, when the line asked for it.
    pub recording: Option<Vec<i16>>,
    /// Who answered, when machine detection was on and decided.
    pub machine: Option<Answerer>,
}

impl MediaReport {
    /// The session's report once it is over.
    pub fn of(session: &MediaSession) -> MediaReport {
        MediaReport {
            stats: session.stats(),
            digits: session.digits().to_vec(),
            message_starts: session.message_starts(),
            confirmed: session.confirmed(),
            items: session.items().to_vec(),
            end: session.end(),
            recording: session.recording().map(<[i16]>::to_vec),
            machine: session.answerer(),
        }
    }

    /// The member's part of the call's outcome.
    pub fn heard(&self) -> Heard {
        Heard {
            confirmed: self.confirmed,
            end: self.end,
        }
    }
}

/// What the session's owner is given to feed it.
#[derive(Debug)]
pub enum MediaInput {
    /// A datagram on the call's RTP port.
    Datagram {
        /// When it arrived.
        at: Instant,
        /// From where.
        from: SocketAddr,
        /// Its bytes.
        bytes: Vec<u8>,
    },
    /// A SIP INFO inside the call.
    Info {
        /// When it arrived.
        at: Instant,
        /// Its Content-Type.
        content_type: String,
        /// Its body.
        body: Bytes,
    },
    /// The call is over on the signalling side: stop at once.
    Stop,
}

/// What the session's owner tells the line.
#[derive(Debug)]
pub enum MediaNews {
    /// Something the session said.
    Event(MediaEvent),
    /// The session is over and gone; nothing follows.
    Report(MediaReport),
}

/// The line's side of a call's media in its lane.
pub struct MediaHandle {
    inputs: mpsc::UnboundedSender<MediaInput>,
    news: mpsc::UnboundedReceiver<MediaNews>,
    receiver: JoinHandle<()>,
}

impl MediaHandle {
    /// Hands `session` to a pacing lane and starts receiving the call's RTP for it.
    pub fn start(pacer: &Pacer, session: MediaSession, socket: &Arc<UdpSocket>) -> MediaHandle {
        let (inputs, inbox) = mpsc::unbounded_channel();
        let (outbox, news) = mpsc::unbounded_channel();
        let receiver = tokio::spawn(receive(Arc::clone(socket), inputs.clone()));
        pacer.add(PacedMedia {
            session,
            socket: Arc::clone(socket),
            inputs: inbox,
            news: outbox,
        });
        MediaHandle {
            inputs,
            news,
            receiver,
        }
    }

    /// Gives the session an input; ignored once the session is over.
    pub fn send(&self, input: MediaInput) {
        let _ = self.inputs.send(input);
    }

    /// The next news, or `None` once the session is gone.
    pub async fn next(&mut self) -> Option<MediaNews> {
        self.news.recv().await
    }
}

impl Drop for MediaHandle {
    fn drop(&mut self) {
        self.receiver.abort();
        let _ = self.inputs.send(MediaInput::Stop);
    }
}

/// Forwards every datagram on the call's RTP port to the session's owner, stamped with its
/// arrival, until the session is gone.
async fn receive(socket: Arc<UdpSocket>, inputs: mpsc::UnboundedSender<MediaInput>) {
    let mut buffer = vec![0u8; 2048];
    loop {
        let Ok((n, from)) = socket.recv_from(&mut buffer).await else {
            continue;
        };
        let Some(datagram) = buffer.get(..n) else {
            continue;
        };
        let input = MediaInput::Datagram {
            at: clock::now(),
            from,
            bytes: datagram.to_vec(),
        };
        if inputs.send(input).is_err() {
            return;
        }
    }
}
