//! How long each engine says single words: the built-in engine and the system `espeak-ng`,
//! each with its default voice for the language at rate 1.0, timed from the first to the last
//! sound. Used for the before/after table of `docs/speech/README.md`.
//!
//! ```sh
//! cargo run --example word_durations -- nl coördinatie geïnformeerd België
//! ```

use buurtbel::speech::Language;
use buurtbel::speech::engine::{Builtin, EspeakProgram, Pcm, SpeechEngine, Utterance};
use std::path::Path;

type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> Fallible<()> {
    let mut args = std::env::args().skip(1);
    let language: Language = args
        .next()
        .ok_or("usage: word_durations LANGUAGE WORD...")?
        .parse()?;
    let data = tempfile::tempdir()?;
    let builtin = Builtin::new(data.path())?;
    let system = EspeakProgram::new(Path::new("espeak-ng"))?;
    println!("| word | builtin | espeak-ng |");
    println!("|---|---:|---:|");
    for word in args {
        let ours = spoken(&say(&builtin, language, &word)?);
        let theirs = spoken(&say(&system, language, &word)?);
        println!("| {word} | {ours:.2} s | {theirs:.2} s |");
    }
    Ok(())
}

fn say(engine: &dyn SpeechEngine, language: Language, text: &str) -> Fallible<Pcm> {
    let voice = engine.default_voice(language)?;
    Ok(engine.synthesise(&Utterance {
        text,
        language,
        voice: &voice,
        rate: 1.0,
    })?)
}

/// Seconds from the first to the last non-zero sample.
fn spoken(pcm: &Pcm) -> f64 {
    let first = pcm.samples.iter().position(|s| *s != 0.0);
    let last = pcm.samples.iter().rposition(|s| *s != 0.0);
    match (first, last) {
        (Some(first), Some(last)) => (last + 1 - first) as f64 / f64::from(pcm.rate),
        _ => 0.0,
    }
}
