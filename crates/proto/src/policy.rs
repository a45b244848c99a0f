//! The retry policy: after each attempt, what happens next for that member. Pure: it takes
//! the attempt's outcome, where the delivery stands and the time, and returns a decision;
//! the dispatcher commits it. Times are epoch milliseconds.
//!
//! Rules (defaults; a network can override any of them):
//!
//! | outcome | retry after | retries |
//! | --- | --- | --- |
//! | busy | 2 min | 3 |
//! | no answer (also a declined call) | 5 min | 2 |
//! | answered, no key | 3 min | 1 |
//! | failed | 1 min | 2 |
//! | unavailable (503) | its Retry-After, at least 1 min | 3 |
//! | voicemail | never: the message was left | 0 |
//!
//! "Retries" counts rounds after the first. A round tries the member's contact points in
//! order (landline, then mobile): when one fails, the next is called at once, and only when
//! the last has failed does the retry wait. No retry is scheduled past the alert's expiry.

use std::time::Duration;

/// How an attempt ended, as the policy sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The member pressed 1.
    Acknowledged,
    /// Answered, heard the message, pressed no valid key.
    AnsweredNoAck,
    /// An answering machine took the message.
    Voicemail,
    /// Rang out, or was declined.
    NoAnswer,
    /// Busy.
    Busy,
    /// 503; the trunk or the far end asked us to wait.
    Unavailable {
        /// Its Retry-After, if any.
        retry_after: Option<Duration>,
    },
    /// Anything else, including a call cut short by a restart.
    Failed,
}

impl AttemptOutcome {
    /// The name used in JSON, logs and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptOutcome::Acknowledged => "acknowledged",
            AttemptOutcome::AnsweredNoAck => "answered_no_ack",
            AttemptOutcome::Voicemail => "voicemail",
            AttemptOutcome::NoAnswer => "no_answer",
            AttemptOutcome::Busy => "busy",
            AttemptOutcome::Unavailable { .. } => "unavailable",
            AttemptOutcome::Failed => "failed",
        }
    }
}

/// One outcome's rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Wait before the next round.
    pub after: Duration,
    /// Rounds allowed after the first.
    pub retries: u32,
}

/// The rules for every outcome that may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Busy.
    pub busy: Rule,
    /// No answer or declined.
    pub no_answer: Rule,
    /// Answered without a key.
    pub answered_no_ack: Rule,
    /// Failed.
    pub failed: Rule,
    /// 503: `after` is the least wait when Retry-After is missing or shorter.
    pub unavailable: Rule,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        let rule = |minutes: u64, retries| Rule {
            after: Duration::from_secs(minutes * 60),
            retries,
        };
        RetryPolicy {
            busy: rule(2, 3),
            no_answer: rule(5, 2),
            answered_no_ack: rule(3, 1),
            failed: rule(1, 2),
            unavailable: rule(1, 3),
        }
    }
}

impl RetryPolicy {
    /// Every wait divided by `factor`: the demo tells in a minute what takes an hour.
    pub fn faster(mut self, factor: u32) -> RetryPolicy {
        for rule in [
            &mut self.busy,
            &mut self.no_answer,
            &mut self.answered_no_ack,
            &mut self.failed,
            &mut self.unavailable,
        ] {
            rule.after /= factor.max(1);
        }
        self
    }
}

/// Where a delivery stands when an attempt ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// The contact point just tried (0 = first).
    pub contact: usize,
    /// How many contact points the member has.
    pub contacts: usize,
    /// Rounds completed before this one.
    pub rounds: u32,
    /// The alert's expiry, if any.
    pub expires_at: Option<i64>,
}

/// What to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Nothing more: the outcome is final.
    Done,
    /// Call the member's next contact point now.
    NextContact {
        /// Which one.
        contact: usize,
    },
    /// Start another round at the first contact point at this time.
    Retry {
        /// When, epoch ms.
        at: i64,
        /// Rounds completed, this one included.
        rounds: u32,
    },
    /// A retry would come after the alert's expiry.
    Expired,
}

/// Decides what follows `outcome`.
pub fn decide(
    policy: &RetryPolicy,
    outcome: AttemptOutcome,
    progress: Progress,
    now: i64,
) -> Decision {
    let rule = match outcome {
        AttemptOutcome::Acknowledged | AttemptOutcome::Voicemail => return Decision::Done,
        AttemptOutcome::AnsweredNoAck => policy.answered_no_ack,
        AttemptOutcome::NoAnswer => policy.no_answer,
        AttemptOutcome::Busy => policy.busy,
        AttemptOutcome::Failed => policy.failed,
        AttemptOutcome::Unavailable { retry_after } => Rule {
            after: retry_after.map_or(policy.unavailable.after, |r| {
                r.max(policy.unavailable.after)
            }),
            ..policy.unavailable
        },
    };
    // Someone answered: the member heard it; another number would not change that.
    let answered = matches!(outcome, AttemptOutcome::AnsweredNoAck);
    if !answered && progress.contact + 1 < progress.contacts {
        return Decision::NextContact {
            contact: progress.contact + 1,
        };
    }
    let rounds = progress.rounds + 1;
    if rounds > rule.retries {
        return Decision::Done;
    }
    let at = now.saturating_add(rule.after.as_millis() as i64);
    match progress.expires_at {
        Some(expiry) if at >= expiry => Decision::Expired,
        _ => Decision::Retry { at, rounds },
    }
}

#[cfg(test)]
mod tests;
