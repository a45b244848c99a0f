//! Speech: synthesis of a 300-character Dutch alert by the built-in engine and, when it is
//! installed, the system `espeak-ng`; text normalisation per message; a whole cold rendering
//! of a 400-character message (what stands between `alert send` and the first call); and a
//! cache hit, in memory and on disk. Each synthesis benchmark counts the audio it produces
//! as throughput in milliseconds, so criterion's "elem/s" divided by 1000 is the real-time
//! factor (seconds of audio per second of synthesis). `docs/BENCHMARKS.md` records the
//! figures.

use buurtbel::speech::engine::{Builtin, EspeakProgram, SpeechEngine, Utterance};
use buurtbel::speech::normalise::normalise;
use buurtbel::speech::{Language, Speech, SpeechSettings};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::Path;

/// 300 characters: an urgent alert as a dispatcher types it.
const ALERT_300: &str = "Verdacht voertuig gezien in de Kerkstraat en de Molenweg: een witte \
bestelwagen met nummerplaat 1-ABC-234, twee mannen in donkere kledij. Sluit uw deuren en ramen, \
laat niemand binnen die u niet kent. Ziet u het voertuig, bel dan meteen 101 en geef de plaats \
en het uur door. Dank u voor uw waakzaamheid.";

/// 400 characters: the longest alert in the rendering benchmark.
const ALERT_400: &str = "Verdacht voertuig gezien in de Kerkstraat en de Molenweg: een witte \
bestelwagen met nummerplaat 1-ABC-234, twee mannen in donkere kledij. Sluit uw deuren en ramen, \
laat niemand binnen die u niet kent. Ziet u het voertuig, bel dan meteen 101 en geef de plaats \
en het uur door. Het voertuig werd om 14u30 voor het laatst gezien op de N31 richting Brugge. \
Dank u voor uw waakzaamheid en uw hulp.";

criterion_group!(benches, synthesis, normalisation, rendering, cache_hits);
criterion_main!(benches);

fn synthesis(c: &mut Criterion) {
    let cache = tempfile::tempdir().expect("temporary folder");
    let text = normalise(Language::Nl, ALERT_300);
    let mut engines: Vec<(&str, Box<dyn SpeechEngine>)> = vec![(
        "builtin",
        Box::new(Builtin::new(cache.path()).expect("built-in engine")),
    )];
    match EspeakProgram::new(Path::new("espeak-ng")) {
        Ok(program) => engines.push(("espeak-ng program", Box::new(program))),
        Err(e) => eprintln!("system espeak-ng not measured: {e}"),
    }
    let mut group = c.benchmark_group("synthesis 300 chars nl");
    group.sample_size(20);
    for (name, engine) in &engines {
        let voice = engine.default_voice(Language::Nl).expect("voice");
        let utterance = Utterance {
            text: &text,
            language: Language::Nl,
            voice: &voice,
            rate: 1.0,
        };
        let pcm = engine.synthesise(&utterance).expect("synthesis");
        let audio_ms = pcm.samples.len() as u64 * 1000 / u64::from(pcm.rate);
        eprintln!("{name}: {audio_ms} ms of audio at {} Hz", pcm.rate);
        group.throughput(Throughput::Elements(audio_ms));
        group.bench_function(*name, |b| {
            b.iter(|| engine.synthesise(black_box(&utterance)))
        });
    }
    group.finish();
}

fn normalisation(c: &mut Criterion) {
    let mut group = c.benchmark_group("normalise 300 chars");
    for language in Language::ALL {
        group.bench_function(language.code(), |b| {
            b.iter(|| normalise(language, black_box(ALERT_300)))
        });
    }
    group.finish();
}

fn rendering(c: &mut Criterion) {
    let cache = tempfile::tempdir().expect("temporary folder");
    let mut group = c.benchmark_group("render 400 chars nl, cold");
    group.sample_size(20);
    let mut round = 0u64;
    group.bench_function(
        "normalise + builtin + 8 kHz + talk-off check + cache write",
        |b| {
            b.iter(|| {
                // A fresh service and a text never seen: nothing in memory or on disk.
                let speech = Speech::new(settings(cache.path())).expect("speech");
                round += 1;
                let text = format!("{ALERT_400} {round}");
                speech
                    .message(black_box(&text), Language::Nl, 1.0)
                    .expect("render")
            })
        },
    );
    group.finish();
}

fn cache_hits(c: &mut Criterion) {
    let cache = tempfile::tempdir().expect("temporary folder");
    let speech = Speech::new(settings(cache.path())).expect("speech");
    speech
        .message(ALERT_300, Language::Nl, 1.0)
        .expect("render");
    let mut group = c.benchmark_group("cache hit 300 chars nl");
    group.bench_function("memory", |b| {
        b.iter(|| speech.message(black_box(ALERT_300), Language::Nl, 1.0))
    });
    group.bench_function("disk (after a restart)", |b| {
        b.iter(|| {
            let restarted = Speech::new(settings(cache.path())).expect("speech");
            restarted.message(black_box(ALERT_300), Language::Nl, 1.0)
        })
    });
    group.finish();
}

fn settings(cache: &Path) -> SpeechSettings {
    SpeechSettings {
        cache_dir: cache.to_owned(),
        ..SpeechSettings::default()
    }
}
