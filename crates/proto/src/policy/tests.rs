//! Each retry rule in virtual time: a delivery is played forward attempt by attempt, the
//! clock only moving to the times the policy names.

use super::*;

const MIN: i64 = 60_000;

fn progress(contact: usize, contacts: usize, rounds: u32) -> Progress {
    Progress {
        contact,
        contacts,
        rounds,
        expires_at: None,
    }
}

/// Plays a one-number member through `outcome` every time; returns the call times.
fn calls_until_done(outcome: AttemptOutcome, policy: &RetryPolicy) -> Vec<i64> {
    let (mut now, mut rounds, mut calls) = (0, 0, vec![0]);
    loop {
        match decide(policy, outcome, progress(0, 1, rounds), now) {
            Decision::Retry { at, rounds: done } => {
                now = at;
                rounds = done;
                calls.push(now);
            }
            Decision::Done => return calls,
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn busy_is_retried_three_times_two_minutes_apart() {
    let calls = calls_until_done(AttemptOutcome::Busy, &RetryPolicy::default());
    assert_eq!(calls, vec![0, 2 * MIN, 4 * MIN, 6 * MIN]);
}

#[test]
fn no_answer_is_retried_twice_five_minutes_apart() {
    let calls = calls_until_done(AttemptOutcome::NoAnswer, &RetryPolicy::default());
    assert_eq!(calls, vec![0, 5 * MIN, 10 * MIN]);
}

#[test]
fn answered_without_a_key_is_retried_once_after_three_minutes() {
    let calls = calls_until_done(AttemptOutcome::AnsweredNoAck, &RetryPolicy::default());
    assert_eq!(calls, vec![0, 3 * MIN]);
}

#[test]
fn failed_is_retried_twice_a_minute_apart() {
    let calls = calls_until_done(AttemptOutcome::Failed, &RetryPolicy::default());
    assert_eq!(calls, vec![0, MIN, 2 * MIN]);
}

#[test]
fn unavailable_honours_retry_after_but_never_less_than_its_rule() {
    let policy = RetryPolicy::default();
    let later = AttemptOutcome::Unavailable {
        retry_after: Some(Duration::from_secs(300)),
    };
    assert_eq!(
        decide(&policy, later, progress(0, 1, 0), 1000),
        Decision::Retry {
            at: 1000 + 5 * MIN,
            rounds: 1
        }
    );
    let soon = AttemptOutcome::Unavailable {
        retry_after: Some(Duration::from_secs(2)),
    };
    assert_eq!(
        decide(&policy, soon, progress(0, 1, 0), 0),
        Decision::Retry { at: MIN, rounds: 1 }
    );
    let calls = calls_until_done(AttemptOutcome::Unavailable { retry_after: None }, &policy);
    assert_eq!(calls, vec![0, MIN, 2 * MIN, 3 * MIN]);
}

#[test]
fn voicemail_and_acknowledged_end_it() {
    let policy = RetryPolicy::default();
    for outcome in [AttemptOutcome::Voicemail, AttemptOutcome::Acknowledged] {
        assert_eq!(
            decide(&policy, outcome, progress(0, 2, 0), 0),
            Decision::Done
        );
    }
}

#[test]
fn the_next_contact_point_is_called_before_the_retry_waits() {
    let policy = RetryPolicy::default();
    let busy = AttemptOutcome::Busy;
    assert_eq!(
        decide(&policy, busy, progress(0, 2, 0), 0),
        Decision::NextContact { contact: 1 }
    );
    assert_eq!(
        decide(&policy, busy, progress(1, 2, 0), 0),
        Decision::Retry {
            at: 2 * MIN,
            rounds: 1
        }
    );
    // Someone answered the landline: the mobile would not change that.
    assert_eq!(
        decide(&policy, AttemptOutcome::AnsweredNoAck, progress(0, 2, 0), 0),
        Decision::Retry {
            at: 3 * MIN,
            rounds: 1
        }
    );
}

#[test]
fn no_retry_is_scheduled_past_the_expiry() {
    let policy = RetryPolicy::default();
    let mut near_expiry = progress(0, 1, 0);
    near_expiry.expires_at = Some(4 * MIN);
    assert_eq!(
        decide(&policy, AttemptOutcome::NoAnswer, near_expiry, 0),
        Decision::Expired
    );
    assert!(matches!(
        decide(&policy, AttemptOutcome::Busy, near_expiry, 0),
        Decision::Retry { .. }
    ));
}

#[test]
fn faster_divides_every_wait() {
    let policy = RetryPolicy::default().faster(60);
    assert_eq!(policy.busy.after, Duration::from_secs(2));
    assert_eq!(policy.busy.retries, 3);
}
