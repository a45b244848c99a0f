//! Voice or silence, per 20 ms frame, against the line's own noise.
//!
//! A frame is voice when its mean power is above an absolute floor (Asterisk's
//! `silence_threshold` of 256 mean magnitude is about −42 dBFS) and a margin above the noise
//! floor. The noise floor is the quietest frame of the last 1.5 s: speech always dips between
//! syllables and words within that time, steady noise (a car, a television, a hissing line)
//! does not, so the floor settles on the noise within 1.5 s and never on a voice. A fixed
//! threshold alone would hear a noisy line as one endless word, i.e. a machine. The flip
//! side: a steady sound from the very first frame (a beep with nothing before it) is taken
//! for the line's noise; phones and machines start with at least a few packets of quiet.
//!
//! The margin is 6 dB: a 20 ms frame of steady noise stays within about 1 dB of its mean, so
//! it never reaches 6 dB over its own minimum, while 9 dB (tried first) lost the weaker
//! syllables of a greeting 15 dB over the noise and heard its sentence pause as the silence
//! after a person's short answer.

use super::FRAME_SAMPLES;

/// Frames over which the noise floor is the minimum: 1.5 s.
const HISTORY: usize = 75;
/// Full scale, squared: the mean power of a full-scale square wave.
const FULL_SCALE_POWER: f32 = 32_768.0 * 32_768.0;

#[derive(Debug, Clone)]
pub(super) struct Level {
    silence_dbfs: f32,
    above_noise_db: f32,
    /// Frame levels in dBFS, a ring of the last [`HISTORY`] frames.
    history: [f32; HISTORY],
    len: usize,
    next: usize,
}

impl Level {
    pub(super) fn new(silence_dbfs: f32, above_noise_db: f32) -> Level {
        Level {
            silence_dbfs,
            above_noise_db,
            history: [0.0; HISTORY],
            len: 0,
            next: 0,
        }
    }

    /// Whether `frame` is voice; it also joins the noise estimate.
    pub(super) fn is_voice(&mut self, frame: &[i16; FRAME_SAMPLES]) -> bool {
        let level = dbfs(frame);
        if let Some(slot) = self.history.get_mut(self.next) {
            *slot = level;
        }
        self.next = (self.next + 1) % HISTORY;
        self.len = (self.len + 1).min(HISTORY);
        let floor = self
            .history
            .iter()
            .take(self.len)
            .copied()
            .fold(f32::MAX, f32::min);
        level >= self.silence_dbfs.max(floor + self.above_noise_db)
    }
}

/// Mean power of `samples` in dB relative to full scale (−100 for digital silence).
pub(super) fn dbfs(samples: &[i16]) -> f32 {
    let power: f32 =
        samples.iter().map(|s| f32::from(*s).powi(2)).sum::<f32>() / samples.len().max(1) as f32;
    10.0 * (power / FULL_SCALE_POWER).max(1e-10).log10()
}
