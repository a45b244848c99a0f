//! Many calls over a bad network: a fifth of the messages lost, a tenth duplicated, every
//! copy delayed by up to 300 ms (so they overtake each other), both ways, from fixed seeds.
//! Exact times are the other files' business; here the call must keep its promises: one
//! `Ended`, at most one `Answered` and never a `Ringing` after it, a report that agrees
//! with the events, and an end within the RFC 3261 timers.

use crate::calls::{answered, ended, ringing};
use crate::clock::ms;
use crate::net::{Link, Pair};
use crate::phone::{Action, Phone, Script};
use crate::setup;
use buurtbel_proto::sip::call::{Outcome, Party};

const SEEDS: u64 = 200;

fn lossy(seed: u64) -> Link {
    Link::new(ms(10)).random(seed, 20, 10, ms(300))
}

fn check(pair: &Pair, seed: u64) {
    let report = pair.report();
    let answers = pair.event_times(answered);
    let ends = pair.event_times(ended);
    assert!(answers.len() <= 1, "seed {seed}: answered twice");
    if let Some(answer) = answers.first() {
        let late = pair
            .event_times(ringing)
            .into_iter()
            .filter(|t| t > answer)
            .count();
        assert_eq!(late, 0, "seed {seed}: ringing after the answer");
        assert_eq!(report.outcome, Outcome::Answered, "seed {seed}");
        assert!(report.hung_up_by.is_some(), "seed {seed}");
    } else {
        assert_ne!(report.outcome, Outcome::Answered, "seed {seed}");
    }
    assert!(
        ends[0] <= 5_000 + 32_000 + 300,
        "seed {seed}: ended at {}",
        ends[0]
    );
    assert!(pair.call.is_finished(), "seed {seed}");
}

#[test]
fn the_gateway_hangs_up_over_a_bad_network() {
    let mut answered_calls = 0;
    for seed in 1..=SEEDS {
        let mut pair = Pair::new(setup(), Phone::new(Script::answer_after(ms(1_000))));
        pair.to_phone = lossy(seed);
        pair.to_gateway = lossy(seed.wrapping_mul(7_919));
        pair.hang_up_at = Some(ms(5_000));
        pair.run(ms(120_000));
        check(&pair, seed);
        if pair.event_times(answered).is_empty() {
            continue;
        }
        answered_calls += 1;
        let report = pair.report();
        let ours = report.hung_up_by == Some(Party::Local);
        assert!(ours, "seed {seed}: the phone never hangs up: {report:?}");
    }
    assert!(
        answered_calls >= SEEDS * 9 / 10,
        "retransmissions overcome the losses"
    );
}

#[test]
fn the_phone_hangs_up_over_a_bad_network() {
    for seed in 1..=SEEDS {
        let script = Script {
            actions: vec![(ms(5_000), Action::Bye)],
            ..Script::answer_after(ms(1_000))
        };
        let mut pair = Pair::new(setup(), Phone::new(script));
        pair.to_phone = lossy(seed);
        pair.to_gateway = lossy(seed.wrapping_mul(104_729));
        pair.run(ms(120_000));
        check(&pair, seed);
        if !pair.event_times(answered).is_empty() {
            let report = pair.report();
            assert_eq!(
                report.hung_up_by,
                Some(Party::Remote),
                "seed {seed}: {report:?}"
            );
        }
    }
}
