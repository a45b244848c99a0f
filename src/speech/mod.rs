//! Speech for the call program: text checked and normalised per language
//! ([`normalise`]), synthesised by an engine ([`engine`]), brought to telephone level and rate
//! ([`post`]), cached by content ([`cache`]) and served with the fixed prompts ([`prompts`])
//! by [`Speech`]. WAV files are read and resampled to 8 kHz mono, and written back ([`wav`]).

pub mod cache;
pub mod engine;
mod error;
pub mod language;
pub mod normalise;
pub mod post;
pub mod prompts;
pub mod render;
pub mod talk_off;
pub mod wav;

pub use engine::EngineKind;
pub use error::{EngineFailure, FileProblem, SpeechError, TemplateProblem, Unavailable};
pub use language::{Language, UnknownLanguage};
pub use render::{Rendered, Speech, SpeechSettings};
