//! How an attempt ended in the alert chain's words, decided here and nowhere else.
//!
//! Two layers report facts: SIP says how the INVITE ended ([`CallReport`]: the final status,
//! who hung up, why the signalling gave up), and the call program says what the member did
//! ([`Heard`]: whether it accepted a confirmation, and how it ended). [`attempt_outcome`]
//! turns those two into the one [`AttemptOutcome`] the retry policy and the store use:
//!
//! | the call | attempt |
//! | --- | --- |
//! | an answering machine took the message | voicemail |
//! | answered, the program accepted a `1` | acknowledged |
//! | answered, no confirmation (or nothing was played) | answered, no ack |
//! | 486, 600 | busy |
//! | 408, 480, 603, or cancelled by us while ringing (487) | no answer |
//! | 503 | unavailable, with its Retry-After |
//! | anything else: 403, 404, no response, an answer without usable audio | failed |

use crate::media::program::ProgramEnd;
use crate::media::session::MediaEnd;
use crate::policy::AttemptOutcome;
use crate::sip::call::{CallReport, Outcome};

/// What the call program reports once the call is over: the member's part of the outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Heard {
    /// The program accepted a `1` after the message was heard through.
    pub confirmed: bool,
    /// How the media ended, if it did on its own account.
    pub end: Option<MediaEnd>,
}

/// The attempt's outcome from the SIP facts and, when a program played, what it heard.
pub fn attempt_outcome(call: &CallReport, heard: Option<Heard>) -> AttemptOutcome {
    let heard = heard.filter(|_| call.outcome == Outcome::Answered);
    match (call.outcome, heard) {
        (_, Some(h)) if h.end == Some(MediaEnd::Program(ProgramEnd::Voicemail)) => {
            AttemptOutcome::Voicemail
        }
        (_, Some(h)) if h.confirmed => AttemptOutcome::Acknowledged,
        (Outcome::Answered, _) => AttemptOutcome::AnsweredNoAck,
        (Outcome::Busy, _) => AttemptOutcome::Busy,
        (Outcome::NoAnswer, _) => AttemptOutcome::NoAnswer,
        // A member who declines is called again like one who did not answer.
        (Outcome::Rejected, _) if call.sip_status == Some(603) => AttemptOutcome::NoAnswer,
        (Outcome::Unavailable, _) => AttemptOutcome::Unavailable {
            retry_after: call.retry_after,
        },
        (Outcome::Rejected | Outcome::Failed, _) => AttemptOutcome::Failed,
    }
}

#[cfg(test)]
mod tests;
