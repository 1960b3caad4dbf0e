#!/usr/bin/env bash
# Integrated loudness (ITU-R BS.1770-4, LUFS) of Debian's stock prompts, per voice, as
# promptc measures it (libebur128): the level install and doctor compare custom prompts
# with. Needs asterisk-core-sounds-*-wav installed (/usr/share/asterisk/sounds).
# Usage: Scripts/stock-loudness.sh [SOUNDS_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
sounds=${1:-/usr/share/asterisk/sounds}
bin=${PROMPTC:-.build/release/promptc}
for voice in "$sounds"/*/; do
  [ -L "${voice%/}" ] && continue          # en, en_US, ... link to the voices' folders
  find "$voice" -name '*.wav' -print0 | xargs -0 "$bin" info --json 2>/dev/null | python3 -c '
import json, statistics, sys
name = sys.argv[1]
v = sorted(x["loudnessLUFS"] for x in json.load(sys.stdin) if x.get("loudnessLUFS") is not None)
q = statistics.quantiles(v, n=10)
print(f"{name:22s} {len(v):4d} prompts  median {statistics.median(v):6.1f} LUFS  10th-90th percentile {q[0]:6.1f} to {q[-1]:6.1f}  min {v[0]:6.1f}  max {v[-1]:6.1f}")
' "$(basename "$voice")"
done
