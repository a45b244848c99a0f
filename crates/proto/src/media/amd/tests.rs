//! Tests of the parent module, in virtual time: synthetic speech, tones and noise.

use super::*;
use std::f32::consts::TAU;

const RATE: f32 = 8_000.0;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn silence(ms: usize) -> Vec<i16> {
    vec![0; ms * 8]
}

/// A steady tone at `amplitude` peak.
fn tone(hz: f32, ms: usize, amplitude: f32) -> Vec<i16> {
    (0..ms * 8)
        .map(|n| (amplitude * (TAU * hz * n as f32 / RATE).sin()) as i16)
        .collect()
}

/// Speech-like sound: syllables of 160 ms (a gliding 110–190 Hz voice with 12 harmonics,
/// rising and falling in level) separated by 40 ms dips, for `ms`.
fn speech(ms: usize) -> Vec<i16> {
    let mut phase = 0.0_f32;
    (0..ms * 8)
        .map(|n| {
            let t = n as f32 / RATE;
            let in_syllable = (n % 1600) as f32 / 1280.0;
            let envelope = if in_syllable < 1.0 {
                (in_syllable * std::f32::consts::PI).sin()
            } else {
                0.0
            };
            let f0 = 150.0 + 40.0 * (TAU * 1.3 * t).sin();
            phase += TAU * f0 / RATE;
            let voice: f32 = (1..=12).map(|h| (phase * h as f32).sin() / h as f32).sum();
            (3_000.0 * envelope * voice) as i16
        })
        .collect()
}

/// White noise at `rms`, repeatable.
fn noise(ms: usize, rms: f32, seed: u32) -> Vec<i16> {
    let mut state = seed;
    (0..ms * 8)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let uniform = (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5;
            // Uniform on ±0.5 has an rms of 1/√12.
            (uniform * rms * 12f32.sqrt()) as i16
        })
        .collect()
}

fn mix(a: &[i16], b: &[i16]) -> Vec<i16> {
    a.iter()
        .zip(b.iter().chain(std::iter::repeat(&0)))
        .map(|(x, y)| x.saturating_add(*y))
        .collect()
}

fn concat(parts: &[Vec<i16>]) -> Vec<i16> {
    parts.concat()
}

/// Feeds `audio`, then silence, in 20 ms packets until the detector is done or 30 s passed.
fn run(audio: &[i16]) -> MachineDetector {
    let mut detector = MachineDetector::default();
    let mut padded = audio.to_vec();
    padded.resize(8 * 30_000, 0);
    for packet in padded.chunks(FRAME_SAMPLES) {
        detector.process(packet);
        if matches!(
            detector.decision(),
            Decision::Human | Decision::ReadyForMessage { .. }
        ) {
            break;
        }
    }
    detector
}

#[test]
fn nothing_said_is_a_person_waiting_after_two_seconds() {
    let detector = run(&[]);
    assert_eq!(detector.decision(), Decision::Human);
    assert_eq!(detector.reason(), Some(Reason::InitialSilence));
    assert_eq!(detector.decided_at(), Some(ms(2_000)));
}

#[test]
fn hallo_then_silence_is_a_person() {
    let detector = run(&concat(&[silence(400), speech(500)]));
    assert_eq!(detector.decision(), Decision::Human);
    assert_eq!(detector.reason(), Some(Reason::ShortGreeting));
    let at = detector.decided_at().unwrap();
    // The last syllable ends 40 ms before the speech does; 1 s after it.
    assert!((ms(1_800)..=ms(1_920)).contains(&at), "{at:?}");
    assert_eq!(detector.answerer(), Some(Answerer::Human));
}

#[test]
fn two_short_phrases_within_the_greeting_limit_are_a_person() {
    // "Hallo?" … "Met Jan." with a 600 ms pause.
    let detector = run(&concat(&[
        silence(300),
        speech(500),
        silence(600),
        speech(700),
    ]));
    assert_eq!(detector.decision(), Decision::Human);
    assert_eq!(detector.reason(), Some(Reason::ShortGreeting));
}

#[test]
fn a_long_greeting_is_a_machine_and_ready_after_its_silence() {
    let detector = run(&concat(&[silence(500), speech(5_000)]));
    assert_eq!(detector.reason(), Some(Reason::LongGreeting));
    let decided = detector.decided_at().unwrap();
    assert!((ms(3_000)..=ms(3_060)).contains(&decided), "{decided:?}");
    assert_eq!(
        detector.decision(),
        Decision::ReadyForMessage { by: Ready::Silence }
    );
    let ready = detector.ready_at().unwrap();
    // The last syllable ends at 5.46 s; 1.5 s of silence later.
    assert!((ms(6_900)..=ms(7_020)).contains(&ready), "{ready:?}");
}

#[test]
fn a_beep_after_the_greeting_makes_it_ready_when_the_beep_ends() {
    for hz in [440.0, 800.0, 1_000.0, 1_400.0, 1_950.0] {
        let detector = run(&concat(&[
            silence(300),
            speech(3_600),
            silence(300),
            tone(hz, 400, 8_000.0),
        ]));
        assert_eq!(
            detector.decision(),
            Decision::ReadyForMessage { by: Ready::Beep },
            "{hz} Hz"
        );
        let ready = detector.ready_at().unwrap();
        assert_eq!(ready, ms(4_620), "{hz} Hz: the frame after the beep");
    }
}

#[test]
fn a_short_greeting_and_a_beep_is_a_machine_by_its_beep() {
    // "Spreek na de toon." then the beep at once: too short for a long greeting.
    let detector = run(&concat(&[
        silence(300),
        speech(1_200),
        tone(1_000.0, 300, 6_000.0),
    ]));
    assert_eq!(detector.reason(), Some(Reason::Beep));
    assert_eq!(
        detector.decision(),
        Decision::ReadyForMessage { by: Ready::Beep }
    );
}

#[test]
fn a_beep_in_noise_is_heard() {
    let loud: Vec<i16> = speech(3_500).iter().map(|s| s.saturating_mul(3)).collect();
    let greeting = concat(&[silence(300), loud, silence(400), tone(800.0, 250, 6_000.0)]);
    // Noise 12 dB below the beep's power (4243 rms), and below the voice.
    let mut audio = mix(&greeting, &noise(4_450, 1_065.0, 7));
    audio.extend(noise(3_000, 1_065.0, 8));
    let detector = run(&audio);
    assert_eq!(detector.reason(), Some(Reason::LongGreeting));
    assert_eq!(
        detector.decision(),
        Decision::ReadyForMessage { by: Ready::Beep }
    );
}

#[test]
fn beeps_shorter_than_the_minimum_and_dtmf_are_not_beeps() {
    for not_a_beep in [
        tone(1_000.0, 100, 8_000.0),
        mix(&tone(697.0, 300, 6_000.0), &tone(1_209.0, 300, 6_000.0)),
    ] {
        let detector = run(&concat(&[silence(300), speech(400), not_a_beep]));
        assert_eq!(detector.decision(), Decision::Human);
    }
}

#[test]
fn a_held_vowel_is_not_a_beep() {
    // A steady 200 Hz voice with harmonics for 600 ms: harmonics, not one tone.
    let vowel: Vec<i16> = (0..4_800)
        .map(|n| {
            let phase = TAU * 200.0 * n as f32 / RATE;
            let v: f32 = (1..=10).map(|h| (phase * h as f32).sin() / h as f32).sum();
            (5_000.0 * v) as i16
        })
        .collect();
    let detector = run(&concat(&[silence(300), vowel]));
    assert_eq!(detector.decision(), Decision::Human);
}

#[test]
fn a_person_on_a_noisy_line_is_a_person() {
    // Speech at about 2000 rms, noise at 350 rms: 15 dB.
    let hallo = concat(&[silence(400), speech(600), silence(3_000)]);
    let detector = run(&mix(&hallo, &noise(4_000, 350.0, 3)));
    assert_eq!(detector.decision(), Decision::Human);
    assert_eq!(detector.reason(), Some(Reason::ShortGreeting));
}

#[test]
fn a_machine_that_never_stops_talking_times_out_at_twenty_seconds() {
    let detector = run(&speech(25_000));
    assert_eq!(
        detector.decision(),
        Decision::ReadyForMessage { by: Ready::Timeout }
    );
    assert_eq!(detector.ready_at(), Some(ms(20_000)));
}

#[test]
fn packet_size_does_not_matter() {
    let audio = concat(&[
        silence(300),
        speech(3_600),
        silence(300),
        tone(1_000.0, 400, 8_000.0),
    ]);
    let whole = run(&audio);
    let mut odd = MachineDetector::default();
    for chunk in audio.chunks(37) {
        odd.process(chunk);
    }
    odd.process_silence(8_000);
    assert_eq!(odd.decision(), whole.decision());
    assert_eq!(odd.ready_at(), whole.ready_at());
    assert_eq!(odd.heard(), audio.len() as u64 + 8_000);
}

#[test]
fn missing_audio_counts_as_silence() {
    let mut detector = MachineDetector::default();
    detector.process(&concat(&[silence(200), speech(500)]));
    detector.process_silence(8 * 1_100);
    assert_eq!(detector.decision(), Decision::Human);
}

#[test]
fn hostile_audio_never_panics() {
    let mut detector = MachineDetector::default();
    detector.process(&[]);
    let extremes: Vec<i16> = (0..40_000)
        .map(|n| if n % 3 == 0 { i16::MIN } else { i16::MAX })
        .collect();
    detector.process(&extremes);
    detector.process(&noise(20_000, 30_000.0, 1));
    detector.process_silence(usize::from(u16::MAX) * 10);
    assert!(matches!(
        detector.decision(),
        Decision::Human | Decision::ReadyForMessage { .. }
    ));
}
