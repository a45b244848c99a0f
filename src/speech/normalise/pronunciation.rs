//! Evidence that what we write is said as intended, asked of the synthesiser buurtbel speaks
//! with by default: the `espeak-ng` crate (eSpeak NG in Rust) with its bundled dictionaries,
//! in the voices the builtin engine picks (nl, fr-be, de, en).
//!
//! Each check compares phonemes with stress marks removed, so a new engine version that only
//! moves a stress does not fail here. The same words were checked with the system eSpeak NG
//! (`espeak-ng -q --ipa -v <voice> "<text>"`), which agrees except where noted in the letter
//! tables of each language (Dutch "èr").

use super::*;

/// A voice and a running-text frame for a road number: "op de {letter} eenendertig".
struct Frame {
    lang: Language,
    voice: &'static str,
    before: &'static str,
    after: &'static str,
}

const FRAMES: [Frame; 4] = [
    Frame {
        lang: Language::Nl,
        voice: "nl",
        before: "op de",
        after: "eenendertig",
    },
    Frame {
        lang: Language::Fr,
        voice: "fr-be",
        before: "sur la",
        after: "trente et un",
    },
    Frame {
        lang: Language::De,
        voice: "de",
        before: "auf der",
        after: "einunddreißig",
    },
    Frame {
        lang: Language::En,
        voice: "en",
        before: "on the",
        after: "thirty-one",
    },
];

/// The phonemes of each letter's name, A to Z, per language (stress removed).
#[rustfmt::skip]
const NAMES_NL: [&str; 26] = [
    "aː", "beː", "seː", "deː", "eː", "ɛf", "ɣeː", "haː", "i", "jeː", "kaː", "ɛl", "ɛm", "ɛn", "oː",
    "peː", "ky", "ɛr", "ɛs", "teː", "y", "veː", "ʋeː", "ɪks", "iːɣrɛk", "zɛt",
];
#[rustfmt::skip]
const NAMES_FR: [&str; 26] = [
    "a", "be", "se", "de", "ə", "ɛf", "ʒe", "aʃ", "i", "ʒi", "ka", "ɛl", "ɛm", "ɛn", "o", "pe",
    "ky", "ɛʁ", "ɛs", "te", "y", "ve", "dubl ve", "iks", "i ɡʁɛk", "zɛd",
];
#[rustfmt::skip]
const NAMES_DE: [&str; 26] = [
    "ɑː", "beː", "tseː", "deː", "eː", "ɛf", "ɡeː", "hɑː", "iː", "jɔt", "kɑː", "ɛl", "ɛm", "ɛn",
    "oː", "peː", "kuː", "ɛɾ", "ɛs", "teː", "uː", "faʊ", "veː", "ɪks", "ʏpsiːloːn", "tsɛt",
];
#[rustfmt::skip]
const NAMES_EN: [&str; 26] = [
    "eɪ", "biː", "siː", "diː", "iː", "ɛf", "dʒiː", "eɪtʃ", "aɪ", "dʒeɪ", "keɪ", "ɛl", "ɛm", "ɛn",
    "əʊ", "piː", "kjuː", "ɑː", "ɛs", "tiː", "juː", "viː", "dʌbəljuː", "ɛks", "waɪ", "zɛd",
];

/// The bundled engine's data, installed in a temporary folder.
struct Synthesiser {
    data: tempfile::TempDir,
}

/// One voice of the engine.
struct Voice(espeak_ng::EspeakNg);

impl Synthesiser {
    fn new() -> Self {
        let data = tempfile::tempdir().expect("a temporary folder");
        espeak_ng::install_bundled_languages(data.path(), &["nl", "fr", "de", "en"])
            .expect("the bundled data");
        Synthesiser { data }
    }

    fn voice(&self, voice: &str) -> Voice {
        let engine = espeak_ng::EspeakNg::builder()
            .voice(voice)
            .data_dir(self.data.path())
            .build()
            .expect("the voice");
        Voice(engine)
    }
}

impl Voice {
    /// Phonemes of `text` as ` word word `: stress, liaison marks and line breaks removed.
    fn phonemes(&self, text: &str) -> String {
        let ipa = self.0.text_to_phonemes(text).expect("phonemes");
        let plain: String = ipa
            .chars()
            .filter(|c| !matches!(c, 'ˈ' | 'ˌ' | '-'))
            .collect();
        format!(
            " {} ",
            plain.split_whitespace().collect::<Vec<_>>().join(" ")
        )
    }
}

fn names(lang: Language) -> [&'static str; 26] {
    match lang {
        Language::Nl => NAMES_NL,
        Language::Fr => NAMES_FR,
        Language::De => NAMES_DE,
        Language::En => NAMES_EN,
    }
}

#[test]
fn every_letter_is_said_by_its_name_before_a_number_and_in_a_plate() {
    let synthesiser = Synthesiser::new();
    let mut wrong = Vec::new();
    for frame in &FRAMES {
        let (lex, voice) = (lexicon_of(frame.lang), synthesiser.voice(frame.voice));
        for (c, expected) in ('A'..='Z').zip(names(frame.lang)) {
            let road = format!(
                "{} {} {}",
                frame.before,
                lex.letter(c).unwrap_or("?"),
                frame.after
            );
            let plate = normalise(frame.lang, &format!("1-{c}{c}{c}-234"));
            for text in [road, plate] {
                let said = voice.phonemes(&text);
                if !said.contains(&format!(" {expected} ")) {
                    wrong.push(format!("{} {c}: {text:?} is said {said:?}", frame.voice));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Why letters are written out: in running text a bare capital is read as a word.
#[test]
fn bare_capitals_are_misread() {
    let synthesiser = Synthesiser::new();
    let misread = [
        ("nl", "op de S eenendertig", " s "),
        ("nl", "bel 101", " hɔndərt eːn "),
        ("fr-be", "sur la Y trente et un", " la i "),
        ("en", "on the A thirty-one", " ɐ "),
    ];
    for (voice, text, said) in misread {
        let phonemes = synthesiser.voice(voice).phonemes(text);
        assert!(phonemes.contains(said), "{voice} {text:?}: {phonemes:?}");
    }
}

#[test]
fn numbers_are_said_as_written_out() {
    let synthesiser = Synthesiser::new();
    let checks = [
        (Language::Nl, "nl", "bel 101", " bɛl eːn nɵl eːn "),
        (Language::Nl, "nl", "in 2026", " tʋeːdœyzənt zeːzəntʋɪntəx "),
        (
            Language::Nl,
            "nl",
            "22 en 23",
            " tʋeːəntʋɪntəx ɛn driəntʋɪntəx ",
        ),
        (Language::Fr, "fr-be", "71 et 91", " nonɑ̃t e œ̃ "),
        (Language::Fr, "fr-be", "71 et 91", " sɛptɑ̃t e "),
        (Language::Fr, "fr-be", "appelez le 101", " lə œ̃ zeʁo œ̃ "),
        (Language::De, "de", "rufen Sie 101 an", " aɪns nʊl aɪns "),
        (Language::De, "de", "im 3. Stock", " ɪm dɾɪtən ʃtɔk "),
        (Language::En, "en", "call 101", " kɔːl wɒn ziəɹəʊ wɒn "),
    ];
    let mut wrong = Vec::new();
    for (lang, voice, typed, expected) in checks {
        let said = synthesiser.voice(voice).phonemes(&normalise(lang, typed));
        if !said.contains(expected) {
            wrong.push(format!("{voice} {typed:?}: {said:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
