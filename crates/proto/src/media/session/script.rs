//! What a session plays: an outbound alert call's [`Program`], or the [`Playlist`] of a
//! member who called back. The session asks the same questions of either; each answers for
//! itself, and what one does not have (a playlist has no machine detection and no single
//! confirmation, a program has no items) is simply absent.

use super::MediaEnd;
use crate::media::amd::Answerer;
use crate::media::playlist::{ItemOutcome, Playlist, PlaylistAudio, PlaylistSettings};
use crate::media::program::{FRAME_BYTES, Program, ProgramAudio, ProgramSettings};
use std::time::Duration;

/// What a session plays.
#[derive(Debug, Clone)]
pub enum Script {
    /// An alert call we placed: the program, which may first listen for an answering machine.
    Alert {
        /// The program's segments, encoded in the negotiated codec.
        audio: ProgramAudio,
        /// Menu rounds, key wait, and whether to listen for an answering machine first.
        settings: ProgramSettings,
    },
    /// A member who called the call-back line: their unconfirmed alerts, one after another.
    Playlist {
        /// The playlist's segments, encoded in the negotiated codec.
        audio: PlaylistAudio,
        /// Menu rounds and key wait, for every item.
        settings: PlaylistSettings,
    },
}

/// A script being played. Boxed: a program with its answering-machine detector is many times
/// the size of a playlist.
#[derive(Debug)]
pub(super) enum Player {
    Alert(Box<Program>),
    Playlist(Box<Playlist>),
}

impl Player {
    pub(super) fn new(script: Script) -> Player {
        match script {
            Script::Alert { audio, settings } => {
                Player::Alert(Box::new(Program::new(audio, settings)))
            }
            Script::Playlist { audio, settings } => {
                Player::Playlist(Box::new(Playlist::new(audio, settings)))
            }
        }
    }

    pub(super) fn next_frame(&mut self) -> Option<[u8; FRAME_BYTES]> {
        match self {
            Player::Alert(program) => program.next_frame(),
            Player::Playlist(playlist) => playlist.next_frame(),
        }
    }

    /// The far end's decoded audio: only the program's machine detection listens.
    pub(super) fn handle_audio(&mut self, samples: &[i16]) {
        if let Player::Alert(program) = self {
            program.handle_audio(samples);
        }
    }

    pub(super) fn handle_digit(&mut self, digit: char) {
        match self {
            Player::Alert(program) => program.handle_digit(digit),
            Player::Playlist(playlist) => playlist.handle_digit(digit),
        }
    }

    /// How the script ended, once it has.
    pub(super) fn end(&self) -> Option<MediaEnd> {
        match self {
            Player::Alert(program) => program.end().map(MediaEnd::Program),
            Player::Playlist(playlist) => playlist.is_over().then_some(MediaEnd::Playlist),
        }
    }

    /// The program accepted its `1`; never for a playlist, whose items say so one by one.
    pub(super) fn confirmed(&self) -> bool {
        match self {
            Player::Alert(program) => program.confirmed(),
            Player::Playlist(_) => false,
        }
    }

    /// The next playlist item whose `1` was accepted, each once.
    pub(super) fn take_confirmed_item(&mut self) -> Option<usize> {
        match self {
            Player::Alert(_) => None,
            Player::Playlist(playlist) => playlist.take_confirmed(),
        }
    }

    /// How many times a message started: the program's, or every item's together.
    pub(super) fn message_starts(&self) -> u32 {
        match self {
            Player::Alert(program) => program.message_starts(),
            Player::Playlist(playlist) => playlist.outcomes().iter().map(|o| o.starts).sum(),
        }
    }

    pub(super) fn answerer(&self) -> Option<Answerer> {
        match self {
            Player::Alert(program) => program.answerer(),
            Player::Playlist(_) => None,
        }
    }

    pub(super) fn items(&self) -> &[ItemOutcome] {
        match self {
            Player::Alert(_) => &[],
            Player::Playlist(playlist) => playlist.outcomes(),
        }
    }

    pub(super) fn played(&self) -> Duration {
        match self {
            Player::Alert(program) => program.played(),
            Player::Playlist(playlist) => playlist.played(),
        }
    }
}
