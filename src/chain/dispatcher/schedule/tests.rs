//! The scheduler's rules with exact times, in plain tests: no runtime, no store, no clock.
//! Names and numbers are fictional.

use super::*;
use crate::store::{
    Alert, AlertState, AttemptId, Channel, ContactKind, ContactPoint, Delivery, DeliveryState,
    QuietHours, Recipient,
};
use buurtbel_proto::policy::{AttemptOutcome, Progress, RetryPolicy};
use std::time::Duration;

const SECOND: i64 = 1000;
const MINUTE: i64 = 60 * SECOND;
const LANDLINE: &str = "+3250000001";
const MOBILE: &str = "+3247000001";

/// A local time in Brussels as epoch ms.
fn brussels(text: &str) -> i64 {
    let zoned: jiff::ZonedDateTime = format!("{text}[Europe/Brussels]").parse().expect("time");
    zoned.timestamp().as_millisecond()
}

/// Thursday 26 November 2026, 14:00 in Brussels.
fn afternoon() -> i64 {
    brussels("2026-11-26T14:00")
}

fn scheduler() -> Scheduler {
    Scheduler::new(quiet::DEFAULT_QUIET, quiet::brussels())
}

/// A due delivery of `alert` for `member`, whose next try dials `numbers[0]`.
pub(in crate::chain::dispatcher) fn due(
    alert: &str,
    member: &str,
    numbers: &[&str],
) -> DueDelivery {
    let contact_points = numbers
        .iter()
        .map(|n| ContactPoint {
            kind: ContactKind::Landline,
            number: (*n).to_owned(),
        })
        .collect();
    DueDelivery {
        delivery: Delivery {
            id: DeliveryId::from(format!("{alert}/{member}").as_str()),
            alert_id: AlertId::from(alert),
            member_id: MemberId::from(member),
            state: DeliveryState::Pending,
            attempts: 0,
            contact_index: 0,
            rounds: 0,
            next_try_at: Some(0),
            last_sip_status: None,
            created_at: 0,
            updated_at: 0,
        },
        alert_kind: AlertKind::Urgent,
        alert_expires_at: None,
        drill: true,
        recipient: Recipient {
            name: format!("Test Lid {member}"),
            language: "nl".into(),
            channel: Channel::Voice,
            speech_rate: 1.0,
            quiet_hours: None,
            contact_points,
        },
        shared: false,
    }
}

fn tip(alert: &str, member: &str, numbers: &[&str]) -> DueDelivery {
    DueDelivery {
        alert_kind: AlertKind::Prevention,
        ..due(alert, member, numbers)
    }
}

fn household(alert: &str, member: &str) -> DueDelivery {
    DueDelivery {
        shared: true,
        ..due(alert, member, &[LANDLINE])
    }
}

/// The plan's starts, as (delivery, number), and the others in short.
fn starts(plan: &Plan) -> Vec<(String, String)> {
    plan.actions
        .iter()
        .filter_map(|a| match a {
            Action::Start { first, number } => {
                Some((first.delivery.id.to_string(), number.clone()))
            }
            _ => None,
        })
        .collect()
}

fn progress(contact: usize, contacts: usize, rounds: u32) -> Progress {
    Progress {
        contact,
        contacts,
        rounds,
        expires_at: None,
    }
}

#[test]
fn a_busy_member_is_retried_exactly_two_minutes_after_the_call_ended() {
    let ended = afternoon() + 31 * SECOND;
    let step = step_after(
        &RetryPolicy::default(),
        AttemptOutcome::Busy,
        progress(0, 1, 0),
        ended,
    );
    assert_eq!(step.state, DeliveryState::Busy);
    assert_eq!(step.next_try_at, Some(ended + 2 * MINUTE));
    assert_eq!((step.contact_index, step.rounds), (0, 1));
    let last = step_after(
        &RetryPolicy::default(),
        AttemptOutcome::Busy,
        progress(0, 1, 3),
        ended,
    );
    assert_eq!(last.next_try_at, None, "three retries, then no more");
}

#[test]
fn the_next_contact_point_is_tried_at_once() {
    let ended = afternoon() + 30 * SECOND;
    let policy = RetryPolicy::default();
    let step = step_after(&policy, AttemptOutcome::NoAnswer, progress(0, 2, 0), ended);
    assert_eq!(step.state, DeliveryState::NoAnswer);
    assert_eq!(step.next_try_at, Some(ended));
    assert_eq!((step.contact_index, step.rounds), (1, 0));
    // The last contact point failed: the round is over, the retry waits its rule.
    let step = step_after(&policy, AttemptOutcome::Busy, progress(1, 2, 0), ended);
    assert_eq!(step.next_try_at, Some(ended + 2 * MINUTE));
    assert_eq!((step.contact_index, step.rounds), (0, 1));
}

#[test]
fn unavailable_waits_its_retry_after_but_at_least_the_rule() {
    let ended = afternoon();
    let policy = RetryPolicy::default();
    let later = AttemptOutcome::Unavailable {
        retry_after: Some(Duration::from_secs(300)),
    };
    let soon = AttemptOutcome::Unavailable {
        retry_after: Some(Duration::from_secs(5)),
    };
    let at = |outcome| step_after(&policy, outcome, progress(0, 1, 0), ended).next_try_at;
    assert_eq!(at(later), Some(ended + 5 * MINUTE));
    assert_eq!(at(soon), Some(ended + MINUTE));
    assert_eq!(at(AttemptOutcome::Voicemail), None, "the message was left");
    assert_eq!(outcome_name(AttemptOutcome::Acknowledged), "acknowledged");
}

#[test]
fn no_retry_is_scheduled_at_or_past_the_expiry_and_the_alert_expires_on_the_dot() {
    let start = afternoon();
    let expiry = start + 30 * MINUTE;
    let near_the_end = Progress {
        expires_at: Some(expiry),
        ..progress(0, 1, 0)
    };
    let policy = RetryPolicy::default();
    let step = step_after(
        &policy,
        AttemptOutcome::Busy,
        near_the_end,
        expiry - 2 * MINUTE,
    );
    assert_eq!(step.next_try_at, None);
    let step = step_after(
        &policy,
        AttemptOutcome::Busy,
        near_the_end,
        expiry - 2 * MINUTE - 1,
    );
    assert_eq!(step.next_try_at, Some(expiry - 1));

    let alert = sending("urgent", Some(expiry));
    let before = sweep(expiry - 1, std::slice::from_ref(&alert));
    assert_eq!(before.running, std::slice::from_ref(&alert.id));
    assert_eq!(before.next_expiry, Some(expiry), "the loop wakes for it");
    let at = sweep(expiry, std::slice::from_ref(&alert));
    assert_eq!((at.expired, at.next_expiry), (vec![alert.id], None));
}

fn sending(id: &str, expires_at: Option<i64>) -> Alert {
    Alert {
        id: AlertId::from(id),
        kind: AlertKind::Urgent,
        activation_of: None,
        created_by: "test".into(),
        state: AlertState::Sending,
        created_at: 0,
        updated_at: 0,
        expires_at,
        drill: true,
        idempotency_key: None,
        networks: Vec::new(),
    }
}

#[test]
fn a_tip_in_the_evening_is_postponed_to_eight_exactly_and_an_urgent_alert_calls() {
    let evening = brussels("2026-11-26T22:30");
    let mut scheduler = scheduler();
    let due = vec![tip("tip", "a", &[LANDLINE]), due("urgent", "b", &[MOBILE])];
    let plan = scheduler.plan(evening, due, 4, 10);
    let postponed: Vec<_> = plan
        .actions
        .iter()
        .filter_map(|a| match a {
            Action::Postpone { delivery, until } => Some((delivery.to_string(), *until)),
            _ => None,
        })
        .collect();
    assert_eq!(
        postponed,
        [("tip/a".to_owned(), brussels("2026-11-27T08:00"))]
    );
    assert_eq!(starts(&plan), [("urgent/b".to_owned(), MOBILE.to_owned())]);
}

#[test]
fn a_members_own_quiet_hours_replace_the_default() {
    let mut late_riser = tip("tip", "a", &[LANDLINE]);
    late_riser.recipient.quiet_hours = Some(QuietHours {
        start: 20 * 60,
        end: 10 * 60,
    });
    let plan = scheduler().plan(brussels("2026-11-27T09:00"), vec![late_riser], 4, 10);
    assert!(matches!(
        plan.actions[..],
        [Action::Postpone { until, .. }] if until == brussels("2026-11-27T10:00")
    ));
}

#[test]
fn a_member_without_a_number_is_given_up() {
    let plan = scheduler().plan(afternoon(), vec![due("alert", "a", &[])], 4, 10);
    assert!(matches!(plan.actions[..], [Action::GiveUp(_)]));
}

#[test]
fn no_more_calls_start_than_channels_are_free_and_a_call_that_ends_wakes_the_loop() {
    let now = afternoon();
    let mut scheduler = scheduler();
    assert_eq!(scheduler.look(now, 2, true), Look::Read(2));
    let due: Vec<_> = ["+3250000001", "+3250000002", "+3250000003"]
        .iter()
        .enumerate()
        .map(|(i, n)| due("alert", &i.to_string(), &[n]))
        .collect();
    let plan = scheduler.plan(now, due, 2, 3);
    assert_eq!(starts(&plan).len(), 2);
    assert_eq!(plan.wake, Wake::Woken);
    assert_eq!(scheduler.look(now, 0, true), Look::Wait(Wake::Woken));
    assert_eq!(
        scheduler.look(now, 2, false),
        Look::Wait(Wake::Woken),
        "fenced"
    );
}

#[test]
fn a_full_read_looks_again_at_once_and_otherwise_at_the_next_due_try() {
    let now = afternoon();
    let mut scheduler = scheduler();
    let plan = scheduler.plan(now, vec![due("alert", "a", &[LANDLINE])], 4, 1);
    assert_eq!(plan.wake.at(now, Some(now + MINUTE)), Some(now));
    let plan = scheduler.plan(now, Vec::new(), 4, 4);
    assert_eq!(plan.wake.at(now, Some(now + MINUTE)), Some(now + MINUTE));
    assert_eq!(plan.wake.at(now, None), None);
}

#[test]
fn a_number_on_the_line_is_not_dialled_again_and_its_due_tries_wait() {
    let now = afternoon();
    let mut scheduler = scheduler();
    let first = due("first", "a", &[LANDLINE]);
    assert!(scheduler.open(LANDLINE, &[first]));
    let plan = scheduler.plan(now, vec![due("second", "a", &[LANDLINE])], 3, 4);
    assert!(starts(&plan).is_empty());
    // The next read takes the waiting one too, beside the one the call serves.
    assert_eq!(scheduler.look(now, 3, true), Look::Read(3 + 1 + 1));
    scheduler.close(LANDLINE, true);
    let plan = scheduler.plan(now, vec![due("second", "a", &[LANDLINE])], 4, 4);
    assert_eq!(starts(&plan).len(), 1);
}

#[test]
fn two_alerts_due_on_one_number_get_one_call_at_a_time() {
    let plan = scheduler().plan(
        afternoon(),
        vec![
            due("first", "a", &[LANDLINE]),
            due("second", "a", &[LANDLINE]),
        ],
        4,
        10,
    );
    assert_eq!(starts(&plan), [("first/a".to_owned(), LANDLINE.to_owned())]);
}

#[test]
fn a_household_due_together_is_one_call_joined_by_every_member_not_in_quiet_hours() {
    let now = brussels("2026-11-26T22:30");
    let mut scheduler = scheduler();
    let due = vec![household("alert", "jan"), household("alert", "marie")];
    let plan = scheduler.plan(now, due, 4, 10);
    assert_eq!(
        starts(&plan),
        [("alert/jan".to_owned(), LANDLINE.to_owned())]
    );
    let Some(Action::Start { first, .. }) = plan.actions.into_iter().next() else {
        panic!("a start");
    };
    // Read from the store: every delivery of the alert dialling the landline, Piet's retry
    // due later included; Anna, sleeping, is left for her own try.
    let mut anna = household("alert", "anna");
    anna.alert_kind = AlertKind::Prevention;
    let through = vec![
        household("alert", "jan"),
        household("alert", "marie"),
        household("alert", "piet"),
        anna,
    ];
    let served = scheduler.join(first, through, now);
    let ids: Vec<String> = served.iter().map(|d| d.delivery.id.to_string()).collect();
    assert_eq!(ids, ["alert/jan", "alert/marie", "alert/piet"]);
}

#[test]
fn a_number_busy_elsewhere_holds_its_deliveries_exactly_a_second_or_until_a_call_ends() {
    let now = afternoon();
    let mut scheduler = scheduler();
    let jan = due("alert", "jan", &[LANDLINE]);
    let id = jan.delivery.id.clone();
    assert!(scheduler.open(LANDLINE, std::slice::from_ref(&jan)));
    scheduler.claimed(LANDLINE, std::slice::from_ref(&id), &CallClaim::Busy, now);
    scheduler.close(LANDLINE, false);
    let plan = scheduler.plan(now + 999, vec![jan.clone()], 4, 10);
    assert!(starts(&plan).is_empty());
    assert_eq!(
        plan.wake.at(now + 999, Some(now + MINUTE)),
        Some(now + SECOND)
    );
    let plan = scheduler.plan(now + SECOND, vec![jan.clone()], 4, 10);
    assert_eq!(starts(&plan).len(), 1, "held no longer");
    scheduler.claimed(LANDLINE, &[id], &CallClaim::Busy, now);
    scheduler.line_freed();
    let plan = scheduler.plan(now + 1, vec![jan], 4, 10);
    assert_eq!(starts(&plan).len(), 1, "a call elsewhere ended");
}

#[test]
fn a_full_trunk_starts_nothing_for_exactly_a_second_unless_a_call_ends() {
    let now = afternoon();
    let mut scheduler = scheduler();
    let jan = due("alert", "jan", &[LANDLINE]);
    assert!(scheduler.open(LANDLINE, std::slice::from_ref(&jan)));
    scheduler.claimed(LANDLINE, &[jan.delivery.id], &CallClaim::TrunkFull, now);
    scheduler.close(LANDLINE, false);
    assert_eq!(
        scheduler.look(now + 10, 4, true),
        Look::Wait(Wake::At(now + SECOND))
    );
    assert_eq!(scheduler.look(now + SECOND, 4, true), Look::Read(4));
    scheduler.claimed(LANDLINE, &[], &CallClaim::TrunkFull, now);
    let other = due("alert", "piet", &[MOBILE]);
    assert!(scheduler.open(MOBILE, &[other]));
    scheduler.close(MOBILE, true);
    assert_eq!(scheduler.look(now + 10, 4, true), Look::Read(4));
}

#[test]
fn a_claimed_call_keeps_only_the_deliveries_it_claimed() {
    let now = afternoon();
    let mut scheduler = scheduler();
    let (jan, marie) = (household("alert", "jan"), household("alert", "marie"));
    assert!(scheduler.open(LANDLINE, &[jan.clone(), marie.clone()]));
    let begun = CallClaim::Begun(vec![(jan.delivery.id.clone(), AttemptId::from("attempt"))]);
    let ids = [jan.delivery.id.clone(), marie.delivery.id.clone()];
    scheduler.claimed(LANDLINE, &ids, &begun, now);
    // Marie acknowledged meanwhile: her delivery is no longer the call's.
    assert_eq!(scheduler.look(now, 4, true), Look::Read(4 + 1));
    assert!(
        scheduler
            .settled(&AlertId::from("alert"), &MemberId::from("marie"))
            .is_empty()
    );
    assert_eq!(
        scheduler.settled(&AlertId::from("alert"), &MemberId::from("jan")),
        [LANDLINE]
    );
}

#[test]
fn the_loop_sweeps_every_interval_and_at_the_next_expiry() {
    let now = afternoon();
    let mut rhythm = Rhythm::new(600 * SECOND, None);
    assert!(rhythm.sweep_due(now) && rhythm.dispatch_due(now, false, false));
    rhythm.swept(now, None);
    rhythm.dispatched(None);
    assert_eq!(rhythm.wake_at(now), now + 600 * SECOND);
    rhythm.swept(now, Some(now + 5 * MINUTE));
    rhythm.dispatched(Some(now + 2 * MINUTE));
    assert_eq!(rhythm.wake_at(now), now + 2 * MINUTE, "the retry first");
    let later = now + 2 * MINUTE;
    assert!(!rhythm.sweep_due(later) && rhythm.dispatch_due(later, false, false));
    rhythm.dispatched(None);
    assert_eq!(rhythm.wake_at(later), now + 5 * MINUTE, "then the expiry");
    assert!(rhythm.sweep_due(now + 5 * MINUTE));
    rhythm.dispatch_failed(later);
    assert_eq!(rhythm.wake_at(later), later + SECOND);
}

#[test]
fn between_sweeps_a_look_for_news_sweeps_at_once() {
    let now = afternoon();
    let mut rhythm = Rhythm::new(600 * SECOND, Some(2 * SECOND));
    assert!(!rhythm.look(now), "the first pass sweeps anyway");
    rhythm.swept(now, None);
    rhythm.dispatched(None);
    assert_eq!(rhythm.wake_at(now), now + 2 * SECOND);
    let next = now + 2 * SECOND;
    assert!(rhythm.look(next));
    assert!(!rhythm.sweep_due(next));
    rhythm.news(next);
    assert!(rhythm.sweep_due(next));
    assert!(
        !rhythm.dispatch_due(next, false, false),
        "nothing due, nothing woke it"
    );
    assert!(
        rhythm.dispatch_due(next, false, true),
        "a sweep may bring new deliveries"
    );
}
