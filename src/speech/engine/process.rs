//! Engines that are separate programs: the system `espeak-ng`, `piper`, or any command. The
//! text goes to the program's standard input, never its arguments (a message may name a
//! member or a street and must not show in the process list); the WAV comes back on standard
//! output (or a file, for piper). A program that runs longer than [`TIMEOUT_SECONDS`] is
//! killed.

use super::{Pcm, SpeechEngine, SpeechError, Utterance, words_per_minute};
use crate::speech::Language;
use crate::speech::wav;
use crate::speech::{EngineFailure, FileProblem, Unavailable};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The longest a synthesis program may run.
pub const TIMEOUT_SECONDS: u64 = 60;

/// The system `espeak-ng` program.
#[derive(Debug, Clone)]
pub struct EspeakProgram {
    program: PathBuf,
    version: String,
}

impl EspeakProgram {
    /// Finds the program (a name on `PATH` or a path) and asks its version.
    pub fn new(program: &Path) -> Result<EspeakProgram, SpeechError> {
        let output = Command::new(program)
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| missing("espeak-ng", program, e))?;
        let version = String::from_utf8_lossy(&output.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .to_owned();
        Ok(EspeakProgram {
            program: program.to_owned(),
            version,
        })
    }
}

impl SpeechEngine for EspeakProgram {
    fn id(&self) -> String {
        format!("espeak-ng/{}", self.version)
    }

    fn default_voice(&self, language: Language) -> Result<String, SpeechError> {
        Ok(match language {
            Language::Fr => "fr-be".to_owned(),
            other => other.code().to_owned(),
        })
    }

    fn synthesise(&self, utterance: &Utterance<'_>) -> Result<Pcm, SpeechError> {
        let mut command = Command::new(&self.program);
        command
            .args(["-v", utterance.voice, "-s"])
            .arg(words_per_minute(utterance.rate).to_string())
            .arg("--stdout");
        let wav = run("espeak-ng", &mut command, utterance.text)?;
        decode("espeak-ng", &wav)
    }
}

/// The `piper` program with `.onnx` voices the operator put in `voices/<lang>/`.
#[derive(Debug, Clone)]
pub struct Piper {
    program: PathBuf,
    voices: PathBuf,
}

impl Piper {
    /// `program` on `PATH` or a path; models found under `voices`.
    pub fn new(program: &Path, voices: &Path) -> Result<Piper, SpeechError> {
        Command::new(program)
            .arg("--help")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|e| missing("piper", program, e))?;
        Ok(Piper {
            program: program.to_owned(),
            voices: voices.to_owned(),
        })
    }
}

impl SpeechEngine for Piper {
    fn id(&self) -> String {
        format!("piper/{}", self.program.display())
    }

    /// The first `.onnx` file, by name, in `voices/<lang>/`.
    fn default_voice(&self, language: Language) -> Result<String, SpeechError> {
        let dir = self.voices.join(language.code());
        let mut models: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        models.retain(|p| p.extension().is_some_and(|e| e == "onnx"));
        models.sort();
        models
            .into_iter()
            .next()
            .map(|p| p.display().to_string())
            .ok_or(SpeechError::Missing {
                engine: "piper",
                problem: Unavailable::NoVoiceFile(dir),
            })
    }

    fn voice_key(&self, voice: &str) -> Result<String, SpeechError> {
        model_identity(Path::new(voice))
    }

    fn synthesise(&self, utterance: &Utterance<'_>) -> Result<Pcm, SpeechError> {
        let model = Path::new(utterance.voice);
        let out =
            std::env::temp_dir().join(format!("buurtbel-piper-{:016x}.wav", rand::random::<u64>()));
        let mut command = Command::new(&self.program);
        command
            .arg("--model")
            .arg(model)
            .arg("--output_file")
            .arg(&out)
            .arg("--length_scale")
            .arg(format!("{:.3}", 1.0 / utterance.rate));
        let result = run("piper", &mut command, utterance.text).and_then(|_| {
            std::fs::read(&out).map_err(|e| SpeechError::Failed {
                engine: "piper",
                problem: EngineFailure::NoAudio(e),
            })
        });
        let _ = std::fs::remove_file(&out);
        decode("piper", &result?)
    }
}

/// Any program: text on stdin, a WAV on stdout. `{lang}`, `{voice}` and `{rate}` in its
/// arguments are replaced.
#[derive(Debug, Clone)]
pub struct CommandEngine {
    argv: Vec<String>,
}

impl CommandEngine {
    /// `argv[0]` is the program.
    pub fn new(argv: Vec<String>) -> Result<CommandEngine, SpeechError> {
        if argv.first().is_none_or(|p| p.trim().is_empty()) {
            return Err(SpeechError::Missing {
                engine: "command",
                problem: Unavailable::NoProgram,
            });
        }
        Ok(CommandEngine { argv })
    }
}

impl SpeechEngine for CommandEngine {
    fn id(&self) -> String {
        format!("command/{}", self.argv.join(" "))
    }

    fn default_voice(&self, language: Language) -> Result<String, SpeechError> {
        Ok(language.code().to_owned())
    }

    fn synthesise(&self, utterance: &Utterance<'_>) -> Result<Pcm, SpeechError> {
        let fill = |arg: &String| {
            arg.replace("{lang}", utterance.language.code())
                .replace("{voice}", utterance.voice)
                .replace("{rate}", &format!("{:.2}", utterance.rate))
        };
        let mut command = Command::new(&self.argv[0]);
        command.args(self.argv[1..].iter().map(fill));
        let wav = run("command", &mut command, utterance.text)?;
        decode("command", &wav)
    }
}

/// Runs `command` with `text` on stdin; its stdout, or why it failed.
fn run(engine: &'static str, command: &mut Command, text: &str) -> Result<Vec<u8>, SpeechError> {
    let program = PathBuf::from(command.get_program());
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| missing(engine, &program, e))?;
    let (stdin, stdout, stderr) = (child.stdin.take(), child.stdout.take(), child.stderr.take());
    let text = text.to_owned();
    let writer = std::thread::spawn(move || {
        if let Some(mut stdin) = stdin {
            let _ = stdin.write_all(text.as_bytes());
        }
    });
    let reader = std::thread::spawn(move || drain(stdout));
    let errors = std::thread::spawn(move || drain(stderr));
    let status = wait(engine, &mut child)?;
    let _ = writer.join();
    let out = reader.join().unwrap_or_default();
    let err = errors.join().unwrap_or_default();
    if !status.success() {
        let said = String::from_utf8_lossy(&err);
        let said = said.trim().chars().take(300).collect();
        return Err(SpeechError::Failed {
            engine,
            problem: EngineFailure::Exit { status, said },
        });
    }
    Ok(out)
}

fn drain(pipe: Option<impl Read>) -> Vec<u8> {
    let mut buffer = Vec::new();
    if let Some(mut pipe) = pipe {
        let _ = pipe.read_to_end(&mut buffer);
    }
    buffer
}

/// Waits for the child, polling, and kills it after [`TIMEOUT_SECONDS`].
fn wait(
    engine: &'static str,
    child: &mut std::process::Child,
) -> Result<std::process::ExitStatus, SpeechError> {
    const POLL: std::time::Duration = std::time::Duration::from_millis(5);
    let polls = TIMEOUT_SECONDS * 1000 / POLL.as_millis() as u64;
    for _ in 0..polls {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) => buurtbel_clock::sleep_blocking(POLL),
            Err(e) => {
                return Err(SpeechError::Failed {
                    engine,
                    problem: EngineFailure::Wait(e),
                });
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    Err(SpeechError::Failed {
        engine,
        problem: EngineFailure::Timeout(TIMEOUT_SECONDS),
    })
}

fn decode(engine: &'static str, bytes: &[u8]) -> Result<Pcm, SpeechError> {
    let (samples, rate) = wav::decode_mono(bytes).map_err(|e| SpeechError::Failed {
        engine,
        problem: EngineFailure::Output(e),
    })?;
    Ok(Pcm { samples, rate })
}

fn missing(engine: &'static str, program: &Path, source: std::io::Error) -> SpeechError {
    SpeechError::Missing {
        engine,
        problem: Unavailable::CannotRun {
            program: program.to_owned(),
            source,
        },
    }
}

/// A model's name and size stand for its content in the engine's id: cheap, and a replaced
/// voice file almost always changes size.
fn model_identity(model: &Path) -> Result<String, SpeechError> {
    let meta = std::fs::metadata(model).map_err(|e| SpeechError::File {
        path: model.to_owned(),
        problem: FileProblem::PiperVoice(e),
    })?;
    Ok(format!("{}:{}", model.display(), meta.len()))
}
