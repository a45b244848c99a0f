//! What every engine's output goes through before a call plays it: resampled to 8 kHz with
//! `rubato` (band-limited, see [`crate::speech::wav`]), silence at the ends trimmed, the
//! speech level brought to [`TARGET_DBFS`] without clipping, and [`LEAD_IN`] of silence put
//! in front, so that a member who answers with "hallo?" does not talk over the first word.

use super::EngineFailure;
use super::engine::{Pcm, SpeechError};
use super::wav::{RATE, resample};
use std::time::Duration;

/// Speech level: the RMS of the frames that carry speech, in dB below full scale.
pub const TARGET_DBFS: f32 = -16.0;
/// Highest sample after the gain, in dB below full scale: no clipping in G.711.
pub const PEAK_DBFS: f32 = -1.0;
/// Silence before the first word.
pub const LEAD_IN: Duration = Duration::from_millis(200);
/// Silence kept after the last word.
pub const TAIL: Duration = Duration::from_millis(250);
/// Changes whenever this processing changes what comes out: part of the cache key.
pub const VERSION: u32 = 1;

/// Frames quieter than this (dBFS) are pauses: they count neither for the level nor as speech
/// at the ends.
const GATE_DBFS: f32 = -45.0;
const FRAME: usize = 160;

/// Engine output to 8 kHz telephone samples.
pub fn for_telephone(pcm: &Pcm) -> Result<Vec<i16>, SpeechError> {
    let audio = resample(&pcm.samples, pcm.rate, RATE).ok_or(SpeechError::Failed {
        engine: "resampler",
        problem: EngineFailure::Resample(pcm.rate),
    })?;
    let spoken = trim(&audio);
    if spoken.is_empty() {
        return Err(SpeechError::Failed {
            engine: "synthesis",
            problem: EngineFailure::Silence,
        });
    }
    let gain = gain(spoken);
    let lead = samples_in(LEAD_IN);
    let mut out = Vec::with_capacity(lead + spoken.len());
    out.resize(lead, 0);
    out.extend(spoken.iter().map(|s| to_i16(s * gain)));
    Ok(out)
}

/// Silence of `duration` at 8 kHz.
pub fn silence(duration: Duration) -> Vec<i16> {
    vec![0; samples_in(duration)]
}

/// The RMS level in dBFS of the frames above the gate, or `None` for silence.
pub fn speech_level_dbfs(samples: &[i16]) -> Option<f32> {
    let floats: Vec<f32> = samples.iter().map(|&s| f32::from(s) / 32768.0).collect();
    active_rms(&floats).map(|rms| 20.0 * rms.log10())
}

fn samples_in(duration: Duration) -> usize {
    (duration.as_millis() as usize) * RATE as usize / 1000
}

/// From the first to the last frame above the gate, plus [`TAIL`] (as far as there is audio).
fn trim(audio: &[f32]) -> &[f32] {
    let gate = db_to_amplitude(GATE_DBFS);
    let loud = |frame: &[f32]| rms(frame) > gate;
    let frames: Vec<&[f32]> = audio.chunks(FRAME).collect();
    let Some(first) = frames.iter().position(|f| loud(f)) else {
        return &[];
    };
    let last = frames.iter().rposition(|f| loud(f)).unwrap_or(first);
    let start = first * FRAME;
    let end = ((last + 1) * FRAME + samples_in(TAIL)).min(audio.len());
    &audio[start..end]
}

/// The gain that brings the speech to [`TARGET_DBFS`], lowered if a peak would pass
/// [`PEAK_DBFS`].
fn gain(audio: &[f32]) -> f32 {
    let Some(level) = active_rms(audio) else {
        return 1.0;
    };
    let wanted = db_to_amplitude(TARGET_DBFS) / level;
    let peak = audio.iter().fold(0f32, |m, s| m.max(s.abs()));
    if peak <= 0.0 {
        return 1.0;
    }
    wanted.min(db_to_amplitude(PEAK_DBFS) / peak)
}

fn active_rms(audio: &[f32]) -> Option<f32> {
    let gate = db_to_amplitude(GATE_DBFS);
    let (mut sum, mut count) = (0f64, 0usize);
    for frame in audio.chunks(FRAME).filter(|f| rms(f) > gate) {
        sum += frame.iter().map(|s| f64::from(s * s)).sum::<f64>();
        count += frame.len();
    }
    (count > 0).then(|| (sum / count as f64).sqrt() as f32)
}

fn rms(frame: &[f32]) -> f32 {
    if frame.is_empty() {
        return 0.0;
    }
    (frame.iter().map(|s| s * s).sum::<f32>() / frame.len() as f32).sqrt()
}

fn db_to_amplitude(db: f32) -> f32 {
    10f32.powf(db / 20.0)
}

fn to_i16(sample: f32) -> i16 {
    (sample * 32768.0)
        .round()
        .clamp(f32::from(i16::MIN), f32::from(i16::MAX)) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `seconds` of a 300 Hz "vowel" at `amplitude`, between `pad` seconds of silence.
    fn voiced(rate: u32, seconds: f32, amplitude: f32, pad: f32) -> Pcm {
        let n = |s: f32| (s * rate as f32) as usize;
        let mut samples = vec![0.0; n(pad)];
        samples.extend((0..n(seconds)).map(|i| {
            let t = i as f32 / rate as f32;
            amplitude * (2.0 * std::f32::consts::PI * 300.0 * t).sin()
        }));
        samples.extend(vec![0.0; n(pad)]);
        Pcm { samples, rate }
    }

    #[test]
    fn quiet_speech_is_raised_to_the_target_after_exactly_the_lead_in() {
        let out = for_telephone(&voiced(22_050, 1.0, 0.01, 0.5)).unwrap();
        let lead = samples_in(LEAD_IN);
        assert!(out[..lead].iter().all(|&s| s == 0));
        assert!(
            out[lead..lead + 8].iter().any(|&s| s != 0),
            "speech starts at 200 ms"
        );
        let level = speech_level_dbfs(&out).unwrap();
        assert!((level - TARGET_DBFS).abs() < 0.5, "{level}");
        // Trailing silence trimmed to the tail.
        assert!(out.len() < lead + 8000 + samples_in(TAIL) + FRAME);
    }

    #[test]
    fn loud_peaky_audio_is_not_clipped() {
        let mut pcm = voiced(8000, 1.0, 0.05, 0.0);
        pcm.samples[4000] = 1.0;
        let out = for_telephone(&pcm).unwrap();
        let peak = out.iter().map(|s| s.unsigned_abs()).max().unwrap();
        let limit = (db_to_amplitude(PEAK_DBFS) * 32768.0) as u16;
        assert!(peak <= limit + 1, "{peak} > {limit}");
    }

    #[test]
    fn silence_is_an_error_not_an_empty_message() {
        let pcm = Pcm {
            samples: vec![0.0; 22_050],
            rate: 22_050,
        };
        assert!(for_telephone(&pcm).is_err());
        let nothing = Pcm {
            samples: vec![],
            rate: 22_050,
        };
        assert!(for_telephone(&nothing).is_err());
    }
}
