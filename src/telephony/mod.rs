//! The tokio driver around the sans-IO SIP state machines: sockets, the clock, trunk limits,
//! RTP port allocation, and one task per call.
//!
//! This is the layer that drives the state machines with the clock ([`clock::now`], from the
//! clock crate, the one place the process reads it) and touches sockets. It knows calls and
//! registrations, not alerts or members.

pub mod answering;
pub mod clock;
pub mod control;
pub mod dialer;
pub mod endpoint;
pub mod limits;
pub mod line;
pub mod media;
pub mod pacer;
pub mod pending;
pub mod rtp_ports;
pub mod transport;

pub use dialer::{CallResult, Dialer, DialerError};
pub use limits::{TokenBucket, TrunkLimits};
pub use line::Playback;
pub use media::MediaReport;
