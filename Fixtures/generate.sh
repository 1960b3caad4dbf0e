#!/usr/bin/env bash
# Regenerates Fixtures/ (except reference/g711, which comes from ITU-T G.191).
# Development time only: needs espeak-ng, sox, ffmpeg, lame, flac, oggenc, opusenc
# (`make fixtures` installs them). Tests use the committed results and none of these tools.
set -euo pipefail
cd "$(dirname "$0")"
export LC_ALL=C

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p sample speech music formats reference bad

text="Welcome to the example company. For sales, press one. For support, press two. To hear these options again, stay on the line."
# Deterministic speech: espeak-ng at its native 22050 Hz mono.
espeak-ng -v en-us -s 165 -w "$tmp/speech22.wav" "$text"
short="Thank you for calling. Please hold."
espeak-ng -v en-gb -s 170 -w "$tmp/short22.wav" "$short"

# Speech at the rates phones and studios use. Stereo gets a slightly different right
# channel (delayed by 3 samples, -2 dB) so downmix is exercised.
sox "$tmp/speech22.wav" -r 44100 -c 1 "$tmp/s44m.wav" rate -v
sox "$tmp/s44m.wav" "$tmp/s44r.wav" delay 3s gain -2
sox -M "$tmp/s44m.wav" "$tmp/s44r.wav" -b 16 speech/speech-44k-stereo.wav trim 0 4
sox "$tmp/speech22.wav" -r 48000 -c 2 -b 16 "$tmp/s48.wav" rate -v trim 0 4
sox "$tmp/speech22.wav" -r 16000 -c 1 -b 16 speech/speech-16k-mono.wav rate -v trim 0 4
sox "$tmp/speech22.wav" -r 8000 -c 1 -b 16 speech/speech-8k-mono.wav rate -v trim 0 4

# MP3 in every flavour the issue lists.
lame --quiet -b 128 speech/speech-44k-stereo.wav speech/speech-44k-cbr128.mp3
lame --quiet -V 4 speech/speech-44k-stereo.wav speech/speech-44k-vbr.mp3          # Xing/LAME header
lame --quiet --abr 96 --resample 48 "$tmp/s48.wav" speech/speech-48k-abr.mp3
lame --quiet -b 48 speech/speech-16k-mono.wav speech/speech-16k-mpeg2.mp3           # MPEG-2
lame --quiet -b 32 speech/speech-8k-mono.wav speech/speech-8k-mpeg25.mp3            # MPEG-2.5 (16 kbps frames are too small for the LAME tag: no gapless info)
lame --quiet --freeformat -b 320 speech/speech-44k-stereo.wav speech/speech-44k-freeformat.mp3 || true
ffmpeg -loglevel error -y -i speech/speech-44k-stereo.wav -c:a mp2 -b:a 192k speech/speech-44k-layer2.mp2
# ID3v2 with ~130 KB of cover art (more than the 64 KB promptc peeks at first), plus
# ID3v1 and an APE tag at the end. ffmpeg remuxes (-c copy) and keeps the gapless info.
ffmpeg -loglevel error -y -f lavfi -i "nullsrc=s=300x300,geq=r='random(1)*255':g='random(2)*255':b='random(3)*255',format=rgb24" -frames:v 1 "$tmp/cover.png"
lame --quiet -b 64 --resample 44.1 --tt "Welcome" --ta "promptc" --add-id3v2 speech/speech-44k-stereo.wav "$tmp/plain.mp3"
ffmpeg -loglevel error -y -i "$tmp/plain.mp3" -i "$tmp/cover.png" -map 0:a -map 1:v -c copy -id3v2_version 3 \
  -metadata:s:v comment="Cover (front)" speech/speech-id3-cover.mp3
printf 'APETAGEX\xd0\x07\x00\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x00\x00\x00\x00\x00\x00\x00\x00' > "$tmp/ape"
cat "$tmp/ape" >> speech/speech-id3-cover.mp3
printf 'TAG%-30s%-30s%-30s%-4s%-30s\x0c' "Welcome" "promptc" "Fixtures" "2026" "" >> speech/speech-id3-cover.mp3
# Layer I: no Debian tool encodes it, so write a valid stream by hand: 100 frames of
# MPEG-1 Layer I, 32 kbps, 44.1 kHz, mono, every bit allocation zero (silence).
# Header FF FF 10 C0, frame length (12 * 32000 / 44100) * 4 = 32 bytes.
python3 -c 'import sys; sys.stdout.buffer.write((b"\xff\xff\x10\xc0" + bytes(28)) * 100)' > speech/silence-layer1.mp1
# Two MPEG streams stitched together at different rates (16 kHz mono, then 44.1 kHz stereo).
sox speech/speech-16k-mono.wav "$tmp/a16.wav" trim 0 1
sox speech/speech-44k-stereo.wav "$tmp/b44.wav" trim 0 1
ffmpeg -loglevel error -y -i "$tmp/a16.wav" -c:a mp2 -b:a 64k -f mp2 "$tmp/a.mp2"
ffmpeg -loglevel error -y -i "$tmp/b44.wav" -c:a mp2 -b:a 128k -f mp2 "$tmp/b.mp2"
cat "$tmp/a.mp2" "$tmp/b.mp2" > bad/rate-change.mp2

# MP3 data under a .wav name, and MP3 inside a RIFF/WAVE container.
cp speech/speech-44k-cbr128.mp3 speech/mp3-named.wav
ffmpeg -loglevel error -y -i speech/speech-44k-stereo.wav -c:a libmp3lame -b:a 64k -f wav speech/mp3-in-riff.wav

# Music-like test signal for the MP3 fast-path measurement: chords with bright harmonics.
sox -n -r 44100 -c 2 -b 16 "$tmp/music.wav" synth 4 pluck C3 pluck E4 pluck G4 pluck C6 sine 3700 \
  remix 1,2,3 3,4,5 gain -6 tremolo 3 40
lame --quiet -b 128 "$tmp/music.wav" music/music-44k-cbr128.mp3

# Tones at -6 dBFS through MP3, for the fast path's level and stopband tests.
mkdir -p tones
for f in 1000 4500 5000 8000; do
  sox -n -r 44100 -c 2 -b 16 "$tmp/tone.wav" synth 1.5 sine $f vol 0.5
  lame --quiet -b 128 "$tmp/tone.wav" tones/tone-$f-44k.mp3
done


# libsndfile formats, from a short 22.05 kHz stereo clip to keep Fixtures/ small.
sox speech/speech-44k-stereo.wav -r 22050 "$tmp/f22.wav" rate -v trim 0 1.5
src=$tmp/f22.wav
sox "$src" -b 24 formats/speech-48k-24bit.wav rate -v 48000
sox "$src" -e floating-point -b 32 formats/speech-22k-float.wav
sox "$src" -e floating-point -b 64 formats/speech-22k-double.wav
sox "$src" -b 8 -e unsigned formats/speech-22k-u8.wav
sox "$src" -b 32 formats/speech-22k-s32.wav
ffmpeg -loglevel error -y -i "$src" -c:a pcm_s24le -f wav -rf64 always formats/speech-22k.rf64
sox "$src" -b 24 -c 4 formats/speech-22k-extensible.wav remix 1 2 1 2               # WAVE_FORMAT_EXTENSIBLE
sox "$src" -r 8000 -c 1 -e a-law formats/speech-8k-alaw.wav
sox "$src" -r 8000 -c 1 -e u-law formats/speech-8k-ulaw.wav
sox "$src" formats/speech-22k.aiff
sox "$src" -e floating-point formats/speech-22k-float.aifc
sox "$src" formats/speech-22k.au
sox "$src" formats/speech-22k.caf 2>/dev/null || ffmpeg -loglevel error -y -i "$src" formats/speech-22k.caf
sox "$src" -t w64 formats/speech-22k.w64
flac --silent -f -o formats/speech-22k.flac "$src"
oggenc --quiet -q 4 -o formats/speech-22k.ogg "$src"
opusenc --quiet "$src" formats/speech-opus.opus

# Reference decodes from an independent decoder (ffmpeg) as 16-bit stereo/mono raw.
for f in speech-44k-cbr128 speech-44k-vbr speech-16k-mpeg2 speech-8k-mpeg25; do
  ffmpeg -loglevel error -y -i speech/$f.mp3 -f s16le reference/$f.s16
done
ffmpeg -loglevel error -y -i formats/speech-22k.flac -f s16le reference/speech-22k-flac.s16

# What admins make today: the ffmpeg command, from the fixture inputs.
for f in speech/speech-44k-cbr128.mp3 speech/speech-44k-stereo.wav speech/speech-16k-mono.wav speech/speech-48k-abr.mp3; do
  b=$(basename "${f%.*}")
  ffmpeg -loglevel error -y -i "$f" -acodec pcm_alaw -f alaw -ac 1 -ar 8000 -vn reference/$b.ffmpeg.alaw
  ffmpeg -loglevel error -y -i "$f" -acodec pcm_mulaw -f mulaw -ac 1 -ar 8000 -vn reference/$b.ffmpeg.ulaw
done

# The classic mistakes `promptc verify` must catch, made the way they happen, with ffmpeg.
mkdir -p verify
in=speech/speech-44k-cbr128.mp3
ff() { ffmpeg -loglevel error -y -i "$in" "$@"; }
ff -acodec pcm_mulaw -f mulaw -ac 1 -ar 8000 verify/mulaw-as-alaw.alaw
ff -acodec pcm_alaw -f alaw -ac 1 -ar 8000 verify/alaw-as-ulaw.ulaw
ff -f s16le -ac 1 -ar 16000 verify/16k-as-8k.sln
ff -acodec pcm_alaw -f wav -ac 1 -ar 8000 verify/wav-header.alaw
ff -af volume=-6dB -acodec pcm_alaw -f alaw -ac 1 -ar 8000 verify/quiet-6db.alaw
ff -af volume=1dB -acodec pcm_alaw -f alaw -ac 1 -ar 8000 verify/louder-1db.alaw
ffmpeg -loglevel error -y -f lavfi -i anullsrc=r=8000:cl=mono -t 4 -acodec pcm_alaw -f alaw verify/silence.alaw

# The bundled sample for `make run`: a phone-style 44.1 kHz stereo MP3.
sox "$tmp/speech22.wav" -r 44100 -c 2 "$tmp/sample.wav" rate -v
lame --quiet -b 96 --resample 44.1 "$tmp/sample.wav" sample/welcome.mp3

# One fixture for each kind of bad input.
: > bad/empty.wav
head -c 4096 /dev/urandom > bad/random.mp3
printf 'Meeting notes\nCall Bob about the IVR prompts.\n' > bad/notes.wav
head -c 6000 speech/speech-44k-cbr128.mp3 > bad/truncated.mp3
head -c 40000 speech/speech-44k-stereo.wav > bad/truncated.wav
# Header that claims 2 GB of data in a 1 KB file.
python3 - <<'EOF'
import struct, math
def wav(path, rate=8000, channels=1, bits=16, fmt=1, data=b"", claim=None, riffclaim=None):
    block = channels * bits // 8
    size = len(data) if claim is None else claim
    hdr = b"RIFF" + struct.pack("<I", riffclaim if riffclaim is not None else 36 + size) + b"WAVE"
    hdr += b"fmt " + struct.pack("<IHHIIHH", 16, fmt, channels, rate, rate * block, block, bits)
    hdr += b"data" + struct.pack("<I", size)
    open(path, "wb").write(hdr + data)
tone = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / 8000))) for i in range(500))
wav("bad/huge-claim.wav", data=tone, claim=2_000_000_000)
wav("bad/absurd-rate.wav", rate=3, data=tone)
wav("bad/absurd-channels.wav", channels=1000, data=tone * 10)
nan = struct.pack("<f", float("nan")); inf = struct.pack("<f", float("inf")); ninf = struct.pack("<f", float("-inf"))
samples = b"".join(struct.pack("<f", 0.5 * math.sin(2 * math.pi * 440 * i / 8000)) for i in range(4000))
samples = samples[:4000] + nan * 10 + inf * 5 + ninf * 5 + samples[4080:]
wav("bad/nan-inf.wav", bits=32, fmt=3, data=samples)
EOF

bash generate-codecs.sh
bash generate-phone.sh
bash generate-conditioning.sh

du -sh . | cut -f1 | sed 's/^/Fixtures: /'
