//! media: RTP, G.711, DTMF detection, the playback program and the call-back playlist —
//! sans-IO; nothing here reads a clock or touches a socket. The telephony driver feeds packets
//! and time in and sends what comes out.

pub mod amd;
pub mod audio;
pub mod dtmf_relay;
pub mod g711;
pub mod inband;
pub mod playlist;
pub mod program;
pub mod rfc4733;
pub mod rtp;
pub mod session;
