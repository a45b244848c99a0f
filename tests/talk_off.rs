//! Talk-off: the in-band DTMF detector must raise no digit on the project's own speech (the
//! prompts in `voices/`, every language) after a G.711 round trip, as a member's phone would
//! hand it to us if our own audio leaked back.

use buurtbel::media::g711;
use buurtbel::media::inband::InbandDetector;
use buurtbel::speech::wav::read_8k;
use std::path::Path;

/// A G.711 law: encoder and decoder.
type Law = (fn(&[i16]) -> Vec<u8>, fn(&[u8]) -> Vec<i16>);

#[test]
fn no_digit_on_the_prompts_in_any_language() {
    let voices = Path::new(env!("CARGO_MANIFEST_DIR")).join("voices");
    let mut checked = 0;
    for lang in ["nl", "fr", "de", "en"] {
        for name in ["intro", "menu", "thanks"] {
            let samples = read_8k(&voices.join(lang).join(format!("{name}.wav"))).unwrap();
            let laws: [Law; 2] = [
                (g711::encode_alaw, g711::decode_alaw),
                (g711::encode_ulaw, g711::decode_ulaw),
            ];
            for (encode, decode) in laws {
                let heard = decode(&encode(&samples));
                let mut detector = InbandDetector::new();
                let digits: Vec<char> = heard
                    .chunks(160)
                    .flat_map(|frame| detector.process(frame))
                    .collect();
                assert!(digits.is_empty(), "{lang}/{name}.wav raised {digits:?}");
                checked += heard.len();
            }
        }
    }
    assert!(
        checked > 8000 * 60,
        "at least a minute of speech checked, got {} s",
        checked / 8000
    );
}
