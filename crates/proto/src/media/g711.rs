//! G.711 A-law (PCMA) and µ-law (PCMU): 16-bit linear PCM to and from 8-bit codes.
//!
//! Table-driven, because the codec runs on every sample of every call. The code G.711 gives a
//! sample depends only on its top 12 bits (A-law) or top 14 bits (µ-law), so each law's
//! encoder is one lookup in a table indexed by those bits (4 KiB and 16 KiB, built at compile
//! time), and each decoder is a 256-entry table. No branch, no bounds check at run time: the
//! index is a shifted `u16`, proven in range by its type.
//!
//! Bit-exact with ITU-T G.711 as implemented in the ITU-T G.191 reference (`g711.c`):
//! negative samples are folded with a one's complement (`!x`, not `-x`), there is no µ-law
//! "zero trap", and decoded values are interval midpoints on the 16-bit scale (A-law peak
//! 32 256, µ-law peak 32 124). The tests check every one of the 65 536 inputs against a plain
//! transcription of that reference.

/// Peak amplitude, on the 16-bit linear scale, of a sine at 0 dBm0.
///
/// Convention used throughout `media`: a 0 dBm0 sine is 3.17 dB below a full-scale sine
/// (peak 32 767), the µ-law figure of G.711; A-law's 3.14 dB differs by 0.03 dB, which is
/// immaterial for detection thresholds. So 0 dBm0 is a peak of 22 748 (RMS 16 085) and
/// −25 dBm0 a peak of 1 279.
pub const DBM0_PEAK: f32 = 22_748.0;

/// Encodes one linear sample to an A-law code.
#[must_use]
pub fn alaw_encode(sample: i16) -> u8 {
    ALAW_ENCODE[usize::from(sample as u16 >> 4)]
}

/// Decodes one A-law code to a linear sample.
#[must_use]
pub fn alaw_decode(code: u8) -> i16 {
    ALAW_DECODE[usize::from(code)]
}

/// Encodes one linear sample to a µ-law code.
#[must_use]
pub fn ulaw_encode(sample: i16) -> u8 {
    ULAW_ENCODE[usize::from(sample as u16 >> 2)]
}

/// Decodes one µ-law code to a linear sample.
#[must_use]
pub fn ulaw_decode(code: u8) -> i16 {
    ULAW_DECODE[usize::from(code)]
}

/// Encodes linear samples to A-law, one code per sample.
#[must_use]
pub fn encode_alaw(samples: &[i16]) -> Vec<u8> {
    samples.iter().map(|&s| alaw_encode(s)).collect()
}

/// Decodes A-law codes to linear samples, one sample per code.
#[must_use]
pub fn decode_alaw(codes: &[u8]) -> Vec<i16> {
    codes.iter().map(|&c| alaw_decode(c)).collect()
}

/// Encodes linear samples to µ-law, one code per sample.
#[must_use]
pub fn encode_ulaw(samples: &[i16]) -> Vec<u8> {
    samples.iter().map(|&s| ulaw_encode(s)).collect()
}

/// Decodes µ-law codes to linear samples, one sample per code.
#[must_use]
pub fn decode_ulaw(codes: &[u8]) -> Vec<i16> {
    codes.iter().map(|&c| ulaw_decode(c)).collect()
}

/// A-law codes indexed by the top 12 bits of the sample (`sample as u16 >> 4`).
static ALAW_ENCODE: [u8; 1 << 12] = alaw_encode_table();
/// µ-law codes indexed by the top 14 bits of the sample (`sample as u16 >> 2`).
static ULAW_ENCODE: [u8; 1 << 14] = ulaw_encode_table();
/// Linear values of the 256 A-law codes.
static ALAW_DECODE: [i16; 256] = alaw_decode_table();
/// Linear values of the 256 µ-law codes.
static ULAW_DECODE: [i16; 256] = ulaw_decode_table();

const fn alaw_encode_table() -> [u8; 1 << 12] {
    let mut table = [0; 1 << 12];
    let mut index = 0;
    while index < table.len() {
        // Sign-extend the 12-bit index back to the sample's top bits.
        let top = ((index as u16) << 4) as i16 >> 4;
        table[index] = alaw_code(top);
        index += 1;
    }
    table
}

/// The A-law code of a sample whose top 12 bits are `top` (−2048..=2047).
const fn alaw_code(top: i16) -> u8 {
    let magnitude = (if top < 0 { !top } else { top }) as u16; // 0..=2047
    // Segment 0 is linear; segment s >= 1 holds magnitudes [16 << (s - 1), 32 << (s - 1)).
    let (segment, mantissa) = if magnitude < 16 {
        (0, magnitude)
    } else {
        let segment = 12 - magnitude.leading_zeros() as u16;
        (segment, (magnitude >> (segment - 1)) & 0xF)
    };
    let sign = if top >= 0 { 0x80 } else { 0 };
    ((segment << 4 | mantissa) as u8 | sign) ^ 0x55
}

const fn ulaw_encode_table() -> [u8; 1 << 14] {
    let mut table = [0; 1 << 14];
    let mut index = 0;
    while index < table.len() {
        // Sign-extend the 14-bit index back to the sample's top bits.
        let top = ((index as u16) << 2) as i16 >> 2;
        table[index] = ulaw_code(top);
        index += 1;
    }
    table
}

/// The µ-law code of a sample whose top 14 bits are `top` (−8192..=8191).
const fn ulaw_code(top: i16) -> u8 {
    let folded = (if top < 0 { !top } else { top }) as u16; // 0..=8191
    let biased = if folded + 33 > 0x1FFF {
        0x1FFF
    } else {
        folded + 33
    };
    // The exponent is the bit length of biased / 64: 0..=7.
    let exponent = 16 - (biased >> 6).leading_zeros() as u16;
    let mantissa = (biased >> (exponent + 1)) & 0xF;
    let code = (exponent << 4 | mantissa) as u8;
    if top >= 0 { code ^ 0xFF } else { code ^ 0x7F }
}

const fn alaw_decode_table() -> [i16; 256] {
    let mut table = [0; 256];
    let mut code = 0;
    while code < table.len() {
        let folded = (code as u8 ^ 0x55) & 0x7F;
        let (segment, mantissa) = ((folded >> 4) as i32, (folded & 0xF) as i32);
        // The midpoint of the code's quantisation interval, on the 16-bit scale.
        let (low, width) = if segment == 0 {
            (mantissa << 4, 16)
        } else {
            ((16 + mantissa) << (segment + 3), 1 << (segment + 3))
        };
        let magnitude = (low + width / 2) as i16;
        table[code] = if code & 0x80 != 0 {
            magnitude
        } else {
            -magnitude
        };
        code += 1;
    }
    table
}

const fn ulaw_decode_table() -> [i16; 256] {
    let mut table = [0; 256];
    let mut code = 0;
    while code < table.len() {
        let folded = !(code as u8) & 0x7F;
        let (exponent, mantissa) = ((folded >> 4) as i32, (folded & 0xF) as i32);
        // The midpoint of the biased interval, less the bias (33 on the 14-bit scale).
        let step = 8 << exponent;
        let magnitude = ((128 << exponent) + step * mantissa + step / 2 - 4 * 33) as i16;
        table[code] = if code & 0x80 != 0 {
            magnitude
        } else {
            -magnitude
        };
        code += 1;
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ITU-T G.191 `alaw_compress`, transcribed as written: one's complement for negative
    /// samples, a search for the segment, even bits inverted with 0x55.
    fn reference_alaw_compress(sample: i16) -> u8 {
        let x = i32::from(sample);
        let mut ix = if x < 0 { (!x) >> 4 } else { x >> 4 };
        if ix > 15 {
            let mut iexp = 1;
            while ix > 16 + 15 {
                ix >>= 1;
                iexp += 1;
            }
            ix -= 16;
            ix += iexp << 4;
        }
        if x >= 0 {
            ix |= 0x80;
        }
        (ix ^ 0x55) as u8
    }

    /// ITU-T G.191 `alaw_expand`.
    fn reference_alaw_expand(code: u8) -> i16 {
        let ix = i32::from(code ^ 0x55) & 0x7F;
        let iexp = ix >> 4;
        let mut mant = ix & 0xF;
        if iexp > 0 {
            mant += 16;
        }
        mant = (mant << 4) + 8;
        if iexp > 1 {
            mant <<= iexp - 1;
        }
        (if code > 127 { mant } else { -mant }) as i16
    }

    /// ITU-T G.191 `ulaw_compress`: bias 33 on the 14-bit scale (0x84 on the 16-bit one),
    /// clip at 0x1FFF, search for the segment, invert the code (0xFF for positive samples).
    fn reference_ulaw_compress(sample: i16) -> u8 {
        let x = i32::from(sample);
        let mut absno = if x < 0 {
            ((!x) >> 2) + 33
        } else {
            (x >> 2) + 33
        };
        if absno > 0x1FFF {
            absno = 0x1FFF;
        }
        let mut i = absno >> 6;
        let mut segno = 1;
        while i != 0 {
            segno += 1;
            i >>= 1;
        }
        let high_nibble = 0x8 - segno;
        let low_nibble = 0xF - ((absno >> segno) & 0xF);
        let mut code = (high_nibble << 4) | low_nibble;
        if x >= 0 {
            code |= 0x80;
        }
        code as u8
    }

    /// ITU-T G.191 `ulaw_expand`.
    fn reference_ulaw_expand(code: u8) -> i16 {
        let sign = if code < 0x80 { -1 } else { 1 };
        let mantissa = !i32::from(code);
        let exponent = (mantissa >> 4) & 0x7;
        let segment = exponent + 1;
        let mantissa = mantissa & 0xF;
        let step = 4 << segment;
        (sign * ((0x80 << exponent) + step * mantissa + step / 2 - 4 * 33)) as i16
    }

    #[test]
    fn alaw_encoder_matches_the_reference_for_every_sample() {
        for sample in i16::MIN..=i16::MAX {
            assert_eq!(
                alaw_encode(sample),
                reference_alaw_compress(sample),
                "{sample}"
            );
        }
    }

    #[test]
    fn ulaw_encoder_matches_the_reference_for_every_sample() {
        for sample in i16::MIN..=i16::MAX {
            assert_eq!(
                ulaw_encode(sample),
                reference_ulaw_compress(sample),
                "{sample}"
            );
        }
    }

    #[test]
    fn decoders_match_the_reference_for_every_code() {
        for code in 0..=u8::MAX {
            assert_eq!(
                alaw_decode(code),
                reference_alaw_expand(code),
                "A-law {code:#04x}"
            );
            assert_eq!(
                ulaw_decode(code),
                reference_ulaw_expand(code),
                "µ-law {code:#04x}"
            );
        }
    }

    #[test]
    fn decoded_values_survive_a_second_pass() {
        for code in 0..=u8::MAX {
            let a = alaw_decode(code);
            assert_eq!(alaw_decode(alaw_encode(a)), a, "A-law {code:#04x}");
            let u = ulaw_decode(code);
            assert_eq!(ulaw_decode(ulaw_encode(u)), u, "µ-law {code:#04x}");
        }
    }

    #[test]
    fn known_codes() {
        assert_eq!(alaw_encode(0), 0xD5);
        assert_eq!(alaw_encode(-1), 0x55);
        assert_eq!(ulaw_encode(0), 0xFF);
        assert_eq!(ulaw_encode(-1), 0x7F);
        assert_eq!(alaw_decode(0xD5), 8);
        assert_eq!(ulaw_decode(0xFF), 0);
        assert_eq!(alaw_decode(alaw_encode(i16::MAX)), 32_256);
        assert_eq!(alaw_decode(alaw_encode(i16::MIN)), -32_256);
        assert_eq!(ulaw_decode(ulaw_encode(i16::MAX)), 32_124);
        assert_eq!(ulaw_decode(ulaw_encode(i16::MIN)), -32_124);
    }

    #[test]
    fn slice_helpers_agree_with_the_sample_functions() {
        let samples: Vec<i16> = (i16::MIN..=i16::MAX).step_by(97).collect();
        let alaw = encode_alaw(&samples);
        let ulaw = encode_ulaw(&samples);
        assert_eq!(alaw.len(), samples.len());
        for ((&s, &a), &u) in samples.iter().zip(&alaw).zip(&ulaw) {
            assert_eq!(a, alaw_encode(s));
            assert_eq!(u, ulaw_encode(s));
        }
        let expected: Vec<i16> = alaw.iter().map(|&c| alaw_decode(c)).collect();
        assert_eq!(decode_alaw(&alaw), expected);
        let expected: Vec<i16> = ulaw.iter().map(|&c| ulaw_decode(c)).collect();
        assert_eq!(decode_ulaw(&ulaw), expected);
        assert!(encode_alaw(&[]).is_empty() && decode_ulaw(&[]).is_empty());
    }
}
