//! Alert messages as the police and BIN coordinators write them, and as a native listener
//! would say them: every `tests/data/messages/*.tsv`, one sentence a line
//! (`lang<TAB>typed<TAB>said`, `lang` one of nl, fr, de, en; `#` starts a comment). The sentences are modelled on published BIN and police messages,
//! with plainly fictional names, plates and numbers; each expectation was written before
//! looking at what the normaliser makes of it. Every mismatch is reported as `FILE:LINE`.

use buurtbel::speech::Language;
use buurtbel::speech::normalise::normalise;
use std::path::Path;

/// The fewest sentences a language's tables must hold.
const AT_LEAST: usize = 100;

struct Sentence {
    /// `FILE:LINE`.
    place: String,
    language: Language,
    typed: String,
    said: String,
}

/// Every sentence of every table, in file order.
fn sentences() -> Vec<Sentence> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/messages");
    let mut files: Vec<_> = std::fs::read_dir(&folder)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|path| path.extension().is_some_and(|e| e == "tsv"));
    files.sort();
    let mut sentences = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("a readable table");
        let name = path.display().to_string();
        for (at, line) in text.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let place = format!("{name}:{}", at + 1);
            let fields: Vec<&str> = line.split('\t').collect();
            let [language, typed, said] = fields[..] else {
                panic!("{place}: lang<TAB>typed<TAB>said");
            };
            sentences.push(Sentence {
                language: language
                    .parse()
                    .unwrap_or_else(|_| panic!("{place}: unknown language {language}")),
                place,
                typed: typed.to_owned(),
                said: said.to_owned(),
            });
        }
    }
    sentences
}

#[test]
fn every_message_is_read_as_a_native_listener_would_say_it() {
    let wrong: Vec<String> = sentences()
        .into_iter()
        .filter_map(|s| {
            let got = normalise(s.language, &s.typed);
            (got != s.said).then(|| {
                format!(
                    "{}: {}\n    expected: {}\n    got:      {got}",
                    s.place, s.typed, s.said
                )
            })
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "{} sentences read wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn each_language_has_its_hundred_messages() {
    let all = sentences();
    for language in Language::ALL {
        let count = all.iter().filter(|s| s.language == language).count();
        assert!(
            count >= AT_LEAST,
            "{language}: {count} sentences, at least {AT_LEAST} wanted"
        );
    }
}
