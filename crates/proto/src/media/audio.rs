//! A program's segments encoded once per codec and shared by every call (`Arc`): calls copy
//! pointers, never samples.

use crate::media::g711;
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
    pcma: ProgramAudio,
    pcmu: ProgramAudio,
}

impl EncodedProgram {
    /// Encodes the segments once for each law.
    pub fn new(segments: &Segments) -> EncodedProgram {
        let law = |encode: fn(&[i16]) -> Vec<u8>, silence| ProgramAudio {
            intro: Arc::from(encode(&segments.intro)),
            message: Arc::from(encode(&segments.message)),
            menu: Arc::from(encode(&segments.menu)),
            thanks: Arc::from(encode(&segments.thanks)),
            listen_first: Arc::from(encode(&segments.listen_first)),
            voicemail: Arc::from(encode(&segments.voicemail)),
            silence,
        };
        EncodedProgram {
            pcma: law(g711::encode_alaw, ALAW_SILENCE),
            pcmu: law(g711::encode_ulaw, ULAW_SILENCE),
        }
    }

    /// The segments for an RTP payload type: 0 is µ-law, anything else A-law.
    pub fn for_payload_type(&self, payload_type: u8) -> ProgramAudio {
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
}
