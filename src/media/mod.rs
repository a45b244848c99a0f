//! media: RTP, G.711, DTMF detection and the playback program — sans-IO; nothing here reads a
//! clock or touches a socket. The telephony driver feeds packets and time in and sends what
//! comes out.

pub mod program;
