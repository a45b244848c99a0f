//! How a call ended, in SIP's own facts: the final status, who hung up, why the signalling
//! gave up. What the member did is the call program's to report; the chain's outcome is
//! decided from both in [`crate::outcome`].

use crate::sip::sdp::SdpError;
use std::time::Duration;

/// The result of one call attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Someone (or something) picked up; the call was connected.
    Answered,
    /// 486 Busy Here or 600 Busy Everywhere.
    Busy,
    /// Rang without answer: 408, 480, or 487 after our CANCEL at the ring timeout.
    NoAnswer,
    /// Refused: 603 Decline or 403 Forbidden.
    Rejected,
    /// 503 Service Unavailable; see [`CallReport::retry_after`].
    Unavailable,
    /// Anything else, including no response at all (Timer B).
    Failed,
}

impl Outcome {
    /// Maps a final status to an outcome. A 487 is a no-answer only when we sent the CANCEL.
    pub fn from_status(status: u16, cancelled_by_us: bool) -> Outcome {
        match status {
            200..=299 => Outcome::Answered,
            486 | 600 => Outcome::Busy,
            408 | 480 => Outcome::NoAnswer,
            487 if cancelled_by_us => Outcome::NoAnswer,
            403 | 603 => Outcome::Rejected,
            503 => Outcome::Unavailable,
            _ => Outcome::Failed,
        }
    }

    /// The name used in JSON and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Answered => "answered",
            Outcome::Busy => "busy",
            Outcome::NoAnswer => "no_answer",
            Outcome::Rejected => "rejected",
            Outcome::Unavailable => "unavailable",
            Outcome::Failed => "failed",
        }
    }
}

/// Who ended an answered call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// We sent the BYE.
    Local,
    /// The far end sent the BYE.
    Remote,
}

/// Everything known about a call once it has ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallReport {
    /// The outcome.
    pub outcome: Outcome,
    /// The final SIP status of the INVITE, if one arrived.
    pub sip_status: Option<u16>,
    /// Retry-After of a 503 (or any final response carrying it).
    pub retry_after: Option<Duration>,
    /// From the first INVITE to the final response.
    pub ring: Duration,
    /// From the answer to the end of the call.
    pub talk: Duration,
    /// Who hung up an answered call.
    pub hung_up_by: Option<Party>,
    /// Why the call ended on its own signalling's account, when it was not the program, a
    /// hang-up or a final status that says it.
    pub reason: Option<EndReason>,
}

/// Why a call ended that the SIP status alone does not explain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// The 2xx carried no SDP answer to our offer.
    NoSdp,
    /// The 2xx's SDP could not be parsed.
    MalformedSdp,
    /// No `m=audio`, or the audio stream was refused with port 0.
    NoAudio,
    /// The audio stream names no usable connection address.
    NoAddress,
    /// None of our codecs in the answer.
    NoCodec,
    /// The 2xx could not make a dialog (no To tag or no Contact).
    BadAnswer,
    /// The session timer (RFC 4028) ran out without a successful refresh.
    SessionExpired,
    /// No RTP and no answer to an in-dialog OPTIONS: the far end is gone.
    FarEndGone,
}

impl EndReason {
    /// The reason for an SDP answer we cannot use.
    pub fn from_sdp(error: &SdpError) -> EndReason {
        match error {
            SdpError::Malformed => EndReason::MalformedSdp,
            SdpError::NoAudio => EndReason::NoAudio,
            SdpError::NoAddress => EndReason::NoAddress,
            SdpError::NoCodec => EndReason::NoCodec,
        }
    }

    /// `true` when the call never had usable audio, so it failed whatever happened next.
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            EndReason::NoSdp
                | EndReason::MalformedSdp
                | EndReason::NoAudio
                | EndReason::NoAddress
                | EndReason::NoCodec
                | EndReason::BadAnswer
        )
    }

    /// The name used in JSON and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::NoSdp => "no_sdp",
            EndReason::MalformedSdp => "malformed_sdp",
            EndReason::NoAudio => "no_audio",
            EndReason::NoAddress => "no_address",
            EndReason::NoCodec => "no_codec",
            EndReason::BadAnswer => "bad_answer",
            EndReason::SessionExpired => "session_expired",
            EndReason::FarEndGone => "far_end_gone",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_table() {
        let table = [
            (200, false, Outcome::Answered),
            (486, false, Outcome::Busy),
            (600, false, Outcome::Busy),
            (408, false, Outcome::NoAnswer),
            (480, false, Outcome::NoAnswer),
            (487, true, Outcome::NoAnswer),
            (487, false, Outcome::Failed),
            (603, false, Outcome::Rejected),
            (403, false, Outcome::Rejected),
            (503, false, Outcome::Unavailable),
            (404, false, Outcome::Failed),
            (500, false, Outcome::Failed),
        ];
        for (status, cancelled, outcome) in table {
            assert_eq!(Outcome::from_status(status, cancelled), outcome, "{status}");
        }
    }
}
