//! A member who phones the gateway back: the exchange places a call to the gateway from its
//! own socket, as the trunk does when someone dials the network's number, and the member
//! follows a script: keys at set times after the answer or on cues heard, then hangs up or
//! waits for the gateway's BYE.
//!
//! The caller's side of RFC 3261 over UDP, with `buurtbel_phone`: the INVITE client
//! transaction (retransmitted on Timer A until a response, given up after Timer B, cancelled
//! after a minute of ringing, a refusal ACKed on the INVITE's branch), the dialog the 2xx makes
//! (its ACK re-sent for each retransmitted 2xx), requests in the dialog either way, and BYE.
//! The offer is in the INVITE, or, for a late offer, in the gateway's 2xx and answered in the
//! ACK. Responses and the gateway's requests reach the call through the exchange's routing by
//! Call-ID. Everything goes to the gateway's address, as from a trunk that is its outbound
//! proxy. Nothing here panics on what the gateway sends: what cannot be read is dropped.

mod caller;
mod invite;
mod media;
#[cfg(test)]
mod tests;

pub(super) use caller::place;

use super::script::{Cue, CuedPress, Press, PressMethod};
use std::time::Duration;

/// The longest a dial-in lasts after the answer unless the script says otherwise.
const LONGEST: Duration = Duration::from_secs(600);

/// A call a member places to the gateway, and what the member does in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialIn {
    /// The member's number, E.164 (`+32470000001`).
    pub from: String,
    /// The dialled number: the line's (`+3225550100`).
    pub to: String,
    /// Send P-Asserted-Identity with `from`, as a trunk vouching for the number does.
    pub asserted: bool,
    /// The number withheld: From `"Anonymous" <sip:anonymous@anonymous.invalid>`,
    /// `Privacy: id`, and no P-Asserted-Identity whatever [`DialIn::asserted`] says.
    pub withheld: bool,
    /// No SDP in the INVITE: the gateway offers in its 2xx and the ACK answers.
    pub late_offer: bool,
    /// Keys pressed at set times after the answer.
    pub presses: Vec<Press>,
    /// Keys pressed on cues, in order: the second is listened for once the first is pressed.
    pub cued: Vec<CuedPress>,
    /// Hang up (BYE) this long after the answer; without it the member waits for the
    /// gateway's BYE.
    pub hang_up_after: Option<Duration>,
    /// The member hangs up this long after the answer whatever else happens (10 minutes
    /// unless set).
    pub longest: Duration,
}

/// What the member saw of a dial-in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DialInResult {
    /// The gateway's final answer to the INVITE (200, 403, 486…); 408 when none came before
    /// Timer B, 0 when the call could not be placed at all (no RTP port).
    pub final_status: u16,
    /// The provisional responses (100, 180, 183…), in order, retransmissions included.
    pub provisional: Vec<u16>,
    /// The audio heard, decoded to 8 kHz linear samples.
    pub heard: Vec<i16>,
    /// Audio RTP packets received.
    pub rtp_received: u64,
    /// The keys pressed.
    pub pressed: Vec<char>,
    /// `true` when the gateway hung up (its BYE), `false` when the member did or the call was
    /// never answered.
    pub hung_up_by_gateway: bool,
    /// The Call-ID.
    pub call_id: String,
}

impl DialIn {
    /// `from` calls `to` with the number asserted and an offer in the INVITE, presses nothing
    /// and waits for the gateway's BYE.
    pub fn new(from: impl Into<String>, to: impl Into<String>) -> DialIn {
        DialIn {
            from: from.into(),
            to: to.into(),
            asserted: true,
            withheld: false,
            late_offer: false,
            presses: Vec::new(),
            cued: Vec::new(),
            hang_up_after: None,
            longest: LONGEST,
        }
    }

    /// Without P-Asserted-Identity: only From names the member, as from a trunk that does not
    /// vouch for it.
    pub fn unasserted(mut self) -> DialIn {
        self.asserted = false;
        self
    }

    /// With the number withheld.
    pub fn withheld(mut self) -> DialIn {
        self.withheld = true;
        self
    }

    /// Without SDP in the INVITE.
    pub fn late_offer(mut self) -> DialIn {
        self.late_offer = true;
        self
    }

    /// Adds a key pressed `after` the answer.
    pub fn press(mut self, after: Duration, digit: char, method: PressMethod) -> DialIn {
        self.presses.push(Press {
            after,
            digit,
            method,
        });
        self
    }

    /// Adds a key pressed when `cue` is heard, after the cued keys before it.
    pub fn press_on(mut self, cue: Cue, digit: char, method: PressMethod) -> DialIn {
        self.cued.push(CuedPress { cue, digit, method });
        self
    }

    /// Hangs up this long after the answer.
    pub fn hang_up_after(mut self, after: Duration) -> DialIn {
        self.hang_up_after = Some(after);
        self
    }

    /// Hangs up this long after the answer at the latest, whether or not the gateway does.
    pub fn longest(mut self, longest: Duration) -> DialIn {
        self.longest = longest;
        self
    }
}
