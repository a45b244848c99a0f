//! What the session says through `poll_event`, and when.

use super::tests::{PHONE, Phone, listening, setup, with_message};
use super::*;

/// Runs the session on its grid, feeding `input(ms)` from the phone, and returns every event
/// with the millisecond it was drained at.
pub(super) fn events(
    session: &mut MediaSession,
    start: Instant,
    until_ms: u64,
    mut input: impl FnMut(u64) -> Vec<Vec<u8>>,
) -> Vec<(u64, MediaEvent)> {
    let phone: SocketAddr = PHONE.parse().unwrap();
    let mut buffer = Vec::new();
    let mut said = Vec::new();
    for ms in (0..until_ms).step_by(20) {
        let now = start + Duration::from_millis(ms);
        for datagram in input(ms) {
            session.handle_datagram(now, phone, &datagram);
        }
        while session.poll_packet(now, &mut buffer).is_some() {
            session.record_send(true);
        }
        said.extend(std::iter::from_fn(|| session.poll_event()).map(|e| (ms, e)));
    }
    said
}

#[test]
fn a_confirmation_is_said_once_before_the_end() {
    let start = Instant::ZERO;
    let mut session = MediaSession::new(start, start, setup());
    let mut phone = Phone::new();
    // The message is 10 frames and the menu 5: a 1 during the first menu confirms.
    let said = events(&mut session, start, 5_000, |ms| match ms {
        260 => vec![phone.event(1, true, 9000)],
        _ => vec![phone.audio(&[0; 160])],
    });
    let kinds: Vec<MediaEvent> = said.iter().map(|(_, e)| *e).collect();
    assert!(
        matches!(
            kinds.as_slice(),
            [
                MediaEvent::Key(Digit {
                    digit: '1',
                    via: DigitPath::Rfc4733,
                    ..
                }),
                MediaEvent::Confirmed,
                MediaEvent::Ended(MediaEnd::Program(ProgramEnd::Acknowledged)),
            ]
        ),
        "{said:?}"
    );
    assert_eq!(said[0].0, 260, "the key is said when it arrives");
    assert_eq!(
        said[1].0, 260,
        "and the confirmation with it, before the thank-you"
    );
    assert!(said[2].0 > 260);
}

#[test]
fn a_stopped_session_says_its_end_once_and_nothing_after() {
    let start = Instant::ZERO;
    let mut session = MediaSession::new(start, start, setup());
    session.stop();
    session.stop();
    assert_eq!(
        session.poll_event(),
        Some(MediaEvent::Ended(MediaEnd::Stopped))
    );
    let later = events(&mut session, start, 30_000, |_| vec![]);
    assert_eq!(later, vec![], "no silence after the end");
}

#[test]
fn silence_is_said_after_each_stretch_without_rtp() {
    let start = Instant::ZERO;
    let mut long = with_message(3000);
    long.silence = Duration::from_secs(4);
    let mut session = MediaSession::new(start, start, long);
    let mut phone = Phone::new();
    // Audio for the first 3 s, then nothing.
    let said = events(&mut session, start, 20_000, |ms| {
        if ms < 3_000 {
            vec![phone.audio(&[0; 160])]
        } else {
            vec![]
        }
    });
    let silent: Vec<u64> = said
        .iter()
        .filter(|(_, e)| *e == MediaEvent::Silent)
        .map(|(ms, _)| *ms)
        .collect();
    // The last packet came at 2,980 ms: silent at 6,980, then every 4 s.
    assert_eq!(silent, vec![6_980, 10_980, 14_980, 18_980]);
}

#[test]
fn the_answering_machine_verdict_is_said_once() {
    let start = Instant::ZERO;
    let mut session = MediaSession::new(start, start, listening());
    let mut phone = Phone::new();
    let said = events(&mut session, start, 60_000, |_| {
        vec![phone.audio(&[0; 160])]
    });
    let verdicts: Vec<&MediaEvent> = said
        .iter()
        .map(|(_, e)| e)
        .filter(|e| matches!(e, MediaEvent::Answerer(_)))
        .collect();
    assert_eq!(verdicts, vec![&MediaEvent::Answerer(Answerer::Human)]);
    assert!(matches!(said.last(), Some((_, MediaEvent::Ended(_)))));
}
