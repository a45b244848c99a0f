//! The telephone's side of SIP, written apart from the gateway's own SIP code.
//!
//! The gateway (`buurtbel-proto`) parses and builds SIP with its own types on top of
//! `ezk-sip-types`. Simulated phones that reused that code would agree with the gateway even
//! where both are wrong: a header the gateway writes badly would be read back just as badly,
//! and every test would pass. This crate is the far end's codec instead, kept deliberately
//! plain and independent, so the simulated phones (`buurtbel::sim`) and the two-sided
//! protocol tests (`crates/proto/tests/pair/`) check the gateway's SIP from outside.
//!
//! It holds: framing ([`parse_datagram`], [`parse_stream`], [`Message::to_bytes`]); ordered
//! headers with compact names expanded ([`Headers`]); the fields a phone reads (Call-ID,
//! CSeq, Via branches, tags, Contact); the responses and in-dialog requests a phone sends
//! ([`response_to`], [`Dialog`]); what a calling phone sends about its own INVITE
//! ([`cancel`], [`ack_refusal`], [`Dialog::establish`]); and the audio part of SDP ([`Audio`]).
//!
//! It is strict where RFC 3261 is: lines end in CRLF, a stream message carries
//! Content-Length, a request line has exactly three parts. Bytes are hostile: nothing here
//! panics on them, every problem is an error saying what is wrong. There is no I/O, no clock
//! and no randomness: branches and tags come from the caller.
#![warn(missing_docs)]

mod address;
mod build;
mod fields;
mod headers;
mod invite;
mod message;
mod sdp;

pub use address::{Address, param, split_list, uri_user};
pub use build::{Dialog, response_to};
pub use fields::{CSeq, FieldError};
pub use headers::Headers;
pub use invite::{ack_refusal, cancel};
pub use message::{
    MAX_BODY, MAX_HEAD, Message, ParseError, StartLine, parse_datagram, parse_stream,
};
pub use sdp::{Audio, SdpError};
