//! The default engine: eSpeak NG ported to Rust (the `espeak-ng` crate, patched in
//! `patches/espeak-ng/` so a word is never cut at an accented letter and its phonemes last as
//! long as eSpeak NG makes them), with the nl, fr, de
//! and en dictionaries compiled into the binary. The engine reads its data from a folder, so
//! the first use writes the embedded data under the cache folder; a marker file written last
//! tells a complete copy from one a crash interrupted. When that folder cannot be written
//! (a read-only or missing home), the data goes to a fresh private folder under the system's
//! temporary folder for this run, removed when the engine is dropped, with a warning: speech
//! still works, only the copy is not kept.

use super::{Pcm, SpeechEngine, SpeechError, Utterance, words_per_minute};
use crate::speech::Language;
use crate::speech::{EngineFailure, Unavailable};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const ENGINE: &str = "builtin";
const COMPLETE: &str = ".complete";
/// The fixes carried in `patches/espeak-ng/` over the crate's release, part of the engine's id
/// so a rendering cached by an engine without them (a word cut at "ë", phonemes timed by the
/// port's old length model) is made again.
const PATCHED: &str = "words-whole+timing";

/// The embedded eSpeak NG.
#[derive(Debug, Clone)]
pub struct Builtin {
    data: PathBuf,
    /// Voice names (file names under `lang/`), lower case.
    voices: Vec<String>,
    /// The temporary folder the data was written to, if it could not go under the root.
    _temporary: Option<Arc<TemporaryFolder>>,
}

impl Builtin {
    /// Uses (and if needed writes) the engine's data under `root`.
    pub fn new(root: &Path) -> Result<Builtin, SpeechError> {
        let data = root.join(format!("espeak-ng-data-{}", espeak_ng::EspeakNg::version()));
        if !data.join(COMPLETE).exists() {
            install(&data).map_err(|source| SpeechError::Missing {
                engine: ENGINE,
                problem: Unavailable::DataNotWritten {
                    data: data.clone(),
                    source,
                },
            })?;
        }
        let mut voices = Vec::new();
        list_voices(&data.join("lang"), &mut voices);
        Ok(Builtin {
            data,
            voices,
            _temporary: None,
        })
    }

    /// As [`Builtin::new`]; when `root` cannot be written, the data goes to a private
    /// temporary folder for as long as the engine lives, with a warning.
    pub fn new_or_temporary(root: &Path) -> Result<Builtin, SpeechError> {
        let error = match Builtin::new(root) {
            Ok(engine) => return Ok(engine),
            Err(error) => error,
        };
        let folder = match TemporaryFolder::create() {
            Ok(folder) => folder,
            Err(source) => {
                let first = Box::new(error);
                let problem = Unavailable::NoDataFolder { first, source };
                return Err(SpeechError::Missing {
                    engine: ENGINE,
                    problem,
                });
            }
        };
        tracing::warn!(
            %error,
            folder = %folder.0.display(),
            "the built-in speech engine's data goes to a temporary folder for this run"
        );
        let mut engine = Builtin::new(&folder.0)?;
        engine._temporary = Some(Arc::new(folder));
        Ok(engine)
    }
}

/// A folder of our own under the system's temporary folder, removed on drop.
#[derive(Debug)]
struct TemporaryFolder(PathBuf);

impl TemporaryFolder {
    /// A new folder, readable by its owner only; never one that already exists, so nobody
    /// else's files are taken for the engine's data.
    fn create() -> std::io::Result<TemporaryFolder> {
        let path = std::env::temp_dir().join(format!("buurtbel-{:016x}", rand::random::<u64>()));
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&path)?;
        Ok(TemporaryFolder(path))
    }
}

impl Drop for TemporaryFolder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The voice files under `dir`, recursively.
fn list_voices(dir: &Path, voices: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            list_voices(&path, voices);
        } else if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
            voices.push(name.to_ascii_lowercase());
        }
    }
}

impl SpeechEngine for Builtin {
    fn id(&self) -> String {
        format!(
            "builtin/espeak-ng-rs {}+{PATCHED}",
            espeak_ng::EspeakNg::version()
        )
    }

    fn default_voice(&self, language: Language) -> Result<String, SpeechError> {
        Ok(match language {
            Language::Nl => "nl",
            Language::Fr => "fr-be",
            Language::De => "de",
            Language::En => "en",
        }
        .to_owned())
    }

    fn synthesise(&self, utterance: &Utterance<'_>) -> Result<Pcm, SpeechError> {
        if !self.voices.contains(&utterance.voice.to_ascii_lowercase()) {
            return Err(SpeechError::Missing {
                engine: ENGINE,
                problem: Unavailable::NoVoice(utterance.voice.to_owned()),
            });
        }
        let engine = espeak_ng::EspeakNg::builder()
            .voice(utterance.voice)
            .rate(words_per_minute(utterance.rate))
            .data_dir(&self.data)
            .build()
            .map_err(failed)?;
        let (samples, rate) = engine.synth(utterance.text).map_err(|e| match e {
            espeak_ng::Error::VoiceNotFound(voice) => SpeechError::Missing {
                engine: ENGINE,
                problem: Unavailable::NoVoice(voice),
            },
            other => failed(other),
        })?;
        Ok(Pcm {
            samples: samples.iter().map(|&s| f32::from(s) / 32768.0).collect(),
            rate,
        })
    }
}

fn failed(error: espeak_ng::Error) -> SpeechError {
    SpeechError::Failed {
        engine: ENGINE,
        problem: EngineFailure::Synthesis(error),
    }
}

/// Writes the data to a fresh folder beside `data`, then renames it into place, so two
/// processes starting at once never read a half-written copy.
fn install(data: &Path) -> std::io::Result<()> {
    let parent = data.parent().unwrap_or(Path::new("."));
    crate::speech::cache::private_dir(parent)?;
    let staging = parent.join(format!(".espeak-ng-data-{:016x}", rand::random::<u64>()));
    let languages: Vec<&str> = Language::ALL.iter().map(|l| l.code()).collect();
    espeak_ng::install_bundled_languages(&staging, &languages)?;
    std::fs::write(staging.join(COMPLETE), b"")?;
    if data.exists() {
        // A copy without its marker: interrupted earlier.
        let _ = std::fs::remove_dir_all(data);
    }
    match std::fs::rename(&staging, data) {
        Ok(()) => Ok(()),
        Err(_) if data.join(COMPLETE).exists() => {
            // Another process finished first.
            std::fs::remove_dir_all(&staging)
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn say(engine: &Builtin, text: &str, language: Language, rate: f32) -> Pcm {
        let voice = engine.default_voice(language).unwrap();
        engine
            .synthesise(&Utterance {
                text,
                language,
                voice: &voice,
                rate,
            })
            .unwrap()
    }

    #[test]
    fn speaks_every_language_and_slower_is_longer() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Builtin::new(dir.path()).unwrap();
        for language in Language::ALL {
            let pcm = say(&engine, "één twee drie, un deux trois", language, 1.0);
            assert_eq!(pcm.rate, 22_050);
            let peak = pcm.samples.iter().fold(0f32, |m, s| m.max(s.abs()));
            assert!(peak > 0.05, "{language}: audible");
        }
        let normal = say(&engine, "Dit is een bericht.", Language::Nl, 1.0);
        let slow = say(&engine, "Dit is een bericht.", Language::Nl, 0.7);
        assert!(slow.samples.len() > normal.samples.len() * 12 / 10);
    }

    #[test]
    fn an_unwritable_root_falls_back_to_a_temporary_folder_removed_after() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a-file");
        std::fs::write(&file, b"").unwrap();
        // Under a regular file nothing can be created, not even by root.
        let root = file.join("home/.cache/buurtbel");
        assert!(Builtin::new(&root).is_err());
        let engine = Builtin::new_or_temporary(&root).unwrap();
        let pcm = say(&engine, "Een test.", Language::Nl, 1.0);
        assert!(!pcm.samples.is_empty());
        let folder = engine.data.parent().unwrap().to_owned();
        assert!(
            folder.starts_with(std::env::temp_dir()),
            "{}",
            folder.display()
        );
        drop(engine);
        assert!(!folder.exists(), "removed with the engine");
    }

    #[test]
    fn an_interrupted_install_is_redone_and_unknown_voices_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let data = Builtin::new(dir.path()).unwrap().data;
        std::fs::remove_file(data.join(COMPLETE)).unwrap();
        std::fs::remove_file(data.join("nl_dict")).unwrap();
        let engine = Builtin::new(dir.path()).unwrap();
        assert!(engine.data.join("nl_dict").exists());
        let error = engine
            .synthesise(&Utterance {
                text: "x",
                language: Language::Nl,
                voice: "no-such-voice",
                rate: 1.0,
            })
            .unwrap_err();
        assert!(matches!(error, SpeechError::Missing { .. }), "{error}");
    }
}
