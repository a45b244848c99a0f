//! How an incoming call ended, in SIP's own facts: the final status we sent, whether the media
//! ran, who ended it and why. What the caller heard or confirmed is the application's to
//! report.

use crate::sip::sdp::SdpError;
use std::time::Duration;

/// Everything known about an incoming call once it has ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundReport {
    /// The final response we sent to the INVITE: 200, or the status of the rejection (487
    /// when the caller cancelled).
    pub status: u16,
    /// `true` once the ACK confirmed our 2xx with usable media and the driver heard
    /// [`super::InboundEvent::Answered`].
    pub answered: bool,
    /// Who or what ended the call.
    pub ended_by: EndedBy,
    /// From the answer (the ACK) to the end; zero when the call was never answered.
    pub talk: Duration,
}

/// Who or what ended an incoming call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndedBy {
    /// The caller sent BYE, after the answer or before it.
    Caller,
    /// The caller sent CANCEL before our final response.
    Cancelled,
    /// The driver: a rejection, or a hang-up before or after the answer.
    Us,
    /// The call's own signalling: the ACK never came or its SDP was unusable, or the session
    /// timer ran out.
    Signalling(InboundEndReason),
}

/// Why an incoming call ended on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InboundEndReason {
    /// No ACK for our 2xx within 64·T1.
    NoAck,
    /// Our 2xx carried the offer, and the ACK brought no SDP answer.
    NoSdp,
    /// The ACK's SDP answer could not be parsed.
    MalformedSdp,
    /// The ACK's answer has no `m=audio`, or refused it with port 0.
    NoAudio,
    /// The ACK's answer names no usable connection address.
    NoAddress,
    /// None of our codecs in the ACK's answer.
    NoCodec,
    /// The session timer (RFC 4028) ran out without a refresh from the caller.
    SessionExpired,
}

impl InboundEndReason {
    /// The reason for an SDP answer we cannot use.
    pub fn from_sdp(error: &SdpError) -> InboundEndReason {
        match error {
            SdpError::Malformed => InboundEndReason::MalformedSdp,
            SdpError::NoAudio => InboundEndReason::NoAudio,
            SdpError::NoAddress => InboundEndReason::NoAddress,
            SdpError::NoCodec => InboundEndReason::NoCodec,
        }
    }

    /// The name used in JSON and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            InboundEndReason::NoAck => "no_ack",
            InboundEndReason::NoSdp => "no_sdp",
            InboundEndReason::MalformedSdp => "malformed_sdp",
            InboundEndReason::NoAudio => "no_audio",
            InboundEndReason::NoAddress => "no_address",
            InboundEndReason::NoCodec => "no_codec",
            InboundEndReason::SessionExpired => "session_expired",
        }
    }
}
