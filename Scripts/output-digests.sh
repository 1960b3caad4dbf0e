#!/usr/bin/env bash
# Prints the SHA-256 of every output promptc makes from the fixtures: each input converted
# to each format alone ("single") and to all formats in one run ("all"). The test
# OutputDigests recomputes the same list through the library and compares it with
# Fixtures/digests/outputs.txt, which this script writes (make digests):
#   Scripts/output-digests.sh [promptc binary] > Fixtures/digests/outputs.txt
# Hashing here is sha256sum's, so the test's own SHA-256 is checked against it too.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/release/promptc}
formats="alaw ulaw sln sln16 wav wav16 mp3"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
digest() { if [ -f "$1" ]; then sha256sum "$1" | cut -d' ' -f1; else echo fails; fi; }
for input in $(cd Fixtures && ls -1 speech/* formats/* music/* tones/* sample/* verify/* bad/* | LC_ALL=C sort); do
  for f in $formats; do
    rm -f "$tmp"/*
    "$PWD/$bin" convert "Fixtures/$input" -o "$tmp/out.$f" -q >/dev/null 2>&1 || true
    echo "$input single $f $(digest "$tmp/out.$f")"
  done
  rm -f "$tmp"/*
  args=(); for f in $formats; do args+=(-o "$tmp/out.$f"); done
  "$PWD/$bin" convert "Fixtures/$input" "${args[@]}" -q >/dev/null 2>&1 || true
  for f in $formats; do echo "$input all $f $(digest "$tmp/out.$f")"; done
done
