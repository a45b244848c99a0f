//! Audio for the call program: WAV files read and resampled to 8 kHz mono, and written back
//! (what a simulated phone heard). Text-to-speech engines join this module later.

pub mod prompts;
pub mod wav;
