//! A simulated phone's ear: tells speech from silence in what it hears, 20 ms at a time, so
//! a phone can press a key when the caller has spoken and then fallen silent, waiting for a
//! key, rather than at a fixed time (an alert's message can be of any length).
//!
//! No I/O and no clock: the line hands it each packet's samples with the time it arrived.

use super::script::Cue;
use buurtbel_proto::time::Instant;
use std::time::Duration;

/// Speech heard before a [`Cue::Pause`] counts: a caller's prompt, not a click.
pub const CUE_SPEECH: Duration = Duration::from_secs(1);

/// A 20 ms frame louder than this (RMS of 16-bit samples, about −45 dBFS) is speech; G.711
/// silence decodes to a few units.
const SPEECH_RMS: f64 = 180.0;
/// Samples per frame at 8 kHz.
const FRAME: usize = 160;

/// What the ear has heard since the last cue it answered.
#[derive(Debug, Clone, Default)]
pub struct Ear {
    /// Speech heard since the last cue answered.
    speech: Duration,
    /// When speech was last heard.
    last_speech: Option<Instant>,
}

impl Ear {
    /// Samples heard at `now`.
    pub fn hear(&mut self, now: Instant, samples: &[i16]) {
        for frame in samples.chunks(FRAME) {
            if is_speech(frame) {
                self.speech += Duration::from_millis(frame.len() as u64 / 8);
                self.last_speech = Some(now);
            }
        }
    }

    /// True when `cue` has come at `now`; the ear then starts listening afresh for the next.
    pub fn answers(&mut self, cue: Cue, now: Instant) -> bool {
        let come = match cue {
            Cue::Speech(enough) => self.speech >= enough,
            Cue::Pause(silence) => {
                self.speech >= CUE_SPEECH
                    && self
                        .last_speech
                        .is_some_and(|at| now.saturating_duration_since(at) >= silence)
            }
        };
        if come {
            *self = Ear::default();
        }
        come
    }
}

fn is_speech(frame: &[i16]) -> bool {
    if frame.is_empty() {
        return false;
    }
    let energy: f64 = frame.iter().map(|s| f64::from(*s).powi(2)).sum();
    (energy / frame.len() as f64).sqrt() > SPEECH_RMS
}

#[cfg(test)]
mod tests {
    use super::*;

    const TICK: Duration = Duration::from_millis(20);

    fn tone() -> Vec<i16> {
        (0..FRAME)
            .map(|n| (4_000.0 * (std::f32::consts::TAU * 440.0 * n as f32 / 8_000.0).sin()) as i16)
            .collect()
    }

    /// Feeds `length` of speech (or silence) one frame per tick from `*now`; true if the cue
    /// came on any tick.
    fn play(ear: &mut Ear, now: &mut Instant, length: Duration, speech: bool, cue: Cue) -> bool {
        let frame = if speech { tone() } else { vec![3; FRAME] };
        let mut came = false;
        for _ in 0..length.as_millis() / TICK.as_millis() {
            *now += TICK;
            ear.hear(*now, &frame);
            came |= ear.answers(cue, *now);
        }
        came
    }

    #[test]
    fn a_pause_after_speech_is_the_cue_and_short_pauses_are_not() {
        let cue = Cue::Pause(Duration::from_millis(2_500));
        let mut ear = Ear::default();
        let mut now = Instant::ZERO;
        // (milliseconds, speech, whether the cue comes), one after another.
        let steps = [
            // Silence while the caller listens: no speech yet, no cue however long.
            (5_000, false, false),
            // Speech with the pauses of a message and its repeat (1.5 s and the ends' silence).
            (3_000, true, false),
            (1_960, false, false),
            (3_000, true, false),
            // The menu's key wait: the cue comes, once.
            (4_000, false, true),
            // After it, the next cue needs speech again.
            (6_000, false, false),
            (600, true, false),
            (4_000, false, false),
            (600, true, false),
            (3_000, false, true),
        ];
        for (n, (ms, speech, expected)) in steps.into_iter().enumerate() {
            let came = play(&mut ear, &mut now, Duration::from_millis(ms), speech, cue);
            assert_eq!(came, expected, "step {n}: {ms} ms, speech {speech}");
        }
    }

    #[test]
    fn a_speech_cue_comes_while_the_caller_speaks() {
        let cue = Cue::Speech(Duration::from_secs(1));
        let mut ear = Ear::default();
        let mut now = Instant::ZERO;
        assert!(!play(
            &mut ear,
            &mut now,
            Duration::from_secs(3),
            false,
            cue
        ));
        assert!(!play(
            &mut ear,
            &mut now,
            Duration::from_millis(900),
            true,
            cue
        ));
        assert!(play(
            &mut ear,
            &mut now,
            Duration::from_millis(200),
            true,
            cue
        ));
    }
}
