//! The call-back playlist: what a member hears who phones the network's number back to hear
//! the alerts they have not confirmed, and how their keys steer it.
//!
//! A greeting, then each item in turn: its intro, its message, then the menu ("press 1 to
//! confirm, 2 to repeat, 3 for the next message") and a pause for the key, up to
//! `menu_rounds` times; no key in any round moves on to the next item, unconfirmed. After the
//! last item the goodbye, and the playlist is over.
//!
//! Each item plays as a [`Program`] of its own, without machine detection (the member called
//! us), so the confirmation rule is the program's and is decided there, per item: **a `1`
//! confirms an item only once that item's message has played through to its end at least
//! once.** Such a `1` barges in, the item is reported by [`Playlist::take_confirmed`] at once
//! (before the thank-you plays), and after the thank-you the next item starts. An earlier `1`
//! plays the "listen first" prompt and the message resumes where it stopped. `2` plays the
//! item's message again at once.
//!
//! `3` belongs to the playlist, not to the item: at any moment of an item it moves on to the
//! next one at once, confirming nothing; during the greeting it skips the greeting. Other keys
//! during the greeting and the goodbye are ignored.
//!
//! Like the program, the playlist holds shared audio already encoded in the call's codec and
//! hands out one 20 ms frame per call to [`Playlist::next_frame`]; time is the count of frames.

use crate::media::program::{FRAME, FRAME_BYTES, Program, ProgramAudio, ProgramSettings, frame_at};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

/// The playlist's audio, encoded in one codec and shared (`Arc`) like
/// [`crate::media::program::ProgramAudio`].
#[derive(Debug, Clone)]
pub struct PlaylistAudio {
    /// Played first: "you have new messages", or a notice; may be empty.
    pub greeting: Arc<[u8]>,
    /// The items, in the order played.
    pub items: Vec<ItemAudio>,
    /// "Press 1 to confirm, 2 to repeat, 3 for the next message."
    pub menu: Arc<[u8]>,
    /// After an accepted `1`: "thank you, your confirmation is noted".
    pub thanks: Arc<[u8]>,
    /// After a `1` before the item's message was heard: "listen first, press 1 at the end".
    pub listen_first: Arc<[u8]>,
    /// Played at the end; may be empty.
    pub goodbye: Arc<[u8]>,
    /// The codec's silence byte (A-law 0xD5, µ-law 0xFF).
    pub silence: u8,
}

/// One item of the playlist: an alert the member has not confirmed.
#[derive(Debug, Clone)]
pub struct ItemAudio {
    /// Which alert this is ("message of Tuesday at 14:05"); may be empty.
    pub intro: Arc<[u8]>,
    /// The alert itself.
    pub message: Arc<[u8]>,
}

/// Settings of the playlist, the same for every item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlaylistSettings {
    /// How many times an item's menu is offered (default 3).
    pub menu_rounds: u32,
    /// Silence after each menu prompt, waiting for a key.
    pub key_wait: Duration,
}

impl Default for PlaylistSettings {
    fn default() -> PlaylistSettings {
        PlaylistSettings {
            menu_rounds: 3,
            key_wait: Duration::from_secs(4),
        }
    }
}

/// What became of one item.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ItemOutcome {
    /// Its message played through to its end at least once.
    pub heard: bool,
    /// A `1` was accepted as its confirmation.
    pub confirmed: bool,
    /// How many times its message started (0 if never reached or skipped during its intro).
    pub starts: u32,
}

/// Where the playlist is.
#[derive(Debug, Clone)]
enum Part {
    Greeting,
    /// An item, played by a program of its own.
    Item {
        index: usize,
        program: Box<Program>,
    },
    Goodbye,
    Over,
}

/// One call's position in its playlist.
#[derive(Debug, Clone)]
pub struct Playlist {
    audio: PlaylistAudio,
    settings: PlaylistSettings,
    part: Part,
    /// Within the greeting or the goodbye.
    offset: usize,
    frames_played: u64,
    outcomes: Vec<ItemOutcome>,
    /// Items confirmed and not yet taken, in order.
    confirmations: VecDeque<usize>,
}

impl Playlist {
    /// A playlist at the start of its greeting.
    pub fn new(audio: PlaylistAudio, settings: PlaylistSettings) -> Playlist {
        let outcomes = vec![ItemOutcome::default(); audio.items.len()];
        Playlist {
            audio,
            settings,
            part: Part::Greeting,
            offset: 0,
            frames_played: 0,
            outcomes,
            confirmations: VecDeque::new(),
        }
    }

    /// The next 20 ms of audio, or `None` once the playlist is over.
    pub fn next_frame(&mut self) -> Option<[u8; FRAME_BYTES]> {
        loop {
            let frame = match &mut self.part {
                Part::Greeting | Part::Goodbye => self.clip_frame(),
                Part::Item { index, program } => {
                    let (index, frame) = (*index, program.next_frame());
                    self.note(index);
                    frame
                }
                Part::Over => return None,
            };
            if let Some(frame) = frame {
                self.frames_played += 1;
                return Some(frame);
            }
            self.advance();
        }
    }

    /// A key the member pressed.
    pub fn handle_digit(&mut self, digit: char) {
        match (&mut self.part, digit) {
            (Part::Greeting | Part::Item { .. }, '3') => self.advance(),
            (Part::Item { index, program }, _) => {
                let index = *index;
                program.handle_digit(digit);
                self.note(index);
            }
            (Part::Greeting | Part::Goodbye | Part::Over, _) => {}
        }
    }

    /// The item playing (its intro, message, menu, prompts or thank-you), if any.
    pub fn current_item(&self) -> Option<usize> {
        match self.part {
            Part::Item { index, .. } => Some(index),
            _ => None,
        }
    }

    /// The next item whose `1` was accepted, each once, from the moment of the key (before
    /// its thank-you plays), in order.
    pub fn take_confirmed(&mut self) -> Option<usize> {
        self.confirmations.pop_front()
    }

    /// What became of each item so far, in the order of [`PlaylistAudio::items`].
    pub fn outcomes(&self) -> &[ItemOutcome] {
        &self.outcomes
    }

    /// True once the goodbye has played.
    pub fn is_over(&self) -> bool {
        matches!(self.part, Part::Over)
    }

    /// Audio played so far.
    pub fn played(&self) -> Duration {
        FRAME * u32::try_from(self.frames_played).unwrap_or(u32::MAX)
    }

    /// The next frame of the greeting or the goodbye; `None` at its end.
    fn clip_frame(&mut self) -> Option<[u8; FRAME_BYTES]> {
        let clip = match self.part {
            Part::Greeting => &self.audio.greeting,
            Part::Goodbye => &self.audio.goodbye,
            Part::Item { .. } | Part::Over => return None,
        };
        if self.offset >= clip.len() {
            return None;
        }
        let frame = frame_at(clip, self.offset, self.audio.silence);
        self.offset += FRAME_BYTES;
        Some(frame)
    }

    /// Copies the item's program's state into its outcome, and queues a new confirmation.
    fn note(&mut self, index: usize) {
        let (Part::Item { program, .. }, Some(outcome)) =
            (&self.part, self.outcomes.get_mut(index))
        else {
            return;
        };
        if program.confirmed() && !outcome.confirmed {
            self.confirmations.push_back(index);
        }
        *outcome = ItemOutcome {
            heard: program.heard_message(),
            confirmed: program.confirmed(),
            starts: program.message_starts(),
        };
    }

    /// Moves on: from the greeting to the first item, from an item to the next, after the
    /// last to the goodbye, from the goodbye to the end.
    fn advance(&mut self) {
        let next = match self.part {
            Part::Greeting => 0,
            Part::Item { index, .. } => index + 1,
            Part::Goodbye | Part::Over => {
                self.part = Part::Over;
                return;
            }
        };
        self.part = self.item(next).unwrap_or(Part::Goodbye);
        self.offset = 0;
    }

    /// Item `index` at its start, if there is one.
    fn item(&self, index: usize) -> Option<Part> {
        let item = self.audio.items.get(index)?;
        let audio = ProgramAudio {
            intro: Arc::clone(&item.intro),
            message: Arc::clone(&item.message),
            menu: Arc::clone(&self.audio.menu),
            thanks: Arc::clone(&self.audio.thanks),
            listen_first: Arc::clone(&self.audio.listen_first),
            voicemail: Arc::from([]),
            silence: self.audio.silence,
        };
        let settings = ProgramSettings {
            menu_rounds: self.settings.menu_rounds,
            key_wait: self.settings.key_wait,
            machine_detection: None,
        };
        Some(Part::Item {
            index,
            program: Box::new(Program::new(audio, settings)),
        })
    }
}

#[cfg(test)]
mod tests;
