//! Speech end to end: the `say` command (files, errors, exit codes), every engine kind
//! (the system `espeak-ng` and a stand-in `piper` where a program is needed), and the cache
//! across a restart.

use buurtbel::speech::post::{LEAD_IN, TARGET_DBFS, speech_level_dbfs};
use buurtbel::speech::{EngineKind, Language, Speech, SpeechError, SpeechSettings};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn buurtbel(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_buurtbel"))
        .args(args)
        .current_dir(dir)
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .output()
        .expect("run buurtbel")
}

fn read(path: &Path) -> (hound::WavSpec, Vec<i16>) {
    let mut reader = hound::WavReader::open(path).expect("a WAV file");
    let samples = reader.samples::<i16>().map(|s| s.unwrap()).collect();
    (reader.spec(), samples)
}

fn settings(cache: &Path) -> SpeechSettings {
    SpeechSettings {
        cache_dir: cache.to_owned(),
        prompts: Path::new(env!("CARGO_MANIFEST_DIR")).join("voices"),
        ..SpeechSettings::default()
    }
}

fn espeak_installed() -> bool {
    let found = Command::new("espeak-ng").arg("--version").output().is_ok();
    if !found {
        eprintln!("espeak-ng is not installed; skipped (.ci/run installs it)");
    }
    found
}

#[test]
fn say_writes_telephone_audio_for_every_language() {
    let dir = tempfile::tempdir().unwrap();
    let texts = [
        ("nl", "Verdacht voertuig 1-ABC-234 op de N31, bel 101."),
        (
            "fr",
            "Véhicule suspect 1-ABC-234 sur la N31, appelez le 101.",
        ),
        (
            "de",
            "Verdächtiges Fahrzeug 1-ABC-234 auf der N31, rufen Sie 101 an.",
        ),
        ("en", "Suspicious vehicle 1-ABC-234 on the N31, call 101."),
    ];
    for (lang, text) in texts {
        let out = dir.path().join(format!("{lang}.wav"));
        let run = buurtbel(
            &[
                "say",
                "--lang",
                lang,
                "--text",
                text,
                "--out",
                out.to_str().unwrap(),
            ],
            dir.path(),
        );
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let (spec, samples) = read(&out);
        assert_eq!(
            (spec.sample_rate, spec.channels, spec.bits_per_sample),
            (8000, 1, 16)
        );
        let seconds = samples.len() as f32 / 8000.0;
        assert!((3.0..20.0).contains(&seconds), "{lang}: {seconds} s");
        let lead = LEAD_IN.as_millis() as usize * 8;
        assert!(
            samples[..lead].iter().all(|&s| s == 0),
            "{lang}: 200 ms lead-in"
        );
        let level = speech_level_dbfs(&samples).unwrap();
        assert!((level - TARGET_DBFS).abs() < 3.0, "{lang}: {level} dBFS");
        assert!(
            samples.iter().all(|&s| s.unsigned_abs() < 32_000),
            "{lang}: no clipping"
        );
    }
}

#[test]
fn say_refuses_bad_input_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.wav");
    let out_arg = out.to_str().unwrap();
    let long = "a".repeat(1001);
    let cases: [(&[&str], i32, &str); 5] = [
        (&["--text", "   "], 2, "empty"),
        (&["--text", "\u{1b}[31m\u{7}\u{1b}[0m"], 2, "empty"),
        (&["--text", &long], 2, "1001 characters"),
        (
            &["--lang", "xx", "--text", "hallo"],
            2,
            "possible values: nl, fr, de, en",
        ),
        (&["--text", "hallo", "--rate", "3"], 2, "rate"),
    ];
    for (args, code, message) in cases {
        let mut all = vec!["say", "--out", out_arg];
        all.extend_from_slice(args);
        let run = buurtbel(&all, dir.path());
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(!out.exists());
    }
    let run = buurtbel(&["say", "--text", "hallo"], dir.path());
    assert!(!run.status.success(), "--out is needed without --dry-run");
}

#[test]
fn a_missing_or_failing_engine_is_named_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.wav");
    let config = dir.path().join("speech.toml");
    std::fs::write(
        &config,
        "[speech]\nengine = \"piper\"\nprogram = \"/nonexistent/piper\"\n",
    )
    .unwrap();
    let run = buurtbel(
        &[
            "say",
            "--config",
            config.to_str().unwrap(),
            "--text",
            "hallo",
            "--out",
            out.to_str().unwrap(),
        ],
        dir.path(),
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("piper") && stderr.contains("/nonexistent/piper"),
        "{stderr}"
    );

    std::fs::write(
        &config,
        "[speech]\nengine = \"command\"\ncommand = [\"sh\", \"-c\", \"echo no voice here >&2; exit 3\"]\n",
    )
    .unwrap();
    let run = buurtbel(
        &[
            "say",
            "--config",
            config.to_str().unwrap(),
            "--text",
            "hallo",
            "--out",
            out.to_str().unwrap(),
        ],
        dir.path(),
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no voice here"), "{stderr}");
    assert!(!out.exists());
    let leftovers: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".part"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn dry_run_prints_the_text_as_read_and_needs_no_engine() {
    let dir = tempfile::tempdir().unwrap();
    let run = buurtbel(
        &[
            "say",
            "--dry-run",
            "--engine",
            "piper",
            "--lang",
            "nl",
            "--text",
            "Bel 101.",
        ],
        dir.path(),
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(
        stdout.trim(),
        buurtbel::speech::normalise::normalise(Language::Nl, "Bel 101.")
    );
}

#[test]
fn the_cache_serves_a_restart_and_the_rate_is_part_of_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let text = "Dit is een test van het buurtinformatienetwerk.";
    let first = Speech::new(settings(dir.path())).unwrap();
    let rendered = first.message(text, Language::Nl, 1.0).unwrap();
    assert!(!rendered.cached);
    assert!(first.message(text, Language::Nl, 1.0).unwrap().cached);
    drop(first);
    let restarted = Speech::new(settings(dir.path())).unwrap();
    let again = restarted.message(text, Language::Nl, 1.0).unwrap();
    assert!(again.cached);
    assert_eq!(again.samples, rendered.samples);
    let slower = restarted.message(text, Language::Nl, 0.85).unwrap();
    assert!(!slower.cached);
    assert!(slower.samples.len() > rendered.samples.len());
}

#[test]
fn repetitions_are_separated_by_the_pause() {
    let dir = tempfile::tempdir().unwrap();
    let once = Speech::new(settings(dir.path())).unwrap();
    let twice = Speech::new(SpeechSettings {
        message_repeats: 2,
        ..settings(dir.path())
    })
    .unwrap();
    let text = "Sluit uw deuren.";
    let one = once.message(text, Language::Nl, 1.0).unwrap().samples;
    let two = twice.message(text, Language::Nl, 1.0).unwrap().samples;
    assert_eq!(two.len(), one.len() * 2 + 12_000);
    assert_eq!(&two[one.len() + 12_000..], &one[..]);
}

#[test]
fn the_system_espeak_ng_and_a_command_speak_every_language() {
    if !espeak_installed() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let engines = [
        SpeechSettings {
            engine: EngineKind::EspeakNg,
            ..settings(dir.path())
        },
        SpeechSettings {
            engine: EngineKind::Command,
            command: ["espeak-ng", "--stdout", "-v", "{voice}"]
                .map(String::from)
                .to_vec(),
            ..settings(dir.path())
        },
    ];
    for settings in engines {
        let speech = Speech::new(settings).unwrap();
        for language in Language::ALL {
            let rendered = speech.message("1 2 3", language, 1.0).unwrap();
            let seconds = rendered.samples.len() as f32 / 8000.0;
            assert!((0.8..10.0).contains(&seconds), "{language}: {seconds} s");
        }
    }
}

#[test]
fn piper_gets_its_model_rate_and_text() {
    let dir = tempfile::tempdir().unwrap();
    let voices = dir.path().join("voices");
    std::fs::create_dir_all(voices.join("nl")).unwrap();
    std::fs::write(voices.join("nl/nl_BE-test-medium.onnx"), b"model").unwrap();
    let tone = dir.path().join("tone.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 22_050,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(&tone, spec).unwrap();
    for i in 0..22_050 {
        let v = (i as f32 * 0.05).sin() * 8000.0 * ((i / 2205) % 2) as f32;
        writer.write_sample(v as i16).unwrap();
    }
    writer.finalize().unwrap();
    // A stand-in that records its arguments and input, and answers with the tone.
    let piper = dir.path().join("piper");
    let log = dir.path().join("piper.log");
    std::fs::write(
        &piper,
        format!(
            "#!/bin/sh\n[ \"$1\" = --help ] && exit 0\necho \"$@\" > {log}\ncat >> {log}\n\
             while [ $# -gt 0 ]; do [ \"$1\" = --output_file ] && cp {tone} \"$2\"; shift; done\n",
            log = log.display(),
            tone = tone.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&piper, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let speech = Speech::new(SpeechSettings {
        engine: EngineKind::Piper,
        program: Some(piper),
        prompts: voices.clone(),
        ..settings(dir.path())
    })
    .unwrap();
    let rendered = speech
        .message("Sluit uw ramen.", Language::Nl, 0.8)
        .unwrap();
    assert!(rendered.samples.len() > 4000);
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("nl_BE-test-medium.onnx"), "{logged}");
    assert!(logged.contains("--length_scale 1.250"), "{logged}");
    assert!(
        logged.contains("Sluit uw ramen."),
        "text on stdin: {logged}"
    );
    let french = speech.message("Fermez vos fenêtres.", Language::Fr, 1.0);
    assert!(
        matches!(french, Err(SpeechError::Missing { .. })),
        "no French voice"
    );
}
