//! What an SMSC delivers (`deliver_sm`): a user data header and a payload in any data
//! coding. Decoding never panics, the header parser never claims more than it was given, and
//! whatever decodes encodes again within the parts allowed.
//! `cargo +nightly fuzz run sms_decode`.
#![no_main]

use buurtbel::sms::encoding::{decode, encode, split_udh};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&data_coding, short_message)) = data.split_first() else {
        return;
    };
    if let Some(text) = decode(data_coding, short_message) {
        assert!(encode(&text, 3).parts.len() <= 3);
    }
    if let Some((_, payload)) = split_udh(short_message) {
        assert!(payload.len() < short_message.len());
        let _ = decode(data_coding, payload);
    }
});
