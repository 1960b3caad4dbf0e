#!/usr/bin/env bash
# Phone-like recordings for prompt conditioning (--telephony, --trim, --normalize,
# --highpass, --denoise), from the committed 16 kHz speech fixture, each with one of the
# faults admins get: too quiet, hiss before, under and after the speech, mains hum and
# rumble, clipping. 16 kHz FLAC (lossless, half the size of WAV). Called by generate.sh;
# runs alone too. Development time only: needs sox (-R: its noise is the same every run).
set -euo pipefail
cd "$(dirname "$0")"
export LC_ALL=C
mkdir -p conditioning
in=speech/speech-16k-mono.wav
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# 1.5 s before the speech, 1 s after, as a phone's recorder leaves them.
sox -R "$in" "$tmp/padded.wav" pad 1.5 1
len=$(soxi -D "$tmp/padded.wav")
# Quiet: the speech 20 dB down (about -42 LUFS), over faint room noise (about -80 dBFS RMS).
sox -R -n -r 16000 -c 1 -b 16 "$tmp/room.wav" synth "$len" whitenoise gain -70 lowpass 3000
sox -R -m -v 0.1 "$tmp/padded.wav" -v 1 "$tmp/room.wav" conditioning/quiet.flac      # -v: no 1/n scaling of the mix
# Hissy: white noise at about -55 dBFS RMS under everything.
sox -R -n -r 16000 -c 1 -b 16 "$tmp/hiss.wav" synth "$len" whitenoise gain -45.2        # sox's white noise has its RMS at -9.8 dBFS
sox -R -m -v 1 "$tmp/padded.wav" -v 1 "$tmp/hiss.wav" conditioning/hissy.flac
# Humming: 50 Hz mains hum with its 3rd harmonic (-36 and -46 dBFS RMS) and 20 Hz rumble (-36 dBFS RMS).
sox -R -n -r 16000 -c 1 -b 16 "$tmp/h50.wav" synth "$len" sine 50 gain -33
sox -R -n -r 16000 -c 1 -b 16 "$tmp/h150.wav" synth "$len" sine 150 gain -43
sox -R -n -r 16000 -c 1 -b 16 "$tmp/h20.wav" synth "$len" sine 20 gain -33
sox -R -m -v 1 "$tmp/padded.wav" -v 1 "$tmp/h50.wav" -v 1 "$tmp/h150.wav" -v 1 "$tmp/h20.wav" conditioning/humming.flac
# Clipped: driven 12 dB into full scale and cut off there, as a phone's limiter-less input does.
sox -R "$tmp/padded.wav" conditioning/clipped.flac gain 12 2>/dev/null
