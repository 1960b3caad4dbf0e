#!/usr/bin/env bash
# Runs each libFuzzer target of Fuzz/ for SECONDS and prints executions, speed and
# coverage. Seeds come from Fixtures/ (copied into Fuzz/.build/corpus-TARGET, which keeps
# growing between runs); a crash is saved as Fuzz/crashes/TARGET-<hash> and fails the run:
# copy it into Fixtures/bad/ with a test once fixed.
# Usage: Scripts/fuzz.sh SECONDS TARGET...      (make fuzz builds Fuzz/ first)
# FUZZ_BIN=PATH runs another build of the fuzzer (a copy, so a long run survives rebuilds).
# FUZZ_SEED=N fixes libFuzzer's random seed (0, the default, picks one per run).
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=$1; shift
bin=${FUZZ_BIN:-Fuzz/.build/release/PromptcFuzz}  # FUZZ_BIN: run a copy while Fuzz/ rebuilds
mkdir -p Fuzz/crashes
status=0
seed() { # target, corpus
  local t=$1 c=$2 i=0
  case $t in
    detect|decode)
      for f in Fixtures/speech/* Fixtures/formats/* Fixtures/bad/* Fixtures/verify/* Fixtures/tones/*; do
        # decode: the first byte picks the extension the file gets (see Targets.swift).
        { printf "\\x$(printf %02x $((i % 12)))"; head -c 20000 "$f"; } > "$c/seed-$i"; i=$((i + 1))
      done ;;
    codecs)
      for f in Fixtures/codecs/*.gsm Fixtures/codecs/*.g722 Fixtures/codecs/*.g729 Fixtures/stock/*.gsm Fixtures/stock/*.g722; do
        # The first byte picks gsm, g722 or g729 (see Targets.swift): each file gets its own.
        case $f in *.gsm) b=0;; *.g722) b=1;; *) b=2;; esac
        { printf "\\x0$b"; head -c 20000 "$f"; } > "$c/seed-$i"; i=$((i + 1))
      done ;;
    mp4) for f in Fixtures/phone/*.m4a Fixtures/phone/*.3gp Fixtures/phone/*.mp4 Fixtures/bad/mp4-*; do cp "$f" "$c/seed-$i"; i=$((i + 1)); done ;;
    webm) for f in Fixtures/phone/*.webm Fixtures/phone/*.mka Fixtures/bad/webm-*; do cp "$f" "$c/seed-$i"; i=$((i + 1)); done ;;
    adts) for f in Fixtures/phone/*.aac Fixtures/bad/adts-*; do cp "$f" "$c/seed-$i"; i=$((i + 1)); done ;;
    amr) for f in Fixtures/phone/*.amr Fixtures/bad/amr-*; do cp "$f" "$c/seed-$i"; i=$((i + 1)); done ;;
    ffmpeg)
      printf -- '-i\0in.mp3\0-acodec\0pcm_alaw\0-f\0alaw\0-ac\0001\0-ar\0008000\0-vn\0out.alaw' > "$c/seed-0"
      printf -- '-f\0alaw\0-ar\0008000\0-i\0in.raw\0-y\0out.wav' > "$c/seed-1" ;;
    install-manifest)
      printf '{"version": 2, "installs": [{"time": "t", "prompts": [{"name": "a", "lang": "en", "subdir": "custom", "files": ["en/custom/a.alaw"], "backups": [{"original": "en/custom/a.ulaw", "backup": ".promptc-backup/1/en/custom/a.ulaw", "removed": true}], "warnings": []}]}]}' > "$c/seed-0" ;;
    batch-manifest)
      printf '{"version": 1, "outputs": {"a.alaw": {"source": "a.wav", "size": 1, "mtime": 2, "hash": "ff", "settings": "s"}}}{"output": "b.alaw", "entry": {"source": "b.wav", "size": 1, "mtime": 2, "hash": "ee", "settings": "s"}}\n' > "$c/seed-0" ;;
  esac
}
for t in "$@"; do
  corpus=Fuzz/.build/corpus-$t
  if [ ! -d "$corpus" ]; then mkdir -p "$corpus"; seed "$t" "$corpus"; fi
  log=$(mktemp)
  PROMPTC_FUZZ_TARGET=$t ASAN_OPTIONS=detect_leaks=0 "$bin" "$corpus" -max_total_time="$seconds" -max_len=65536 -seed="${FUZZ_SEED:-0}" \
    -rss_limit_mb=2048 -timeout=20 -print_final_stats=1 -artifact_prefix="Fuzz/crashes/$t-" >"$log" 2>&1
  rc=$?
  runs=$(grep -oE 'number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$')
  speed=$(grep -oE 'average_exec_per_sec: *[0-9]+' "$log" | grep -oE '[0-9]+$')
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$')
  printf '%-18s %8s runs in %4s s, %6s per second, coverage %6s edges%s\n' "$t" "${runs:-?}" "$seconds" "${speed:-?}" "${cov:-?}" \
    "$([ $rc -ne 0 ] && echo "   FAILED (exit $rc): see Fuzz/crashes/ and $log")"
  [ $rc -ne 0 ] && status=1 && tail -30 "$log"
done
exit $status
