//! WAV in and out with `hound`; any rate resampled to 8 kHz with `rubato`'s FFT resampler
//! (band-limited, so nothing above 4 kHz folds back into the call), several channels mixed to
//! one. Hostile files get an error, never a panic, and the length is capped.

use rubato::audioadapter::Adapter;
use rubato::audioadapter_buffers::owned::InterleavedOwned;
use rubato::{Fft, FixedSync, Resampler};
use std::path::Path;

/// The telephone sample rate.
pub const RATE: u32 = 8000;
/// The longest audio we read: a message is seconds, not hours.
pub const MAX_SECONDS: u32 = 600;

/// Why a WAV file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum WavError {
    /// Unreadable or not a WAV file.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// What hound said.
        source: hound::Error,
    },
    /// Longer than [`MAX_SECONDS`].
    #[error("{path}: longer than {MAX_SECONDS} s")]
    TooLong {
        /// The file.
        path: String,
    },
    /// No samples.
    #[error("{path}: no audio in the file")]
    Empty {
        /// The file.
        path: String,
    },
    /// The resampler refused the rate.
    #[error("{path}: cannot resample from {rate} Hz")]
    Rate {
        /// The file.
        path: String,
        /// Its rate.
        rate: u32,
    },
    /// Writing failed.
    #[error("{path}: cannot write: {source}")]
    Write {
        /// The file.
        path: String,
        /// What hound said.
        source: hound::Error,
    },
}

/// Reads a WAV file as 8 kHz mono 16-bit samples.
pub fn read_8k(path: &Path) -> Result<Vec<i16>, WavError> {
    let shown = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| WavError::Read {
        path: shown.clone(),
        source: hound::Error::IoError(e),
    })?;
    let reader = hound::WavReader::new(std::io::BufReader::new(file));
    let (mono, rate) = mono_f32(reader, &shown)?;
    let resampled = resample(&mono, rate, RATE).ok_or(WavError::Rate { path: shown, rate })?;
    Ok(resampled.into_iter().map(to_i16).collect())
}

/// Decodes a whole WAV held in memory (a synthesis program's output) to mono samples at the
/// file's own rate. A header written for a stream (sizes of 0x7fff…, as `espeak-ng --stdout`
/// writes) is read up to the bytes actually present.
pub fn decode_mono(bytes: &[u8]) -> Result<(Vec<f32>, u32), WavError> {
    let fixed = fit_sizes(bytes);
    let reader = hound::WavReader::new(std::io::Cursor::new(fixed));
    mono_f32(reader, "(audio stream)")
}

fn mono_f32<R: std::io::Read>(
    reader: Result<hound::WavReader<R>, hound::Error>,
    shown: &str,
) -> Result<(Vec<f32>, u32), WavError> {
    let read_error = |source| WavError::Read {
        path: shown.to_owned(),
        source,
    };
    let mut reader = reader.map_err(read_error)?;
    let spec = reader.spec();
    let channels = usize::from(spec.channels.max(1));
    if reader.duration() > MAX_SECONDS.saturating_mul(spec.sample_rate) {
        return Err(WavError::TooLong {
            path: shown.to_owned(),
        });
    }
    let samples = interleaved_f32(&mut reader).map_err(read_error)?;
    let mono = mix_down(&samples, channels);
    if mono.is_empty() {
        return Err(WavError::Empty {
            path: shown.to_owned(),
        });
    }
    Ok((mono, spec.sample_rate))
}

/// A copy of `bytes` whose RIFF and `data` sizes do not run past its end.
fn fit_sizes(bytes: &[u8]) -> Vec<u8> {
    let mut fixed = bytes.to_vec();
    let total = fixed.len();
    if total < 12 || &fixed[0..4] != b"RIFF" {
        return fixed;
    }
    put_u32(&mut fixed, 4, (total - 8) as u32);
    let mut at = 12;
    while at + 8 <= total {
        let declared =
            u32::from_le_bytes([fixed[at + 4], fixed[at + 5], fixed[at + 6], fixed[at + 7]])
                as usize;
        let present = total - at - 8;
        if &fixed[at..at + 4] == b"data" {
            if declared > present {
                put_u32(&mut fixed, at + 4, (present & !1) as u32);
            }
            break;
        }
        at = at
            .saturating_add(8)
            .saturating_add(declared + (declared & 1));
    }
    fixed
}

fn put_u32(bytes: &mut [u8], at: usize, value: u32) {
    if let Some(slot) = bytes.get_mut(at..at + 4) {
        slot.copy_from_slice(&value.to_le_bytes());
    }
}

/// Writes 8 kHz mono 16-bit samples.
pub fn write_8k(path: &Path, samples: &[i16]) -> Result<(), WavError> {
    let shown = path.display().to_string();
    let write_error = |source| WavError::Write {
        path: shown.clone(),
        source,
    };
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).map_err(write_error)?;
    for sample in samples {
        writer.write_sample(*sample).map_err(write_error)?;
    }
    writer.finalize().map_err(write_error)
}

/// Resamples mono audio; `None` when the rates are not usable.
pub fn resample(samples: &[f32], from: u32, to: u32) -> Option<Vec<f32>> {
    if from == to {
        return Some(samples.to_vec());
    }
    let (from, to) = (usize::try_from(from).ok()?, usize::try_from(to).ok()?);
    let mut resampler = Fft::<f32>::new(from, to, 1024, 1, FixedSync::Input).ok()?;
    let input = InterleavedOwned::new_from(samples.to_vec(), 1, samples.len()).ok()?;
    let output = resampler.process_all(&input, samples.len(), None).ok()?;
    let frames = output.frames();
    Some(
        (0..frames)
            .filter_map(|i| output.read_sample(0, i))
            .collect(),
    )
}

fn interleaved_f32<R: std::io::Read>(
    reader: &mut hound::WavReader<R>,
) -> Result<Vec<f32>, hound::Error> {
    let spec = reader.spec();
    match spec.sample_format {
        hound::SampleFormat::Float => reader.samples::<f32>().collect(),
        hound::SampleFormat::Int => {
            let scale = 2f32.powi(i32::from(spec.bits_per_sample.clamp(1, 32)) - 1);
            reader
                .samples::<i32>()
                .map(|s| s.map(|v| v as f32 / scale))
                .collect()
        }
    }
}

fn mix_down(samples: &[f32], channels: usize) -> Vec<f32> {
    samples
        .chunks_exact(channels)
        .map(|frame| frame.iter().sum::<f32>() / channels as f32)
        .collect()
}

fn to_i16(sample: f32) -> i16 {
    let scaled = (sample * 32768.0).round();
    scaled.clamp(f32::from(i16::MIN), f32::from(i16::MAX)) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(rate: u32, hz: f32, seconds: f32, amplitude: f32) -> Vec<f32> {
        let n = (rate as f32 * seconds) as usize;
        (0..n)
            .map(|i| amplitude * (2.0 * std::f32::consts::PI * hz * i as f32 / rate as f32).sin())
            .collect()
    }

    fn write(path: &Path, rate: u32, channels: u16, samples: &[f32]) {
        let spec = hound::WavSpec {
            channels,
            sample_rate: rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut writer = hound::WavWriter::create(path, spec).unwrap();
        for s in samples {
            for _ in 0..channels {
                writer.write_sample(to_i16(*s)).unwrap();
            }
        }
        writer.finalize().unwrap();
    }

    fn level_at(samples: &[i16], hz: f32) -> f32 {
        let (mut re, mut im) = (0f32, 0f32);
        for (i, s) in samples.iter().enumerate() {
            let phase = 2.0 * std::f32::consts::PI * hz * i as f32 / RATE as f32;
            re += *s as f32 * phase.cos();
            im += *s as f32 * phase.sin();
        }
        2.0 * (re * re + im * im).sqrt() / samples.len() as f32 / 32768.0
    }

    #[test]
    fn stereo_44k1_becomes_8k_mono_with_the_tone_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tone.wav");
        write(&path, 44_100, 2, &tone(44_100, 1000.0, 1.0, 0.5));
        let samples = read_8k(&path).unwrap();
        assert!(
            (7_990..=8_010).contains(&samples.len()),
            "{}",
            samples.len()
        );
        let middle = &samples[2000..6000];
        assert!((level_at(middle, 1000.0) - 0.5).abs() < 0.02);
    }

    #[test]
    fn content_above_4khz_is_filtered_not_folded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("high.wav");
        // 5 kHz at 16 kHz would fold to 3 kHz without an anti-aliasing filter.
        write(&path, 16_000, 1, &tone(16_000, 5000.0, 1.0, 0.5));
        let samples = read_8k(&path).unwrap();
        assert!(level_at(&samples[2000..6000], 3000.0) < 0.005);
    }

    #[test]
    fn write_then_read_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("round.wav");
        let samples: Vec<i16> = (0..800).map(|i| (i * 37 % 2000) as i16 - 1000).collect();
        write_8k(&path, &samples).unwrap();
        assert_eq!(read_8k(&path).unwrap(), samples);
    }

    #[test]
    fn a_stream_header_is_read_up_to_the_bytes_present() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stream.wav");
        write(&path, 22_050, 1, &tone(22_050, 500.0, 0.1, 0.5));
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[4..8].copy_from_slice(&0x7fff_f024u32.to_le_bytes());
        bytes[40..44].copy_from_slice(&0x7fff_f000u32.to_le_bytes());
        let (mono, rate) = decode_mono(&bytes).unwrap();
        assert_eq!((mono.len(), rate), (2205, 22_050));
        for cut in 0..bytes.len().min(60) {
            let _ = decode_mono(&bytes[..cut]);
        }
        assert!(decode_mono(b"not a wav").is_err());
    }

    #[test]
    fn bad_files_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("junk.wav");
        std::fs::write(&path, b"RIFF\x10\x00\x00\x00WAVEjunkjunkjunk").unwrap();
        assert!(matches!(read_8k(&path), Err(WavError::Read { .. })));
        assert!(matches!(
            read_8k(&dir.path().join("missing.wav")),
            Err(WavError::Read { .. })
        ));
        let empty = dir.path().join("empty.wav");
        write(&empty, 8000, 1, &[]);
        assert!(matches!(read_8k(&empty), Err(WavError::Empty { .. })));
    }
}
