//! The simulated phones' own SIP parser (`crates/phone`), which reads what the gateway sends
//! in every end-to-end test: any datagram or stream is refused or parsed, never a panic, and
//! a stream parser never claims more bytes than it was given.
//! `cargo +nightly fuzz run phone_parse`.
#![no_main]

use buurtbel_phone::{parse_datagram, parse_stream};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(message) = parse_datagram(data) {
        let _ = message.headers.call_id();
        let _ = message.headers.cseq();
        let _ = message.headers.via_branches();
        let _ = message.headers.to_tag();
    }
    let mut rest = data;
    while let Ok(Some((_, used))) = parse_stream(rest) {
        assert!(used > 0 && used <= rest.len());
        rest = &rest[used..];
    }
});
