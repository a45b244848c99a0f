#!/bin/sh
# Draws the spectrograms in docs/speech/ from the WAVs that
# `cargo run --release --example speech_compare` writes (default target/speech-compare/wav).
#
#   docs/speech/spectrograms.sh [WORK] [DOCS]     # defaults: target/speech-compare docs/speech
#
# Needs sox (14.4). Both engines of a pair share one time scale (-d, the longer of the
# two), so a longer rendering shows as longer. -z 80 shows 80 dB of range (quieter is black),
# -q 32 quantises the colours: the PNGs stay under ~150 KB without losing what matters.
set -eu

WORK=${1:-target/speech-compare}
DOCS=${2:-docs/speech}
WAV=$WORK/wav
ENGINES="builtin espeak-ng"

[ -d "$WAV" ] || { echo "no $WAV: run the example first" >&2; exit 1; }
mkdir -p "$DOCS"

# The longer duration of two files, in seconds, rounded up to a tenth.
longer() {
    a=$(soxi -D "$1"); b=$(soxi -D "$2")
    awk -v a="$a" -v b="$b" 'BEGIN { m = (a > b) ? a : b; printf "%.1f", int(m * 10 + 0.999) / 10 }'
}

# draw OUT TITLE DURATION INPUT [sox effects before the spectrogram...]
draw() {
    out=$1; title=$2; duration=$3; input=$4; shift 4
    sox "$input" -n "$@" spectrogram -o "$DOCS/$out" -t "$title" -x 800 -y 257 -z 80 -q 32 -d "$duration"
    echo "$DOCS/$out: $(wc -c < "$DOCS/$out") bytes"
}

# 1. The alert in each language, each engine's raw output (22 050 Hz: 0–11 kHz).
for lang in nl fr de en; do
    d=$(longer "$WAV/$lang-alert-builtin.wav" "$WAV/$lang-alert-espeak-ng.wav")
    for engine in $ENGINES; do
        draw "alert-$lang-$engine.png" "$lang alert, $engine, raw $(soxi -r "$WAV/$lang-alert-$engine.wav") Hz" \
            "$d" "$WAV/$lang-alert-$engine.wav"
    done
done

# 2. The Dutch alert as the telephone carries it (post::for_telephone: 8 kHz, 0–4 kHz).
d=$(longer "$WAV/nl-alert-builtin-8k.wav" "$WAV/nl-alert-espeak-ng-8k.wav")
for engine in $ENGINES; do
    draw "alert-nl-$engine-8k.png" "nl alert, $engine, telephone 8 kHz" "$d" "$WAV/nl-alert-$engine-8k.wav"
done

# 3. Two seconds of the Dutch alert (from 1.5 s: "... bestelwagen met nummerplaat ..."),
#    full band: formants as bands or as single lines, and the clicks.
for engine in $ENGINES; do
    draw "zoom-nl-$engine.png" "nl alert 1.5-3.5 s, $engine, raw" 2 "$WAV/nl-alert-$engine.wav" trim 1.5 2
done

# 4. The French intro at 8 kHz, shown 0–2 kHz with a long window so single harmonics are
#    lines: where the built-in engine's harmonics sit on 852 + 1336 Hz (the key 8).
d=$(longer "$WAV/fr-intro-builtin-8k.wav" "$WAV/fr-intro-espeak-ng-8k.wav")
for engine in $ENGINES; do
    draw "harmonics-fr-intro-$engine.png" "fr intro, $engine, telephone, 0-2 kHz" "$d" \
        "$WAV/fr-intro-$engine-8k.wav" rate 4k
done

du -ch "$DOCS"/*.png | tail -1
