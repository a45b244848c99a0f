//! The seam between the chain and the telephone: the dispatcher asks a [`Caller`] to place
//! one call and hears back what happened, including the confirmation the moment the call
//! program accepts it (so it is committed while the thank-you plays, not after the call).
//! Whether a key confirms is the call program's decision alone; the chain records exactly
//! that decision and never reads keys itself. The real caller is the SIP
//! dialer ([`crate::chain::dialer_caller`]); tests use a scripted one in virtual time.

use crate::chain::policy::AttemptOutcome;
use crate::media::pending::PendingProgram;
use std::future::Future;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// One call to place.
#[derive(Debug)]
pub struct CallRequest {
    /// The number, E.164.
    pub number: String,
    /// What the member hears; it may still be in the making when the call is placed.
    pub program: PendingProgram,
    /// Asks the call to stop.
    pub stop: watch::Receiver<Stop>,
    /// Reports while the call runs.
    pub progress: mpsc::UnboundedSender<CallProgress>,
}

/// A request to end a call early.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Stop {
    /// Carry on.
    #[default]
    No,
    /// Only if it is still ringing (CANCEL); a member already listening hears the end.
    IfRinging,
    /// At once, ringing or not.
    Now,
}

/// News from a call in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallProgress {
    /// Someone (or something) picked up.
    Answered,
    /// The member confirmed: the call program accepted their `1` after they heard the
    /// message through. Sent once per call.
    Confirmed,
}

/// How a call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallSummary {
    /// As the retry policy sees it.
    pub outcome: AttemptOutcome,
    /// The INVITE's final status.
    pub sip_status: Option<u16>,
    /// From INVITE to answer or final response.
    pub ring: Duration,
    /// From answer to the end.
    pub talk: Duration,
    /// Keys, in order.
    pub digits: String,
    /// `human` or `machine`, when the answer was classified.
    pub machine: Option<String>,
}

impl CallSummary {
    /// A call that never started (no RTP port, a bad number…).
    pub fn failed() -> CallSummary {
        CallSummary {
            outcome: AttemptOutcome::Failed,
            sip_status: None,
            ring: Duration::ZERO,
            talk: Duration::ZERO,
            digits: String::new(),
            machine: None,
        }
    }
}

/// Places calls.
pub trait Caller: Send + Sync + 'static {
    /// Places one call and returns when it is over.
    fn call(&self, request: CallRequest) -> impl Future<Output = CallSummary> + Send;
}
