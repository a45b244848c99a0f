//! The real [`Caller`]: the chain's call requests placed through the SIP [`Dialer`], and what
//! the dialer reports turned into the chain's [`CallSummary`].
//!
//! The number becomes the trunk's request URI exactly as for `buurtbel call`
//! ([`crate::number::dial_uri`]). Phone numbers are personal data: anything that names one is
//! logged at debug level only.
//!
//! How an attempt ended, as the retry policy sees it:
//!
//! | the call | attempt |
//! | --- | --- |
//! | pressed 1 | acknowledged |
//! | answered, no confirming key | answered, no ack |
//! | an answering machine took the message | voicemail |
//! | 486, 600 | busy |
//! | 408, 480, 603, or cancelled by us while ringing (487) | no answer |
//! | 503 | unavailable, with its Retry-After |
//! | anything else: 403, 404, no response, an answer without usable audio (ACKed, then BYE), a number that does not dial, no RTP port | failed |

use crate::chain::caller::{CallRequest, CallSummary, Caller};
use crate::number::dial_uri;
use crate::telephony::line::{MediaReport, Playback, Supervision};
use crate::telephony::{CallResult, Dialer};
use buurtbel_proto::media::amd::Answerer;
use buurtbel_proto::media::program::ProgramEnd;
use buurtbel_proto::media::session::MediaEnd;
use buurtbel_proto::policy::AttemptOutcome;
use buurtbel_proto::sip::call::{CallReport, Outcome};
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
        outcome: attempt_outcome(report, played),
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

/// See the table in the module documentation.
fn attempt_outcome(report: &CallReport, played: Option<&MediaReport>) -> AttemptOutcome {
    if played.and_then(|p| p.end) == Some(MediaEnd::Program(ProgramEnd::Voicemail)) {
        return AttemptOutcome::Voicemail;
    }
    match report.outcome {
        Outcome::Acknowledged => AttemptOutcome::Acknowledged,
        Outcome::Answered | Outcome::AnsweredNoAck => AttemptOutcome::AnsweredNoAck,
        Outcome::Busy => AttemptOutcome::Busy,
        Outcome::NoAnswer => AttemptOutcome::NoAnswer,
        // A member who declines is called again like one who did not answer.
        Outcome::Rejected if report.sip_status == Some(603) => AttemptOutcome::NoAnswer,
        Outcome::Unavailable => AttemptOutcome::Unavailable {
            retry_after: report.retry_after,
        },
        Outcome::Rejected | Outcome::Failed => AttemptOutcome::Failed,
    }
}

fn answerer_name(answerer: Answerer) -> &'static str {
    match answerer {
        Answerer::Human => "human",
        Answerer::Machine => "machine",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use buurtbel_proto::media::session::MediaStats;
    use std::time::Duration;

    fn report(outcome: Outcome, status: Option<u16>) -> CallReport {
        CallReport {
            outcome,
            sip_status: status,
            retry_after: None,
            ring: Duration::ZERO,
            talk: Duration::ZERO,
            hung_up_by: None,
            reason: None,
        }
    }

    fn played(end: Option<MediaEnd>) -> MediaReport {
        MediaReport {
            stats: MediaStats::default(),
            digits: Vec::new(),
            message_starts: 1,
            confirmed: false,
            end,
            recording: None,
            machine: Some(Answerer::Machine),
        }
    }

    #[test]
    fn outcome_table() {
        let table = [
            (
                Outcome::Acknowledged,
                Some(200),
                AttemptOutcome::Acknowledged,
            ),
            (
                Outcome::AnsweredNoAck,
                Some(200),
                AttemptOutcome::AnsweredNoAck,
            ),
            (Outcome::Answered, Some(200), AttemptOutcome::AnsweredNoAck),
            (Outcome::Busy, Some(486), AttemptOutcome::Busy),
            (Outcome::Busy, Some(600), AttemptOutcome::Busy),
            (Outcome::NoAnswer, Some(408), AttemptOutcome::NoAnswer),
            (Outcome::NoAnswer, Some(480), AttemptOutcome::NoAnswer),
            (Outcome::NoAnswer, Some(487), AttemptOutcome::NoAnswer),
            (Outcome::NoAnswer, Some(200), AttemptOutcome::NoAnswer),
            (Outcome::Rejected, Some(603), AttemptOutcome::NoAnswer),
            (Outcome::Rejected, Some(403), AttemptOutcome::Failed),
            (Outcome::Failed, Some(404), AttemptOutcome::Failed),
            (Outcome::Failed, None, AttemptOutcome::Failed),
            // A 200 without usable audio: ACKed, hung up, never heard.
            (Outcome::Failed, Some(200), AttemptOutcome::Failed),
        ];
        for (outcome, status, expected) in table {
            let got = attempt_outcome(&report(outcome, status), None);
            assert_eq!(got, expected, "{outcome:?} {status:?}");
        }
    }

    #[test]
    fn unavailable_carries_retry_after() {
        let mut unavailable = report(Outcome::Unavailable, Some(503));
        assert_eq!(
            attempt_outcome(&unavailable, None),
            AttemptOutcome::Unavailable { retry_after: None }
        );
        unavailable.retry_after = Some(Duration::from_secs(90));
        assert_eq!(
            attempt_outcome(&unavailable, None),
            AttemptOutcome::Unavailable {
                retry_after: Some(Duration::from_secs(90))
            }
        );
    }

    #[test]
    fn a_machine_that_took_the_message_is_voicemail() {
        let answered = report(Outcome::AnsweredNoAck, Some(200));
        let voicemail = played(Some(MediaEnd::Program(ProgramEnd::Voicemail)));
        assert_eq!(
            attempt_outcome(&answered, Some(&voicemail)),
            AttemptOutcome::Voicemail
        );
        let cut_short = played(Some(MediaEnd::Stopped));
        assert_eq!(
            attempt_outcome(&answered, Some(&cut_short)),
            AttemptOutcome::AnsweredNoAck
        );
    }
}
