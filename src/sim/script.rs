//! What a simulated phone does.

use std::time::Duration;

/// Whether and how the phone picks up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pickup {
    /// Answers with 200 after ringing.
    Answer,
    /// Refuses with this status after ringing (486 busy, 603 decline, 503…).
    Refuse(u16),
    /// Rings until the caller gives up.
    Never,
}

/// How a keypress travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PressMethod {
    /// RFC 4733 telephone-event packets.
    Rfc4733,
    /// A SIP INFO with `application/dtmf-relay`.
    Info,
    /// A dual tone in the audio.
    Inband,
}

/// A key pressed at a time after answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Press {
    /// Since the 200 OK.
    pub after: Duration,
    /// `0`-`9`, `*`, `#`, `A`-`D`.
    pub digit: char,
    /// How it is sent.
    pub method: PressMethod,
}

/// A phone's behaviour for one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneScript {
    /// How long it rings (180 at once, the final response after this).
    pub ring: Duration,
    /// What happens after ringing.
    pub pickup: Pickup,
    /// Keys pressed after answer.
    pub presses: Vec<Press>,
    /// Hang up (BYE) this long after answer.
    pub hang_up_after: Option<Duration>,
    /// Send 20 ms audio packets (silence when no tone plays) while the call is up.
    pub send_audio: bool,
}

impl PhoneScript {
    /// Answers after `ring` and stays on the line, sending silence, until the caller hangs up.
    pub fn answer_after(ring: Duration) -> PhoneScript {
        PhoneScript {
            ring,
            pickup: Pickup::Answer,
            presses: Vec::new(),
            hang_up_after: None,
            send_audio: true,
        }
    }

    /// Refuses with `status` after `ring`.
    pub fn refuse(status: u16, ring: Duration) -> PhoneScript {
        PhoneScript {
            pickup: Pickup::Refuse(status),
            ..PhoneScript::answer_after(ring)
        }
    }

    /// Rings forever.
    pub fn never_answer() -> PhoneScript {
        PhoneScript {
            pickup: Pickup::Never,
            ..PhoneScript::answer_after(Duration::ZERO)
        }
    }

    /// Adds a keypress.
    pub fn press(mut self, after: Duration, digit: char, method: PressMethod) -> PhoneScript {
        self.presses.push(Press {
            after,
            digit,
            method,
        });
        self
    }

    /// Hangs up this long after answer.
    pub fn hang_up_after(mut self, after: Duration) -> PhoneScript {
        self.hang_up_after = Some(after);
        self
    }
}
