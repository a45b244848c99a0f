use super::*;
use std::io::{Read, Seek, SeekFrom};

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
    assert!(matches!(read_8k(&path), Err(WavError::Header { .. })));
    assert!(matches!(
        read_8k(&dir.path().join("missing.wav")),
        Err(WavError::Open { .. })
    ));
    let empty = dir.path().join("empty.wav");
    write(&empty, 8000, 1, &[]);
    let refused = read_8k(&empty).unwrap_err();
    assert!(matches!(
        refused.header_problem(),
        Some(&HeaderProblem::Empty)
    ));
}

/// A 16-bit PCM header claiming `data_len` bytes of samples, with `junk` bytes of another
/// chunk before them.
fn forged(rate: u32, channels: u16, junk: u32, data_len: u32) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF\xff\xff\xff\xffWAVE");
    if junk > 0 {
        out.extend_from_slice(b"LIST");
        out.extend_from_slice(&junk.to_le_bytes());
        out.extend(std::iter::repeat_n(0u8, junk as usize));
    }
    out.extend_from_slice(b"fmt \x10\x00\x00\x00\x01\x00");
    out.extend_from_slice(&channels.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate.wrapping_mul(2 * u32::from(channels))).to_le_bytes());
    out.extend_from_slice(&(2 * channels).to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    out
}

/// A sparse file: `header`, then zeros up to `len` bytes, none of them on disk.
fn sparse(path: &Path, header: &[u8], len: u64) {
    use std::io::Write;
    let mut file = std::fs::File::create(path).unwrap();
    file.write_all(header).unwrap();
    file.set_len(len).unwrap();
}

/// Counts the bytes read through it.
struct Counting<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

impl<R: Seek> Seek for Counting<R> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(to)
    }
}

const FIVE_GB: u64 = 5 << 30;

#[test]
fn a_forged_header_on_five_gigabytes_is_refused_from_the_header_alone() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        // The length the header claims is far beyond the limit.
        (forged(8000, 1, 0, u32::MAX), "s of audio"),
        // A rate no recording has, which once made the length check pass whatever the size.
        (forged(u32::MAX, 1, 0, u32::MAX), "Hz"),
        (forged(8000, 400, 0, u32::MAX), "channels"),
        // A chunk of gigabytes before the samples is stepped over, not read.
        (forged(8000, 1, 0x1_0000, u32::MAX), "s of audio"),
    ];
    for (header, said) in cases {
        let path = dir.path().join("forged.wav");
        sparse(&path, &header, FIVE_GB);
        let file = std::fs::File::open(&path).unwrap();
        let mut counting = Counting {
            inner: file,
            read: 0,
        };
        let refused = check_header(&mut counting, FIVE_GB, LONGEST).unwrap_err();
        assert!(refused.to_string().contains(said), "{refused}");
        assert!(counting.read <= 128, "read {} bytes", counting.read);
        let error = Recording::open(&path, LONGEST).unwrap_err().to_string();
        assert!(error.starts_with(&path.display().to_string()), "{error}");
    }
}

#[test]
fn only_the_samples_the_header_announces_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("short-header-long-file.wav");
    sparse(&path, &forged(8000, 1, 0, 1600), FIVE_GB);
    let recording = Recording::open(&path, LONGEST).unwrap();
    assert_eq!(recording.duration(), Duration::from_millis(100));
    assert_eq!(recording.clone().into_bytes().len(), 44 + 1600);
    assert_eq!(recording.samples_8k().unwrap().len(), 800);
}

#[test]
fn a_data_size_that_disagrees_with_the_file_is_cut_to_the_bytes_present() {
    let mut bytes = forged(16_000, 2, 0, 1_000_000);
    bytes.extend(std::iter::repeat_n(0u8, 4003));
    let recording = Recording::from_bytes(&bytes, LONGEST, "cut.wav").unwrap();
    assert_eq!(recording.header().data_len, 4000, "whole frames only");
    assert_eq!(recording.mono().unwrap().0.len(), 1000);
    // Every cut of a file, and a data size of every kind, is an answer, never a panic.
    for declared in [0, 1, 3, 4, 0x7fff_ffff, u32::MAX] {
        let mut bytes = forged(8000, 1, 7, declared);
        bytes.extend_from_slice(&[1, 2, 3, 4, 5]);
        for cut in 0..bytes.len() {
            let _ = Recording::from_bytes(&bytes[..cut], LONGEST, "cut.wav").map(|r| r.mono());
        }
    }
}

#[test]
fn the_limit_is_the_one_given() {
    let mut bytes = forged(8000, 1, 0, 32_000);
    bytes.extend(std::iter::repeat_n(0u8, 32_000));
    assert!(Recording::from_bytes(&bytes, Duration::from_secs(2), "two.wav").is_ok());
    let refused = Recording::from_bytes(&bytes, Duration::from_secs(1), "two.wav").unwrap_err();
    assert!(matches!(
        refused.header_problem(),
        Some(HeaderProblem::TooLong { .. })
    ));
}
