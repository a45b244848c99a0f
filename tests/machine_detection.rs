//! The answering-machine detector's hit rate on a table of answers synthesised by the
//! built-in speech engine (nl, fr, de, en): machine greetings, short and long, with and
//! without a beep (440, 800, 1000, 1400 Hz), some over line noise or quiet; and people
//! answering ("Hallo?", "Ja, met Peeters.", "Allô?", "Ja bitte?", silence…).
//!
//! Each answer is what the phone sends after the 200 OK, through G.711 A-law: a reaction time,
//! the speech, for a machine its beep, then silence (or the line's noise) while it waits.
//! `cargo test --test machine_detection -- --nocapture` prints every verdict, the hit rate and
//! the confusion counts.
//!
//! What is asserted, and why:
//! - No person is taken for a machine: that would cost them the menu, and the chance to
//!   confirm. Every doubt must fall to Human.
//! - At least 90 % of all answers are classified right. Two machines in the set are known
//!   misses of any energy-based detector and are kept to say so honestly: a greeting that
//!   opens with "Hallo?" and a second's pause (the detector hears a person), and a 1.3 s
//!   greeting without a beep (as short as a person's answer). Both still record the whole
//!   program, menu included.
//! - A machine that beeps hears the message only after its beep ends; one that does not,
//!   only after its greeting ends.

use buurtbel::media::amd::{Answerer, Decision, MachineDetector, Ready};
use buurtbel::media::g711;
use buurtbel::speech::{Language, Speech, SpeechSettings};
use std::f32::consts::TAU;
use std::path::Path;
use std::time::Duration;

/// One answer in the table.
struct Case {
    name: &'static str,
    truth: Answerer,
    language: Language,
    /// Spoken phrases, and the silence after each (a pause inside a greeting).
    phrases: &'static [(&'static str, u64)],
    /// From the answer to the first phrase (the speech engine adds 200 ms of its own).
    reaction_ms: u64,
    /// A machine's beep, its frequency; 400 ms, 300 ms after the greeting.
    beep_hz: Option<f32>,
    /// Line noise, in dB below the speech; `None` for a clean line.
    noise_db: Option<f32>,
    /// Gain on the speech (and beep), dB: a quiet line.
    gain_db: f32,
    rate: f32,
}

const fn case(
    name: &'static str,
    truth: Answerer,
    language: Language,
    phrases: &'static [(&'static str, u64)],
) -> Case {
    Case {
        name,
        truth,
        language,
        phrases,
        reaction_ms: 300,
        beep_hz: None,
        noise_db: None,
        gain_db: 0.0,
        rate: 1.0,
    }
}

impl Case {
    const fn beep(mut self, hz: f32) -> Case {
        self.beep_hz = Some(hz);
        self
    }
    const fn noise(mut self, db: f32) -> Case {
        self.noise_db = Some(db);
        self
    }
    const fn quiet(mut self, db: f32) -> Case {
        self.gain_db = -db;
        self
    }
    const fn react(mut self, ms: u64) -> Case {
        self.reaction_ms = ms;
        self
    }
    const fn rate(mut self, rate: f32) -> Case {
        self.rate = rate;
        self
    }
}

use Answerer::{Human, Machine};
use Language::{De, En, Fr, Nl};

fn table() -> Vec<Case> {
    vec![
        // Machines.
        case("nl voicemail, beep 1000", Machine, Nl, &[(
            "hallo, u bent verbonden met de voicemail van jan peeters. ik ben er even niet, spreek een bericht in na de toon.",
            0,
        )])
        .beep(1_000.0),
        case("nl operator, beep 440", Machine, Nl, &[(
            "de persoon die u probeert te bereiken is momenteel niet beschikbaar. spreek uw bericht in na de toon.",
            0,
        )])
        .beep(440.0)
        .react(800),
        case("fr messagerie, beep 800", Machine, Fr, &[(
            "bonjour, vous êtes bien sur la messagerie de marie dubois. laissez-moi un message après le bip sonore.",
            0,
        )])
        .beep(800.0),
        case("de mailbox, beep 1400", Machine, De, &[(
            "guten tag, sie sind verbunden mit der mailbox von hans müller. bitte sprechen sie nach dem signalton.",
            0,
        )])
        .beep(1_400.0),
        case("en voicemail, beep 1000, noise 20 dB", Machine, En, &[(
            "hello, you have reached the voicemail of john smith. please leave a message after the tone.",
            0,
        )])
        .beep(1_000.0)
        .noise(20.0),
        case("en two sentences, beep 1400, noise 15 dB", Machine, En, &[
            ("the person you are calling is not available.", 500),
            ("please leave your message after the tone. when you have finished, you may hang up.", 0),
        ])
        .beep(1_400.0)
        .noise(15.0),
        case("nl short, beep 1000", Machine, Nl, &[("spreek een bericht in na de toon.", 0)])
            .beep(1_000.0),
        case("fr very short, beep 440", Machine, Fr, &[("laissez un message.", 0)]).beep(440.0),
        case("nl family, no beep", Machine, Nl, &[
            ("dag, dit is het antwoordapparaat van de familie janssens.", 400),
            ("we zijn er momenteel niet. laat een bericht achter, dan bellen we terug.", 0),
        ]),
        case("de no beep, noise 20 dB", Machine, De, &[(
            "hier ist der anschluss von familie schneider. wir sind leider nicht zu hause, bitte hinterlassen sie eine nachricht.",
            0,
        )])
        .noise(20.0),
        case("fr no beep, fast, quiet 15 dB", Machine, Fr, &[(
            "bonjour, vous êtes chez pierre et sophie. nous ne sommes pas disponibles, rappelez plus tard.",
            0,
        )])
        .rate(1.25)
        .quiet(15.0),
        case("en quiet 12 dB, beep 800", Machine, En, &[(
            "hi, this is anna. i can't take your call right now, leave a message and i'll call you back.",
            0,
        )])
        .beep(800.0)
        .quiet(12.0),
        case("nl 'hallo?' then a pause (known miss)", Machine, Nl, &[
            ("hallo?", 1_000),
            ("dit is de voicemail van els. spreek na de toon.", 0),
        ])
        .beep(800.0),
        case("en 1.3 s, no beep (known miss)", Machine, En, &[("leave a message.", 0)]),
        // People.
        case("nl 'hallo?'", Human, Nl, &[("hallo?", 0)]),
        case("nl 'ja, met peeters.'", Human, Nl, &[("ja, met peeters.", 0)]),
        case("fr 'allô?'", Human, Fr, &[("allô?", 0)]).react(600),
        case("de 'ja bitte?'", Human, De, &[("ja bitte?", 0)]),
        case("en 'hello?'", Human, En, &[("hello?", 0)]).react(200),
        case("silence", Human, Nl, &[]),
        case("silence, noise 20 dB", Human, Nl, &[]).noise(20.0),
        case("nl 'met jan.', noise 15 dB", Human, Nl, &[("met jan.", 0)]).noise(15.0),
        case("fr 'oui, allô?', noise 20 dB", Human, Fr, &[("oui, allô?", 0)]).noise(20.0),
        case("de 'müller.' quiet 15 dB", Human, De, &[("müller.", 0)]).quiet(15.0),
        case("nl 'hallo?' twice", Human, Nl, &[("hallo?", 600), ("hallo?", 0)]),
        case("nl 'goedemiddag, met marie claes.'", Human, Nl, &[(
            "goedemiddag, met marie claes.",
            0,
        )]),
        case("de 'hallo, hier ist schmidt.'", Human, De, &[("hallo, hier ist schmidt.", 0)]),
        case("fr 'bonjour, dubois.' slow", Human, Fr, &[("bonjour, dubois.", 0)]).rate(0.85),
        case("en 'yeah, hi?'", Human, En, &[("yeah, hi?", 0)]).react(900),
    ]
}

/// What the phone sends: the answer through A-law, and when its beep or greeting ended.
struct Answer {
    samples: Vec<i16>,
    /// Samples until the end of the beep, or of the last phrase's speech.
    speech_end: usize,
}

fn answer(speech: &Speech, case: &Case) -> Answer {
    let gain = 10f32.powf(case.gain_db / 20.0);
    let mut audio = vec![0i16; ms(case.reaction_ms)];
    let mut speech_end = 0;
    for (text, pause_ms) in case.phrases {
        let rendered = speech
            .render(text, case.language, case.rate)
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let clip = trim_tail(&rendered.samples);
        audio.extend(clip.iter().map(|s| scale(*s, gain)));
        speech_end = audio.len();
        audio.extend(vec![0; ms(*pause_ms)]);
    }
    if let Some(hz) = case.beep_hz {
        audio.extend(vec![0; ms(300)]);
        audio.extend(tone(hz, 400, 10_000.0 * gain));
        speech_end = audio.len();
    }
    audio.resize(ms(25_000), 0);
    if let Some(db) = case.noise_db {
        let level = rms(&audio[..speech_end.max(1)]).max(rms(&tone(1.0, 1, 5_000.0 * gain)));
        add_noise(&mut audio, level / 10f32.powf(db / 20.0));
    }
    let samples = g711::decode_alaw(&g711::encode_alaw(&audio));
    Answer {
        samples,
        speech_end,
    }
}

/// What the detector made of one answer.
struct Verdict {
    got: Option<Answerer>,
    decision: Decision,
    decided_at: Duration,
    ready_at: Option<Duration>,
}

fn detect(answer: &Answer) -> Verdict {
    let mut detector = MachineDetector::default();
    for packet in answer.samples.chunks(160) {
        detector.process(packet);
        if matches!(
            detector.decision(),
            Decision::Human | Decision::ReadyForMessage { .. }
        ) {
            break;
        }
    }
    Verdict {
        got: detector.answerer(),
        decision: detector.decision(),
        decided_at: detector.decided_at().unwrap_or_default(),
        ready_at: detector.ready_at(),
    }
}

#[test]
fn hit_rate_on_synthesised_answers() {
    let cache = tempfile::tempdir().expect("cache folder");
    let speech = Speech::new(SpeechSettings {
        cache_dir: cache.path().to_owned(),
        prompts: Path::new(env!("CARGO_MANIFEST_DIR")).join("voices"),
        ..SpeechSettings::default()
    })
    .expect("built-in speech");
    let table = table();
    let mut confusion = [[0u32; 2]; 2];
    let mut human_waits = Vec::new();
    println!(
        "{:<48} {:<8} {:<8} {:>8} {:>22}",
        "answer", "truth", "got", "decided", "ready"
    );
    for case in &table {
        let answer = answer(&speech, case);
        let verdict = detect(&answer);
        let got = verdict.got.unwrap_or(Human);
        confusion[index(case.truth)][index(got)] += 1;
        let ready = match (verdict.decision, verdict.ready_at) {
            (Decision::ReadyForMessage { by }, Some(at)) => {
                format!("{by:?} at {} ms", at.as_millis())
            }
            _ => "-".to_owned(),
        };
        println!(
            "{:<48} {:<8} {:<8} {:>6} ms {:>22}",
            case.name,
            format!("{:?}", case.truth),
            format!("{got:?}"),
            verdict.decided_at.as_millis(),
            ready,
        );
        if got == Human && case.truth == Human {
            human_waits.push(verdict.decided_at);
        }
        if got == Machine {
            assert_speaks_after_the_greeting(case, &answer, &verdict);
        }
    }
    let total = table.len() as u32;
    let right = confusion[0][0] + confusion[1][1];
    let rate = f64::from(right) / f64::from(total);
    println!("\nhit rate {right}/{total} = {:.1} %", rate * 100.0);
    println!("confusion (rows truth, columns verdict):   human  machine");
    println!(
        "  human                                   {:>6} {:>8}",
        confusion[0][0], confusion[0][1]
    );
    println!(
        "  machine                                 {:>6} {:>8}",
        confusion[1][0], confusion[1][1]
    );
    human_waits.sort();
    let median = human_waits
        .get(human_waits.len() / 2)
        .copied()
        .unwrap_or_default();
    let longest = human_waits.last().copied().unwrap_or_default();
    println!(
        "a person waits {} ms (median) to {} ms (longest) before the intro",
        median.as_millis(),
        longest.as_millis()
    );
    assert!(table.iter().filter(|c| c.truth == Machine).count() >= 10);
    assert!(table.iter().filter(|c| c.truth == Human).count() >= 10);
    assert_eq!(confusion[0][1], 0, "a person was taken for a machine");
    assert!(rate >= 0.9, "hit rate {:.1} %", rate * 100.0);
}

/// A machine hears the message only once its beep, or its greeting, is over.
fn assert_speaks_after_the_greeting(case: &Case, answer: &Answer, verdict: &Verdict) {
    let Decision::ReadyForMessage { by } = verdict.decision else {
        panic!("{}: never ready for the message", case.name);
    };
    let ready = verdict.ready_at.unwrap_or_default();
    let end = Duration::from_millis(answer.speech_end as u64 / 8);
    assert!(
        ready >= end,
        "{}: ready at {ready:?}, greeting ends {end:?}",
        case.name
    );
    if case.beep_hz.is_some() {
        assert_eq!(by, Ready::Beep, "{}", case.name);
        assert!(
            ready <= end + Duration::from_millis(60),
            "{}: {ready:?}",
            case.name
        );
    }
}

fn index(answerer: Answerer) -> usize {
    match answerer {
        Human => 0,
        Machine => 1,
    }
}

fn ms(n: u64) -> usize {
    usize::try_from(n).unwrap_or(0) * 8
}

/// The speech without the engine's trailing silence.
fn trim_tail(samples: &[i16]) -> &[i16] {
    let end = samples
        .iter()
        .rposition(|s| s.unsigned_abs() > 64)
        .map_or(0, |i| i + 1);
    &samples[..end]
}

fn scale(sample: i16, gain: f32) -> i16 {
    (f32::from(sample) * gain) as i16
}

fn tone(hz: f32, ms: usize, peak: f32) -> Vec<i16> {
    (0..ms * 8)
        .map(|n| (peak * (TAU * hz * n as f32 / 8_000.0).sin()) as i16)
        .collect()
}

fn rms(samples: &[i16]) -> f32 {
    let loud: Vec<f32> = samples
        .iter()
        .filter(|s| s.unsigned_abs() > 64)
        .map(|s| f32::from(*s))
        .collect();
    (loud.iter().map(|s| s * s).sum::<f32>() / loud.len().max(1) as f32).sqrt()
}

/// Adds white noise of `level` rms, the same every run.
fn add_noise(audio: &mut [i16], level: f32) {
    let mut state = 0x2545_f491_u32;
    for sample in audio {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let uniform = state as f32 / u32::MAX as f32 - 0.5;
        *sample = sample.saturating_add((uniform * level * 12f32.sqrt()) as i16);
    }
}
