//! The real [`Caller`]: the chain's call requests placed through the SIP [`Dialer`], and what
//! the dialer reports turned into the chain's [`CallSummary`].
//!
//! The number becomes the trunk's request URI exactly as for `buurtbel call`
//! ([`crate::number::dial_uri`]). Phone numbers are personal data: anything that names one is
//! logged at debug level only.
//!
//! How an attempt ended is decided from the call's SIP facts and what its program heard, in
//! one place: [`buurtbel_proto::outcome`].

use crate::chain::caller::{CallRequest, CallSummary, Caller};
use crate::number::dial_uri;
use crate::telephony::line::{Playback, Supervision};
use crate::telephony::{CallResult, Dialer};
use buurtbel_proto::media::amd::Answerer;
use std::sync::Arc;

/// Places the chain's calls through one trunk.
#[derive(Clone)]
pub struct DialerCaller {
    dialer: Arc<Dialer>,
}

impl DialerCaller {
    /// Calls through `dialer`.
    pub fn new(dialer: Arc<Dialer>) -> DialerCaller {
        DialerCaller { dialer }
    }

    /// The dialer calls go through.
    pub fn dialer(&self) -> &Arc<Dialer> {
        &self.dialer
    }

    /// `None` when the trunk is not registered with; else whether it accepted us last.
    pub fn registered(&self) -> Option<bool> {
        self.dialer.registered()
    }
}

impl Caller for DialerCaller {
    async fn call(&self, request: CallRequest) -> CallSummary {
        let CallRequest {
            number,
            program,
            stop,
            progress,
        } = request;
        let target = match dial_uri(&number, self.dialer.domain()) {
            Ok(target) => target,
            Err(e) => {
                tracing::warn!("a member's number does not make a trunk URI; not calling");
                tracing::debug!(%number, error = %e, "not dialled");
                return CallSummary::failed();
            }
        };
        if let Some(Err(e)) = program.now() {
            tracing::warn!(error = %e, "no program to play; not calling");
            return CallSummary::failed();
        }
        let supervision = Supervision {
            stop: Some(stop),
            progress: Some(progress),
        };
        let playback = Playback::Program(program);
        match self
            .dialer
            .call_supervised(target, &playback, supervision)
            .await
        {
            Ok(result) => {
                let summary = summary(&result);
                tracing::debug!(%number, call_id = %result.call_id, outcome = ?summary.outcome, "call ended");
                summary
            }
            Err(e) => {
                tracing::warn!(error = %e, "call not placed");
                CallSummary::failed()
            }
        }
    }
}

/// The chain's view of one finished call.
fn summary(result: &CallResult) -> CallSummary {
    let report = &result.report;
    let played = result.played.as_ref();
    CallSummary {
        outcome: result.outcome(),
        sip_status: report.sip_status,
        ring: report.ring,
        talk: report.talk,
        digits: played
            .map(|p| p.digits.iter().map(|d| d.digit).collect())
            .unwrap_or_default(),
        machine: played
            .and_then(|p| p.machine)
            .map(|answerer| answerer_name(answerer).to_owned()),
    }
}

fn answerer_name(answerer: Answerer) -> &'static str {
    match answerer {
        Answerer::Human => "human",
        Answerer::Machine => "machine",
    }
}
