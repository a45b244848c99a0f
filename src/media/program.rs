//! The call program: what a member hears and how their keys steer it.
//!
//! intro → message → menu ("press 1 to confirm, press 2 to repeat") → a pause for the key,
//! repeated up to `menu_rounds` times. `1` plays the thank-you and ends `Acknowledged`; `2`
//! restarts the message; no valid key after the last round ends `AnsweredNoAck`. Keys are
//! honoured at once, whatever is playing (barge-in), except during the thank-you.
//!
//! Audio arrives already encoded in the call's codec and shared (`Arc`), so a program only
//! keeps an offset; it hands out one 20 ms frame per call to [`Program::next_frame`].

use std::sync::Arc;
use std::time::Duration;

/// Samples (and G.711 bytes) per 20 ms frame at 8 kHz.
pub const FRAME_BYTES: usize = 160;
/// One frame's duration.
pub const FRAME: Duration = Duration::from_millis(20);

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
    /// The codec's silence byte (A-law 0xD5, µ-law 0xFF).
    pub silence: u8,
}

/// How the program ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgramEnd {
    /// The member pressed 1 and heard the thank-you.
    Acknowledged,
    /// The member heard the message but pressed no valid key in any round.
    AnsweredNoAck,
}

/// Settings of the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgramSettings {
    /// How many times the menu is offered (default 3).
    pub menu_rounds: u32,
    /// Silence after each menu prompt, waiting for a key.
    pub key_wait: Duration,
}

impl Default for ProgramSettings {
    fn default() -> ProgramSettings {
        ProgramSettings {
            menu_rounds: 3,
            key_wait: Duration::from_secs(4),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Segment {
    Intro,
    Message,
    Menu,
    KeyWait,
    Thanks,
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
}

impl Program {
    /// A program at its start.
    pub fn new(audio: ProgramAudio, settings: ProgramSettings) -> Program {
        let mut program = Program {
            audio,
            settings,
            segment: Segment::Intro,
            offset: 0,
            round: 0,
            frames_played: 0,
            message_starts: 0,
        };
        program.skip_empty();
        program
    }

    /// The next 20 ms of audio, or `None` once the program is over.
    pub fn next_frame(&mut self) -> Option<[u8; FRAME_BYTES]> {
        self.skip_empty();
        if let Segment::Over(_) = self.segment {
            return None;
        }
        let mut frame = [self.audio.silence; FRAME_BYTES];
        let source = self.current();
        let end = (self.offset + FRAME_BYTES).min(source.len());
        if let Some(chunk) = source.get(self.offset..end) {
            frame[..chunk.len()].copy_from_slice(chunk);
        }
        self.offset += FRAME_BYTES;
        self.frames_played += 1;
        Some(frame)
    }

    /// A key the member pressed.
    pub fn handle_digit(&mut self, digit: char) {
        match (self.segment, digit) {
            (Segment::Thanks | Segment::Over(_), _) => {}
            (_, '1') => self.enter(Segment::Thanks),
            (_, '2') => {
                self.round = 0;
                self.enter(Segment::Message);
            }
            _ => {}
        }
    }

    /// How the program ended, once it has.
    pub fn end(&self) -> Option<ProgramEnd> {
        match self.segment {
            Segment::Over(end) => Some(end),
            _ => None,
        }
    }

    /// Audio played so far.
    pub fn played(&self) -> Duration {
        FRAME * u32::try_from(self.frames_played).unwrap_or(u32::MAX)
    }

    /// How many times the message has started (2 after one repeat).
    pub fn message_starts(&self) -> u32 {
        self.message_starts
    }

    fn current(&self) -> &[u8] {
        match self.segment {
            Segment::Intro => &self.audio.intro,
            Segment::Message => &self.audio.message,
            Segment::Menu => &self.audio.menu,
            Segment::Thanks => &self.audio.thanks,
            Segment::KeyWait | Segment::Over(_) => &[],
        }
    }

    fn current_len(&self) -> usize {
        match self.segment {
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
            let next = self.following();
            self.enter(next);
        }
    }

    fn following(&self) -> Segment {
        match self.segment {
            Segment::Intro => Segment::Message,
            Segment::Message => Segment::Menu,
            Segment::Menu => Segment::KeyWait,
            Segment::KeyWait if self.round + 1 < self.settings.menu_rounds => Segment::Menu,
            Segment::KeyWait => Segment::Over(ProgramEnd::AnsweredNoAck),
            Segment::Thanks => Segment::Over(ProgramEnd::Acknowledged),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn audio() -> ProgramAudio {
        ProgramAudio {
            intro: Arc::from(vec![1u8; 320]),
            message: Arc::from(vec![2u8; 800]),
            menu: Arc::from(vec![3u8; 400]),
            thanks: Arc::from(vec![4u8; 160]),
            silence: 0xD5,
        }
    }

    fn settings() -> ProgramSettings {
        ProgramSettings {
            menu_rounds: 3,
            key_wait: Duration::from_millis(100),
        }
    }

    /// The first byte of each frame until the program ends.
    fn play(program: &mut Program, keys: &[(usize, char)]) -> Vec<u8> {
        let mut heard = Vec::new();
        while let Some(frame) = program.next_frame() {
            heard.push(frame[0]);
            for (_, key) in keys.iter().filter(|(at, _)| *at == heard.len()) {
                program.handle_digit(*key);
            }
        }
        heard
    }

    #[test]
    fn no_key_plays_all_rounds_then_answered_no_ack() {
        let mut program = Program::new(audio(), settings());
        let heard = play(&mut program, &[]);
        let round = [3, 3, 3, 0xD5, 0xD5, 0xD5, 0xD5, 0xD5];
        let mut expected = vec![1, 1, 2, 2, 2, 2, 2];
        for _ in 0..3 {
            expected.extend(round);
        }
        assert_eq!(heard, expected);
        assert_eq!(program.end(), Some(ProgramEnd::AnsweredNoAck));
        assert_eq!(program.played(), FRAME * 31);
    }

    #[test]
    fn one_after_the_menu_thanks_and_acknowledges() {
        let mut program = Program::new(audio(), settings());
        let heard = play(&mut program, &[(9, '1')]);
        assert_eq!(&heard[7..], [3, 3, 4]);
        assert_eq!(program.end(), Some(ProgramEnd::Acknowledged));
    }

    #[test]
    fn barge_in_during_message() {
        let mut program = Program::new(audio(), settings());
        let heard = play(&mut program, &[(3, '1')]);
        assert_eq!(heard, [1, 1, 2, 4]);
        assert_eq!(program.end(), Some(ProgramEnd::Acknowledged));
    }

    #[test]
    fn two_repeats_the_message_then_one() {
        let mut program = Program::new(audio(), settings());
        let heard = play(&mut program, &[(8, '2'), (16, '1')]);
        assert_eq!(&heard[8..13], [2, 2, 2, 2, 2]);
        assert_eq!(program.message_starts(), 2);
        assert_eq!(program.end(), Some(ProgramEnd::Acknowledged));
        assert_eq!(*heard.last().unwrap(), 4);
    }

    #[test]
    fn other_keys_are_ignored_and_thanks_cannot_be_interrupted() {
        let mut program = Program::new(audio(), settings());
        let heard = play(&mut program, &[(2, '5'), (3, '#'), (9, '1'), (10, '2')]);
        assert_eq!(program.end(), Some(ProgramEnd::Acknowledged));
        assert_eq!(program.message_starts(), 1);
        assert_eq!(heard.iter().filter(|b| **b == 4).count(), 1);
    }

    #[test]
    fn partial_last_frame_is_padded_with_silence() {
        let mut short = audio();
        short.intro = Arc::from(vec![]);
        short.message = Arc::from(vec![7u8; 200]);
        let mut program = Program::new(short, settings());
        assert_eq!(program.next_frame().unwrap(), [7u8; FRAME_BYTES]);
        let second = program.next_frame().unwrap();
        assert_eq!(&second[..40], [7u8; 40]);
        assert!(second[40..].iter().all(|b| *b == 0xD5));
    }
}
