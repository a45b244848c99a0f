//! Why speech could not be produced: what the user gave (text, rate, language, a file), an
//! engine that is not there, or one that ran and failed. Each case keeps its facts and the
//! error underneath; the text is what an operator reads.

use super::wav::WavError;
use std::path::PathBuf;
use std::process::ExitStatus;

/// Why speech could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum SpeechError {
    /// Not nl, fr, de or en.
    #[error(transparent)]
    Language(#[from] super::UnknownLanguage),
    /// Nothing to say.
    #[error("the text is empty")]
    EmptyText,
    /// Longer than `speech.max_chars`.
    #[error("the text has {chars} characters; at most {max} are allowed (speech.max_chars)")]
    TooLong {
        /// Characters in the text.
        chars: usize,
        /// The configured maximum.
        max: usize,
    },
    /// The rate is outside 0.5–2.0.
    #[error("speech rate {0} is outside 0.5 to 2.0")]
    Rate(f32),
    /// The engine's program or data is not there.
    #[error("speech engine `{engine}` is not available: {problem}")]
    Missing {
        /// Engine name.
        engine: &'static str,
        /// What is missing.
        #[source]
        problem: Unavailable,
    },
    /// The engine ran and failed.
    #[error("speech engine `{engine}` failed: {problem}")]
    Failed {
        /// Engine name.
        engine: &'static str,
        /// What went wrong.
        #[source]
        problem: EngineFailure,
    },
    /// A voice file, prompt template or cached file could not be used.
    #[error("{path}: {problem}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        #[source]
        problem: FileProblem,
    },
}

impl SpeechError {
    /// A problem with what the user gave (text, rate, language), not with the engine.
    pub fn is_input(&self) -> bool {
        matches!(
            self,
            SpeechError::Language(_)
                | SpeechError::EmptyText
                | SpeechError::TooLong { .. }
                | SpeechError::Rate(_)
                | SpeechError::File { .. }
        )
    }
}

/// What an engine lacks.
#[derive(Debug, thiserror::Error)]
pub enum Unavailable {
    /// Piper has no voice for the language.
    #[error("no .onnx voice in {0}")]
    NoVoiceFile(PathBuf),
    /// `speech.command` is empty.
    #[error("speech.command names no program")]
    NoProgram,
    /// The program cannot be started.
    #[error("cannot run `{program}`: {source}")]
    CannotRun {
        /// The program.
        program: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The built-in engine's data cannot be written.
    #[error("cannot write its data to {data}: {source}")]
    DataNotWritten {
        /// The folder.
        data: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The built-in engine's data can be written neither where configured nor in a
    /// temporary folder.
    #[error("{first}; nor in a temporary folder: {source}")]
    NoDataFolder {
        /// Why not where configured.
        first: Box<SpeechError>,
        /// Why not in a temporary folder.
        source: std::io::Error,
    },
    /// The engine has no such voice.
    #[error("no voice `{0}`")]
    NoVoice(String),
}

/// How an engine (or the processing after it) failed.
#[derive(Debug, thiserror::Error)]
pub enum EngineFailure {
    /// The resampler refused the engine's rate.
    #[error("cannot resample from {0} Hz")]
    Resample(u32),
    /// Nothing but silence came out.
    #[error("produced only silence")]
    Silence,
    /// The program left no audio file.
    #[error("wrote no audio ({0})")]
    NoAudio(#[source] std::io::Error),
    /// The program exited with an error.
    #[error("{status}: {said}")]
    Exit {
        /// Its exit status.
        status: ExitStatus,
        /// The start of what it wrote to standard error.
        said: String,
    },
    /// Waiting for the program failed.
    #[error("{0}")]
    Wait(#[source] std::io::Error),
    /// The program ran too long and was killed.
    #[error("no result within {0} s; stopped")]
    Timeout(u64),
    /// What the program wrote is not a usable WAV.
    #[error("its output is not usable audio: {0}")]
    Output(#[source] WavError),
    /// The built-in engine.
    #[error("{0}")]
    Synthesis(#[source] espeak_ng::Error),
}

/// What is wrong with a voice file, a prompt template or a recorded prompt.
#[derive(Debug, thiserror::Error)]
pub enum FileProblem {
    /// The file cannot be read.
    #[error("{0}")]
    Read(#[source] std::io::Error),
    /// A recorded prompt that is not usable audio.
    #[error("{0}")]
    Recording(#[source] WavError),
    /// A template file that is not valid TOML.
    #[error("{}", .0.message())]
    Syntax(#[source] toml::de::Error),
    /// A template that cannot be filled.
    #[error("`{prompt}`: {problem}")]
    Template {
        /// The prompt's name.
        prompt: &'static str,
        /// What is wrong with its template.
        #[source]
        problem: TemplateProblem,
    },
    /// A piper voice file that cannot be looked at.
    #[error("piper voice: {0}")]
    PiperVoice(#[source] std::io::Error),
}

/// What is wrong with a prompt template.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateProblem {
    /// `{` without `}`.
    #[error("a `{{` without its `}}`")]
    Unclosed,
    /// A placeholder other than `{network}` and `{callback}`.
    #[error("unknown placeholder {{{0}}}")]
    UnknownPlaceholder(String),
}
