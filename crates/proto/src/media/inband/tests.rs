//! Tests of the parent module.

use super::*;
use crate::media::g711;

const RATE: f64 = 8_000.0;

/// One row of the acceptance table. Levels: the low tone is at `level_dbm0`, the high tone
/// `twist_db` below it (negative: reverse twist, the high tone louder).
struct Case {
    key: char,
    /// Offsets of the low and high tone from nominal, in percent.
    offset_pct: [f64; 2],
    ms: f64,
    level_dbm0: f64,
    twist_db: f64,
    expect: Option<char>,
}

const fn case(key: char, offset_pct: [f64; 2], ms: f64, level: f64, twist: f64) -> Case {
    Case {
        key,
        offset_pct,
        ms,
        level_dbm0: level,
        twist_db: twist,
        expect: Some(key),
    }
}

const fn reject(key: char, offset_pct: [f64; 2], ms: f64, level: f64, twist: f64) -> Case {
    Case {
        key,
        offset_pct,
        ms,
        level_dbm0: level,
        twist_db: twist,
        expect: None,
    }
}

#[rustfmt::skip]
const CASES: &[Case] = &[
    // Every key at nominal frequency, 40 ms, −10 dBm0.
    case('1', [0.0, 0.0], 40.0, -10.0, 0.0), case('2', [0.0, 0.0], 40.0, -10.0, 0.0),
    case('3', [0.0, 0.0], 40.0, -10.0, 0.0), case('A', [0.0, 0.0], 40.0, -10.0, 0.0),
    case('4', [0.0, 0.0], 40.0, -10.0, 0.0), case('5', [0.0, 0.0], 40.0, -10.0, 0.0),
    case('6', [0.0, 0.0], 40.0, -10.0, 0.0), case('B', [0.0, 0.0], 40.0, -10.0, 0.0),
    case('7', [0.0, 0.0], 40.0, -10.0, 0.0), case('8', [0.0, 0.0], 40.0, -10.0, 0.0),
    case('9', [0.0, 0.0], 40.0, -10.0, 0.0), case('C', [0.0, 0.0], 40.0, -10.0, 0.0),
    case('*', [0.0, 0.0], 40.0, -10.0, 0.0), case('0', [0.0, 0.0], 40.0, -10.0, 0.0),
    case('#', [0.0, 0.0], 40.0, -10.0, 0.0), case('D', [0.0, 0.0], 40.0, -10.0, 0.0),
    // ±1.5 %: accepted, in every direction, at the level limit too.
    case('1', [1.5, 1.5], 40.0, -10.0, 0.0), case('1', [-1.5, -1.5], 40.0, -10.0, 0.0),
    case('5', [1.5, -1.5], 40.0, -10.0, 0.0), case('5', [-1.5, 1.5], 40.0, -10.0, 0.0),
    case('*', [1.5, 1.5], 40.0, -10.0, 0.0), case('*', [-1.5, -1.5], 40.0, -10.0, 0.0),
    case('D', [1.5, 1.5], 40.0, -10.0, 0.0), case('D', [-1.5, -1.5], 40.0, -10.0, 0.0),
    case('3', [1.5, -1.5], 40.0, -25.0, 0.0), case('C', [-1.5, 1.5], 40.0, -25.0, 0.0),
    // ±3.5 %: rejected, whichever tone is off.
    reject('1', [3.5, 0.0], 50.0, -10.0, 0.0), reject('1', [-3.5, 0.0], 50.0, -10.0, 0.0),
    reject('1', [0.0, 3.5], 50.0, -10.0, 0.0), reject('1', [0.0, -3.5], 50.0, -10.0, 0.0),
    reject('*', [3.5, 0.0], 50.0, -10.0, 0.0), reject('*', [-3.5, 0.0], 50.0, -10.0, 0.0),
    reject('*', [0.0, 3.5], 50.0, -10.0, 0.0), reject('*', [0.0, -3.5], 50.0, -10.0, 0.0),
    reject('D', [3.5, 3.5], 50.0, -10.0, 0.0), reject('D', [0.0, 3.5], 50.0, -10.0, 0.0),
    reject('D', [0.0, -3.5], 50.0, -10.0, 0.0), reject('5', [-3.5, -3.5], 50.0, -10.0, 0.0),
    reject('9', [0.0, 5.0], 50.0, -10.0, 0.0), reject('2', [5.0, 0.0], 50.0, -10.0, 0.0),
    // Duration: 40 ms accepted, 23 ms and shorter rejected.
    case('0', [0.0, 0.0], 40.0, -10.0, 0.0), reject('0', [0.0, 0.0], 23.0, -10.0, 0.0),
    case('6', [1.5, 1.5], 40.0, -25.0, 0.0), reject('6', [0.0, 0.0], 23.0, -3.0, 0.0),
    reject('8', [0.0, 0.0], 20.0, -10.0, 0.0), reject('8', [0.0, 0.0], 10.0, -10.0, 0.0),
    // Level: down to −25 dBm0 accepted, −35 dBm0 rejected; −3 dBm0 per tone still fine.
    case('2', [0.0, 0.0], 40.0, -25.0, 0.0), case('#', [0.0, 0.0], 40.0, -25.0, 0.0),
    case('7', [0.0, 0.0], 40.0, -3.0, 0.0), reject('7', [0.0, 0.0], 60.0, -35.0, 0.0),
    // Twist: 8 dB normal and 4 dB reverse accepted, 10 dB and 6 dB rejected.
    case('1', [0.0, 0.0], 40.0, -10.0, 8.0), case('1', [0.0, 0.0], 40.0, -10.0, -4.0),
    case('D', [1.5, 1.5], 40.0, -10.0, 8.0), case('D', [-1.5, -1.5], 40.0, -10.0, -4.0),
    case('*', [-1.5, 1.5], 40.0, -17.0, 8.0), case('*', [1.5, -1.5], 40.0, -25.0, -4.0),
    case('5', [0.0, 0.0], 40.0, -17.0, 8.0), case('9', [0.0, 0.0], 40.0, -25.0, -4.0),
    reject('1', [0.0, 0.0], 50.0, -10.0, 10.0), reject('1', [0.0, 0.0], 50.0, -10.0, -6.0),
    reject('D', [0.0, 0.0], 50.0, -10.0, 10.0), reject('D', [0.0, 0.0], 50.0, -10.0, -6.0),
    reject('*', [0.0, 0.0], 50.0, -10.0, 10.0), reject('*', [0.0, 0.0], 50.0, -10.0, -6.0),
];

#[test]
fn acceptance_table_at_several_alignments() {
    for case in CASES {
        let (low, high) = key_frequencies(case.key);
        let low_hz = low * (1.0 + case.offset_pct[0] / 100.0);
        let high_hz = high * (1.0 + case.offset_pct[1] / 100.0);
        let high_dbm0 = case.level_dbm0 - case.twist_db;
        let burst = dual_tone(low_hz, high_hz, case.level_dbm0, high_dbm0, case.ms);
        for lead in (0..HOP).step_by(7) {
            let mut signal = silence(50.0 + lead as f64 / 8.0);
            signal.extend(&burst);
            signal.extend(silence(100.0));
            let found = detect(&pcm(&signal));
            let expected: String = case.expect.into_iter().collect();
            assert_eq!(
                found, expected,
                "key {} offset {:?} % {} ms {} dBm0 twist {} dB, lead {lead}",
                case.key, case.offset_pct, case.ms, case.level_dbm0, case.twist_db
            );
        }
    }
}

#[test]
fn duration_limits_hold_at_every_alignment() {
    for key in ['1', '5', '9', '*', '0', 'D'] {
        let (low, high) = key_frequencies(key);
        for lead in 0..HOP {
            let run = |ms: f64| {
                let mut signal = silence(30.0 + lead as f64 / 8.0);
                signal.extend(dual_tone(low, high, -10.0, -10.0, ms));
                signal.extend(silence(60.0));
                detect(&pcm(&signal))
            };
            assert_eq!(run(40.0), key.to_string(), "40 ms of {key}, lead {lead}");
            assert_eq!(run(23.0), "", "23 ms of {key}, lead {lead}");
        }
    }
}

#[test]
fn all_keys_in_sequence_each_once() {
    let keys = "1234567890*#ABCD";
    let mut signal = silence(20.0);
    for key in keys.chars() {
        let (low, high) = key_frequencies(key);
        signal.extend(dual_tone(low, high, -12.0, -14.0, 45.0));
        signal.extend(silence(40.0));
    }
    assert_eq!(detect(&pcm(&signal)), keys);
}

#[test]
fn a_held_key_is_one_press_and_a_pause_or_a_change_starts_another() {
    let (low1, high1) = key_frequencies('1');
    let (low2, high2) = key_frequencies('2');
    let held = dual_tone(low1, high1, -10.0, -10.0, 2_000.0);
    assert_eq!(detect(&pcm(&held)), "1");

    for lead in (0..HOP).step_by(6) {
        let mut dropout = silence(lead as f64 / 8.0);
        dropout.extend(dual_tone(low1, high1, -10.0, -10.0, 200.0));
        let hole = dropout.iter_mut().skip(samples(90.0)).take(samples(20.0));
        hole.for_each(|x| *x = 0.0);
        assert_eq!(detect(&pcm(&dropout)), "1", "a lost packet, lead {lead}");

        let mut twice = silence(lead as f64 / 8.0);
        twice.extend(dual_tone(low1, high1, -10.0, -10.0, 60.0));
        twice.extend(silence(40.0));
        twice.extend(dual_tone(low1, high1, -10.0, -10.0, 60.0));
        assert_eq!(detect(&pcm(&twice)), "11", "a 40 ms pause, lead {lead}");
    }

    let mut change = dual_tone(low1, high1, -10.0, -10.0, 80.0);
    change.extend(dual_tone(low2, high2, -10.0, -10.0, 80.0));
    assert_eq!(detect(&pcm(&change)), "12");
}

#[test]
fn any_chunking_gives_the_same_keys() {
    let mut signal = Vec::new();
    for key in "159D".chars() {
        let (low, high) = key_frequencies(key);
        signal.extend(dual_tone(low, high, -10.0, -12.0, 50.0));
        signal.extend(silence(50.0));
    }
    let pcm = pcm(&signal);
    for size in [1, 7, 72, 144, 160, 333, pcm.len()] {
        let mut detector = InbandDetector::new();
        let found: String = pcm.chunks(size).flat_map(|c| detector.process(c)).collect();
        assert_eq!(found, "159D", "chunks of {size}");
    }
    assert!(InbandDetector::default().process(&[]).is_empty());
}

#[test]
fn keys_survive_a_g711_round_trip() {
    for (law, encode, decode) in [
        (
            "A-law",
            g711::encode_alaw as fn(&[i16]) -> Vec<u8>,
            g711::decode_alaw as fn(&[u8]) -> Vec<i16>,
        ),
        ("µ-law", g711::encode_ulaw, g711::decode_ulaw),
    ] {
        for (level, twist) in [(-10.0, 0.0), (-25.0, 0.0), (-17.0, 8.0), (-25.0, -4.0)] {
            let keys = "1234567890*#ABCD";
            let mut signal = silence(20.0);
            for key in keys.chars() {
                let (low, high) = key_frequencies(key);
                signal.extend(dual_tone(
                    low * 1.015,
                    high * 0.985,
                    level,
                    level - twist,
                    40.0,
                ));
                signal.extend(silence(40.0));
            }
            let decoded = decode(&encode(&pcm(&signal)));
            assert_eq!(
                detect(&decoded),
                keys,
                "{law} at {level} dBm0, twist {twist} dB"
            );
        }
    }
}

#[test]
fn white_noise_alone_is_no_key() {
    for (seed, level) in [-40.0, -30.0, -20.0, -10.0, -3.0].into_iter().enumerate() {
        let noise = white_noise(3_000.0, level, seed as u64);
        assert_eq!(detect(&pcm(&noise)), "", "noise at {level} dBm0");
    }
}

#[test]
fn keys_are_heard_through_noise() {
    let keys = "1234567890*#ABCD";
    for snr_db in [20.0, 15.0] {
        let mut signal = silence(20.0);
        for key in keys.chars() {
            let (low, high) = key_frequencies(key);
            signal.extend(dual_tone(low, high, -20.0, -20.0, 50.0));
            signal.extend(silence(50.0));
        }
        // Noise power relative to the two tones together (each −20 dBm0).
        let noise_dbm0 = -20.0 + 10.0 * 2.0_f64.log10() - snr_db;
        let noise = white_noise(signal.len() as f64 / 8.0, noise_dbm0, 99);
        let noisy: Vec<f64> = signal.iter().zip(&noise).map(|(s, n)| s + n).collect();
        assert_eq!(detect(&pcm(&noisy)), keys, "SNR {snr_db} dB");
    }
}

#[test]
fn extreme_input_does_not_panic_or_detect() {
    let square: Vec<i16> = (0..8_000)
        .map(|n| if n % 8 < 4 { i16::MAX } else { i16::MIN })
        .collect();
    let alternating: Vec<i16> = (0..8_000)
        .map(|n| if n % 2 == 0 { i16::MAX } else { i16::MIN })
        .collect();
    let steps: Vec<i16> = (0..8_000)
        .map(|n| ((n * 7_919) % 65_536 - 32_768) as i16)
        .collect();
    for signal in [
        square,
        alternating,
        steps,
        vec![i16::MIN; 8_000],
        vec![0; 8_000],
    ] {
        assert_eq!(InbandDetector::new().process(&signal), Vec::<char>::new());
    }
}

// Talk-off: speech- and music-like signals must never produce a key.

#[test]
fn no_talk_off_on_vowels() {
    // (F1, F2, F3) in Hz: /a/, /i/, /u/, /ɛ/, /ɔ/, /æ/, and two built to sit on key pairs.
    let vowels = [
        (730.0, 1090.0, 2440.0),
        (270.0, 2290.0, 3010.0),
        (300.0, 870.0, 2240.0),
        (530.0, 1840.0, 2480.0),
        (570.0, 840.0, 2410.0),
        (660.0, 1720.0, 2410.0),
        (700.0, 1210.0, 2600.0),
        (940.0, 1340.0, 2500.0),
    ];
    let mut signal = Vec::new();
    for (i, &formants) in vowels.iter().enumerate() {
        // Pitch glides through 80–320 Hz so harmonics cross every key frequency.
        let (from, to) = if i % 2 == 0 {
            (80.0, 320.0)
        } else {
            (320.0, 80.0)
        };
        signal.extend(vowel(formants, from, to, 1_500.0, -12.0));
    }
    assert_eq!(detect(&pcm(&signal)), "");
}

#[test]
fn no_talk_off_on_high_voices() {
    // Sung or children's vowels, 200–500 Hz: few, strong harmonics, the hard case for
    // detectors that only compare filter levels.
    let mut random = xorshift(2024);
    let mut signal = Vec::new();
    for _ in 0..48 {
        let formants = (
            250.0 + 750.0 * random(),
            800.0 + 1_700.0 * random(),
            2_200.0 + 800.0 * random(),
        );
        let (from, to) = (200.0 + 300.0 * random(), 200.0 + 300.0 * random());
        signal.extend(vowel(formants, from, to, 250.0, -28.0 + 23.0 * random()));
    }
    assert_eq!(detect(&pcm(&signal)), "");
}

#[test]
fn no_talk_off_on_harmonic_tones_with_vibrato() {
    let mut signal = Vec::new();
    let mut f0 = 110.0;
    while f0 < 900.0 {
        signal.extend(harmonic_note(&[f0], 6, 0.015, 250.0, -12.0));
        f0 *= 2.0_f64.powf(1.0 / 12.0);
    }
    assert_eq!(detect(&pcm(&signal)), "");
}

#[test]
fn no_talk_off_on_chords() {
    // Equal-tempered notes near key frequencies: F5 698.5, G5 784.0, A5 880.0, A#5 932.3,
    // D6 1174.7, E6 1318.5, F#6 1480.0, G#6 1661.2, plus C6, C#6, A4 around them.
    let chords: &[&[f64]] = &[
        &[698.46, 1479.98, 880.0],
        &[698.46, 1318.51, 1046.5],
        &[932.33, 1318.51, 1108.73],
        &[783.99, 1174.66, 1479.98, 440.0],
        &[698.46, 880.0, 1046.5, 1318.51],
        &[932.33, 1174.66, 1661.22, 587.33],
        &[830.61, 1244.51, 1479.98],
        &[698.46, 1174.66, 1396.91, 523.25],
    ];
    let mut signal = Vec::new();
    for chord in chords {
        signal.extend(harmonic_note(chord, 4, 0.0, 300.0, -12.0));
        signal.extend(harmonic_note(chord, 1, 0.0, 300.0, -12.0));
        signal.extend(harmonic_note(chord, 3, 0.006, 300.0, -12.0));
    }
    assert_eq!(detect(&pcm(&signal)), "");
}

#[test]
fn no_talk_off_on_chirps() {
    let mut signal = Vec::new();
    for (from, to, ms) in [
        (300.0, 3_400.0, 500.0),
        (3_400.0, 300.0, 1_000.0),
        (500.0, 2_000.0, 2_000.0),
    ] {
        signal.extend(chirp(from, to, ms, 1, -10.0));
        signal.extend(chirp(from / 2.0, to / 2.0, ms, 5, -10.0));
    }
    assert_eq!(detect(&pcm(&signal)), "");
}

// Signal helpers, in f64 on the 16-bit scale.

fn key_frequencies(key: char) -> (f64, f64) {
    for (row, keys) in KEYS.iter().enumerate() {
        if let Some(column) = keys.iter().position(|&k| k == key) {
            return (
                f64::from(FREQUENCIES[row]),
                f64::from(FREQUENCIES[4 + column]),
            );
        }
    }
    panic!("no key {key}");
}

fn peak(dbm0: f64) -> f64 {
    f64::from(DBM0_PEAK) * 10.0_f64.powf(dbm0 / 20.0)
}

fn samples(ms: f64) -> usize {
    (ms * RATE / 1_000.0).round() as usize
}

fn silence(ms: f64) -> Vec<f64> {
    vec![0.0; samples(ms)]
}

fn dual_tone(low_hz: f64, high_hz: f64, low_dbm0: f64, high_dbm0: f64, ms: f64) -> Vec<f64> {
    let (a, b) = (peak(low_dbm0), peak(high_dbm0));
    (0..samples(ms))
        .map(|n| {
            let t = n as f64 / RATE;
            a * (std::f64::consts::TAU * low_hz * t).sin()
                + b * (std::f64::consts::TAU * high_hz * t + 1.0).sin()
        })
        .collect()
}

fn pcm(signal: &[f64]) -> Vec<i16> {
    signal
        .iter()
        .map(|&x| x.round().clamp(-32_768.0, 32_767.0) as i16)
        .collect()
}

/// Runs a fresh detector over `pcm` in 20 ms frames, as the call path does.
fn detect(pcm: &[i16]) -> String {
    let mut detector = InbandDetector::new();
    pcm.chunks(160)
        .flat_map(|frame| detector.process(frame))
        .collect()
}

/// Gaussian white noise with the power of a sine at `dbm0`, from a fixed seed.
fn white_noise(ms: f64, dbm0: f64, seed: u64) -> Vec<f64> {
    let mut uniform = xorshift(seed);
    let sigma = peak(dbm0) / 2.0_f64.sqrt();
    (0..samples(ms))
        .map(|_| {
            let (u, v) = (uniform().max(1e-12), uniform());
            sigma * (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        })
        .collect()
}

/// Uniform numbers in [0, 1) from a fixed seed.
fn xorshift(seed: u64) -> impl FnMut() -> f64 {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Notes of `harmonics` partials each (amplitude 1/k), with vibrato of `depth` (a
/// fraction) at 5.5 Hz, an attack and a release; peak of the sum at `dbm0`.
fn harmonic_note(notes: &[f64], harmonics: usize, depth: f64, ms: f64, dbm0: f64) -> Vec<f64> {
    let len = samples(ms);
    let mut phases = vec![0.0; notes.len()];
    let mut out = Vec::with_capacity(len);
    for n in 0..len {
        let t = n as f64 / RATE;
        let vibrato = 1.0 + depth * (std::f64::consts::TAU * 5.5 * t).sin();
        let mut value = 0.0;
        for (phase, &f) in phases.iter_mut().zip(notes) {
            *phase += std::f64::consts::TAU * f * vibrato / RATE;
            value += (1..=harmonics)
                .map(|k| (k as f64 * *phase).sin() / k as f64)
                .sum::<f64>();
        }
        out.push(value * envelope(n, len));
    }
    normalise(out, dbm0)
}

/// A vowel: a glottal pulse train gliding from `from` to `to` Hz through three formant
/// resonators (bandwidths 60, 90, 150 Hz).
fn vowel(formants: (f64, f64, f64), from: f64, to: f64, ms: f64, dbm0: f64) -> Vec<f64> {
    let len = samples(ms);
    let mut phase = 0.0;
    let source: Vec<f64> = (0..len)
        .map(|n| {
            let t = n as f64 / len as f64;
            let f0 = from
                * (to / from).powf(t)
                * (1.0 + 0.02 * (std::f64::consts::TAU * 5.0 * t * ms / 1_000.0).sin());
            phase = (phase + f0 / RATE) % 1.0;
            // Rosenberg-like pulse: open for 40 % of the period, then closed.
            let pulse = if phase < 0.4 {
                (std::f64::consts::PI * phase / 0.4).sin().powi(2)
            } else {
                0.0
            };
            pulse * envelope(n, len)
        })
        .collect();
    let (f1, f2, f3) = formants;
    let shaped = resonate(&resonate(&resonate(&source, f1, 60.0), f2, 90.0), f3, 150.0);
    normalise(shaped, dbm0)
}

/// A two-pole resonator at `hz` with bandwidth `bandwidth` Hz.
fn resonate(input: &[f64], hz: f64, bandwidth: f64) -> Vec<f64> {
    let r = (-std::f64::consts::PI * bandwidth / RATE).exp();
    let (a1, a2) = (2.0 * r * (std::f64::consts::TAU * hz / RATE).cos(), -r * r);
    let (mut y1, mut y2) = (0.0, 0.0);
    input
        .iter()
        .map(|&x| {
            let y = x + a1 * y1 + a2 * y2;
            (y2, y1) = (y1, y);
            y
        })
        .collect()
}

/// A sweep from `from` to `to` Hz with `harmonics` partials (a sawtooth-like buzz).
fn chirp(from: f64, to: f64, ms: f64, harmonics: usize, dbm0: f64) -> Vec<f64> {
    let len = samples(ms);
    let mut phase = 0.0;
    let out = (0..len)
        .map(|n| {
            let f = from + (to - from) * n as f64 / len as f64;
            phase += std::f64::consts::TAU * f / RATE;
            (1..=harmonics)
                .map(|k| (k as f64 * phase).sin() / k as f64)
                .sum::<f64>()
        })
        .collect();
    normalise(out, dbm0)
}

/// 20 ms linear attack and release.
fn envelope(n: usize, len: usize) -> f64 {
    let ramp = samples(20.0) as f64;
    (n as f64 / ramp).min((len - n) as f64 / ramp).min(1.0)
}

/// Scales so the loudest sample is the peak of a sine at `dbm0`.
fn normalise(signal: Vec<f64>, dbm0: f64) -> Vec<f64> {
    let max = signal.iter().fold(0.0_f64, |m, x| m.max(x.abs())).max(1e-9);
    signal.into_iter().map(|x| x * peak(dbm0) / max).collect()
}
