//! Media hot paths, per 20 ms frame (160 samples at 8 kHz) and per second of audio: G.711
//! A-law and µ-law encode and decode, and the in-band DTMF detector. `docs/BENCHMARKS.md`
//! records the figures and what they mean for calls per core.

use buurtbel::media::g711::{self, DBM0_PEAK};
use buurtbel::media::inband::InbandDetector;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::f32::consts::PI;
use std::hint::black_box;

const FRAME: usize = 160;
const SECOND: usize = 8_000;

criterion_group!(benches, g711_frames, g711_seconds, inband_frames);
criterion_main!(benches);

fn g711_frames(c: &mut Criterion) {
    codec_group(c, "g711 20 ms frame", FRAME);
}

fn g711_seconds(c: &mut Criterion) {
    codec_group(c, "g711 1 s", SECOND);
}

fn codec_group(c: &mut Criterion, name: &str, len: usize) {
    let pcm = speech_like(len);
    let alaw = g711::encode_alaw(&pcm);
    let ulaw = g711::encode_ulaw(&pcm);
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(len as u64));
    group.bench_function("alaw encode", |b| {
        b.iter(|| g711::encode_alaw(black_box(&pcm)))
    });
    group.bench_function("alaw decode", |b| {
        b.iter(|| g711::decode_alaw(black_box(&alaw)))
    });
    group.bench_function("ulaw encode", |b| {
        b.iter(|| g711::encode_ulaw(black_box(&pcm)))
    });
    group.bench_function("ulaw decode", |b| {
        b.iter(|| g711::decode_ulaw(black_box(&ulaw)))
    });
    group.finish();
}

/// The detector fed one 20 ms frame per iteration from a looping second of audio, so its
/// state carries over as in a call. Keys: every block passes the cheap checks and most reach
/// the expensive ones (the worst case); speech-like: the common case in a call.
fn inband_frames(c: &mut Criterion) {
    let mut group = c.benchmark_group("inband 20 ms frame");
    group.throughput(Throughput::Elements(FRAME as u64));
    for (name, signal) in [("keys", keys(SECOND)), ("speech-like", speech_like(SECOND))] {
        let mut detector = InbandDetector::new();
        let mut frames = signal.chunks_exact(FRAME).cycle();
        group.bench_function(name, |b| {
            b.iter(|| {
                let frame = frames.next().unwrap_or_default();
                detector.process(black_box(frame))
            })
        });
    }
    group.finish();
}

/// 70 ms key tones with 30 ms gaps, −10 dBm0 per tone.
fn keys(len: usize) -> Vec<i16> {
    let pairs = [
        (697.0, 1209.0),
        (770.0, 1336.0),
        (852.0, 1477.0),
        (941.0, 1633.0),
    ];
    let amplitude = DBM0_PEAK * 10.0_f32.powf(-0.5);
    (0..len)
        .map(|n| {
            let (low, high) = pairs[(n / 800) % pairs.len()];
            let on = n % 800 < 560;
            let t = n as f32 / 8_000.0;
            let value = amplitude * ((2.0 * PI * low * t).sin() + (2.0 * PI * high * t).sin());
            if on { value as i16 } else { 0 }
        })
        .collect()
}

/// A 140 Hz buzz with 20 harmonics falling 6 dB per octave, swept ±10 % at 4 Hz.
fn speech_like(len: usize) -> Vec<i16> {
    let mut phase = 0.0_f32;
    (0..len)
        .map(|n| {
            let t = n as f32 / 8_000.0;
            let f0 = 140.0 * (1.0 + 0.1 * (2.0 * PI * 4.0 * t).sin());
            phase = (phase + 2.0 * PI * f0 / 8_000.0) % (2.0 * PI);
            let value: f32 = (1..=20).map(|k| (k as f32 * phase).sin() / k as f32).sum();
            (3_000.0 * value) as i16
        })
        .collect()
}
