//! Our speech must never sound like a keypress to our own detector. A member's line echoes
//! part of what we play; if a vowel of the message looked like the tone pair of a key, the
//! in-band detector would hear the member "press" it. Synthetic voices make this likelier
//! than human ones: the built-in engine builds a vowel from a handful of harmonics, and a
//! French nasal at 121 Hz puts its 7th and 11th right on 852 + 1336 Hz, the key 8.
//!
//! So every rendering is checked with the call's own detector, as linear audio and through
//! both G.711 laws. If it raises a key, the whole utterance is re-pitched by a few percent,
//! which moves every harmonic off the keypad's frequencies, and checked again.

use super::engine::{Pcm, SpeechError};
use super::post;
use buurtbel_proto::media::g711;
use buurtbel_proto::media::inband::InbandDetector;

/// Pitch changes tried in turn, as fractions (also shortening or lengthening the speech by
/// the same amount, which a listener does not notice).
const SHIFTS: [f32; 4] = [0.04, -0.04, 0.07, -0.07];

/// The telephone rendering of `pcm`, re-pitched if needed so no key is heard in it.
pub fn for_telephone(pcm: &Pcm) -> Result<Vec<i16>, SpeechError> {
    let samples = post::for_telephone(pcm)?;
    if !raises_key(&samples) {
        return Ok(samples);
    }
    for shift in SHIFTS {
        let shifted = Pcm {
            samples: pcm.samples.clone(),
            rate: (pcm.rate as f32 * (1.0 + shift)).round() as u32,
        };
        let samples = post::for_telephone(&shifted)?;
        if !raises_key(&samples) {
            tracing::debug!(shift, "speech re-pitched to keep clear of keypad tones");
            return Ok(samples);
        }
    }
    tracing::warn!("speech still resembles a keypress after re-pitching; played as is");
    Ok(samples)
}

/// Whether the detector hears a key in `samples`, linear or through A-law or µ-law.
pub fn raises_key(samples: &[i16]) -> bool {
    let alaw = g711::decode_alaw(&g711::encode_alaw(samples));
    let ulaw = g711::decode_ulaw(&g711::encode_ulaw(samples));
    [samples, &alaw, &ulaw].iter().any(|audio| {
        let mut detector = InbandDetector::new();
        audio
            .chunks(160)
            .any(|frame| !detector.process(frame).is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 121 Hz "vowel" of only its 2nd, 3rd, 7th and 11th harmonics, as the built-in
    /// engine makes French nasals: 7 × 121 = 847 and 11 × 121 = 1331 Hz, the key 8.
    fn nasal(f0: f32) -> Pcm {
        let rate = 22_050;
        let samples = (0..rate / 2)
            .map(|i| {
                let t = i as f32 / rate as f32;
                let h = |n: f32, a: f32| a * (std::f32::consts::TAU * n * f0 * t).sin();
                h(2.0, 0.03) + h(3.0, 0.03) + h(7.0, 0.3) + h(11.0, 0.2)
            })
            .collect();
        Pcm {
            samples,
            rate: rate as u32,
        }
    }

    #[test]
    fn a_vowel_on_a_key_pair_is_re_pitched_until_it_is_not() {
        let plain = post::for_telephone(&nasal(121.0)).unwrap();
        assert!(raises_key(&plain), "the test vowel does look like a key");
        let safe = for_telephone(&nasal(121.0)).unwrap();
        assert!(!raises_key(&safe));
        let length = |s: &[i16]| s.len() as f32;
        assert!((length(&safe) / length(&plain) - 1.0).abs() < 0.05);
    }

    #[test]
    fn clear_speech_is_left_alone() {
        let clear = nasal(100.0);
        assert_eq!(
            for_telephone(&clear).unwrap(),
            post::for_telephone(&clear).unwrap()
        );
    }
}
