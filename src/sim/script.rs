//! What a simulated phone does.

use std::f32::consts::TAU;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// An answering machine's beep: 1 kHz for 400 ms.
pub const BEEP_HZ: f32 = 1_000.0;
/// How long the beep lasts.
pub const BEEP: Duration = Duration::from_millis(400);
/// How long an answering machine records before it hangs up.
pub const MACHINE_RECORDS: Duration = Duration::from_secs(60);

/// Whether and how the phone picks up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pickup {
    /// Answers with 200 after ringing.
    Answer,
    /// Refuses with this status after ringing (486 busy, 603 decline, 503…); see
    /// [`PhoneScript::retry_after`].
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

/// What a phone waits to hear before a cued key ([`PhoneScript::press_on`]). Each cue is
/// listened for from the answer or the previous cued key on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cue {
    /// This much speech heard: the phone cuts in while the caller speaks.
    Speech(Duration),
    /// At least [`CUE_SPEECH`](super::CUE_SPEECH) of speech heard, then this much silence:
    /// the caller waits for a key. Longer than any pause inside what it plays before its
    /// menu, shorter than the wait after the menu.
    Pause(Duration),
}

/// A key pressed when the phone hears its cue, whenever that is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CuedPress {
    /// What it waits for.
    pub cue: Cue,
    /// `0`-`9`, `*`, `#`, `A`-`D`.
    pub digit: char,
    /// How it is sent.
    pub method: PressMethod,
}

/// Where a forged key event comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForgedSource {
    /// The phone's own IP address, another port than its media.
    OtherPort,
    /// Another IP address (on Linux every 127.0.0.0/8 address is a loopback address).
    Address(IpAddr),
}

/// An RFC 4733 key event sent to the caller's RTP port by someone else than the phone, at a
/// time after answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forgery {
    /// Since the 200 OK.
    pub after: Duration,
    /// `0`-`9`, `*`, `#`, `A`-`D`.
    pub digit: char,
    /// The socket it is sent from.
    pub from: ForgedSource,
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
    /// Keys pressed on cues, in order: the second is listened for once the first is pressed.
    pub cued: Vec<CuedPress>,
    /// Key events forged from other sockets after answer.
    pub forgeries: Vec<Forgery>,
    /// Hang up (BYE) this long after answer.
    pub hang_up_after: Option<Duration>,
    /// Send 20 ms audio packets (silence when no tone plays) while the call is up.
    pub send_audio: bool,
    /// Spoken from the answer on, 8 kHz samples ("hallo?", or a machine's greeting and beep);
    /// shared by every call of the script.
    pub speak: Option<Arc<Vec<i16>>>,
    /// A Retry-After header, in whole seconds, on the refusal of [`Pickup::Refuse`].
    pub retry_after: Option<Duration>,
}

impl PhoneScript {
    /// Answers after `ring` and stays on the line, sending silence, until the caller hangs up.
    pub fn answer_after(ring: Duration) -> PhoneScript {
        PhoneScript {
            ring,
            pickup: Pickup::Answer,
            presses: Vec::new(),
            cued: Vec::new(),
            forgeries: Vec::new(),
            hang_up_after: None,
            send_audio: true,
            speak: None,
            retry_after: None,
        }
    }

    /// An answering machine: answers at once, plays `greeting` (8 kHz samples), then a
    /// 1 kHz beep of 400 ms if `beep`, then records in silence until the caller hangs up or
    /// [`MACHINE_RECORDS`] pass. Set `ring` on the result to make it ring first.
    pub fn machine(greeting: Arc<Vec<i16>>, beep: bool) -> PhoneScript {
        let clip = if beep {
            let mut clip = greeting.to_vec();
            clip.extend(beep_samples());
            Arc::new(clip)
        } else {
            greeting
        };
        PhoneScript {
            speak: Some(clip),
            ..PhoneScript::answer_after(Duration::ZERO).hang_up_after(MACHINE_RECORDS)
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

    /// Adds a key pressed when `cue` is heard, after the cued keys before it.
    pub fn press_on(mut self, cue: Cue, digit: char, method: PressMethod) -> PhoneScript {
        self.cued.push(CuedPress { cue, digit, method });
        self
    }

    /// Adds a forged RFC 4733 key event, sent `after` the answer from `from`.
    pub fn forge(mut self, after: Duration, digit: char, from: ForgedSource) -> PhoneScript {
        self.forgeries.push(Forgery { after, digit, from });
        self
    }

    /// Says `clip` (8 kHz samples) from the answer on, then sends silence.
    pub fn say(mut self, clip: Arc<Vec<i16>>) -> PhoneScript {
        self.speak = Some(clip);
        self
    }

    /// Sends `Retry-After` (whole seconds) with the refusal, as a trunk's 503 does.
    pub fn retry_after(mut self, after: Duration) -> PhoneScript {
        self.retry_after = Some(after);
        self
    }

    /// Hangs up this long after answer.
    pub fn hang_up_after(mut self, after: Duration) -> PhoneScript {
        self.hang_up_after = Some(after);
        self
    }
}

/// The beep: [`BEEP_HZ`] for [`BEEP`] at about −9 dBFS peak.
fn beep_samples() -> Vec<i16> {
    let samples = BEEP.as_millis() as usize * 8;
    (0..samples)
        .map(|n| (10_000.0 * (TAU * BEEP_HZ * n as f32 / 8_000.0).sin()) as i16)
        .collect()
}
