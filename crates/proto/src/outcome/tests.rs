use super::*;
use std::time::Duration;

fn call(outcome: Outcome, sip_status: Option<u16>) -> CallReport {
    CallReport {
        outcome,
        sip_status,
        retry_after: None,
        ring: Duration::ZERO,
        talk: Duration::ZERO,
        hung_up_by: None,
        reason: None,
    }
}

fn heard(confirmed: bool, end: Option<MediaEnd>) -> Option<Heard> {
    Some(Heard { confirmed, end })
}

const ACK: Option<MediaEnd> = Some(MediaEnd::Program(ProgramEnd::Acknowledged));
const NO_ACK: Option<MediaEnd> = Some(MediaEnd::Program(ProgramEnd::AnsweredNoAck));
const VOICEMAIL: Option<MediaEnd> = Some(MediaEnd::Program(ProgramEnd::Voicemail));
const HUNG_UP: Option<MediaEnd> = Some(MediaEnd::Stopped);
/// A call-back playlist's end: an alert call never sees it, and it confirms nothing.
const PLAYLIST: Option<MediaEnd> = Some(MediaEnd::Playlist);

/// Every SIP ending the call state machine produces, with the statuses that lead to it.
fn sip_endings() -> Vec<(Outcome, Option<u16>)> {
    vec![
        (Outcome::Answered, Some(200)),
        (Outcome::Busy, Some(486)),
        (Outcome::Busy, Some(600)),
        (Outcome::NoAnswer, Some(408)),
        (Outcome::NoAnswer, Some(480)),
        (Outcome::NoAnswer, Some(487)),
        // An answer that crossed our CANCEL at the ring timeout.
        (Outcome::NoAnswer, Some(200)),
        (Outcome::Rejected, Some(603)),
        (Outcome::Rejected, Some(403)),
        (Outcome::Unavailable, Some(503)),
        (Outcome::Failed, Some(404)),
        (Outcome::Failed, Some(500)),
        (Outcome::Failed, None),
        // A 200 without usable audio: ACKed, hung up, never heard.
        (Outcome::Failed, Some(200)),
    ]
}

/// Every report the call program can give, or none when nothing played.
fn program_reports() -> Vec<Option<Heard>> {
    vec![
        None,
        heard(false, None),
        heard(true, ACK),
        heard(false, NO_ACK),
        heard(false, VOICEMAIL),
        // The member hung up during the thank-you, or before confirming.
        heard(true, HUNG_UP),
        heard(false, HUNG_UP),
        heard(false, PLAYLIST),
    ]
}

/// What the table in the module documentation says, written out case by case.
fn expected(sip: (Outcome, Option<u16>), program: Option<Heard>) -> AttemptOutcome {
    match sip {
        (Outcome::Answered, _) => match program {
            Some(Heard { end, .. }) if end == VOICEMAIL => AttemptOutcome::Voicemail,
            Some(Heard {
                confirmed: true, ..
            }) => AttemptOutcome::Acknowledged,
            _ => AttemptOutcome::AnsweredNoAck,
        },
        (Outcome::Busy, _) => AttemptOutcome::Busy,
        (Outcome::NoAnswer, _) | (Outcome::Rejected, Some(603)) => AttemptOutcome::NoAnswer,
        (Outcome::Unavailable, _) => AttemptOutcome::Unavailable { retry_after: None },
        (Outcome::Rejected | Outcome::Failed, _) => AttemptOutcome::Failed,
    }
}

#[test]
fn every_sip_ending_with_every_program_report() {
    let mut cases = 0;
    for sip in sip_endings() {
        for program in program_reports() {
            let got = attempt_outcome(&call(sip.0, sip.1), program);
            assert_eq!(got, expected(sip, program), "{sip:?} {program:?}");
            cases += 1;
        }
    }
    assert_eq!(cases, 14 * 8);
}

#[test]
fn the_answered_cases_by_name() {
    let answered = call(Outcome::Answered, Some(200));
    let table = [
        (None, AttemptOutcome::AnsweredNoAck),
        (heard(true, ACK), AttemptOutcome::Acknowledged),
        (heard(true, HUNG_UP), AttemptOutcome::Acknowledged),
        (heard(false, HUNG_UP), AttemptOutcome::AnsweredNoAck),
        (heard(false, NO_ACK), AttemptOutcome::AnsweredNoAck),
        (heard(false, VOICEMAIL), AttemptOutcome::Voicemail),
        (heard(false, PLAYLIST), AttemptOutcome::AnsweredNoAck),
    ];
    for (program, outcome) in table {
        assert_eq!(attempt_outcome(&answered, program), outcome, "{program:?}");
    }
}

#[test]
fn a_program_report_never_turns_a_call_nobody_answered_into_a_confirmation() {
    for (outcome, status) in sip_endings() {
        if outcome == Outcome::Answered {
            continue;
        }
        let got = attempt_outcome(&call(outcome, status), heard(true, ACK));
        assert_ne!(got, AttemptOutcome::Acknowledged, "{outcome:?} {status:?}");
    }
}

#[test]
fn unavailable_carries_retry_after() {
    let mut unavailable = call(Outcome::Unavailable, Some(503));
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
