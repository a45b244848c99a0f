//! Talk-off: the in-band DTMF detector must raise no digit on the project's own speech (the
//! prompts of `voices/<lang>/prompts.toml` and a message full of digits, spoken by the built-in
//! engine in every language, and the words with accented letters of
//! `tests/data/words_whole.tsv`) after a G.711 round trip, as a member's phone would hand it to
//! us if our own audio leaked back.

use buurtbel::media::g711;
use buurtbel::media::inband::InbandDetector;
use buurtbel::speech::prompts::{Prompt, PromptContext};
use buurtbel::speech::{Language, Speech, SpeechSettings};
use std::path::Path;

/// A G.711 law: encoder and decoder.
type Law = (fn(&[i16]) -> Vec<u8>, fn(&[u8]) -> Vec<i16>);

#[test]
fn no_digit_on_the_prompts_in_any_language() {
    let cache = tempfile::tempdir().unwrap();
    let speech = Speech::new(SpeechSettings {
        prompts: Path::new(env!("CARGO_MANIFEST_DIR")).join("voices"),
        cache_dir: cache.path().to_owned(),
        ..SpeechSettings::default()
    })
    .unwrap();
    let context = PromptContext {
        network: "Testwijk Noord",
        callback: "0470 00 00 01",
    };
    let mut checked = 0;
    for lang in Language::ALL {
        let mut speeches: Vec<(String, Vec<i16>)> = Prompt::ALL
            .iter()
            .map(|&prompt| {
                let samples = speech.prompt(lang, prompt, &context, 1.0).unwrap();
                (prompt.name().to_owned(), samples.to_vec())
            })
            .collect();
        let digits = "Bel 101 of 112, nummer 1-ABC-234, 14u30, 0470 12 34 56, 9 8 7 6 5 4 3 2 1 0.";
        let message = speech.message(digits, lang, 0.85).unwrap();
        speeches.push(("message".into(), message.samples.to_vec()));
        for (name, samples) in speeches {
            checked += assert_no_key(&samples, &format!("{lang} {name}"));
        }
    }
    assert!(
        checked > 8000 * 60,
        "at least a minute of speech checked, got {} s",
        checked / 8000
    );
}

/// The words the engine once cut at an accented letter, now said whole: new audio, checked too.
#[test]
fn no_digit_on_the_words_with_accented_letters() {
    let cache = tempfile::tempdir().unwrap();
    let speech = Speech::new(SpeechSettings {
        prompts: Path::new(env!("CARGO_MANIFEST_DIR")).join("voices"),
        cache_dir: cache.path().to_owned(),
        ..SpeechSettings::default()
    })
    .unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/words_whole.tsv");
    let table = std::fs::read_to_string(path).unwrap();
    let mut checked = 0;
    for lang in Language::ALL {
        let words: Vec<&str> = table
            .lines()
            .filter_map(|line| line.split_once('\t'))
            .filter(|(code, _)| *code == lang.code())
            .map(|(_, word)| word)
            .collect();
        let message = speech.message(&words.join(", "), lang, 1.0).unwrap();
        checked += assert_no_key(&message.samples, &lang.to_string());
    }
    assert!(
        checked > 8000 * 60,
        "at least a minute of speech checked, got {} s",
        checked / 8000
    );
}

/// Passes `samples` through both G.711 laws and the call's in-band detector: no key may be
/// heard. How many samples were checked.
fn assert_no_key(samples: &[i16], what: &str) -> usize {
    let laws: [Law; 2] = [
        (g711::encode_alaw, g711::decode_alaw),
        (g711::encode_ulaw, g711::decode_ulaw),
    ];
    let mut checked = 0;
    for (encode, decode) in laws {
        let heard = decode(&encode(samples));
        let mut detector = InbandDetector::new();
        let digits: Vec<char> = heard
            .chunks(160)
            .flat_map(|frame| detector.process(frame))
            .collect();
        assert!(digits.is_empty(), "{what} raised {digits:?}");
        checked += heard.len();
    }
    checked
}
