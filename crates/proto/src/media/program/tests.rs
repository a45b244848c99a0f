//! Tests of the parent module.

use super::*;
use crate::media::amd::DetectorSettings;

fn audio() -> ProgramAudio {
    ProgramAudio {
        intro: Arc::from(vec![1u8; 320]),
        message: Arc::from(vec![2u8; 800]),
        menu: Arc::from(vec![3u8; 400]),
        thanks: Arc::from(vec![4u8; 160]),
        listen_first: Arc::from(vec![6u8; 160]),
        voicemail: Arc::from(vec![5u8; 320]),
        silence: 0xD5,
    }
}

fn settings() -> ProgramSettings {
    ProgramSettings {
        menu_rounds: 3,
        key_wait: Duration::from_millis(100),
        machine_detection: None,
    }
}

/// The first byte of each frame until the program ends.
fn play(program: &mut Program, keys: &[(usize, char)]) -> Vec<u8> {
    let mut heard = Vec::new();
    while let Some(frame) = program.next_frame() {
        heard.push(frame[0]);
        for (_, key) in keys.iter().filter(|(at, _)| *at == heard.len()) {
            program.handle_digit(*key);
        }
    }
    heard
}

#[test]
fn no_key_plays_all_rounds_then_answered_no_ack() {
    let mut program = Program::new(audio(), settings());
    let heard = play(&mut program, &[]);
    let round = [3, 3, 3, 0xD5, 0xD5, 0xD5, 0xD5, 0xD5];
    let mut expected = vec![1, 1, 2, 2, 2, 2, 2];
    for _ in 0..3 {
        expected.extend(round);
    }
    assert_eq!(heard, expected);
    assert_eq!(program.end(), Some(ProgramEnd::AnsweredNoAck));
    assert_eq!(program.played(), FRAME * 31);
}

#[test]
fn one_after_the_menu_thanks_and_acknowledges() {
    let mut program = Program::new(audio(), settings());
    let heard = play(&mut program, &[(9, '1')]);
    assert_eq!(&heard[7..], [3, 3, 4]);
    assert_eq!(program.end(), Some(ProgramEnd::Acknowledged));
}

#[test]
fn one_during_the_first_message_asks_to_listen_first_and_the_message_goes_on() {
    let mut program = Program::new(audio(), settings());
    let heard = play(&mut program, &[(3, '1')]);
    assert_eq!(&heard[..9], [1, 1, 2, 6, 2, 2, 2, 2, 3]);
    assert_eq!(program.message_starts(), 1, "resumed, not restarted");
    assert!(!program.confirmed());
    assert_eq!(program.end(), Some(ProgramEnd::AnsweredNoAck));
}

#[test]
fn one_during_the_intro_confirms_nothing_and_one_after_the_message_does() {
    let mut program = Program::new(audio(), settings());
    let heard = play(&mut program, &[(1, '1'), (2, '1'), (10, '1')]);
    // The second 1 falls on the prompt itself and changes nothing.
    assert_eq!(&heard[..11], [1, 6, 1, 2, 2, 2, 2, 2, 3, 3, 4]);
    assert!(program.confirmed());
    assert_eq!(program.end(), Some(ProgramEnd::Acknowledged));
}

#[test]
fn one_right_after_the_last_frame_of_the_message_confirms() {
    let mut program = Program::new(audio(), settings());
    let heard = play(&mut program, &[(7, '1')]);
    assert_eq!(heard, [1, 1, 2, 2, 2, 2, 2, 4]);
    assert_eq!(program.end(), Some(ProgramEnd::Acknowledged));
}

#[test]
fn the_confirmation_is_known_before_the_thank_you_plays() {
    let mut program = Program::new(audio(), settings());
    for _ in 0..9 {
        program.next_frame();
    }
    assert!(!program.confirmed());
    program.handle_digit('1');
    assert!(program.confirmed(), "decided at the key");
    assert_eq!(program.end(), None, "the thank-you is still to play");
}

#[test]
fn barge_in_while_the_message_repeats() {
    let mut program = Program::new(audio(), settings());
    let heard = play(&mut program, &[(8, '2'), (10, '1')]);
    assert_eq!(&heard[8..], [2, 2, 4]);
    assert_eq!(program.end(), Some(ProgramEnd::Acknowledged));
}

#[test]
fn two_repeats_the_message_then_one() {
    let mut program = Program::new(audio(), settings());
    let heard = play(&mut program, &[(8, '2'), (16, '1')]);
    assert_eq!(&heard[8..13], [2, 2, 2, 2, 2]);
    assert_eq!(program.message_starts(), 2);
    assert_eq!(program.end(), Some(ProgramEnd::Acknowledged));
    assert_eq!(*heard.last().unwrap(), 4);
}

#[test]
fn other_keys_are_ignored_and_thanks_cannot_be_interrupted() {
    let mut program = Program::new(audio(), settings());
    let heard = play(&mut program, &[(2, '5'), (3, '#'), (9, '1'), (10, '2')]);
    assert_eq!(program.end(), Some(ProgramEnd::Acknowledged));
    assert_eq!(program.message_starts(), 1);
    assert_eq!(heard.iter().filter(|b| **b == 4).count(), 1);
}

#[test]
fn partial_last_frame_is_padded_with_silence() {
    let mut short = audio();
    short.intro = Arc::from(vec![]);
    short.message = Arc::from(vec![7u8; 200]);
    let mut program = Program::new(short, settings());
    assert_eq!(program.next_frame().unwrap(), [7u8; FRAME_BYTES]);
    let second = program.next_frame().unwrap();
    assert_eq!(&second[..40], [7u8; 40]);
    assert!(second[40..].iter().all(|b| *b == 0xD5));
}

fn listening() -> ProgramSettings {
    ProgramSettings {
        machine_detection: Some(DetectorSettings::default()),
        ..settings()
    }
}

/// Speech-like far-end audio: 160 ms syllables of a 150 Hz voice with harmonics, 40 ms dips.
fn talking(ms: usize) -> Vec<i16> {
    (0..ms * 8)
        .map(|n| {
            if n % 1600 >= 1280 {
                return 0;
            }
            let phase =
                std::f32::consts::TAU * (140.0 + (n % 1600) as f32 / 40.0) * n as f32 / 8000.0;
            let voice: f32 = (1..=10).map(|h| (phase * h as f32).sin() / h as f32).sum();
            (4000.0 * voice) as i16
        })
        .collect()
}

fn beep(ms: usize) -> Vec<i16> {
    (0..ms * 8)
        .map(|n| (8000.0 * (std::f32::consts::TAU * 1000.0 * n as f32 / 8000.0).sin()) as i16)
        .collect()
}

/// Plays the program while the far end sends `far` (then silence), one packet per frame;
/// returns the first byte of each frame.
fn converse(program: &mut Program, far: &[i16], keys: &[(usize, char)]) -> Vec<u8> {
    let mut heard = Vec::new();
    let mut packets = far.chunks(FRAME_BYTES);
    while let Some(frame) = program.next_frame() {
        heard.push(frame[0]);
        program.handle_audio(packets.next().unwrap_or(&[0; FRAME_BYTES]));
        for (_, key) in keys.iter().filter(|(at, _)| *at == heard.len()) {
            program.handle_digit(*key);
        }
    }
    heard
}

#[test]
fn a_person_saying_hallo_hears_the_intro_after_the_listen() {
    let mut program = Program::new(audio(), listening());
    let far = [vec![0; 8 * 400], talking(500)].concat();
    // The 1 comes at 2.24 s, after the message.
    let heard = converse(&mut program, &far, &[(112, '1')]);
    let listened = heard.iter().take_while(|b| **b == 0xD5).count();
    // The last syllable ends at 840 ms; 1 s of silence after it.
    assert!(
        (90..=96).contains(&listened),
        "{listened} frames of silence"
    );
    assert_eq!(&heard[listened..listened + 3], [1, 1, 2]);
    assert_eq!(program.answerer(), Some(Answerer::Human));
    assert_eq!(program.end(), Some(ProgramEnd::Acknowledged));
}

#[test]
fn a_silent_line_is_a_person_after_the_initial_silence_even_without_packets() {
    let mut program = Program::new(audio(), listening());
    let mut frames = Vec::new();
    while let Some(frame) = program.next_frame() {
        frames.push(frame[0]);
    }
    let listened = frames.iter().take_while(|b| **b == 0xD5).count();
    // 2 s of initial silence, counted 120 ms behind our own clock.
    assert_eq!(listened, 106);
    assert_eq!(program.answerer(), Some(Answerer::Human));
    assert_eq!(program.end(), Some(ProgramEnd::AnsweredNoAck));
}

#[test]
fn a_machine_gets_intro_message_and_notice_once_after_its_beep() {
    let mut program = Program::new(audio(), listening());
    let far = [
        vec![0; 8 * 300],
        talking(4_000),
        vec![0; 8 * 300],
        beep(400),
    ]
    .concat();
    let beep_end = far.len() / FRAME_BYTES;
    // Keys while it greets and while the message plays are ignored.
    let heard = converse(&mut program, &far, &[(200, '1'), (254, '1'), (256, '2')]);
    let waited = heard.iter().take_while(|b| **b == 0xD5).count();
    assert_eq!(waited, beep_end + 1, "speaks right after the beep");
    assert_eq!(&heard[waited..], [1, 1, 2, 2, 2, 2, 2, 5, 5]);
    assert_eq!(program.answerer(), Some(Answerer::Machine));
    assert_eq!(program.message_starts(), 1);
    assert_eq!(program.end(), Some(ProgramEnd::Voicemail));
}

#[test]
fn one_while_listening_means_a_person_who_must_listen_first() {
    let mut program = Program::new(audio(), listening());
    let heard = converse(&mut program, &[], &[(5, '1')]);
    assert_eq!(&heard[..9], [0xD5, 0xD5, 0xD5, 0xD5, 0xD5, 6, 1, 1, 2]);
    assert_eq!(program.answerer(), Some(Answerer::Human));
    assert!(!program.confirmed());
    assert_eq!(program.end(), Some(ProgramEnd::AnsweredNoAck));
}

#[test]
fn a_key_while_listening_means_a_person() {
    let mut program = Program::new(audio(), listening());
    let heard = converse(&mut program, &[], &[(5, '5')]);
    assert_eq!(&heard[..8], [0xD5, 0xD5, 0xD5, 0xD5, 0xD5, 1, 1, 2]);
    assert_eq!(program.answerer(), Some(Answerer::Human));
}
