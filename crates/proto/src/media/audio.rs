//! A program's (or a playlist's) segments encoded once per codec and shared by every call
//! (`Arc`): calls copy pointers, never samples.

use crate::media::g711;
use crate::media::playlist::{ItemAudio, PlaylistAudio};
use crate::media::program::ProgramAudio;
use std::sync::Arc;

/// The A-law silence byte.
pub const ALAW_SILENCE: u8 = 0xD5;
/// The µ-law silence byte.
pub const ULAW_SILENCE: u8 = 0xFF;

/// The segments as 8 kHz linear samples.
#[derive(Debug, Clone, Default)]
pub struct Segments {
    /// "This is a message from…"; may be empty.
    pub intro: Vec<i16>,
    /// The alert.
    pub message: Vec<i16>,
    /// "Press 1 to confirm, 2 to repeat."
    pub menu: Vec<i16>,
    /// "Thank you."
    pub thanks: Vec<i16>,
    /// After a `1` before the message was heard: "listen first, press 1 at the end".
    pub listen_first: Vec<i16>,
    /// After the message on an answering machine: how to hear it again.
    pub voicemail: Vec<i16>,
}

/// A program encoded in both G.711 laws.
#[derive(Debug, Clone)]
pub struct EncodedProgram {
    laws: BothLaws<ProgramAudio>,
}

impl EncodedProgram {
    /// Encodes the segments once for each law.
    pub fn new(segments: &Segments) -> EncodedProgram {
        let laws = BothLaws::new(|encode, silence| ProgramAudio {
            intro: Arc::from(encode(&segments.intro)),
            message: Arc::from(encode(&segments.message)),
            menu: Arc::from(encode(&segments.menu)),
            thanks: Arc::from(encode(&segments.thanks)),
            listen_first: Arc::from(encode(&segments.listen_first)),
            voicemail: Arc::from(encode(&segments.voicemail)),
            silence,
        });
        EncodedProgram { laws }
    }

    /// The segments for an RTP payload type: 0 is µ-law, anything else A-law.
    pub fn for_payload_type(&self, payload_type: u8) -> ProgramAudio {
        self.laws.for_payload_type(payload_type)
    }
}

/// A call-back playlist's segments as 8 kHz linear samples.
#[derive(Debug, Clone, Default)]
pub struct PlaylistSegments {
    /// "You have new messages", or a notice; may be empty.
    pub greeting: Vec<i16>,
    /// The items, in the order played.
    pub items: Vec<ItemSegments>,
    /// "Press 1 to confirm, 2 to repeat, 3 for the next message."
    pub menu: Vec<i16>,
    /// "Thank you, your confirmation is noted."
    pub thanks: Vec<i16>,
    /// After a `1` before the item's message was heard: "listen first, press 1 at the end".
    pub listen_first: Vec<i16>,
    /// At the end; may be empty.
    pub goodbye: Vec<i16>,
}

/// One playlist item's segments as 8 kHz linear samples.
#[derive(Debug, Clone, Default)]
pub struct ItemSegments {
    /// Which alert this is; may be empty.
    pub intro: Vec<i16>,
    /// The alert.
    pub message: Vec<i16>,
}

/// A call-back playlist encoded in both G.711 laws.
#[derive(Debug, Clone)]
pub struct EncodedPlaylist {
    laws: BothLaws<PlaylistAudio>,
}

impl EncodedPlaylist {
    /// Encodes the segments once for each law.
    pub fn new(segments: &PlaylistSegments) -> EncodedPlaylist {
        let laws = BothLaws::new(|encode, silence| PlaylistAudio {
            greeting: Arc::from(encode(&segments.greeting)),
            items: segments
                .items
                .iter()
                .map(|item| ItemAudio {
                    intro: Arc::from(encode(&item.intro)),
                    message: Arc::from(encode(&item.message)),
                })
                .collect(),
            menu: Arc::from(encode(&segments.menu)),
            thanks: Arc::from(encode(&segments.thanks)),
            listen_first: Arc::from(encode(&segments.listen_first)),
            goodbye: Arc::from(encode(&segments.goodbye)),
            silence,
        });
        EncodedPlaylist { laws }
    }

    /// The segments for an RTP payload type: 0 is µ-law, anything else A-law.
    pub fn for_payload_type(&self, payload_type: u8) -> PlaylistAudio {
        self.laws.for_payload_type(payload_type)
    }
}

/// Audio encoded once in each law.
#[derive(Debug, Clone)]
struct BothLaws<T> {
    pcma: T,
    pcmu: T,
}

impl<T: Clone> BothLaws<T> {
    /// Builds the audio of each law with that law's encoder and silence byte.
    fn new(law: impl Fn(fn(&[i16]) -> Vec<u8>, u8) -> T) -> BothLaws<T> {
        BothLaws {
            pcma: law(g711::encode_alaw, ALAW_SILENCE),
            pcmu: law(g711::encode_ulaw, ULAW_SILENCE),
        }
    }

    /// PT 0 is µ-law; anything else A-law.
    fn for_payload_type(&self, payload_type: u8) -> T {
        if payload_type == 0 {
            self.pcmu.clone()
        } else {
            self.pcma.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_once_and_shared() {
        let segments = Segments {
            message: vec![1000; 1600],
            ..Segments::default()
        };
        let program = EncodedProgram::new(&segments);
        let a = program.for_payload_type(8);
        let b = program.for_payload_type(8);
        assert!(
            Arc::ptr_eq(&a.message, &b.message),
            "calls share one encoding"
        );
        assert_eq!(a.message[0], g711::alaw_encode(1000));
        assert_eq!(
            program.for_payload_type(0).message[0],
            g711::ulaw_encode(1000)
        );
        assert_eq!(program.for_payload_type(0).silence, ULAW_SILENCE);
    }

    #[test]
    fn a_playlist_is_encoded_once_per_law_item_by_item() {
        let segments = PlaylistSegments {
            greeting: vec![500; 160],
            items: vec![
                ItemSegments {
                    intro: vec![],
                    message: vec![1000; 320],
                },
                ItemSegments {
                    intro: vec![-1000; 160],
                    message: vec![2000; 160],
                },
            ],
            ..PlaylistSegments::default()
        };
        let playlist = EncodedPlaylist::new(&segments);
        let (a, b) = (playlist.for_payload_type(8), playlist.for_payload_type(8));
        assert!(Arc::ptr_eq(&a.items[1].message, &b.items[1].message));
        assert_eq!(a.items.len(), 2);
        assert_eq!(a.items[0].message.len(), 320);
        assert_eq!(a.items[1].intro[0], g711::alaw_encode(-1000));
        let ulaw = playlist.for_payload_type(0);
        assert_eq!(ulaw.greeting[0], g711::ulaw_encode(500));
        assert_eq!(ulaw.items[1].message[0], g711::ulaw_encode(2000));
        assert_eq!(ulaw.silence, ULAW_SILENCE);
        assert_eq!(a.silence, ALAW_SILENCE);
    }
}
