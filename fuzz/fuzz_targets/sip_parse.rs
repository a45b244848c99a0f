//! Bytes from a socket into the SIP message layer: neither parser may panic, and any message
//! they accept must serialise with `to_bytes()` into bytes that parse again to the same bytes.
//!
//! Seed it with the RFC 4475 torture messages and past crashers (a crasher found here goes to
//! `tests/data/fuzz/sip_parse/`, which `tests/rfc4475.rs` replays on every `cargo test`):
//!
//! ```text
//! cargo +nightly fuzz run sip_parse fuzz/corpus/sip_parse tests/data/rfc4475 \
//!     tests/data/fuzz/sip_parse -- -max_total_time=300 -max_len=8192
//! ```
#![no_main]

use buurtbel::sip::{Message, parse_datagram, parse_stream};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(message) = parse_datagram(data) {
        reparse(&message);
    }
    if let Ok(Some((message, used))) = parse_stream(data) {
        assert!(
            used <= data.len(),
            "stream used {used} of {} bytes",
            data.len()
        );
        reparse(&message);
    }
});

/// Serialising an accepted message must give bytes we accept, and do so at a fixed point.
fn reparse(message: &Message) {
    let bytes = message.to_bytes();
    match parse_datagram(&bytes) {
        Ok(again) => assert_eq!(again.to_bytes(), bytes, "to_bytes() is not a fixed point"),
        Err(error) => panic!(
            "to_bytes() output does not parse: {error:?}\n{}",
            String::from_utf8_lossy(&bytes)
        ),
    }
}
