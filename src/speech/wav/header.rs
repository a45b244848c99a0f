//! A WAV file's header, read and judged before a single sample is: the format, channels, rate
//! and the length the `data` chunk gives must all be acceptable, or the file is refused having
//! cost a few hundred bytes of reading, however large it is or claims to be.
//!
//! Chunks before `data` are stepped over with a seek, never read, and only `fmt ` (at most
//! [`FMT_MAX`] bytes of it) is kept. The samples counted are those the file really holds: a
//! `data` size that runs past the end (a header written for a stream, or a cut file) is taken
//! as the bytes present, and a remainder short of a whole frame is dropped.

use std::io::{Read, Seek, SeekFrom};
use std::time::Duration;

/// The rates a recording may have: telephone to studio.
pub const RATES: std::ops::RangeInclusive<u32> = 8_000..=96_000;
/// The channels a recording may have: mono or stereo.
pub const CHANNELS: std::ops::RangeInclusive<u16> = 1..=2;
/// The longest `fmt ` chunk kept (WAVE_FORMAT_EXTENSIBLE is 40 bytes).
const FMT_MAX: usize = 40;
/// Chunks stepped over before `data`; a real file has a handful.
const MAX_CHUNKS: usize = 64;

const PCM: u16 = 1;
const FLOAT: u16 = 3;
const EXTENSIBLE: u16 = 0xFFFE;

/// What a header promises, once it has been found acceptable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WavHeader {
    /// The `fmt ` chunk's body as it stands in the file (16 to 40 bytes).
    pub fmt: Vec<u8>,
    /// Samples per second.
    pub rate: u32,
    /// Interleaved channels.
    pub channels: u16,
    /// Bytes of one frame (a sample of every channel).
    pub frame_bytes: u16,
    /// Where the samples start in the file.
    pub data_start: u64,
    /// Bytes of whole frames the file holds.
    pub data_len: u64,
}

/// Why a header is refused.
#[derive(Debug, thiserror::Error)]
pub enum HeaderProblem {
    /// Not `RIFF…WAVE`.
    #[error("not a WAV file (no RIFF/WAVE header)")]
    NotWav,
    /// The file ends inside the header.
    #[error("the file ends inside its header")]
    Truncated,
    /// No `fmt ` chunk before `data`, or one too short.
    #[error("no usable `fmt ` chunk before the samples")]
    NoFormat,
    /// No `data` chunk where one can be found.
    #[error("no `data` chunk")]
    NoData,
    /// A sample format other than PCM or 32-bit float.
    #[error(
        "sample format {tag:#06x} at {bits} bits is not PCM (8, 16, 24, 32 bits) or 32-bit float"
    )]
    Format {
        /// The format tag.
        tag: u16,
        /// Bits per sample.
        bits: u16,
    },
    /// Too many (or no) channels.
    #[error("{0} channels; a recording is mono or stereo")]
    Channels(u16),
    /// A rate outside [`RATES`].
    #[error("a rate of {0} Hz; 8000 to 96000 Hz are accepted")]
    Rate(u32),
    /// A block size that does not fit channels and bits.
    #[error("the frame size {0} does not fit the channels and bits")]
    FrameSize(u16),
    /// Longer than allowed.
    #[error(
        "{seconds:.1} s of audio; the longest accepted is {} s (speech.max_recording)",
        .longest.as_secs()
    )]
    TooLong {
        /// Its length.
        seconds: f64,
        /// The limit.
        longest: Duration,
    },
    /// No samples at all.
    #[error("no audio in the file")]
    Empty,
    /// Reading the header failed.
    #[error("cannot read: {0}")]
    Io(#[source] std::io::Error),
}

/// Reads and judges the header of the `len` bytes in `source`, which is left somewhere in
/// the header. Nothing past the `data` chunk's own 8-byte header is read.
pub fn check_header<R: Read + Seek>(
    source: &mut R,
    len: u64,
    longest: Duration,
) -> Result<WavHeader, HeaderProblem> {
    let mut riff = [0u8; 12];
    read_exact(source, &mut riff)?;
    if &riff[0..4] != b"RIFF" || &riff[8..12] != b"WAVE" {
        return Err(HeaderProblem::NotWav);
    }
    let mut fmt = None;
    let mut at = 12u64;
    for _ in 0..MAX_CHUNKS {
        let mut chunk = [0u8; 8];
        read_exact(source, &mut chunk)?;
        let size = u64::from(u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]));
        let body = at + 8;
        match &chunk[0..4] {
            b"data" => {
                let fmt = fmt.ok_or(HeaderProblem::NoFormat)?;
                let present = size.min(len.saturating_sub(body));
                return judge(fmt, body, present, longest);
            }
            b"fmt " => fmt = Some(read_fmt(source, size)?),
            _ => {}
        }
        at = body + size + (size & 1);
        if at >= len {
            return Err(HeaderProblem::NoData);
        }
        source
            .seek(SeekFrom::Start(at))
            .map_err(HeaderProblem::Io)?;
    }
    Err(HeaderProblem::NoData)
}

impl WavHeader {
    /// How long the samples play.
    pub fn duration(&self) -> Duration {
        let frames = self.data_len / u64::from(self.frame_bytes.max(1));
        Duration::from_secs_f64(frames as f64 / f64::from(self.rate.max(1)))
    }

    /// A header for exactly these samples and nothing else: `RIFF`, `fmt ` as given, `data`.
    pub fn canonical(&self) -> Vec<u8> {
        let fmt_len = self.fmt.len() as u32;
        let data_len = u32::try_from(self.data_len).unwrap_or(u32::MAX);
        let riff_len = 4 + 8 + fmt_len + 8 + data_len;
        let mut out = Vec::with_capacity(44 + self.fmt.len() - 16);
        out.extend_from_slice(b"RIFF");
        out.extend_from_slice(&riff_len.to_le_bytes());
        out.extend_from_slice(b"WAVE");
        out.extend_from_slice(b"fmt ");
        out.extend_from_slice(&fmt_len.to_le_bytes());
        out.extend_from_slice(&self.fmt);
        out.extend_from_slice(b"data");
        out.extend_from_slice(&data_len.to_le_bytes());
        out
    }
}

fn read_fmt<R: Read>(source: &mut R, size: u64) -> Result<Vec<u8>, HeaderProblem> {
    if size < 16 {
        return Err(HeaderProblem::NoFormat);
    }
    let kept = usize::try_from(size).unwrap_or(FMT_MAX).min(FMT_MAX);
    let mut fmt = vec![0u8; kept];
    read_exact(source, &mut fmt)?;
    // A WAVEFORMATEX `cbSize` beyond the bytes kept would make the decoder read past them.
    if fmt.len() >= 18 {
        let extra = usize::from(u16::from_le_bytes([fmt[16], fmt[17]]));
        if 18 + extra > fmt.len() {
            return Err(HeaderProblem::NoFormat);
        }
        fmt.truncate(18 + extra);
    }
    Ok(fmt)
}

fn judge(
    fmt: Vec<u8>,
    data_start: u64,
    present: u64,
    longest: Duration,
) -> Result<WavHeader, HeaderProblem> {
    let word = |at: usize| u16::from_le_bytes([fmt[at], fmt[at + 1]]);
    let (tag, channels, block_align, bits) = (word(0), word(2), word(12), word(14));
    let rate = u32::from_le_bytes([fmt[4], fmt[5], fmt[6], fmt[7]]);
    let tag = match tag {
        EXTENSIBLE if fmt.len() >= 26 => word(24),
        tag => tag,
    };
    let format_ok = match tag {
        PCM => matches!(bits, 8 | 16 | 24 | 32),
        FLOAT => bits == 32,
        _ => false,
    };
    if !format_ok {
        return Err(HeaderProblem::Format { tag, bits });
    }
    if !CHANNELS.contains(&channels) {
        return Err(HeaderProblem::Channels(channels));
    }
    if !RATES.contains(&rate) {
        return Err(HeaderProblem::Rate(rate));
    }
    if u32::from(block_align) != u32::from(channels) * u32::from(bits / 8) {
        return Err(HeaderProblem::FrameSize(block_align));
    }
    let header = WavHeader {
        fmt,
        rate,
        channels,
        frame_bytes: block_align,
        data_start,
        data_len: present - present % u64::from(block_align),
    };
    let duration = header.duration();
    if duration > longest {
        return Err(HeaderProblem::TooLong {
            seconds: duration.as_secs_f64(),
            longest,
        });
    }
    if header.data_len == 0 {
        return Err(HeaderProblem::Empty);
    }
    Ok(header)
}

fn read_exact<R: Read>(source: &mut R, buf: &mut [u8]) -> Result<(), HeaderProblem> {
    source.read_exact(buf).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => HeaderProblem::Truncated,
        _ => HeaderProblem::Io(e),
    })
}
