//! Alert text from a dispatcher into speech normalisation: for every language, no input may
//! panic, and what comes out is text the synthesiser can take: no control characters, no
//! white space at either end, never two spaces in a row; and no escape sequence changes what
//! is said beyond its own removal (the text without controls is said the same).
//!
//! `cargo +nightly fuzz run speech_normalise -- -max_total_time=60`.
#![no_main]

use buurtbel::speech::Language;
use buurtbel::speech::normalise::{normalise, phone_number, without_controls};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    for lang in Language::ALL {
        let said = normalise(lang, text);
        assert!(!said.chars().any(char::is_control), "{lang}: {said:?}");
        assert_eq!(said.trim(), said, "{lang}");
        assert!(!said.contains("  "), "{lang}: {said:?}");
        assert_eq!(said, normalise(lang, &without_controls(text)), "{lang}");
        if let Some(number) = phone_number(lang, text) {
            assert!(!number.is_empty());
        }
    }
});
