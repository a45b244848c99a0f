//! Simulated member phones: a SIP exchange on loopback that answers each number by its own
//! script (answer after N ms, busy, never answer, say something, press digits by RFC 4733,
//! SIP INFO or in-band tones at set times or on cues it hears (speech, then a pause for a
//! key), hang up, or be an answering machine: greeting, beep, record) and records what it
//! heard. Beside a phone, a forger can send key events to the caller from
//! other sockets, as an attacker on the network would.
//!
//! The exchange also plays members who phone the gateway back ([`Exchange::dial_in`]): it
//! places a call from its own socket, as the trunk does, and the member presses keys at set
//! times or on cues, then hangs up or waits for the gateway's BYE ([`DialIn`]).
//!
//! Real SIP and RTP over sockets, written independently of the gateway's call code: it builds
//! its own RTP headers, and reads and writes SIP and SDP with `buurtbel_phone` rather than the
//! gateway's parser and builders, so the tests, the benchmark and the demo exercise the
//! gateway as a real phone network would, and a bug both sides shared could not hide.
//!
//! Beside the phones, [`SmsCentre`] is a simulated SMS centre: an SMPP 3.4 server on loopback
//! that takes the gateway's text messages, sends delivery receipts (`UNDELIV` for numbers set
//! unreachable) and members' replies, scripted or sent by a test.

mod dial_in;
mod ear;
mod exchange;
mod forge;
mod line;
mod script;
mod smsc;

pub use dial_in::{DialIn, DialInResult};
pub use ear::CUE_SPEECH;
pub use exchange::{Caller, Exchange, SimCall, SimInvite};
pub use script::{
    BEEP, BEEP_HZ, Cue, CuedPress, ForgedSource, Forgery, MACHINE_RECORDS, PhoneScript, Pickup,
    Press, PressMethod,
};
pub use smsc::{CentreSettings, ReceivedSms, ScriptedReply, SmsCentre};
