//! The call program: what a member hears and how their keys steer it.
//!
//! With machine detection on, the program first listens (sending silence) to what the far end
//! says after the answer ([`crate::media::amd`]):
//! - a person: intro → message → menu ("press 1 to confirm, press 2 to repeat") → a pause for
//!   the key, repeated up to `menu_rounds` times. `2` restarts the message at once; no valid
//!   key after the last round ends `AnsweredNoAck`. A key while listening means a person: the
//!   intro starts.
//! - an answering machine: silence until it records (after its beep, its greeting's end, or
//!   20 s), then intro → message once → the voicemail notice ("… bel terug naar …"), and the
//!   end is `Voicemail`. No menu; no key counts, whoever presses it.
//!
//! The confirmation rule, decided here and nowhere else: **a `1` confirms only once the member
//! has heard the message through to its end at least once.** Such a `1` is honoured at once
//! (barge-in, even during a repeat), makes [`Program::confirmed`] true before the thank-you
//! plays, and the program ends `Acknowledged`. An earlier `1` (while listening, during the
//! intro or the first playing of the message) confirms nothing: it interrupts with the
//! "listen to the message first; press 1 at the end to confirm" prompt, after which the
//! interrupted part resumes where it stopped, so the member still hears every word and does
//! not hang up believing they confirmed.
//!
//! Without detection the intro starts at once, as for a person.
//!
//! Audio arrives already encoded in the call's codec and shared (`Arc`), so a program only
//! keeps an offset; it hands out one 20 ms frame per call to [`Program::next_frame`]. The far
//! end's audio comes in decoded through [`Program::handle_audio`]. Time is the count of frames
//! handed out: while listening, audio that has not arrived [`LISTEN_LAG`] after it was due
//! (a phone with silence suppression sends none while quiet) is fed to the detector as
//! silence, so its time-outs run whatever the network does.

use crate::media::amd::{Answerer, Decision, DetectorSettings, MachineDetector};
use std::sync::Arc;
use std::time::Duration;

/// Samples (and G.711 bytes) per 20 ms frame at 8 kHz.
pub const FRAME_BYTES: usize = 160;
/// One frame's duration.
pub const FRAME: Duration = Duration::from_millis(20);
/// How far the far end's audio may trail our clock (network delay and jitter) before the
/// missing part counts as silence.
pub const LISTEN_LAG: Duration = Duration::from_millis(120);

/// The segments of a program, encoded in one codec.
#[derive(Debug, Clone)]
pub struct ProgramAudio {
    /// "Dit is een bericht van BIN …"; may be empty.
    pub intro: Arc<[u8]>,
    /// The alert itself.
    pub message: Arc<[u8]>,
    /// "Druk 1 om te bevestigen, druk 2 om te herhalen."
    pub menu: Arc<[u8]>,
    /// "Dank u, tot ziens."
    pub thanks: Arc<[u8]>,
    /// After a `1` that came too early: "listen to the message first; press 1 at the end".
    pub listen_first: Arc<[u8]>,
    /// After the message on an answering machine: "… bel terug naar … om het opnieuw te horen."
    pub voicemail: Arc<[u8]>,
    /// The codec's silence byte (A-law 0xD5, µ-law 0xFF).
    pub silence: u8,
}

/// How the program ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgramEnd {
    /// The member pressed 1 after hearing the message, and heard the thank-you.
    Acknowledged,
    /// The member heard the message but pressed no valid key in any round.
    AnsweredNoAck,
    /// An answering machine recorded the message and the voicemail notice.
    Voicemail,
}

/// Settings of the program.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProgramSettings {
    /// How many times the menu is offered (default 3).
    pub menu_rounds: u32,
    /// Silence after each menu prompt, waiting for a key.
    pub key_wait: Duration,
    /// Listen first and tell a person from an answering machine (default on); `None` starts
    /// the intro at once.
    pub machine_detection: Option<DetectorSettings>,
}

impl Default for ProgramSettings {
    fn default() -> ProgramSettings {
        ProgramSettings {
            menu_rounds: 3,
            key_wait: Duration::from_secs(4),
            machine_detection: Some(DetectorSettings::default()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Segment {
    /// Silence while the detector decides who answered.
    Listen,
    /// Silence while a machine greets, until it records.
    AwaitRecording,
    Intro,
    Message,
    Menu,
    KeyWait,
    /// "Listen to the message first", then back to where it interrupted.
    ListenFirst,
    Thanks,
    /// The voicemail notice.
    Notice,
    Over(ProgramEnd),
}

/// One call's position in its program.
#[derive(Debug, Clone)]
pub struct Program {
    audio: ProgramAudio,
    settings: ProgramSettings,
    segment: Segment,
    offset: usize,
    round: u32,
    frames_played: u64,
    message_starts: u32,
    /// The message has played through to its end at least once.
    message_heard: bool,
    /// A `1` was accepted as the confirmation.
    confirmed: bool,
    /// Where [`Segment::ListenFirst`] returns to, and at which offset.
    resume: (Segment, usize),
    detector: Option<MachineDetector>,
    answerer: Option<Answerer>,
}

impl Program {
    /// A program at its start: listening if detection is on, else at the intro.
    pub fn new(audio: ProgramAudio, settings: ProgramSettings) -> Program {
        let detector = settings.machine_detection.map(MachineDetector::new);
        let mut program = Program {
            audio,
            settings,
            segment: if detector.is_some() {
                Segment::Listen
            } else {
                Segment::Intro
            },
            offset: 0,
            round: 0,
            frames_played: 0,
            message_starts: 0,
            message_heard: false,
            confirmed: false,
            resume: (Segment::Intro, 0),
            detector,
            answerer: None,
        };
        program.skip_empty();
        program
    }

    /// The next 20 ms of audio, or `None` once the program is over.
    pub fn next_frame(&mut self) -> Option<[u8; FRAME_BYTES]> {
        if self.listening() {
            self.catch_up();
        }
        self.skip_empty();
        if let Segment::Over(_) = self.segment {
            return None;
        }
        let frame = frame_at(self.current(), self.offset, self.audio.silence);
        if !self.listening() {
            self.offset += FRAME_BYTES;
        }
        self.frames_played += 1;
        Some(frame)
    }

    /// The far end's audio, decoded, as it arrives; heard only while listening.
    pub fn handle_audio(&mut self, samples: &[i16]) {
        if !self.listening() {
            return;
        }
        if let Some(detector) = self.detector.as_mut() {
            detector.process(samples);
        }
        self.follow_detector();
    }

    /// A key the member pressed.
    pub fn handle_digit(&mut self, digit: char) {
        if self.answerer == Some(Answerer::Machine) {
            return;
        }
        match (self.segment, digit) {
            (Segment::Listen, '1') => {
                self.answerer = Some(Answerer::Human);
                self.ask_to_listen_first();
            }
            (Segment::Listen, _) => self.start_for(Answerer::Human),
            (Segment::AwaitRecording | Segment::Thanks | Segment::Over(_), _) => {}
            (_, '1') if self.heard_message() => {
                self.confirmed = true;
                self.enter(Segment::Thanks);
            }
            (Segment::ListenFirst, '1') => {}
            (_, '1') => self.ask_to_listen_first(),
            (_, '2') => {
                self.round = 0;
                self.enter(Segment::Message);
            }
            _ => {}
        }
    }

    /// True once a `1` was accepted as the confirmation: the member heard the message to its
    /// end and then pressed 1. Set before the thank-you plays, and never unset.
    pub fn confirmed(&self) -> bool {
        self.confirmed
    }

    /// How the program ended, once it has.
    pub fn end(&self) -> Option<ProgramEnd> {
        match self.segment {
            Segment::Over(end) => Some(end),
            _ => None,
        }
    }

    /// Who answered, once the detector (or a key) said; `None` without detection.
    pub fn answerer(&self) -> Option<Answerer> {
        self.answerer
    }

    /// Audio played so far, the silence while listening included.
    pub fn played(&self) -> Duration {
        FRAME * u32::try_from(self.frames_played).unwrap_or(u32::MAX)
    }

    /// How many times the message has started (2 after one repeat).
    pub fn message_starts(&self) -> u32 {
        self.message_starts
    }

    /// True once the message has played to its end at least once, its last frame included:
    /// from then on a `1` confirms.
    pub fn heard_message(&self) -> bool {
        self.message_heard
            || (self.segment == Segment::Message && self.offset >= self.audio.message.len())
    }

    fn listening(&self) -> bool {
        matches!(self.segment, Segment::Listen | Segment::AwaitRecording)
    }

    /// Feeds the detector silence for audio overdue by more than [`LISTEN_LAG`].
    fn catch_up(&mut self) {
        let Some(detector) = self.detector.as_mut() else {
            return;
        };
        let lag = LISTEN_LAG.as_millis() as u64 * 8;
        let due = (self.frames_played * FRAME_BYTES as u64).saturating_sub(lag);
        let missing = due.saturating_sub(detector.heard());
        if missing > 0 {
            detector.process_silence(usize::try_from(missing).unwrap_or(usize::MAX));
            self.follow_detector();
        }
    }

    /// Leaves the listening segments when the detector has decided.
    fn follow_detector(&mut self) {
        let Some(decision) = self.detector.as_ref().map(MachineDetector::decision) else {
            return;
        };
        match (self.segment, decision) {
            (Segment::Listen, Decision::Human) => self.start_for(Answerer::Human),
            (Segment::Listen, Decision::Machine) => {
                self.answerer = Some(Answerer::Machine);
                self.enter(Segment::AwaitRecording);
            }
            (Segment::Listen | Segment::AwaitRecording, Decision::ReadyForMessage { .. }) => {
                self.start_for(Answerer::Machine);
            }
            _ => {}
        }
    }

    /// Interrupts with the "listen first" prompt; what was playing resumes after it. While
    /// listening, that is the intro.
    fn ask_to_listen_first(&mut self) {
        self.resume = match self.segment {
            Segment::Listen => (Segment::Intro, 0),
            segment => (segment, self.offset),
        };
        self.enter(Segment::ListenFirst);
    }

    fn start_for(&mut self, answerer: Answerer) {
        self.answerer = Some(answerer);
        self.enter(Segment::Intro);
    }

    fn current(&self) -> &[u8] {
        match self.segment {
            Segment::Intro => &self.audio.intro,
            Segment::Message => &self.audio.message,
            Segment::Menu => &self.audio.menu,
            Segment::Thanks => &self.audio.thanks,
            Segment::ListenFirst => &self.audio.listen_first,
            Segment::Notice => &self.audio.voicemail,
            Segment::Listen | Segment::AwaitRecording | Segment::KeyWait | Segment::Over(_) => &[],
        }
    }

    fn current_len(&self) -> usize {
        match self.segment {
            Segment::Listen | Segment::AwaitRecording => usize::MAX,
            Segment::KeyWait => {
                let frames = self.settings.key_wait.as_millis() / FRAME.as_millis();
                usize::try_from(frames)
                    .unwrap_or(usize::MAX)
                    .saturating_mul(FRAME_BYTES)
            }
            _ => self.current().len(),
        }
    }

    /// Moves past finished (or empty) segments.
    fn skip_empty(&mut self) {
        while !matches!(self.segment, Segment::Over(_)) && self.offset >= self.current_len() {
            match self.segment {
                Segment::Message => self.message_heard = true,
                Segment::ListenFirst => {
                    (self.segment, self.offset) = self.resume;
                    continue;
                }
                _ => {}
            }
            let next = self.following();
            self.enter(next);
        }
    }

    fn following(&self) -> Segment {
        let voicemail = self.answerer == Some(Answerer::Machine);
        match self.segment {
            Segment::Listen | Segment::AwaitRecording | Segment::ListenFirst => self.segment,
            Segment::Intro => Segment::Message,
            Segment::Message if voicemail => Segment::Notice,
            Segment::Message => Segment::Menu,
            Segment::Menu => Segment::KeyWait,
            Segment::KeyWait if self.round + 1 < self.settings.menu_rounds => Segment::Menu,
            Segment::KeyWait => Segment::Over(ProgramEnd::AnsweredNoAck),
            Segment::Thanks => Segment::Over(ProgramEnd::Acknowledged),
            Segment::Notice => Segment::Over(ProgramEnd::Voicemail),
            Segment::Over(end) => Segment::Over(end),
        }
    }

    fn enter(&mut self, segment: Segment) {
        if self.segment == Segment::KeyWait && segment == Segment::Menu {
            self.round += 1;
        }
        if segment == Segment::Message {
            self.message_starts += 1;
        }
        self.segment = segment;
        self.offset = 0;
    }
}

/// The 20 ms frame of `source` from `offset`, padded with `silence` past its end.
pub(crate) fn frame_at(source: &[u8], offset: usize, silence: u8) -> [u8; FRAME_BYTES] {
    let mut frame = [silence; FRAME_BYTES];
    let end = offset.saturating_add(FRAME_BYTES).min(source.len());
    if let Some(chunk) = source.get(offset..end) {
        frame[..chunk.len()].copy_from_slice(chunk);
    }
    frame
}

#[cfg(test)]
mod tests;
