//! The seam between the chain and the telephone: the dispatcher asks a [`Caller`] to place
//! one call and hears back what happened, including the confirmation the moment the call
//! program accepts it (so it is committed while the thank-you plays, not after the call).
//! Whether a key confirms is the call program's decision alone; the chain records exactly
//! that decision and never reads keys itself. The real caller is the SIP
//! dialer ([`crate::chain::dialer_caller`]); tests use a scripted one in virtual time.

pub use crate::telephony::control::{CallProgress, Stop};
use crate::telephony::pending::PendingProgram;
use buurtbel_proto::policy::AttemptOutcome;
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
