//! Bytes from the trunk into the call-back line: an INVITE is read for who calls and taken
//! or refused by `InboundCall::new`, and any message after it goes to the call; nothing may
//! panic. The input is split at the first `\0`: the INVITE before it, messages in the dialog
//! after it (each further `\0` starts another).
//!
//! ```text
//! cargo +nightly fuzz run sip_inbound -- -max_total_time=300 -max_len=8192
//! ```
#![no_main]

use buurtbel::sip::inbound::{InboundCall, InboundSetup, caller_identity};
use buurtbel::sip::sdp::{Codec, Offer};
use buurtbel::sip::transaction::Timers;
use buurtbel::sip::uri::Uri;
use buurtbel::sip::{Message, parse_datagram};
use buurtbel::time::Instant;
use libfuzzer_sys::fuzz_target;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.split(|b| *b == 0);
    let Some(Ok(Message::Request(invite))) = parts.next().map(parse_datagram) else {
        return;
    };
    let _ = caller_identity(&invite);
    let source = "127.0.0.1:5060".parse().expect("a literal address");
    let Ok(contact) = Uri::parse("sip:buurtbel@127.0.0.1:5080") else {
        return;
    };
    let setup = InboundSetup {
        contact,
        reliable: false,
        timers: Timers::default(),
        user_agent: "buurtbel".into(),
        media: Offer {
            rtp: "127.0.0.1:16000".parse().expect("a literal address"),
            codecs: vec![Codec::Pcma, Codec::Pcmu],
            session_id: 1,
        },
        seed: 7,
    };
    let mut now = Instant::ZERO;
    let Ok(mut call) = InboundCall::new(now, invite, source, setup) else {
        return;
    };
    call.ring(now);
    call.answer(now);
    for part in parts {
        now += Duration::from_millis(100);
        if let Ok(message) = parse_datagram(part) {
            call.handle_message(now, message, source);
        }
        call.handle_timeout(now);
        while call.poll_transmit().is_some() {}
        while call.poll_event().is_some() {}
    }
    call.hang_up(now);
    while call.poll_transmit().is_some() {}
});
