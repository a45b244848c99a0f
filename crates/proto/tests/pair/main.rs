//! Two-sided tests in virtual time: the real `buurtbel_proto::sip::call::Call` against a far
//! end written apart from the gateway's SIP code (`buurtbel-phone`), over a simulated
//! network with latency both ways, loss, duplication and reordering.
//!
//! The unit tests beside `Call` script their far end with the gateway's own parser and
//! builders, so a bug shared by both sides would pass them. Here the phone parses and builds
//! everything itself, checks every message the gateway sends against RFC 3261's mandatory
//! headers, and keeps its own RFC 3261 timers; times are asserted exactly.
//!
//! Layout: `clock` names the time type, `net` is the network and the clock loop (`Pair`),
//! `phone/` the scripted far end; the cases follow by theme.

mod clock;
mod net;
mod phone;

mod calls;
mod dialog;
mod soak;
mod tcp;
mod timers;

use buurtbel_proto::sip::call::CallSetup;
use buurtbel_proto::sip::header::NameAddr;
use buurtbel_proto::sip::sdp::{Codec, Offer};
use buurtbel_proto::sip::transaction::Timers;
use buurtbel_proto::sip::uri::Uri;
use std::time::Duration;

/// The call's setup over UDP: a fictional number, the phone as next hop, RFC 3261's
/// default timers, 20 s of ringing.
fn setup() -> CallSetup {
    CallSetup {
        target: Uri::parse("sip:+3212345678@trunk.test").expect("target"),
        from: NameAddr::parse("\"BIN Test\" <sip:bin@example.test>;tag=local1", "From")
            .expect("from"),
        contact: Uri::parse("sip:buurtbel@127.0.0.1:5060").expect("contact"),
        call_id: "pair-1@example.test".into(),
        transport: "UDP".into(),
        sent_by: "127.0.0.1:5060".into(),
        reliable: false,
        timers: Timers::default(),
        ring_timeout: Duration::from_secs(20),
        offer: Offer {
            rtp: "127.0.0.1:16000".parse().expect("rtp"),
            codecs: vec![Codec::Pcma, Codec::Pcmu],
            session_id: 1,
        },
        credentials: None,
        next_hop: net::PHONE.parse().expect("phone"),
        user_agent: "buurtbel-pair".into(),
        seed: 7,
    }
}

/// The same call over TCP.
fn tcp_setup() -> CallSetup {
    CallSetup {
        transport: "TCP".into(),
        reliable: true,
        ..setup()
    }
}
