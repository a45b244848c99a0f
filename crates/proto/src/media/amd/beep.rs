//! The beep: one steady frequency between 400 and 2000 Hz holding most of the signal's
//! energy for at least [`super::DetectorSettings::beep_min`].
//!
//! Every 20 ms, over the last 40 ms (two frames), a bank of Goertzel filters finds the
//! strongest frequency — coarsely every 40 Hz on the newest frame, then to 5 Hz on both — and
//! measures the share of the window's energy a sinusoid there carries. A beep keeps a share
//! of 0.8 or more, at one frequency (±10 Hz), window after window.
//!
//! Why not a vowel: a voice spreads its energy over a fundamental and its harmonics, and its
//! pitch moves. Measured on the built-in speech engine's voices (nl, fr, de, en, rates 0.8 to
//! 1.3, greetings and answers), single frames reach a share of 0.95 ("Allô?"), but runs of
//! 40 ms windows at 0.8 or more on one frequency last at most 4 windows (100 ms of audio);
//! a beep needs 6 (140 ms). A tone in white noise 8 dB below it still shows a share of 0.87.
//! Why not DTMF: two tones of similar level leave each at most half the energy.
//!
//! Cost: 42 + 9 filters (about 10 000 multiply-adds) per voiced frame, run side by side so
//! they vectorise: about 2 µs a frame in a release build (20 µs one filter after another),
//! only while the program listens; silent frames skip it.

use super::FRAME_SAMPLES;
use std::f32::consts::PI;

const SAMPLE_RATE: f32 = 8_000.0;
/// The coarse search: 380 Hz to 2020 Hz every 40 Hz, on the newest 20 ms frame.
const COARSE_LOW_HZ: f32 = 380.0;
const COARSE_STEP_HZ: f32 = 40.0;
const COARSE_FILTERS: usize = 42;
/// The fine search around the coarse peak, on the 40 ms window: ±20 Hz every 5 Hz.
const FINE_STEP_HZ: f32 = 5.0;
const FINE_FILTERS: usize = 9;
/// How far a beep's frequency may wander from where it started, in Hz.
const STEADY_HZ: f32 = 10.0;
const WINDOW: usize = 2 * FRAME_SAMPLES;

/// What the beep detector made of the latest frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tone {
    /// No beep sounding.
    Absent,
    /// A beep long enough to count is sounding.
    Sounding,
    /// A beep long enough to count has just stopped.
    Ended,
}

#[derive(Debug, Clone)]
pub(super) struct BeepDetector {
    /// Consecutive windows needed.
    min_windows: u32,
    min_share: f32,
    coarse: [f32; COARSE_FILTERS],
    /// The previous frame, scaled to ±1; `None` after silence.
    previous: Option<[f32; FRAME_SAMPLES]>,
    /// The current run of tonal windows and the frequency it started on.
    run: u32,
    run_hz: f32,
}

impl BeepDetector {
    /// `min_frames`: the shortest beep in 20 ms frames, the 40 ms window included.
    pub(super) fn new(min_frames: u32, min_share: f32) -> BeepDetector {
        let mut coarse = [0.0; COARSE_FILTERS];
        for (i, c) in coarse.iter_mut().enumerate() {
            *c = coefficient(COARSE_LOW_HZ + COARSE_STEP_HZ * i as f32);
        }
        BeepDetector {
            min_windows: min_frames.saturating_sub(1).max(1),
            min_share,
            coarse,
            previous: None,
            run: 0,
            run_hz: 0.0,
        }
    }

    /// The next frame, and whether the level detector heard anything in it.
    pub(super) fn frame(&mut self, frame: &[i16; FRAME_SAMPLES], voiced: bool) -> Tone {
        let scaled = frame.map(|s| f32::from(s) / 32_768.0);
        let tonal = match (&self.previous, voiced) {
            (Some(previous), true) => self.strongest(previous, &scaled),
            _ => None,
        };
        self.previous = voiced.then_some(scaled);
        let was_beep = self.run >= self.min_windows;
        match tonal {
            Some(hz) if self.run > 0 && (hz - self.run_hz).abs() <= STEADY_HZ => self.run += 1,
            Some(hz) => {
                self.run = 1;
                self.run_hz = hz;
            }
            None => self.run = 0,
        }
        match (was_beep, self.run >= self.min_windows) {
            (_, true) => Tone::Sounding,
            (true, false) => Tone::Ended,
            (false, false) => Tone::Absent,
        }
    }

    /// The frequency of a sinusoid carrying at least `min_share` of the window, if any.
    fn strongest(
        &self,
        previous: &[f32; FRAME_SAMPLES],
        newest: &[f32; FRAME_SAMPLES],
    ) -> Option<f32> {
        let centre = COARSE_LOW_HZ
            + COARSE_STEP_HZ * strongest_of(&bank(newest.iter(), &self.coarse)) as f32;
        let fine_hz: [f32; FINE_FILTERS] = std::array::from_fn(|step| {
            centre + FINE_STEP_HZ * (step as f32 - (FINE_FILTERS / 2) as f32)
        });
        let window = || previous.iter().chain(newest.iter());
        let fine = bank(window(), &fine_hz.map(coefficient));
        let best = strongest_of(&fine);
        let power = fine.get(best).copied().unwrap_or(0.0);
        let hz = fine_hz.get(best).copied().unwrap_or(centre);
        let energy: f32 = window().map(|s| s * s).sum();
        // A sinusoid of amplitude A over N samples: Goertzel power (N·A/2)², energy N·A²/2.
        let share = 2.0 * power / WINDOW as f32 / energy.max(f32::MIN_POSITIVE);
        (share >= self.min_share).then_some(hz)
    }
}

/// The index of the largest power.
fn strongest_of(powers: &[f32]) -> usize {
    let mut best = (0.0_f32, 0);
    for (i, p) in powers.iter().enumerate() {
        if *p > best.0 {
            best = (*p, i);
        }
    }
    best.1
}

fn coefficient(hz: f32) -> f32 {
    2.0 * (2.0 * PI * hz / SAMPLE_RATE).cos()
}

/// The output power of Goertzel filters at `coefficients` over `samples`, all run side by
/// side: one pass over the samples, the filters' independent recurrences interleaved so the
/// compiler vectorises them (several times faster than one filter after another).
fn bank<'a, const N: usize>(
    samples: impl Iterator<Item = &'a f32>,
    coefficients: &[f32; N],
) -> [f32; N] {
    let (mut s1, mut s2) = ([0.0_f32; N], [0.0_f32; N]);
    for x in samples {
        for ((a, b), c) in s1.iter_mut().zip(s2.iter_mut()).zip(coefficients) {
            let s0 = x + c * *a - *b;
            *b = *a;
            *a = s0;
        }
    }
    let mut power = [0.0_f32; N];
    for (((p, a), b), c) in power.iter_mut().zip(&s1).zip(&s2).zip(coefficients) {
        *p = a * a + b * b - c * a * b;
    }
    power
}
