#!/usr/bin/env bash
# Recordings as phones and browsers make them (M4A/AAC, Apple Lossless, 3GP, AMR-NB, WebM and
# Matroska with Opus, raw ADTS AAC), from the committed speech fixture. Called by
# generate.sh; runs alone too. Development time only: needs ffmpeg and sox (AMR-NB).
set -euo pipefail
cd "$(dirname "$0")"
export LC_ALL=C
mkdir -p phone
in=speech/speech-44k-stereo.wav
ff() { ffmpeg -loglevel error -y -i "$in" -map_metadata -1 "$@"; }
ff -ac 1 -c:a aac -b:a 32k phone/speech.m4a
ff -ac 1 -ar 16000 -c:a alac phone/speech-alac.m4a
ff -ac 1 -ar 16000 -c:a aac -b:a 24k -f 3gp phone/speech.3gp
ff -ac 1 -c:a aac -b:a 32k -f adts phone/speech.aac
ff -ac 1 -c:a libopus -b:a 24k phone/speech.webm
ff -ac 1 -c:a libopus -b:a 24k phone/speech.mka
sox "$in" -r 8000 -c 1 phone/speech.amr-nb && mv phone/speech.amr-nb phone/speech.amr
