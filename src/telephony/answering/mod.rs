//! The call-back line: INVITEs for the line's numbers from the trunk are answered, and the
//! caller hears what the chain's [`CallbackDesk`] gives them.
//!
//! The endpoint hands every new INVITE to one acceptor task ([`answer_calls`]), which judges
//! its source ([`screen`]: the trunk's networks are taken, others get 403 at a limited rate,
//! scanners nothing). Each call taken is a task of its own ([`visit`]): it rings while the desk
//! looks the caller up and makes the audio, then answers, plays the playlist through the
//! pacer, tells the desk each confirmation the moment the playlist accepts it and, at the end,
//! how each message went. The desk may find the line full (486) — the chain's trunk ledger
//! decides that, across gateways.

pub mod screen;
mod visit;

use crate::config::InboundConfig;
use crate::telephony::Dialer;
use crate::telephony::clock;
use crate::telephony::endpoint::NewCall;
use buurtbel_proto::media::audio::EncodedPlaylist;
use buurtbel_proto::media::playlist::ItemOutcome;
use buurtbel_proto::sip::call::response_to;
use buurtbel_proto::sip::inbound::CallerIdentity;
use ipnet::IpNet;
use screen::{Screen, Verdict};
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Who phones the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The call's Call-ID, for the logs.
    pub call_id: String,
    /// The caller's number and how the trunk told it.
    pub identity: CallerIdentity,
    /// The number dialled: one of `[inbound] numbers`, in E.164.
    pub called: String,
}

/// What the desk says about a caller.
pub enum Admission {
    /// Answer and play this; news of the call goes to `news`.
    Play {
        /// The greeting, the messages and the prompts, in both laws.
        playlist: Arc<EncodedPlaylist>,
        /// Hears each confirmation and the end.
        news: mpsc::UnboundedSender<VisitNews>,
    },
    /// No channel is free for a call-back: 486.
    Full,
    /// The desk cannot serve the call now (the database is away): 503.
    Unavailable,
}

/// What a call-back tells the desk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VisitNews {
    /// The playlist accepted a `1` for this item, before its thank-you plays.
    Confirmed(usize),
    /// The call is over.
    Ended(VisitReport),
}

/// How a call-back went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VisitReport {
    /// The final status of the INVITE (200 when answered).
    pub status: u16,
    /// The caller heard audio (the ACK came).
    pub answered: bool,
    /// From the ACK to the end.
    pub talk: Duration,
    /// Each item: heard to its end, confirmed, how many starts.
    pub items: Vec<ItemOutcome>,
    /// The keys pressed, in order.
    pub digits: String,
}

/// The chain's side of the line: who the caller is and what they hear.
pub trait CallbackDesk: Send + Sync + 'static {
    /// Looks `caller` up, takes a channel and makes the audio.
    fn admit(&self, caller: Caller) -> Pin<Box<dyn Future<Output = Admission> + Send + '_>>;
}

/// Answers calls to the line's numbers through `dialer`'s endpoint, for as long as the
/// process runs. `trunk` is allowed when `[inbound] allow` is empty. False when the endpoint
/// already gives its new calls elsewhere.
pub fn answer_calls(
    dialer: Arc<Dialer>,
    config: &InboundConfig,
    trunk: SocketAddr,
    desk: Arc<dyn CallbackDesk>,
) -> bool {
    let Some(new_calls) = dialer.endpoint().take_new_calls() else {
        return false;
    };
    let mut allowed = config.allowed();
    if allowed.is_empty() {
        allowed.push(IpNet::from(trunk.ip()));
    }
    let line = Arc::new(visit::Line {
        dialer,
        desk,
        config: config.clone(),
    });
    tokio::spawn(accept(line, Screen::new(allowed), new_calls));
    true
}

async fn accept(
    line: Arc<visit::Line>,
    mut screen: Screen,
    mut new_calls: mpsc::Receiver<NewCall>,
) {
    while let Some(call) = new_calls.recv().await {
        match screen.judge(clock::now(), &call.invite, call.source.ip()) {
            Verdict::Take => {
                tokio::spawn(visit::run(Arc::clone(&line), call));
            }
            Verdict::Refuse => {
                tracing::info!(source = %call.source.ip(), "a call to the call-back line from outside the trunk's networks refused");
                let forbidden = response_to(&call.invite, 403, "Forbidden", "line");
                line.send(call.source, forbidden.to_bytes()).await;
                line.release(&call.invite);
            }
            Verdict::Ignore => {
                tracing::debug!(source = %call.source, "an INVITE to the call-back line ignored");
                line.release(&call.invite);
            }
        }
    }
}
