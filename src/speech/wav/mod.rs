//! WAV in and out with `hound`; any rate resampled to 8 kHz with `rubato`'s FFT resampler
//! (band-limited, so nothing above 4 kHz folds back into the call), stereo mixed to mono.
//!
//! Every WAV that comes in (a file named on the command line, a recorded prompt, a cached
//! rendering, an engine's output, an upload) goes through [`Recording`]: its header is judged
//! first ([`header::check_header`]: format, channels, rate and length against a limit), and only
//! an acceptable one has its samples read, so a forged header costs a few hundred bytes of
//! reading, never the gigabytes it claims. Hostile files get an error, never a panic.

mod header;

pub use header::{CHANNELS, HeaderProblem, RATES, WavHeader, check_header};

use rubato::audioadapter::Adapter;
use rubato::audioadapter_buffers::owned::InterleavedOwned;
use rubato::{Fft, FixedSync, Resampler};
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::time::Duration;

/// The telephone sample rate.
pub const RATE: u32 = 8000;
/// The longest audio read when the configuration does not say (`speech.max_recording`): a
/// message is seconds, not hours.
pub const LONGEST: Duration = Duration::from_secs(600);
/// The most `speech.max_recording` may be set to.
pub const LONGEST_ALLOWED: Duration = Duration::from_secs(3600);

/// Why a WAV file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum WavError {
    /// A file that cannot be opened or read.
    #[error("{path}: cannot read: {source}")]
    Open {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A header that is refused before any sample is read.
    #[error("{path}: {problem}")]
    Header {
        /// The file.
        path: String,
        /// What is wrong with it.
        problem: HeaderProblem,
    },
    /// Samples the decoder could not read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// What hound said.
        source: hound::Error,
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

impl WavError {
    /// The header problem, when the file was refused for its header.
    pub fn header_problem(&self) -> Option<&HeaderProblem> {
        match self {
            WavError::Header { problem, .. } => Some(problem),
            _ => None,
        }
    }
}

/// A WAV whose header was found acceptable, held as a canonical file: `RIFF`, `fmt `, `data`
/// and the samples, nothing else (metadata chunks are dropped).
#[derive(Debug, Clone)]
pub struct Recording {
    header: WavHeader,
    bytes: Vec<u8>,
    shown: String,
}

impl Recording {
    /// Opens a file: the header is judged (at most `longest` of audio) before the samples are
    /// read, and only the samples the header announces are read.
    pub fn open(path: &Path, longest: Duration) -> Result<Recording, WavError> {
        let shown = path.display().to_string();
        let open_error = |source| WavError::Open {
            path: shown.clone(),
            source,
        };
        let mut file = std::fs::File::open(path).map_err(open_error)?;
        let len = file.metadata().map_err(open_error)?.len();
        let mut reader = std::io::BufReader::with_capacity(512, &mut file);
        let header = checked(&mut reader, len, longest, &shown)?;
        let mut bytes = header.canonical();
        let start = bytes.len();
        reader
            .seek(SeekFrom::Start(header.data_start))
            .map_err(open_error)?;
        reader
            .take(header.data_len)
            .read_to_end(&mut bytes)
            .map_err(open_error)?;
        if bytes.len() - start != header.data_len as usize {
            return Err(WavError::Header {
                path: shown,
                problem: HeaderProblem::Truncated,
            });
        }
        Ok(Recording {
            header,
            bytes,
            shown,
        })
    }

    /// A WAV held in memory (an upload, an engine's output, a stored message); `shown` names
    /// it in errors.
    pub fn from_bytes(bytes: &[u8], longest: Duration, shown: &str) -> Result<Recording, WavError> {
        let mut cursor = std::io::Cursor::new(bytes);
        let header = checked(&mut cursor, bytes.len() as u64, longest, shown)?;
        let start = usize::try_from(header.data_start).unwrap_or(usize::MAX);
        let end = start.saturating_add(header.data_len as usize);
        let samples = bytes.get(start..end).unwrap_or_default();
        let mut canonical = header.canonical();
        canonical.extend_from_slice(samples);
        Ok(Recording {
            header,
            bytes: canonical,
            shown: shown.to_owned(),
        })
    }

    /// The header.
    pub fn header(&self) -> &WavHeader {
        &self.header
    }

    /// How long it plays.
    pub fn duration(&self) -> Duration {
        self.header.duration()
    }

    /// The canonical file, to store.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// Mono samples at the file's own rate.
    pub fn mono(&self) -> Result<(Vec<f32>, u32), WavError> {
        let read_error = |source| WavError::Read {
            path: self.shown.clone(),
            source,
        };
        let mut reader =
            hound::WavReader::new(std::io::Cursor::new(&self.bytes)).map_err(read_error)?;
        let mono = mix_down(&mut reader).map_err(read_error)?;
        Ok((mono, self.header.rate))
    }

    /// 8 kHz mono 16-bit samples.
    pub fn samples_8k(&self) -> Result<Vec<i16>, WavError> {
        let (mono, rate) = self.mono()?;
        let resampled = resample(&mono, rate, RATE).ok_or_else(|| WavError::Rate {
            path: self.shown.clone(),
            rate,
        })?;
        Ok(resampled.into_iter().map(to_i16).collect())
    }
}

/// Reads a WAV file of at most [`LONGEST`] as 8 kHz mono 16-bit samples.
pub fn read_8k(path: &Path) -> Result<Vec<i16>, WavError> {
    Recording::open(path, LONGEST)?.samples_8k()
}

/// Decodes a whole WAV held in memory (a synthesis program's output, a stored message) to mono
/// samples at the file's own rate. A header written for a stream (sizes of 0x7fff…, as
/// `espeak-ng --stdout` writes) is read up to the bytes actually present.
pub fn decode_mono(bytes: &[u8]) -> Result<(Vec<f32>, u32), WavError> {
    Recording::from_bytes(bytes, LONGEST, "(audio stream)")?.mono()
}

/// Decodes a recording stored with an alert, whose header was judged when it was sent: with
/// the most `speech.max_recording` allows, so lowering it later does not silence an alert
/// already sent.
pub fn decode_stored(bytes: &[u8], shown: &str) -> Result<(Vec<f32>, u32), WavError> {
    Recording::from_bytes(bytes, LONGEST_ALLOWED, shown)?.mono()
}

/// The header judged, or the problem named with the file.
fn checked<R: Read + Seek>(
    source: &mut R,
    len: u64,
    longest: Duration,
    shown: &str,
) -> Result<WavHeader, WavError> {
    let header = check_header(source, len, longest).map_err(|problem| WavError::Header {
        path: shown.to_owned(),
        problem,
    })?;
    // hound's own reading of the header (byte rate, extensible layout), still without samples.
    let mut alone = header.canonical();
    let claimed = alone.len() - 4;
    alone[claimed..].copy_from_slice(&0u32.to_le_bytes());
    hound::WavReader::new(std::io::Cursor::new(alone)).map_err(|source| WavError::Read {
        path: shown.to_owned(),
        source,
    })?;
    Ok(header)
}

/// Writes 8 kHz mono 16-bit samples.
pub fn write_8k(path: &Path, samples: &[i16]) -> Result<(), WavError> {
    let shown = path.display().to_string();
    let file = std::fs::File::create(path).map_err(|e| WavError::Write {
        path: shown.clone(),
        source: hound::Error::IoError(e),
    })?;
    write_8k_to(std::io::BufWriter::new(file), samples, &shown)
}

/// Writes 8 kHz mono 16-bit samples to an open file; `shown` names it in errors.
pub fn write_8k_to<W: std::io::Write + Seek>(
    out: W,
    samples: &[i16],
    shown: &str,
) -> Result<(), WavError> {
    let write_error = |source| WavError::Write {
        path: shown.to_owned(),
        source,
    };
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::new(out, spec).map_err(write_error)?;
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

/// Every frame's channels averaged, read sample by sample: nothing the size of the
/// interleaved audio is held.
fn mix_down<R: Read>(reader: &mut hound::WavReader<R>) -> Result<Vec<f32>, hound::Error> {
    let spec = reader.spec();
    let channels = usize::from(spec.channels.max(1));
    let mut mono = Vec::with_capacity(reader.duration() as usize);
    let mut frame = (0.0f32, 0usize);
    let mut take = |sample: f32| {
        frame = (frame.0 + sample, frame.1 + 1);
        if frame.1 == channels {
            mono.push(frame.0 / channels as f32);
            frame = (0.0, 0);
        }
    };
    match spec.sample_format {
        hound::SampleFormat::Float => {
            for sample in reader.samples::<f32>() {
                take(sample?);
            }
        }
        hound::SampleFormat::Int => {
            let scale = 2f32.powi(i32::from(spec.bits_per_sample.clamp(1, 32)) - 1);
            for sample in reader.samples::<i32>() {
                take(sample? as f32 / scale);
            }
        }
    }
    Ok(mono)
}

fn to_i16(sample: f32) -> i16 {
    let scaled = (sample * 32768.0).round();
    scaled.clamp(f32::from(i16::MIN), f32::from(i16::MAX)) as i16
}

#[cfg(test)]
mod tests;
