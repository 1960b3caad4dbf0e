#!/usr/bin/env bash
# Measures the wrong-law check on real prompts: every .wav of Debian's stock sounds installed
# here (asterisk-core-sounds-*-wav; /usr/share/asterisk/sounds) is converted to .alaw and
# .ulaw, then `promptc doctor` runs on the correctly named tree (every report is a false
# alarm) and on a copy whose extensions are swapped (every file should be reported).
# Usage: Scripts/law-detection.sh [SOUNDS_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
sounds=${1:-/usr/share/asterisk/sounds}
bin=${PROMPTC:-.build/release/promptc}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$bin" batch "$sounds" --include '*.wav' -o "$tmp/right" --format alaw,ulaw -q >/dev/null 2>&1 || true   # ru/is.wav is empty on purpose
n=$(find "$tmp/right" -name '*.alaw' | wc -l)
mkdir -p "$tmp/swapped"
(cd "$tmp/right" && find . -name '*.alaw') | while read -r f; do
  b=${f%.alaw}; mkdir -p "$tmp/swapped/$(dirname "$f")"
  cp "$tmp/right/$b.alaw" "$tmp/swapped/$b.ulaw"; cp "$tmp/right/$b.ulaw" "$tmp/swapped/$b.alaw"
done
count() { "$bin" doctor "$1" 2>/dev/null | grep -c 'looks like' || true; }
false_alarms=$(count "$tmp/right"); found=$(count "$tmp/swapped")
printf 'prompts: %d, each as .alaw and .ulaw (%d files)\n' "$n" $((2 * n))
printf 'correctly named: %d reported as the other law (false alarms)\n' "$false_alarms"
printf 'swapped: %d of %d found (%.2f%%)\n' "$found" $((2 * n)) "$(echo "100 * $found / (2 * $n)" | bc -l)"
