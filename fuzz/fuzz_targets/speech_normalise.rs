//! Alert text from a dispatcher into speech normalisation: for every language, no input may
//! panic, and what comes out is text the synthesiser can take: no control characters, no
//! white space at either end, never two spaces in a row.
//!
//! `cargo +nightly fuzz run speech_normalise -- -max_total_time=60`.
#![no_main]

use buurtbel::speech::Language;
use buurtbel::speech::normalise::{normalise, phone_number};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    for lang in Language::ALL {
        let said = normalise(lang, text);
        assert!(!said.chars().any(char::is_control), "{lang}: {said:?}");
        assert_eq!(said.trim(), said, "{lang}");
        assert!(!said.contains("  "), "{lang}: {said:?}");
        if let Some(number) = phone_number(lang, text) {
            assert!(!number.is_empty());
        }
    }
});
