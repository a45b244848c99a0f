//! What follows a call for each delivery it served: the retry policy's decision turned into
//! the step the store commits. Pure: the attempt's outcome, where the delivery stands and
//! the time go in; the state, the next try and the next contact point come out.

use crate::store::{DeliveryState, DeliveryStep};
use buurtbel_proto::policy::{self, AttemptOutcome, Decision, Progress, RetryPolicy};

/// The step a delivery takes after an attempt with `outcome` that ended at `now`: a retry at
/// the policy's time, the next contact point at once (`now`), or no further try.
pub(crate) fn step_after(
    policy: &RetryPolicy,
    outcome: AttemptOutcome,
    progress: Progress,
    now: i64,
) -> DeliveryStep {
    let decision = policy::decide(policy, outcome, progress, now);
    step(decision, outcome_state(outcome), progress, now)
}

/// The attempt's outcome as recorded.
pub(crate) fn outcome_name(outcome: AttemptOutcome) -> &'static str {
    match outcome {
        AttemptOutcome::Acknowledged => DeliveryState::Acknowledged.as_str(),
        other => outcome_state(other).as_str(),
    }
}

/// Where the policy's decision takes a delivery.
/// `now` is when a next contact point is called: at once.
fn step(decision: Decision, state: DeliveryState, progress: Progress, now: i64) -> DeliveryStep {
    let contact_index = |contact: usize| i64::try_from(contact).unwrap_or(0);
    match decision {
        Decision::Done | Decision::Expired => DeliveryStep {
            state,
            next_try_at: None,
            contact_index: contact_index(progress.contact),
            rounds: i64::from(progress.rounds),
        },
        Decision::NextContact { contact } => DeliveryStep {
            state,
            next_try_at: Some(now),
            contact_index: contact_index(contact),
            rounds: i64::from(progress.rounds),
        },
        Decision::Retry { at, rounds } => DeliveryStep {
            state,
            next_try_at: Some(at),
            contact_index: 0,
            rounds: i64::from(rounds),
        },
    }
}

/// The state a delivery takes after an attempt with this outcome. An acknowledged call's
/// delivery was already moved by the acknowledgement itself; the state given here is then
/// not applied (the delivery is no longer `calling`).
fn outcome_state(outcome: AttemptOutcome) -> DeliveryState {
    match outcome {
        AttemptOutcome::Acknowledged | AttemptOutcome::AnsweredNoAck => {
            DeliveryState::AnsweredNoAck
        }
        AttemptOutcome::Voicemail => DeliveryState::Voicemail,
        AttemptOutcome::NoAnswer => DeliveryState::NoAnswer,
        AttemptOutcome::Busy => DeliveryState::Busy,
        AttemptOutcome::Unavailable { .. } => DeliveryState::Unavailable,
        AttemptOutcome::Failed => DeliveryState::Failed,
    }
}
