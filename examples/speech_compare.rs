//! The built-in engine (the pure-Rust `espeak-ng` crate) against the system `espeak-ng`
//! program, side by side: the same texts in nl, fr, de and en, each engine's default voice
//! at rate 1.0. `docs/speech/README.md` records and discusses the results.
//!
//! ```text
//! cargo run --release --example speech_compare                  # writes target/speech-compare
//! cargo run --release --example speech_compare -- --out DIR --runs 9
//! docs/speech/spectrograms.sh target/speech-compare docs/speech # the pictures, with sox
//! ```
//!
//! Per engine, language and text it measures: the audio's duration and sample rate; the
//! time to synthesise it, wall and CPU (this process plus its waited-for children), for the
//! first run and as the median of the warm runs after it (for the program every run starts
//! a process, so process start and data loading are included; the built-in engine also
//! loads its voice and dictionary on every call, as `Builtin::synthesise` does); the
//! real-time factor (audio seconds per second of synthesis); active-speech level and peak;
//! and, from the samples, the pitch (autocorrelation), how many harmonics carry a voiced
//! frame, how much energy lies above 4 kHz (what the telephone discards), the pauses, and
//! the steps into and holes of exact digital silence (clicks). Short probe words ("an",
//! "on", "ja", "far") are analysed harmonic by harmonic.
//!
//! Then the talk-off check: every 8 kHz rendering (`post::for_telephone`, before any
//! re-pitching) of the alert and the four prompts, at three rates, is run through
//! `talk_off::raises_key`, and the keys the in-band detector hears are listed.
//!
//! Output folder (default `target/speech-compare`, never under `docs/`): `wav/` with each
//! engine's raw output (engine rate, 16-bit) and its 8 kHz telephone version, the probe
//! vowels, `summary.json` and `table.md` (also printed). Nothing here is committed; run it
//! again to regenerate.

use buurtbel::media::g711;
use buurtbel::media::inband::InbandDetector;
use buurtbel::speech::engine::{Builtin, EspeakProgram, Pcm, SpeechEngine, Utterance};
use buurtbel::speech::prompts::{self, Prompt, PromptContext, PromptSource};
use buurtbel::speech::{Language, post, talk_off, wav};
use buurtbel::telephony::clock;
use clap::Parser;
use serde_json::{Value, json};
use std::error::Error;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

type Fallible<T> = Result<T, Box<dyn Error>>;

/// Command line.
#[derive(Debug, Parser)]
#[command(about = "Compare the built-in speech engine with the system espeak-ng")]
struct Args {
    /// Folder for the WAVs, summary.json and table.md (keep it out of docs/).
    #[arg(long, default_value = "target/speech-compare")]
    out: PathBuf,
    /// Synthesis runs per engine and text (the first is reported apart, the rest as a median).
    #[arg(long, default_value_t = 7)]
    runs: usize,
    /// The system espeak-ng program.
    #[arg(long, default_value = "espeak-ng")]
    program: PathBuf,
    /// Where the prompt templates are (`<lang>/prompts.toml`).
    #[arg(long, default_value = "voices")]
    voices: PathBuf,
    /// Skip the talk-off sweep (rates 0.85, 1.0 and 1.2 over five texts per language).
    #[arg(long)]
    no_talk_off: bool,
}

/// One realistic BIN alert per language, numbers written out: the comparison is about the
/// engines, not about the project's normaliser.
fn alert(language: Language) -> &'static str {
    match language {
        Language::Nl => {
            "Verdacht voertuig, een witte bestelwagen met nummerplaat één, A, B, C, twee, \
             drie, vier, rijdt rond in de Kerkstraat. Sluit uw deuren en bel de politie als u \
             iets ziet."
        }
        Language::Fr => {
            "Véhicule suspect, une camionnette blanche immatriculée un, A, B, C, deux, trois, \
             quatre, circule dans la rue de l'Église. Fermez vos portes et appelez la police \
             si vous voyez quelque chose."
        }
        Language::De => {
            "Verdächtiges Fahrzeug, ein weißer Lieferwagen mit dem Kennzeichen eins, A, B, C, \
             zwei, drei, vier, fährt in der Kirchstraße umher. Schließen Sie Ihre Türen und \
             rufen Sie die Polizei, wenn Sie etwas sehen."
        }
        Language::En => {
            "Suspicious vehicle, a white van with number plate one, A, B, C, two, three, four, \
             is driving around Church Street. Lock your doors and call the police if you see \
             anything."
        }
    }
}

/// The words for the keys the menu names.
fn key_words(language: Language) -> [&'static str; 2] {
    match language {
        Language::Nl => ["één", "twee"],
        Language::Fr => ["un", "deux"],
        Language::De => ["eins", "zwei"],
        Language::En => ["one", "two"],
    }
}

/// What fills the prompts' placeholders.
fn context(language: Language) -> PromptContext<'static> {
    let (network, callback) = match language {
        Language::Nl => (
            "Sint-Anna",
            "nul negen, twee drie vier, vijf zes, zeven acht",
        ),
        Language::Fr => (
            "Sainte-Anne",
            "zéro neuf, deux trois quatre, cinq six, sept huit",
        ),
        Language::De => (
            "Sankt Anna",
            "null neun, zwei drei vier, fünf sechs, sieben acht",
        ),
        Language::En => (
            "Saint Anne",
            "zero nine, two three four, five six, seven eight",
        ),
    };
    PromptContext { network, callback }
}

/// A prompt's text from `voices/<lang>/prompts.toml`, with the key digits as words.
fn prompt_text(voices: &Path, language: Language, prompt: Prompt) -> Fallible<String> {
    let text = match prompts::source(voices, language, prompt, &context(language))? {
        PromptSource::Text(text) => text,
        PromptSource::Recorded(_) => {
            return Err(format!("{language} {}: a recording, not a text", prompt.name()).into());
        }
    };
    let [one, two] = key_words(language);
    Ok(text.replace('1', one).replace('2', two))
}

/// Short texts whose vowel is looked at harmonic by harmonic.
const PROBES: [(Language, &str, &str); 4] = [
    (Language::Fr, "an", "nasal ɑ̃"),
    (Language::Fr, "on", "nasal ɔ̃"),
    (Language::Nl, "ja", "oral aː"),
    (Language::En, "far", "oral ɑː"),
];

const RATES: [f32; 3] = [0.85, 1.0, 1.2];

/// Time spent, by the clock and by the CPU.
#[derive(Debug, Clone, Copy)]
struct Spent {
    wall: Duration,
    cpu: Duration,
}

/// CPU time of this process and of its children that have been waited for.
fn cpu_time() -> Duration {
    let read = |who| {
        // SAFETY: getrusage writes into the struct it is given and nothing else.
        let usage = unsafe {
            let mut usage: libc::rusage = std::mem::zeroed();
            libc::getrusage(who, &mut usage);
            usage
        };
        let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
        Duration::from_micros(micros(usage.ru_utime) + micros(usage.ru_stime))
    };
    read(libc::RUSAGE_SELF) + read(libc::RUSAGE_CHILDREN)
}

/// Runs `f` and says how long it took.
fn timed<T>(f: impl FnOnce() -> T) -> (T, Spent) {
    let cpu = cpu_time();
    let start = clock::now();
    let value = f();
    let wall = clock::elapsed(start);
    let cpu = cpu_time().saturating_sub(cpu);
    (value, Spent { wall, cpu })
}

fn main() -> Fallible<()> {
    let args = Args::parse();
    if args.runs < 2 {
        return Err("--runs must be at least 2 (one cold, one or more warm)".into());
    }
    if args.out.components().any(|c| c.as_os_str() == "docs") {
        eprintln!(
            "warning: {} is under docs/; the WAVs there must not be committed",
            args.out.display()
        );
    }
    let wav_dir = args.out.join("wav");
    std::fs::create_dir_all(&wav_dir)?;
    let load_before = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();

    // The built-in engine writes its data on first use: measured on a fresh folder.
    let data = args.out.join("builtin-data");
    if data.exists() {
        std::fs::remove_dir_all(&data)?;
    }
    let (builtin, install) = timed(|| Builtin::new(&data));
    let builtin = builtin?;
    let (program, probe_start) = timed(|| EspeakProgram::new(&args.program));
    let program = program?;
    let engines: [(&str, &dyn SpeechEngine); 2] = [("builtin", &builtin), ("espeak-ng", &program)];
    let ids: Vec<String> = engines.iter().map(|(_, e)| e.id()).collect();
    eprintln!("engines: {}", ids.join("; "));

    // Overhead per call: one word, the first call in the process and then warm.
    let mut overhead = Vec::new();
    for (name, engine) in engines {
        let voice = engine.default_voice(Language::Nl)?;
        let utterance = Utterance {
            text: "Ja.",
            language: Language::Nl,
            voice: &voice,
            rate: 1.0,
        };
        let mut walls = Vec::new();
        for _ in 0..args.runs {
            let (pcm, spent) = timed(|| engine.synthesise(&utterance));
            pcm?;
            walls.push(spent.wall);
        }
        overhead.push(json!({
            "engine": name,
            "first_call_ms": ms(walls[0]),
            "one_word_ms": median_ms(&walls[1..]),
        }));
    }

    // The benchmark proper.
    let mut rows = Vec::new();
    for language in Language::ALL {
        let texts = [
            ("alert", alert(language).to_owned()),
            ("menu", prompt_text(&args.voices, language, Prompt::Menu)?),
        ];
        for (kind, text) in &texts {
            for (name, engine) in engines {
                eprintln!("{language} {kind} {name}");
                rows.push(measure(
                    &args, &wav_dir, name, engine, language, kind, text,
                )?);
            }
        }
    }

    // Vowels, harmonic by harmonic.
    let mut probes = Vec::new();
    for (language, text, what) in PROBES {
        for (name, engine) in engines {
            let voice = engine.default_voice(language)?;
            let pcm = engine.synthesise(&Utterance {
                text,
                language,
                voice: &voice,
                rate: 1.0,
            })?;
            write_raw(
                &wav_dir.join(format!("probe-{language}-{text}-{name}.wav")),
                &pcm,
            )?;
            probes.push(probe(name, language, text, what, &pcm));
        }
    }

    // Talk-off over more texts and rates.
    let talk_off = if args.no_talk_off {
        Vec::new()
    } else {
        talk_off_sweep(&args, &wav_dir, &engines)?
    };

    let load_after = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let summary = json!({
        "engines": ids,
        "runs": args.runs,
        "builtin_install_ms": ms(install.wall),
        "program_version_call_ms": ms(probe_start.wall),
        "one_word": overhead,
        "loadavg_before": load_before.trim(),
        "loadavg_after": load_after.trim(),
        "rows": rows,
        "probes": probes,
        "talk_off": talk_off,
    });
    let table = markdown(&summary);
    print!("{table}");
    std::fs::write(args.out.join("table.md"), &table)?;
    std::fs::write(
        args.out.join("summary.json"),
        serde_json::to_string_pretty(&summary)?,
    )?;
    eprintln!(
        "wrote {}, {} and {}",
        wav_dir.display(),
        args.out.join("summary.json").display(),
        args.out.join("table.md").display()
    );
    Ok(())
}

/// Synthesises `text` `args.runs` times and analyses the result.
fn measure(
    args: &Args,
    wav_dir: &Path,
    name: &str,
    engine: &dyn SpeechEngine,
    language: Language,
    kind: &str,
    text: &str,
) -> Fallible<Value> {
    let voice = engine.default_voice(language)?;
    let utterance = Utterance {
        text,
        language,
        voice: &voice,
        rate: 1.0,
    };
    let mut spent = Vec::new();
    let mut pcm = None;
    for _ in 0..args.runs {
        let (result, time) = timed(|| engine.synthesise(&utterance));
        let result = result?;
        if let Some(previous) = &pcm {
            if *previous != result {
                eprintln!("  note: {name} {language} {kind}: runs differ");
            }
        }
        pcm = Some(result);
        spent.push(time);
    }
    let pcm = pcm.ok_or("no run")?;
    let stem = format!("{language}-{kind}-{name}");
    write_raw(&wav_dir.join(format!("{stem}.wav")), &pcm)?;
    let phone = post::for_telephone(&pcm)?;
    wav::write_8k(&wav_dir.join(format!("{stem}-8k.wav")), &phone)?;

    let seconds = pcm.samples.len() as f64 / f64::from(pcm.rate);
    let warm_wall: Vec<Duration> = spent[1..].iter().map(|s| s.wall).collect();
    let warm_cpu: Vec<Duration> = spent[1..].iter().map(|s| s.cpu).collect();
    let warm_ms = median_ms(&warm_wall);
    let raw16: Vec<i16> = pcm.samples.iter().map(|&s| to_i16(s)).collect();
    let peak = pcm.samples.iter().fold(0f32, |m, s| m.max(s.abs()));
    let pitch = pitch_track(&pcm.samples, pcm.rate);
    let voiced: Vec<&Frame> = pitch.iter().filter(|f| f.f0.is_some()).collect();
    let f0s: Vec<f32> = voiced.iter().filter_map(|f| f.f0).collect();
    let harmonics: Vec<Harmonics> = voiced
        .iter()
        .filter(|f| f.clarity > 0.85)
        .filter_map(|f| harmonics_at(&pcm.samples, pcm.rate, f.centre, f.f0?))
        .collect();
    let keys = keys_heard(&phone);
    let pauses = pauses(&phone);
    Ok(json!({
        "language": language.code(),
        "text": kind,
        "engine": name,
        "voice": voice,
        "chars": text.chars().count(),
        "rate_hz": pcm.rate,
        "audio_s": round(seconds, 3),
        "telephone_s": round(phone.len() as f64 / 8000.0, 3),
        "pauses_s": round(pauses.0, 2),
        "longest_pause_s": round(pauses.1, 2),
        "first_ms": ms(spent[0].wall),
        "first_cpu_ms": ms(spent[0].cpu),
        "warm_ms": warm_ms,
        "warm_min_ms": ms(*warm_wall.iter().min().unwrap_or(&Duration::ZERO)),
        "warm_max_ms": ms(*warm_wall.iter().max().unwrap_or(&Duration::ZERO)),
        "warm_cpu_ms": median_ms(&warm_cpu),
        "rtf": round(seconds * 1000.0 / warm_ms.max(1e-6), 1),
        "level_dbfs": post::speech_level_dbfs(&raw16).map(|l| round(f64::from(l), 1)),
        "peak_dbfs": round(20.0 * f64::from(peak.max(1e-9)).log10(), 1),
        "telephone_level_dbfs": post::speech_level_dbfs(&phone).map(|l| round(f64::from(l), 1)),
        "above_4k_share": round(above_4k_share(&pcm), 3),
        "hard_edges": hard_edges(&raw16),
        "short_gaps": short_gaps(&raw16, pcm.rate),
        "voiced_share": round(voiced.len() as f64 / pitch.len().max(1) as f64, 2),
        "f0_median_hz": round(f64::from(percentile(&f0s, 0.5)), 0),
        "f0_p10_hz": round(f64::from(percentile(&f0s, 0.1)), 0),
        "f0_p90_hz": round(f64::from(percentile(&f0s, 0.9)), 0),
        "f0_doubled_share": round(doubled_share(&f0s), 2),
        "f0_median_undoubled_hz": round(f64::from(percentile(
            &f0s.iter().copied().filter(|&f| f <= 1.6 * percentile(&f0s, 0.5)).collect::<Vec<_>>(),
            0.5)), 0),
        "harmonic_frames": harmonics.len(),
        "strong_harmonics": round(f64::from(percentile(
            &harmonics.iter().map(|h| h.strong as f32).collect::<Vec<_>>(), 0.5)), 1),
        "top3_share": round(f64::from(percentile(
            &harmonics.iter().map(|h| h.top3_share).collect::<Vec<_>>(), 0.5)), 2),
        "harmonic_to_between_db": round(f64::from(percentile(
            &harmonics.iter().map(|h| h.to_between_db).collect::<Vec<_>>(), 0.5)), 1),
        "talk_off_keys": keys,
    }))
}

/// The analysis of one short vowel probe: the harmonics of the middle of its voiced part.
fn probe(name: &str, language: Language, text: &str, what: &str, pcm: &Pcm) -> Value {
    let track = pitch_track(&pcm.samples, pcm.rate);
    let voiced: Vec<&Frame> = track.iter().filter(|f| f.f0.is_some()).collect();
    let middle = voiced.len() / 2;
    let picked: Vec<&Frame> = voiced
        .iter()
        .skip(middle.saturating_sub(2))
        .take(5)
        .copied()
        .collect();
    let mut levels = [0f64; 16];
    let mut f0_sum = 0f32;
    for frame in &picked {
        let Some(f0) = frame.f0 else { continue };
        f0_sum += f0;
        let amplitudes = harmonic_amplitudes(&pcm.samples, pcm.rate, frame.centre, f0, 16);
        for (level, a) in levels.iter_mut().zip(amplitudes) {
            *level += f64::from(a * a);
        }
    }
    let f0 = f0_sum / picked.len().max(1) as f32;
    let top = levels.iter().copied().fold(0f64, f64::max).max(1e-30);
    let db: Vec<f64> = levels
        .iter()
        .map(|&e| round(10.0 * (e.max(1e-30) / top).log10(), 0).max(-60.0))
        .collect();
    let mut order: Vec<usize> = (0..db.len()).collect();
    order.sort_by(|&a, &b| db[b].total_cmp(&db[a]));
    let strongest: Vec<usize> = order.iter().take(4).map(|i| i + 1).collect();
    let within_20 = db.iter().filter(|&&d| d >= -20.0).count();
    json!({
        "engine": name,
        "language": language.code(),
        "text": text,
        "what": what,
        "f0_hz": round(f64::from(f0), 1),
        "harmonics_db": db,
        "strongest": strongest,
        "within_20db": within_20,
    })
}

/// Every text of every language at every rate, through `post::for_telephone` and the
/// detector, with no re-pitching; then whether the re-pitched rendering is clear.
fn talk_off_sweep(
    args: &Args,
    wav_dir: &Path,
    engines: &[(&str, &dyn SpeechEngine)],
) -> Fallible<Vec<Value>> {
    let mut out = Vec::new();
    for language in Language::ALL {
        let mut texts = vec![("alert".to_owned(), alert(language).to_owned())];
        for prompt in Prompt::ALL {
            texts.push((
                prompt.name().to_owned(),
                prompt_text(&args.voices, language, prompt)?,
            ));
        }
        for (kind, text) in &texts {
            for rate in RATES {
                for (name, engine) in engines {
                    let voice = engine.default_voice(language)?;
                    let pcm = engine.synthesise(&Utterance {
                        text,
                        language,
                        voice: &voice,
                        rate,
                    })?;
                    let phone = post::for_telephone(&pcm)?;
                    if rate == 1.0 && kind != "alert" && kind != "menu" {
                        let stem = format!("{language}-{kind}-{name}");
                        write_raw(&wav_dir.join(format!("{stem}.wav")), &pcm)?;
                        wav::write_8k(&wav_dir.join(format!("{stem}-8k.wav")), &phone)?;
                    }
                    let raised = talk_off::raises_key(&phone);
                    let keys = if raised {
                        keys_heard(&phone)
                    } else {
                        Vec::new()
                    };
                    let after = if raised {
                        Some(talk_off::raises_key(&talk_off::for_telephone(&pcm)?))
                    } else {
                        None
                    };
                    if raised {
                        eprintln!("  talk-off: {name} {language} {kind} rate {rate}: {keys:?}");
                    }
                    out.push(json!({
                        "engine": name,
                        "language": language.code(),
                        "text": kind,
                        "rate": round(f64::from(rate), 2),
                        "seconds": round(phone.len() as f64 / 8000.0, 2),
                        "raises_key": raised,
                        "keys": keys,
                        "still_after_repitch": after,
                    }));
                }
            }
        }
    }
    Ok(out)
}

/// The keys the in-band detector hears in `samples`, linear and through both G.711 laws:
/// "key@seconds (law)", as `talk_off::raises_key` checks them.
fn keys_heard(samples: &[i16]) -> Vec<String> {
    let alaw = g711::decode_alaw(&g711::encode_alaw(samples));
    let ulaw = g711::decode_ulaw(&g711::encode_ulaw(samples));
    let mut heard = Vec::new();
    for (law, audio) in [("linear", samples), ("A-law", &alaw), ("µ-law", &ulaw)] {
        let mut detector = InbandDetector::new();
        for (i, frame) in audio.chunks(160).enumerate() {
            for key in detector.process(frame) {
                let at = (i + 1) as f64 * 0.02;
                heard.push(format!("{key}@{at:.2}s ({law})"));
            }
        }
    }
    heard
}

// ---------------------------------------------------------------------------------------
// Signal analysis: enough to compare two engines, nothing more.
// ---------------------------------------------------------------------------------------

/// One analysis frame of the pitch track.
#[derive(Debug, Clone, Copy)]
struct Frame {
    /// Centre sample.
    centre: usize,
    /// Fundamental, if voiced.
    f0: Option<f32>,
    /// Normalised autocorrelation at the chosen lag (1.0: perfectly periodic).
    clarity: f32,
}

/// Pitch every 10 ms from the normalised autocorrelation of 40 ms frames, 60–250 Hz (every
/// default voice here is male, at about 100 Hz; a wider range lets vowels made of a few high
/// harmonics read as 300 Hz, where those harmonics happen to line up). Frames more than 30 dB
/// below the loudest are silence.
fn pitch_track(samples: &[f32], rate: u32) -> Vec<Frame> {
    let rate_f = rate as f32;
    let length = (0.04 * rate_f) as usize;
    let hop = (0.01 * rate_f) as usize;
    let (min_lag, max_lag) = ((rate_f / 250.0) as usize, (rate_f / 60.0) as usize);
    let energies: Vec<f32> = (0..samples.len().saturating_sub(length + max_lag))
        .step_by(hop)
        .map(|start| samples[start..start + length].iter().map(|s| s * s).sum())
        .collect();
    let loudest = energies.iter().copied().fold(0f32, f32::max);
    let mut frames = Vec::new();
    for (i, &energy) in energies.iter().enumerate() {
        let start = i * hop;
        let centre = start + length / 2;
        if energy < loudest * 1e-3 {
            frames.push(Frame {
                centre,
                f0: None,
                clarity: 0.0,
            });
            continue;
        }
        let x = &samples[start..start + length];
        let nccf: Vec<f32> = (min_lag..=max_lag)
            .map(|lag| {
                let y = &samples[start + lag..start + lag + length];
                let (mut xy, mut yy) = (0f32, 0f32);
                for (a, b) in x.iter().zip(y) {
                    xy += a * b;
                    yy += b * b;
                }
                xy / (energy * yy).sqrt().max(1e-12)
            })
            .collect();
        let (best_k, best) = nccf
            .iter()
            .copied()
            .enumerate()
            .fold((0, f32::MIN), |m, (k, v)| if v > m.1 { (k, v) } else { m });
        // The best lag may be two or more periods: take a whole fraction of it that is a
        // local peak nearly as good. (A fixed "first peak above 90 %" rule picks fractions
        // of the period on vowels made of a few harmonics.)
        let is_peak = |k: usize| {
            k > 0 && k + 1 < nccf.len() && nccf[k] >= nccf[k - 1] && nccf[k] >= nccf[k + 1]
        };
        let best_lag = (min_lag + best_k) as f32;
        let chosen = (2..=4)
            .rev()
            .find_map(|d| {
                let target = best_lag / d as f32;
                let low = ((target * 0.97) as usize).max(min_lag + 1);
                let high = ((target * 1.03).ceil() as usize).min(max_lag - 1);
                (low..=high)
                    .map(|lag| lag - min_lag)
                    .filter(|&k| is_peak(k) && nccf[k] >= 0.97 * best)
                    .max_by(|&a, &b| nccf[a].total_cmp(&nccf[b]))
            })
            .or(is_peak(best_k).then_some(best_k));
        let (f0, clarity) = match chosen {
            Some(k) if best > 0.7 => {
                let (a, b, c) = (nccf[k - 1], nccf[k], nccf[k + 1]);
                let denominator = a - 2.0 * b + c;
                let shift = if denominator.abs() > 1e-9 {
                    0.5 * (a - c) / denominator
                } else {
                    0.0
                };
                let lag = (min_lag + k) as f32 + shift;
                (Some(rate_f / lag), b)
            }
            _ => (None, best),
        };
        frames.push(Frame {
            centre,
            f0,
            clarity,
        });
    }
    frames
}

/// The amplitudes of harmonics 1..=`count` of `f0` around sample `centre`, through a Hann
/// window four periods long: its first nulls fall half a harmonic away, midway between two
/// harmonics, so a harmonic's reading is its own and the reading between two is noise.
fn harmonic_amplitudes(
    samples: &[f32],
    rate: u32,
    centre: usize,
    f0: f32,
    count: usize,
) -> Vec<f32> {
    amplitudes_at(
        samples,
        rate,
        centre,
        f0,
        (1..=count).map(|h| h as f32 * f0),
    )
}

fn amplitudes_at(
    samples: &[f32],
    rate: u32,
    centre: usize,
    f0: f32,
    frequencies: impl Iterator<Item = f32>,
) -> Vec<f32> {
    let length = (4.0 * rate as f32 / f0).round() as usize;
    let start = centre.saturating_sub(length / 2);
    let Some(x) = samples.get(start..start + length) else {
        return Vec::new();
    };
    let windowed: Vec<f64> = x
        .iter()
        .enumerate()
        .map(|(n, &s)| {
            let w = 0.5 - 0.5 * (std::f64::consts::TAU * n as f64 / length as f64).cos();
            f64::from(s) * w
        })
        .collect();
    frequencies
        .map(|f| {
            // Goertzel at an arbitrary frequency.
            let w = std::f64::consts::TAU * f64::from(f) / f64::from(rate);
            let coefficient = 2.0 * w.cos();
            let (mut s1, mut s2) = (0f64, 0f64);
            for &v in &windowed {
                let s0 = v + coefficient * s1 - s2;
                s2 = s1;
                s1 = s0;
            }
            (s1 * s1 + s2 * s2 - coefficient * s1 * s2).max(0.0).sqrt() as f32
        })
        .collect()
}

/// How a voiced frame's energy is spread over its harmonics up to 4 kHz.
#[derive(Debug, Clone, Copy)]
struct Harmonics {
    /// Harmonics within 20 dB of the strongest.
    strong: usize,
    /// The three strongest harmonics' share of the harmonic energy.
    top3_share: f32,
    /// Energy at the harmonics against energy midway between them, in dB.
    to_between_db: f32,
}

fn harmonics_at(samples: &[f32], rate: u32, centre: usize, f0: f32) -> Option<Harmonics> {
    let count = (4000.0 / f0) as usize;
    let at = harmonic_amplitudes(samples, rate, centre, f0, count);
    let between = amplitudes_at(
        samples,
        rate,
        centre,
        f0,
        (1..count).map(|h| (h as f32 + 0.5) * f0),
    );
    if at.len() < 3 || between.is_empty() {
        return None;
    }
    let mut energies: Vec<f32> = at.iter().map(|a| a * a).collect();
    let total: f32 = energies.iter().sum();
    let gap: f32 = between.iter().map(|a| a * a).sum();
    if total <= 0.0 {
        return None;
    }
    energies.sort_by(|a, b| b.total_cmp(a));
    let strong = energies
        .iter()
        .filter(|&&e| e >= energies[0] * 0.01)
        .count();
    Some(Harmonics {
        strong,
        top3_share: energies.iter().take(3).sum::<f32>() / total,
        to_between_db: 10.0 * (total / gap.max(1e-20)).log10(),
    })
}

/// Jumps between sound and digital silence with no fade: a sample at −30 dBFS or more followed
/// by, or following, at least 20 samples of exact zero. Each is a step, heard as a click.
fn hard_edges(samples: &[i16]) -> usize {
    const LOUD: u16 = 1036; // −30 dBFS
    const QUIET_RUN: usize = 20;
    let silent = |range: &[i16]| range.len() == QUIET_RUN && range.iter().all(|&s| s == 0);
    (0..samples.len())
        .filter(|&i| {
            samples[i].unsigned_abs() >= LOUD
                && (samples.get(i + 1..i + 1 + QUIET_RUN).is_some_and(silent)
                    || samples
                        .get(i.saturating_sub(QUIET_RUN)..i)
                        .is_some_and(silent))
        })
        .count()
}

/// Silence inside the 8 kHz rendering, between its first and last sound: in total and the
/// longest stretch, in seconds. Silence is a 10 ms frame below −45 dBFS (as `post` gates it).
fn pauses(samples: &[i16]) -> (f64, f64) {
    let gate = 32768.0 * 10f64.powf(-45.0 / 20.0);
    let loud: Vec<bool> = samples
        .chunks(80)
        .map(|f| {
            let mean = f.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / f.len() as f64;
            mean.sqrt() > gate
        })
        .collect();
    let (Some(first), Some(last)) = (loud.iter().position(|&l| l), loud.iter().rposition(|&l| l))
    else {
        return (0.0, 0.0);
    };
    let (mut total, mut longest, mut run) = (0usize, 0usize, 0usize);
    for &l in &loud[first..=last] {
        if l {
            run = 0;
        } else {
            run += 1;
            total += 1;
            longest = longest.max(run);
        }
    }
    (total as f64 * 0.01, longest as f64 * 0.01)
}

/// Holes in the sound: runs of at least 8 samples of exact zero, shorter than 6 ms, with
/// sound on both sides. Real pauses and stop closures are longer.
fn short_gaps(samples: &[i16], rate: u32) -> usize {
    let longest = (0.006 * rate as f32) as usize;
    let mut gaps = 0;
    let mut run = 0;
    let mut sound_before = false;
    for &s in samples {
        if s == 0 {
            run += 1;
            continue;
        }
        if sound_before && (8..=longest).contains(&run) {
            gaps += 1;
        }
        run = 0;
        sound_before = true;
    }
    gaps
}

/// The share of voiced frames whose waveform repeats at about twice the usual fundamental
/// (more than 1.6 times the median): vowels with only even harmonics, or a pitch jump.
fn doubled_share(f0s: &[f32]) -> f64 {
    let median = percentile(f0s, 0.5);
    let doubled = f0s.iter().filter(|&&f| f > 1.6 * median).count();
    doubled as f64 / f0s.len().max(1) as f64
}

/// The share of the energy above 4 kHz: what an 8 kHz telephone line discards.
fn above_4k_share(pcm: &Pcm) -> f64 {
    let mean_square = |s: &[f32]| s.iter().map(|&v| f64::from(v * v)).sum::<f64>() / s.len() as f64;
    let Some(low) = wav::resample(&pcm.samples, pcm.rate, 8000) else {
        return f64::NAN;
    };
    if pcm.samples.is_empty() || low.is_empty() {
        return f64::NAN;
    }
    (1.0 - mean_square(&low) / mean_square(&pcm.samples)).max(0.0)
}

// ---------------------------------------------------------------------------------------
// Small helpers and output.
// ---------------------------------------------------------------------------------------

fn write_raw(path: &Path, pcm: &Pcm) -> Fallible<()> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: pcm.rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec)?;
    for &sample in &pcm.samples {
        writer.write_sample(to_i16(sample))?;
    }
    writer.finalize()?;
    Ok(())
}

fn to_i16(sample: f32) -> i16 {
    (sample * 32768.0)
        .round()
        .clamp(f32::from(i16::MIN), f32::from(i16::MAX)) as i16
}

fn ms(duration: Duration) -> f64 {
    round(duration.as_secs_f64() * 1000.0, 1)
}

fn median_ms(durations: &[Duration]) -> f64 {
    let values: Vec<f32> = durations.iter().map(|d| d.as_secs_f32() * 1000.0).collect();
    round(f64::from(percentile(&values, 0.5)), 1)
}

/// The `q` quantile (nearest rank); 0 for no values.
fn percentile(values: &[f32], q: f32) -> f32 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f32::total_cmp);
    let rank = ((sorted.len() - 1) as f32 * q).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

/// The summary as Markdown tables.
fn markdown(summary: &Value) -> String {
    let empty = Vec::new();
    let list = |key: &str| summary[key].as_array().unwrap_or(&empty).clone();
    let number = |v: &Value| match v {
        Value::Number(n) => n.to_string(),
        Value::Null => "–".to_owned(),
        other => other.to_string(),
    };
    let text = |v: &Value| v.as_str().unwrap_or("").to_owned();
    let mut out = String::new();
    let _ = writeln!(out, "Engines: {}", summary["engines"]);
    let _ = writeln!(
        out,
        "Built-in data install (first use): {} ms; `espeak-ng --version`: {} ms; one word \
         (\"Ja.\"), first call in the process / warm median: {}",
        summary["builtin_install_ms"],
        summary["program_version_call_ms"],
        list("one_word")
            .iter()
            .map(|o| {
                format!(
                    "{} {} / {} ms",
                    text(&o["engine"]),
                    number(&o["first_call_ms"]),
                    number(&o["one_word_ms"])
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        out,
        "Load average before/after: {} / {}\n",
        summary["loadavg_before"], summary["loadavg_after"]
    );

    let _ = writeln!(
        out,
        "| lang | text | engine | chars | audio s | pauses s (longest) | Hz | first ms | warm ms (min–max) | warm CPU ms | RTF |"
    );
    let _ = writeln!(
        out,
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for row in list("rows") {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} ({}) | {} | {} | {} ({}–{}) | {} | {} |",
            text(&row["language"]),
            text(&row["text"]),
            text(&row["engine"]),
            number(&row["chars"]),
            number(&row["audio_s"]),
            number(&row["pauses_s"]),
            number(&row["longest_pause_s"]),
            number(&row["rate_hz"]),
            number(&row["first_ms"]),
            number(&row["warm_ms"]),
            number(&row["warm_min_ms"]),
            number(&row["warm_max_ms"]),
            number(&row["warm_cpu_ms"]),
            number(&row["rtf"]),
        );
    }
    let _ = writeln!(
        out,
        "\n| lang | text | engine | level dBFS | peak dBFS | >4 kHz share | hard edges | short gaps | voiced | F0 median (p10–p90) Hz | F0 > 1.6 × median | harmonics ≥ −20 dB | top-3 share | harmonic/between dB | keys heard at 8 kHz |"
    );
    let _ = writeln!(
        out,
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
    );
    for row in list("rows") {
        let keys: Vec<String> = row["talk_off_keys"]
            .as_array()
            .unwrap_or(&empty)
            .iter()
            .map(text)
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} ({}–{}) | {} | {} | {} | {} | {} |",
            text(&row["language"]),
            text(&row["text"]),
            text(&row["engine"]),
            number(&row["level_dbfs"]),
            number(&row["peak_dbfs"]),
            number(&row["above_4k_share"]),
            number(&row["hard_edges"]),
            number(&row["short_gaps"]),
            number(&row["voiced_share"]),
            number(&row["f0_median_hz"]),
            number(&row["f0_p10_hz"]),
            number(&row["f0_p90_hz"]),
            number(&row["f0_doubled_share"]),
            number(&row["strong_harmonics"]),
            number(&row["top3_share"]),
            number(&row["harmonic_to_between_db"]),
            if keys.is_empty() {
                "none".to_owned()
            } else {
                keys.join(", ")
            },
        );
    }
    let _ = writeln!(
        out,
        "\n| probe | engine | F0 Hz | strongest harmonics | ≥ −20 dB of 16 | harmonics 1–16, dB re strongest |"
    );
    let _ = writeln!(out, "| --- | --- | ---: | --- | ---: | --- |");
    for probe in list("probes") {
        let join = |key: &str| {
            probe[key]
                .as_array()
                .unwrap_or(&empty)
                .iter()
                .map(number)
                .collect::<Vec<_>>()
                .join(" ")
        };
        let _ = writeln!(
            out,
            "| {} \"{}\" ({}) | {} | {} | {} | {} | {} |",
            text(&probe["language"]),
            text(&probe["text"]),
            text(&probe["what"]),
            text(&probe["engine"]),
            number(&probe["f0_hz"]),
            join("strongest"),
            number(&probe["within_20db"]),
            join("harmonics_db"),
        );
    }
    let sweep = list("talk_off");
    if !sweep.is_empty() {
        let _ = writeln!(
            out,
            "\n| talk-off sweep | renderings | raise a key | still after re-pitching |"
        );
        let _ = writeln!(out, "| --- | ---: | ---: | ---: |");
        let mut engines: Vec<String> = sweep.iter().map(|r| text(&r["engine"])).collect();
        engines.dedup();
        engines.sort();
        engines.dedup();
        for engine in engines {
            let mine: Vec<&Value> = sweep
                .iter()
                .filter(|r| text(&r["engine"]) == engine)
                .collect();
            let raised = mine.iter().filter(|r| r["raises_key"] == true).count();
            let still = mine
                .iter()
                .filter(|r| r["still_after_repitch"] == true)
                .count();
            let _ = writeln!(out, "| {engine} | {} | {raised} | {still} |", mine.len());
        }
        for row in sweep.iter().filter(|r| r["raises_key"] == true) {
            let keys: Vec<String> = row["keys"]
                .as_array()
                .unwrap_or(&empty)
                .iter()
                .map(text)
                .collect();
            let _ = writeln!(
                out,
                "- {} {} {} at rate {}: {}",
                text(&row["engine"]),
                text(&row["language"]),
                text(&row["text"]),
                number(&row["rate"]),
                keys.join(", ")
            );
        }
    }
    out
}
