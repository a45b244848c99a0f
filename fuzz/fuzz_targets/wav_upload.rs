//! Recorded messages uploaded over the API (`POST /v1/recordings`) or given as a file: any
//! bytes are refused with an error or accepted as a WAV no longer than allowed; decoding it,
//! and decoding its stored (canonical) form, ends in samples or an error, never a panic.
//! `cargo +nightly fuzz run wav_upload`.
#![no_main]

use buurtbel::speech::wav::{Recording, decode_stored};
use libfuzzer_sys::fuzz_target;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let longest = Duration::from_secs(120);
    let Ok(recording) = Recording::from_bytes(data, longest, "upload") else {
        return;
    };
    assert!(recording.duration() <= longest);
    let _ = recording.mono();
    let canonical = recording.into_bytes();
    let _ = decode_stored(&canonical, "stored");
});
