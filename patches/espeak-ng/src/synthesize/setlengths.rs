//! Phoneme durations — a port of `setlengths.c` (`SetSpeed`, `CalcLengths`)
//! and of the length arithmetic of `synthesize.c`/`synthdata.c` (`DoSpect2`,
//! `LookupSpect`, `DoSample2`, `PauseLength`).
//!
//! Durations are decided in two steps, as in C:
//!
//! 1. [`calc_lengths`] walks the clause's phoneme list and gives each phoneme
//!    its `length` (a 256-based modifier: a vowel's from its stress, its
//!    position in the word and clause and the two phonemes after it, the
//!    speaking rate included) and its `prepause` (the silence before a stop or
//!    fricative, in nominal ms).
//! 2. At synthesis, a formant sequence's frames are scaled by that modifier
//!    ([`spect_lengths`]; a vowel's body is first normalised to its standard
//!    length, [`normalise_vowel_body`]), a recorded sound by the rate's
//!    `wav_factor` ([`sample_length`]), and a pause by `pause_factor`
//!    ([`pause_samples`]).
//!
//! The language-specific numbers (`stress_lengths`, the length-modifier
//! tables, …) come from `tr_languages.c` through [`LengthOptions`].

// References:
//   setlengths.c  SetSpeed(), CalcLengths()
//   synthesize.c  DoSpect2(), DoSample2(), PauseLength()
//   synthdata.c   LookupSpect()
//   tr_languages.c  NewTranslator() stress_lengths2, stress_amps2, per-language options

// ---------------------------------------------------------------------------
// English default stress parameters  (tr_languages.c, NewTranslator)
// ---------------------------------------------------------------------------

/// `speed_lookup` — words-per-minute (80–359) to eSpeak's internal speed
/// factor, transcribed from `setlengths.c`.  A *larger* value means *longer*
/// phonemes; 175 wpm (the default) maps to 87.
pub const SPEED_LOOKUP: [u8; 280] = [
    255, 255, 255, 255, 255, 253, 249, 245, 242, 238, // 80
    235, 232, 228, 225, 222, 218, 216, 213, 210, 207, // 90
    204, 201, 198, 196, 193, 191, 188, 186, 183, 181, // 100
    179, 176, 174, 172, 169, 168, 165, 163, 161, 159, // 110
    158, 155, 153, 152, 150, 148, 146, 145, 143, 141, // 120
    139, 137, 136, 135, 133, 131, 130, 129, 127, 126, // 130
    124, 123, 122, 120, 119, 118, 117, 115, 114, 113, // 140
    112, 111, 110, 109, 107, 106, 105, 104, 103, 102, // 150
    101, 100, 99, 98, 97, 96, 95, 94, 93, 92, // 160
    91, 90, 89, 89, 88, 87, 86, 85, 84, 83, // 170
    82, 82, 81, 80, 80, 79, 78, 77, 76, 76, // 180
    75, 75, 74, 73, 72, 71, 71, 70, 69, 69, // 190
    68, 67, 67, 66, 66, 65, 64, 64, 63, 62, // 200
    62, 61, 61, 60, 59, 59, 58, 58, 57, 57, // 210
    56, 56, 55, 54, 54, 53, 53, 52, 52, 52, // 220
    51, 50, 50, 49, 49, 48, 48, 47, 47, 46, // 230
    46, 46, 45, 45, 44, 44, 44, 43, 43, 42, // 240
    41, 40, 40, 40, 39, 39, 39, 38, 38, 38, // 250
    37, 37, 37, 36, 36, 35, 35, 35, 35, 34, // 260
    34, 34, 33, 33, 33, 32, 32, 31, 31, 31, // 270
    30, 30, 30, 29, 29, 29, 29, 28, 28, 27, // 280
    27, 27, 27, 26, 26, 26, 26, 25, 25, 25, // 290
    24, 24, 24, 24, 23, 23, 23, 23, 22, 22, // 300
    22, 21, 21, 21, 21, 20, 20, 20, 20, 19, // 310
    19, 19, 18, 18, 17, 17, 17, 16, 16, 16, // 320
    16, 16, 16, 15, 15, 15, 15, 14, 14, 14, // 330
    13, 13, 13, 12, 12, 12, 12, 11, 11, 11, // 340
    11, 10, 10, 10, 9, 9, 9, 8, 8, 8, // 350
];

/// `SetSpeedMultiplier` — the internal speed factor for a rate in wpm.
pub fn speed_multiplier(wpm: u32) -> u32 {
    const MIN: u32 = 80;
    let wpm = wpm.min(450);
    let ix = wpm.clamp(MIN, 359) - MIN;
    let mut x = SPEED_LOOKUP[ix as usize] as u32;
    if wpm >= 380 {
        x = 7;
    }
    if wpm >= 400 {
        x = 6;
    }
    x.max(1)
}

/// The duration multiplier for `wpm` relative to the 175 wpm default.
///
/// Phonemes follow the rate through [`SpeedFactors`], as in C; this fitted
/// curve is what the port's fixed silences (clause and end-of-utterance
/// pauses) and inline `\x01<n>S` rate changes still use.  `1.0` would be "no
/// scaling at all", and the default 175 wpm returns ~0.808.  It replaces the old linear `175 / wpm`
/// (times a fixed calibration), which over-stretched below ~100 wpm — upstream's
/// curve flattens towards its 80 wpm floor.
///
/// Upstream's `speed_lookup` scales only the *length-modifier* part of an
/// utterance; recorded consonants and the fixed pauses don't follow it, so the
/// total duration is affine in `x`, not proportional to it.  Fitting the C
/// binary's measured durations over 80–400 wpm gives a rate-independent share
/// of about 40 %:
///
/// ```text
/// duration(wpm) ∝ 0.47 + 0.33 · x(wpm)/x(175)
/// ```
///
/// which lands within a few percent of upstream from 80 wpm to 300 (400 wpm,
/// upstream's own extreme, is ~19 % long).
pub fn speed_duration_factor(wpm: u32) -> f64 {
    // Fitted against the C binary over 80–400 wpm: a rate-independent offset
    // plus a term proportional to upstream's speed factor.  The constants
    // subsume the old `RATE_CALIBRATION` — at 175 wpm this returns 0.808, where
    // the port used to use 0.836 with a second, separate scaling in `wavegen`.
    const FIXED: f64 = 0.502;
    const SCALED: f64 = 0.3546;
    let ratio = speed_multiplier(wpm) as f64 / speed_multiplier(175) as f64;
    FIXED + SCALED * ratio
}
/// stress_lengths2[stress] — stress-level length multiplier, units 1/128.
/// Indexed 0..7.  After the CalcLengths swap (stress 0↔1), stress=0 means
/// "diminished" and stress=1 means "unstressed".
pub const STRESS_LENGTHS_EN: [u32; 8] = [182, 140, 220, 220, 220, 240, 260, 280];

/// stress_amps2[stress] — amplitude weight (arbitrary units, 0–25).
pub const STRESS_AMPS_EN: [u8; 8] = [18, 18, 20, 20, 20, 22, 22, 20];

/// lengthen_tonic — extra length added for tonic syllable (stress ≥ 7).
pub const LENGTHEN_TONIC_EN: u32 = 20;

/// LOPT_MAXAMP_EOC — max amplitude allowed for end-of-clause phoneme.
pub const MAXAMP_EOC_EN: u8 = 19;

// ---------------------------------------------------------------------------
// Length-modification tables  (setlengths.c)
//
// Indexed as `table[next2_lm_group * 10 + next_lm_group]`.
// Length-mod groups (ph->length_mod from the phoneme definition):
//   0 = vowel / default
//   1 = pause / clause boundary
//   2 = voiceless stop (t, p, k)
//   3 = voiceless fricative (s, f, sh, …)
//   4 = nasal (n, m, ŋ)
//   5 = voiced stop (d, b, g)
//   6 = voiced fricative (z, v, …)
//   7 = sonorant / approximant (l, r, w, j)
//   8 = nasal-stop (N: n before k/g)
//   9 = (default, same as 0)
// ---------------------------------------------------------------------------

/// length_mods_en — for vowels that are NOT the last syllable in their word.
pub const LENGTH_MODS_EN: [u8; 100] = [
//   a    ,    t    s    n    d    z    r    N    (←next)
    100, 120, 100, 105, 100, 110, 110, 100,  95, 100, // a  ← next2
    105, 120, 105, 110, 125, 130, 135, 115, 125, 100, // ,
    105, 120,  75, 100,  75, 105, 120,  85,  75, 100, // t
    105, 120,  85, 105,  95, 115, 120, 100,  95, 100, // s
    110, 120,  95, 105, 100, 115, 120, 100, 100, 100, // n
    105, 120, 100, 105,  95, 115, 120, 110,  95, 100, // d
    105, 120, 100, 105, 105, 122, 125, 110, 105, 100, // z
    105, 120, 100, 105, 105, 122, 125, 110, 105, 100, // r
    105, 120,  95, 105, 100, 115, 120, 110, 100, 100, // N
    100, 120, 100, 100, 100, 100, 100, 100, 100, 100, // default
];

/// length_mods_en0 — for vowels that ARE the last syllable in their word.
pub const LENGTH_MODS_EN0: [u8; 100] = [
//   a    ,    t    s    n    d    z    r    N    (←next)
    100, 150, 100, 105, 110, 115, 110, 110, 110, 100, // a
    105, 150, 105, 110, 125, 135, 140, 115, 135, 100, // ,
    105, 150,  90, 105,  90, 122, 135, 100,  90, 100, // t
    105, 150, 100, 105, 100, 122, 135, 100, 100, 100, // s
    105, 150, 100, 105, 105, 115, 135, 110, 105, 100, // n
    105, 150, 100, 105, 105, 122, 130, 120, 125, 100, // d
    105, 150, 100, 105, 110, 122, 125, 115, 110, 100, // z
    105, 150, 100, 105, 105, 122, 135, 120, 105, 100, // r
    105, 150, 100, 105, 105, 115, 135, 110, 105, 100, // N
    100, 100, 100, 100, 100, 100, 100, 100, 100, 100, // default
];

// ---------------------------------------------------------------------------
// stress_to_espeak_level — map our code-stream stress codes → espeak level
// ---------------------------------------------------------------------------

/// Map the stress-marker phoneme code (2–7) to the espeak-ng stress level (0–7).
///
/// In espeak-ng `phonemelist.c`, stress levels are:
///   0 = diminished (weakest)        → stress code 2 (%)
///   1 = secondary/unstressed        → stress code 2 (%)  [treated same as 0 here]
///   2 = secondary                   → stress code 3 (%%)
///   3 = secondary                   → stress code 4 (,)
///   4/5 = moderate                  → stress code 5
///   6 = primary                     → stress code 6 (ˈ)
///   7 = tonic primary               → stress code 7 (ˈˈ)
///
/// No preceding stress code → treat as unstressed (level 0, after swap → 1).
///
/// The CalcLengths "swap" (stress ≤1 → XOR 1) is applied here:
///   0 → 1  (swap: diminished treated as unstressed for length)
///   1 → 0  (swap: unstressed treated as diminished for length)
pub fn stress_code_to_level(code: u8) -> u8 {
    // Map code → raw level, then apply the 0↔1 swap
    let raw = match code {
        0 => 0,   // no marker → diminished
        2 => 0,   // % → unstressed/diminished  
        3 => 2,   // %% → secondary
        4 => 3,   // , → tertiary
        5 => 4,   // (moderate)
        6 => 6,   // ˈ → primary
        7 => 7,   // ˈˈ → tonic
        _ => 0,
    };
    // Apply 0↔1 swap (CalcLengths: `if stress <= 1: stress ^= 1`)
    if raw <= 1 { raw ^ 1 } else { raw }
}

// ---------------------------------------------------------------------------
// Rate: SetSpeed
// ---------------------------------------------------------------------------

/// Sample rate every duration below is expressed in.
const SAMPLERATE: i32 = 22050;

/// The rate-dependent factors of `SetSpeed` (`setlengths.c`) for rates up to
/// 350 wpm, with the default voice's `speedf1..3` (256, 238, 232) and
/// `speed_percent` 100.  (Above 350 wpm C switches to `sonic`; the port keeps
/// the 350 wpm values there.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpeedFactors {
    /// Vowel length factors by the number of syllables after the vowel in its
    /// word (0, 1, more), 128 = unchanged.
    pub len_speeds: [i32; 3],
    /// Scale of recorded sounds and of pre-pauses, 256 = unchanged.
    pub wav_factor: i32,
    /// Scale of pauses under 200 ms, 256 = unchanged.
    pub pause_factor: i32,
    /// Scale of pauses of 200 ms and more.
    pub clause_pause_factor: i32,
    /// The shortest a pause is made, in ms.
    pub min_pause: i32,
    /// The shortest a recorded sound is made, in samples.
    pub min_sample_len: i32,
    /// How much of the length modifier a `FRFLAG_LEN_MOD` frame takes.
    pub lenmod_factor: i32,
    /// How much of the length modifier a `FRFLAG_LEN_MOD2` frame takes.
    pub lenmod2_factor: i32,
}

impl SpeedFactors {
    /// `SetSpeed(3)` for `wpm` words per minute.
    pub fn for_wpm(wpm: u32) -> SpeedFactors {
        const SPEEDF: [i32; 3] = [256, 238, 232];
        let wpm = wpm.clamp(80, 350) as i32;
        let x = speed_multiplier(wpm as u32) as i32;
        let len_speeds = SPEEDF.map(|f| x * f / 256);
        let s1 = len_speeds[0];
        let (mut lenmod_factor, mut lenmod2_factor) = (110, 100);
        if wpm > 250 {
            lenmod_factor = 110 - (wpm - 250) / 4;
            lenmod2_factor = 110 - (wpm - 250) / 2;
        }
        let wav_factor = if wpm >= 170 {
            110 + (150 * s1) / 128
        } else {
            128 + (128 * s1) / 130
        };
        let pause_factor = (256 * s1) / 115;
        SpeedFactors {
            len_speeds,
            wav_factor,
            pause_factor,
            clause_pause_factor: pause_factor.max(16),
            min_pause: 5,
            min_sample_len: 450,
            lenmod_factor,
            lenmod2_factor,
        }
    }

    /// `PauseLength`: a pause of `ms` nominal milliseconds at this rate, in
    /// ms.  `recorded` is C's `control == 1` (pre-pauses, which shorten less).
    pub fn pause_ms(&self, ms: i32, recorded: bool) -> i32 {
        let len = if recorded {
            ms * self.wav_factor / 256
        } else if ms >= 200 {
            ms * self.clause_pause_factor / 256
        } else {
            ms * self.pause_factor / 256
        };
        len.max(self.min_pause)
    }
}

/// `DoPause`: a pause of `ms` nominal milliseconds, in samples (none for 0).
pub fn pause_samples(ms: i32, recorded: bool, speed: &SpeedFactors) -> usize {
    if ms <= 0 {
        return 0;
    }
    (speed.pause_ms(ms, recorded) * SAMPLERATE / 1000) as usize
}

// ---------------------------------------------------------------------------
// Language options: tr_languages.c
// ---------------------------------------------------------------------------

/// The timing options `tr_languages.c` gives a language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LengthOptions {
    /// `stress_lengths[stress]`, 128 = unchanged; 0 takes level 6's.
    pub stress_lengths: [i32; 8],
    /// Vowel length by the two following phonemes, for a vowel with more
    /// syllables after it in its word (`length_mods`).
    pub length_mods: &'static [u8; 100],
    /// The same for the last syllable of a word (`length_mods0`).
    pub length_mods0: &'static [u8; 100],
    /// Added to a tonic vowel's modifier, so it shortens less with the rate.
    pub lengthen_tonic: i32,
    /// The largest vowel modifier, as a multiple of `len_speeds[0]`.
    pub max_lengthmod: i32,
    /// `LOPT_SONORANT_MIN`: the shortest modifier of a vowel's start after a
    /// liquid or nasal.
    pub sonorant_min: i32,
    /// `LOPT_LONG_VOWEL_THRESHOLD`: a vowel at least this long (mS/2) is kept
    /// at least two pitch periods long.
    pub long_vowel_threshold: i32,
    /// `long_stop`: pre-pause added before a lengthened stop.
    pub long_stop: i32,
}

impl LengthOptions {
    /// The options for language `lang` (`nl`, `de`, `fr-be`, …); a voice
    /// file's `stressLength` line, when present, replaces `stress_lengths`.
    pub fn for_language(lang: &str, stress_lengths: Option<&[u32; 8]>) -> LengthOptions {
        let base = lang.split(['-', '_']).next().unwrap_or(lang).to_ascii_lowercase();
        let mut options = LengthOptions {
            stress_lengths: STRESS_LENGTHS_EN.map(|l| l as i32),
            length_mods: &LENGTH_MODS_EN,
            length_mods0: &LENGTH_MODS_EN0,
            lengthen_tonic: LENGTHEN_TONIC_EN as i32,
            max_lengthmod: 500,
            sonorant_min: 95,
            long_vowel_threshold: 190 / 2,
            long_stop: 100,
        };
        match base.as_str() {
            "nl" => options.stress_lengths = [160, 135, 210, 210, 0, 0, 260, 280],
            "de" => options.long_vowel_threshold = 175 / 2,
            // French does not lengthen the last syllable of a word.
            "fr" => options.length_mods0 = &LENGTH_MODS_EN,
            _ => {}
        }
        if let Some(lengths) = stress_lengths {
            options.stress_lengths = lengths.map(|l| l as i32);
        }
        options
    }
}

// ---------------------------------------------------------------------------
// CalcLengths
// ---------------------------------------------------------------------------

/// One entry of a clause's phoneme list, as `CalcLengths` sees it.
#[derive(Debug, Clone, Default)]
pub struct ListPhoneme {
    /// Phoneme code (0 for a pause the list adds).
    pub code: u8,
    /// `ph->type` (`phPAUSE` = 0 … `phNASAL` = 8).
    pub typ: u8,
    /// `ph->phflags`.
    pub phflags: u32,
    /// `ph->length_mod`: the group indexing the length-modifier tables.
    pub length_mod: u8,
    /// `ph->std_length`, mS/2.
    pub std_length: u8,
    /// The stress level, `intonation.c`'s: 0 diminished, 1 unstressed, 2-3
    /// secondary, 4-6 primary, 7 the clause's tonic syllable.  A consonant
    /// carries its syllable's.
    pub stress: u8,
    /// First phoneme of a word (`newword != 0`).
    pub newword: bool,
    /// The pause that ends the clause (`PHLIST_END_OF_CLAUSE`).
    pub end_of_clause: bool,
    /// Followed by the lengthening mark `:` (`SFLAG_LENGTHEN`).
    pub lengthen: bool,
    /// In: the list's default (128 for a voiced phoneme, the pause length in
    /// ms for a pause).  Out: the length modifier, 256 = unchanged.
    pub length: i32,
    /// Out: silence before the phoneme, in nominal ms.
    pub prepause: i32,
}

impl ListPhoneme {
    /// A pause of `ms` milliseconds.
    pub fn pause(ms: i32) -> ListPhoneme {
        ListPhoneme { length: ms, ..ListPhoneme::default() }
    }
}

const PH_PAUSE: u8 = 0;
const PH_VOWEL: u8 = 2;
const PH_LIQUID: u8 = 3;
const PH_STOP: u8 = 4;
const PH_VSTOP: u8 = 5;
const PH_FRICATIVE: u8 = 6;
const PH_VFRICATIVE: u8 = 7;
const PH_NASAL: u8 = 8;
const PHON_PAUSE_VSHORT: u8 = 23;
const PHON_PAUSE_CLAUSE: u8 = 27;

/// `CalcLengths`: sets `length` and `prepause` of every phoneme of `list`,
/// which starts with a pause, as C's does.
pub fn calc_lengths(list: &mut [ListPhoneme], options: &LengthOptions, speed: &SpeedFactors) {
    use crate::phoneme::{
        PH_BRKAFTER, PH_LENGTHENSTOP, PH_NONSYLLABIC, PH_NOPAUSE, PH_SIBILANT, PH_VOICELESS,
    };
    let pause = ListPhoneme::pause(0);
    let at = |list: &[ListPhoneme], ix: usize| list.get(ix).cloned().unwrap_or_else(|| pause.clone());
    let mut more_syllables = 0;
    let mut pre_sonorant = false;
    let mut pre_voiced = false;
    for ix in 1..list.len() {
        let prev = at(list, ix - 1);
        let next = at(list, ix + 1);
        let p = &list[ix];
        let stress = i32::from(p.stress & 7);
        match p.typ {
            PH_STOP => {
                let mut prepause = if prev.typ == PH_FRICATIVE {
                    25
                } else if more_syllables > 0 || stress < 4 {
                    48
                } else {
                    60
                };
                if prev.typ == PH_STOP {
                    prepause = 60;
                }
                if p.phflags & PH_LENGTHENSTOP != 0 {
                    prepause += 30;
                }
                if p.lengthen {
                    prepause += options.long_stop;
                }
                list[ix].prepause = prepause;
            }
            PH_FRICATIVE | PH_VFRICATIVE => {
                let p = &mut list[ix];
                if p.newword && !(prev.typ == PH_VOWEL && p.phflags & PH_NOPAUSE != 0) {
                    p.prepause = 15;
                }
                if next.typ == PH_PAUSE && prev.typ == PH_NASAL && p.phflags & PH_VOICELESS == 0 {
                    p.prepause = 25;
                }
                if prev.phflags & PH_BRKAFTER != 0 {
                    p.prepause = 30;
                }
                p.length = if p.phflags & PH_SIBILANT != 0 && next.typ == PH_STOP && !next.newword {
                    if prev.typ == PH_VOWEL { 200 } else { 150 }
                } else {
                    256
                };
                if p.typ == PH_VFRICATIVE {
                    if next.typ == PH_VOWEL {
                        pre_voiced = true;
                    }
                    if prev.typ == PH_VOWEL || prev.typ == PH_LIQUID {
                        p.length = (255 + prev.length) / 2;
                    }
                }
            }
            PH_VSTOP => {
                let p = &mut list[ix];
                if matches!(prev.typ, PH_VFRICATIVE | PH_FRICATIVE | PH_LIQUID)
                    || prev.phflags & PH_SIBILANT != 0
                {
                    p.prepause = 30;
                }
                if next.typ == PH_VOWEL || next.typ == PH_LIQUID {
                    if next.typ == PH_VOWEL || !next.newword {
                        pre_voiced = true;
                    }
                    p.prepause = 40;
                    if prev.typ == PH_VOWEL {
                        p.prepause = 0; // a murmur links it to the vowel instead
                    } else if prev.typ == PH_PAUSE {
                        p.prepause = (p.prepause - prev.length).max(0);
                    } else if !p.newword {
                        if prev.typ == PH_LIQUID {
                            p.prepause = 20;
                        }
                        if prev.typ == PH_NASAL {
                            p.prepause = 12;
                        }
                        if prev.typ == PH_STOP && prev.phflags & PH_VOICELESS == 0 {
                            p.prepause = 0;
                        }
                    }
                }
            }
            PH_LIQUID | PH_NASAL => {
                let p = &mut list[ix];
                p.length = 256;
                if p.newword {
                    if prev.typ == PH_LIQUID {
                        p.prepause = 25;
                    }
                    if prev.typ == PH_VOWEL && p.phflags & PH_NOPAUSE == 0 {
                        p.prepause = 12;
                    }
                }
                if next.typ == PH_VOWEL {
                    pre_sonorant = true;
                } else {
                    if prev.typ == PH_VOWEL || prev.typ == PH_LIQUID {
                        p.length = prev.length;
                        if p.typ == PH_LIQUID {
                            p.length = speed.len_speeds[0];
                        }
                        if next.typ == PH_VSTOP {
                            p.length = p.length * 160 / 100;
                        }
                        if next.typ == PH_VFRICATIVE {
                            p.length = p.length * 120 / 100;
                        }
                    }
                    pre_voiced = false;
                }
            }
            PH_VOWEL => {
                let stress = if stress <= 1 { stress ^ 1 } else { stress };
                // Syllables after this one in its word; the clause's last?
                more_syllables = 0;
                let mut end_of_clause = false;
                let mut ix2 = ix + 1;
                while ix2 < list.len() && !list[ix2].newword {
                    let p2 = &list[ix2];
                    if p2.typ == PH_VOWEL && p2.phflags & PH_NONSYLLABIC == 0 {
                        more_syllables += 1;
                    }
                    if p2.code == PHON_PAUSE_CLAUSE {
                        end_of_clause = true;
                    }
                    ix2 += 1;
                }
                let p2 = at(list, ix2);
                if p2.code == PHON_PAUSE_CLAUSE || (p2.end_of_clause && more_syllables == 0) {
                    end_of_clause = true;
                }
                let (mut next, mut next2, mut next3) = (next, at(list, ix + 2), at(list, ix + 3));
                if next.code == PHON_PAUSE_VSHORT && next2.typ == PH_PAUSE {
                    (next, next2, next3) = (next2, next3, at(list, ix + 4));
                }
                let mut next2type = usize::from(next2.length_mod.min(9));
                let next_group = usize::from(next.length_mod.min(9));
                let mut length_mod = if more_syllables == 0 {
                    if (next.newword || next2.newword) && next2type != 1 {
                        // the phoneme after a word boundary counts only as a pause
                        next2type = 0;
                    }
                    i32::from(options.length_mods0[next2type * 10 + next_group])
                } else {
                    let mut len = i32::from(options.length_mods[next2type * 10 + next_group]);
                    if next.typ == PH_NASAL
                        && (next2.typ == PH_STOP || next2.typ == PH_VSTOP)
                        && next3.phflags & PH_VOICELESS != 0
                    {
                        len -= 15;
                    }
                    len
                };
                length_mod *= speed.len_speeds[more_syllables.min(2)];
                length_mod = (length_mod / 128).max(8);
                if stress >= 7 {
                    // a constant part, so the tonic shortens less with the rate
                    length_mod += options.lengthen_tonic;
                }
                let stress_length = match options.stress_lengths[stress as usize] {
                    0 => options.stress_lengths[6],
                    len => len,
                };
                length_mod *= stress_length;
                if end_of_clause {
                    // the clause's last syllable: longer, short vowels more so
                    let len = i32::from(list[ix].std_length) * 2;
                    length_mod = length_mod * (256 + (280 - len) / 3) / 256;
                }
                length_mod = length_mod.min(options.max_lengthmod * speed.len_speeds[0]) / 128;
                list[ix].length = length_mod;
                if pre_sonorant || pre_voiced {
                    // the consonant before takes the vowel's length
                    list[ix - 1].length = length_mod;
                }
                pre_sonorant = false;
                pre_voiced = false;
            }
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------------
// LookupSpect / DoSpect2: formant sequences
// ---------------------------------------------------------------------------

/// `FRFLAG_LEN_MOD`: the frame takes only part of the length modifier.
pub const FRFLAG_LEN_MOD: u16 = 0x04;
/// `FRFLAG_LEN_MOD2`: the same, for the start of a vowel.
pub const FRFLAG_LEN_MOD2: u16 = 0x4000;

/// `LookupSpect` for a vowel's body (`which == 2`): scales the lengths (ms)
/// of all but the last of the sequence's first `body` frames so they add up to
/// the vowel's standard length `std_ms` less its front, plus `adjust`.
pub fn normalise_vowel_body(lengths: &mut [i32], body: usize, std_ms: i32, adjust: i32, lengthen_ms: i32) {
    let scaled = body.saturating_sub(1).min(lengths.len());
    let length1: i32 = lengths[..scaled].iter().sum();
    if length1 <= 0 {
        return;
    }
    let length_std = (std_ms + adjust - 45).max(10) + lengthen_ms;
    let factor = length_std * 256 / length1;
    for len in &mut lengths[..scaled] {
        *len = *len * factor / 256;
    }
}

/// `LookupSpect` for anything but a vowel's body: stretches all but the last
/// frame by `adjust` ms in total.
pub fn adjust_sequence(lengths: &mut [i32], adjust: i32) {
    let scaled = lengths.len().saturating_sub(1);
    let length1: i32 = lengths[..scaled].iter().sum();
    if length1 <= 0 || adjust == 0 {
        return;
    }
    let factor = (length1 + adjust) * 256 / length1;
    for len in &mut lengths[..scaled] {
        *len = *len * factor / 256;
    }
}

/// `DoSpect2`: the samples each frame lasts, from its length in ms and flags,
/// the phoneme's length modifier `length_mod` (256 = unchanged) and the
/// shortest the sequence may be, `length_min` samples.  The last frame is the
/// target of the one before and lasts nothing.
pub fn spect_lengths(lengths: &[i32], flags: &[u16], length_mod: i32, length_min: i32, speed: &SpeedFactors) -> Vec<usize> {
    let length_mod = if length_mod == 0 { 256 } else { length_mod };
    let mut out: Vec<i32> = lengths
        .iter()
        .zip(flags)
        .map(|(&ms, &flags)| {
            let factor = if flags & FRFLAG_LEN_MOD != 0 {
                (length_mod * (256 - speed.lenmod_factor) + 256 * speed.lenmod_factor) / 256
            } else if flags & FRFLAG_LEN_MOD2 != 0 {
                (length_mod * (256 - speed.lenmod2_factor) + 256 * speed.lenmod2_factor) / 256
            } else {
                length_mod
            };
            ms * SAMPLERATE / 1000 * factor / 256
        })
        .collect();
    if let Some(last) = out.last_mut() {
        *last = 0;
    }
    let sum: i32 = out.iter().sum();
    if sum > 0 && sum < length_min {
        // at least one cycle at a low pitch
        for len in &mut out {
            *len = *len * length_min / sum;
        }
    }
    out.into_iter().map(|l| l.max(0) as usize).collect()
}

/// The shortest a formant sequence is made, in samples: one period at 70 Hz,
/// two for a long vowel's body.
pub fn spect_length_min(long_vowel_body: bool) -> i32 {
    let min = SAMPLERATE / 70;
    if long_vowel_body { min * 2 } else { min }
}

// ---------------------------------------------------------------------------
// DoSample2: recorded sounds
// ---------------------------------------------------------------------------

/// `DoSample2`: how many samples a recorded sound of `wav_samples` samples is
/// played for.  `std_ms` is the phoneme's length (0: the recording's own),
/// `length_mod` its modifier (0: none), `dont_lengthen` keeps a stop's burst
/// from growing past its standard length.
pub fn sample_length(wav_samples: usize, std_ms: i32, length_mod: i32, dont_lengthen: bool, speed: &SpeedFactors) -> usize {
    let wav_length = wav_samples as i32;
    if wav_length == 0 {
        return 0;
    }
    let mut min_length = speed.min_sample_len;
    let mut std_length = if std_ms > 0 {
        let std_length = std_ms * SAMPLERATE / 1000;
        min_length = min_length.max(min_length * std_length / wav_length);
        std_length
    } else {
        wav_length
    };
    if length_mod > 0 {
        std_length = std_length * length_mod / 256;
    }
    let mut length = std_length * speed.wav_factor / 256;
    if dont_lengthen {
        length = length.min(std_length);
    }
    length.max(min_length) as usize
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_factors_follow_set_speed() {
        // 175 wpm: speed_lookup gives 87.
        let speed = SpeedFactors::for_wpm(175);
        assert_eq!(speed.len_speeds, [87, 80, 78]);
        assert_eq!(speed.wav_factor, 110 + 150 * 87 / 128);
        assert_eq!(speed.pause_factor, 256 * 87 / 115);
        // Below 170 wpm recorded sounds stretch by the other formula.
        assert_eq!(SpeedFactors::for_wpm(150).wav_factor, 128 + 128 * 112 / 130);
        assert_eq!(speed.pause_ms(1, false), speed.min_pause);
    }

    /// `_ t a: t _`: one word, a long vowel at `stress` between two stops.
    fn word(stress: u8) -> Vec<ListPhoneme> {
        let stop = |newword| ListPhoneme { code: 40, typ: PH_STOP, length_mod: 2, stress, newword, ..Default::default() };
        vec![
            ListPhoneme { length_mod: 1, ..ListPhoneme::pause(0) },
            stop(true),
            ListPhoneme { code: 41, typ: PH_VOWEL, std_length: 100, stress, length: 128, ..Default::default() },
            stop(false),
            ListPhoneme { length_mod: 1, end_of_clause: true, newword: true, ..ListPhoneme::pause(0) },
            ListPhoneme { length_mod: 1, ..ListPhoneme::pause(0) },
        ]
    }

    #[test]
    fn a_tonic_vowel_is_longer_than_an_unstressed_one() {
        let options = LengthOptions::for_language("en", None);
        let speed = SpeedFactors::for_wpm(175);
        let mut tonic = word(7);
        let mut unstressed = word(1);
        calc_lengths(&mut tonic, &options, &speed);
        calc_lengths(&mut unstressed, &options, &speed);
        // (105 * 87 / 128 + 20) * 280, lengthened at the clause's end, / 128
        let expected = (105 * 87 / 128 + 20) * 280 * (256 + (280 - 200) / 3) / 256 / 128;
        assert_eq!(tonic[2].length, expected);
        assert!(unstressed[2].length < tonic[2].length * 3 / 4);
        // A stop in a stressed syllable waits longer.
        assert_eq!((tonic[1].prepause, tonic[3].prepause), (60, 60));
        assert_eq!((unstressed[1].prepause, unstressed[3].prepause), (48, 48));
    }

    #[test]
    fn dutch_takes_its_own_stress_lengths() {
        let speed = SpeedFactors::for_wpm(175);
        let mut en = word(4);
        let mut nl = word(4);
        calc_lengths(&mut en, &LengthOptions::for_language("en", None), &speed);
        calc_lengths(&mut nl, &LengthOptions::for_language("nl", None), &speed);
        // Dutch has no length for level 4 and takes level 6's, 260 against 220.
        assert!((nl[2].length * 220 / 260 - en[2].length).abs() <= 1, "{} {}", nl[2].length, en[2].length);
    }

    #[test]
    fn a_vowel_body_is_normalised_then_scaled() {
        let mut lengths = vec![20, 20, 20, 0];
        normalise_vowel_body(&mut lengths, 4, 200, 0, 0);
        assert_eq!(lengths, vec![51, 51, 51, 0]); // 155 ms over three frames
        let speed = SpeedFactors::for_wpm(175);
        let samples = spect_lengths(&lengths, &[0; 4], 128, 0, &speed);
        assert_eq!(samples, vec![562, 562, 562, 0]); // half of 51 ms at 22 050 Hz
    }

    #[test]
    fn a_stop_burst_does_not_grow_past_its_length() {
        let speed = SpeedFactors::for_wpm(80);
        assert!(speed.wav_factor > 256);
        assert_eq!(sample_length(1000, 0, 0, true, &speed), 1000);
        assert!(sample_length(1000, 0, 0, false, &speed) > 1000);
        assert_eq!(sample_length(100, 0, 0, true, &speed), speed.min_sample_len as usize);
    }

    #[test]
    fn stress_code_mapping() {
        assert_eq!(stress_code_to_level(6), 6); // primary
        assert_eq!(stress_code_to_level(7), 7); // tonic
        assert_eq!(stress_code_to_level(0), 1); // none → after swap
        assert_eq!(stress_code_to_level(2), 1); // % → after swap
    }
}
