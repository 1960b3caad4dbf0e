#!/usr/bin/env bash
# Times promptc against the tools admins use today, side by side, and prints medians
# and ratios. Inputs are generated here (cached in .build/bench-data, never committed).
# Usage: Scripts/bench.sh [runs]    (make bench runs it after the package benchmarks)
# BENCH_MATCH=regex runs only the comparisons whose title matches (bash =~).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
bin=${PROMPTC:-.build/release/promptc}
data=.build/bench-data
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
mkdir -p "$data"

need() { command -v "$1" >/dev/null || { echo "bench needs $1 (make bench-deps installs it)"; exit 1; }; }
for t in sox ffmpeg mpg123 lame python3; do need $t; done
[ -x /usr/bin/time ] || { echo "bench needs /usr/bin/time (Debian package time)"; exit 1; }

# Speech-like long inputs: the 4 s stereo fixture repeated, with a little noise so
# nothing is trivially periodic for the encoders.
make_inputs() {
  local minutes=$1
  local wav=$data/speech-${minutes}min-44k-stereo.wav mp3=$data/speech-${minutes}min-128k.mp3
  if [ ! -s "$wav" ]; then
    echo "generating $wav"
    sox Fixtures/speech/speech-44k-stereo.wav "$data/tmp.wav" repeat $((minutes * 15 - 1))
    sox -n -r 44100 -c 2 -b 16 "$data/noise.wav" synth $((minutes * 60)) whitenoise vol 0.002
    sox -m "$data/tmp.wav" "$data/noise.wav" "$wav"
    rm -f "$data/tmp.wav" "$data/noise.wav"
  fi
  if [ ! -s "$mp3" ]; then
    echo "generating $mp3"
    lame --quiet -b 128 "$wav" "$mp3"
  fi
}
make_inputs 3
make_inputs 30

# Phone and browser recordings of the 30-minute speech: M4A with AAC-LC at 128 kbit/s
# stereo and at 48 kbit/s mono (what phone voice recorders save; HE-AAC, which the issue
# also names, has no encoder in Debian 12), AMR-NB at 12.2 kbit/s, WebM with Opus.
make_phone_inputs() {
  local wav=$data/speech-30min-44k-stereo.wav
  [ -s "$data/speech-30min-aac128.m4a" ] || ffmpeg -loglevel error -y -i "$wav" -c:a aac -b:a 128k "$data/speech-30min-aac128.m4a"
  [ -s "$data/speech-30min-aac48.m4a" ] || ffmpeg -loglevel error -y -i "$wav" -ac 1 -c:a aac -b:a 48k "$data/speech-30min-aac48.m4a"
  [ -s "$data/speech-30min.amr" ] || { sox "$wav" -r 8000 -c 1 -C 7 "$data/tmp.amr-nb" && mv "$data/tmp.amr-nb" "$data/speech-30min.amr"; }
  [ -s "$data/speech-30min.webm" ] || ffmpeg -loglevel error -y -i "$wav" -ac 1 -c:a libopus -b:a 32k "$data/speech-30min.webm"
}
make_phone_inputs


compare() { # title, then pairs of "label|command"
  local title=$1; shift
  # BENCH_MATCH=regex runs only the comparisons whose title matches it (e.g. "M4A|AMR").
  [[ -z ${BENCH_MATCH:-} || $title =~ $BENCH_MATCH ]] || return 0
  echo
  echo "## $title (median of $runs interleaved rounds)"
  python3 - "$runs" "$@" <<'EOF'
# The commands run in rounds, one after another within a round, so a slow minute on this
# noisy machine hits all of them alike; ratios are medians of the per-round ratios, with
# their spread.
import statistics, subprocess, sys, time
runs = int(sys.argv[1])
pairs = [p.split("|", 1) for p in sys.argv[2:]]
times = [[] for _ in pairs]
for round in range(runs + 1):                      # round 0 warms the caches up
    for i, (_, command) in enumerate(pairs):
        t0 = time.perf_counter()
        subprocess.run(command, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if round > 0:
            times[i].append(time.perf_counter() - t0)
for i, (label, _) in enumerate(pairs):
    median = statistics.median(times[i])
    text = f"  {label:<34} {median:8.3f} s"
    if i > 0:
        ratios = sorted(t / p for t, p in zip(times[i], times[0]))
        r = statistics.median(ratios)
        word = f"{r:5.2f}x faster" if r >= 1 else f"{1 / r:5.2f}x slower"
        text += f"   promptc is {word} (rounds: {ratios[0]:.2f}-{ratios[-1]:.2f}x)"
    print(text)
EOF
}

wav30=$data/speech-30min-44k-stereo.wav; mp330=$data/speech-30min-128k.mp3
compare "30-minute 44.1 kHz stereo WAV to .alaw" \
  "promptc convert|$bin convert $wav30 -o $out/p.alaw -y" \
  "sox -r 8000 -c 1 -t al|sox $wav30 -r 8000 -c 1 -t al $out/s.alaw" \
  "ffmpeg command|ffmpeg -y -loglevel error -i $wav30 -acodec pcm_alaw -f alaw -ac 1 -ar 8000 -vn $out/f.alaw"
compare "30-minute 128 kbps stereo MP3 to .alaw" \
  "promptc convert|$bin convert $mp330 -o $out/p.alaw -y" \
  "mpg123 -q -s (decoding alone)|sh -c 'mpg123 -q -s $mp330 >/dev/null'" \
  "ffmpeg command|ffmpeg -y -loglevel error -i $mp330 -acodec pcm_alaw -f alaw -ac 1 -ar 8000 -vn $out/f.alaw"
compare "30-minute 128 kbps stereo MP3 to .gsm (GSM 06.10)" \
  "promptc convert|$bin convert $mp330 -o $out/p.gsm -y" \
  "ffmpeg -acodec libgsm|ffmpeg -y -loglevel error -i $mp330 -acodec libgsm -f gsm -ac 1 -ar 8000 -vn $out/f.gsm"
compare "30-minute 128 kbps stereo MP3 to .g722 (16 kHz)" \
  "promptc convert|$bin convert $mp330 -o $out/p.g722 -y" \
  "ffmpeg -acodec g722|ffmpeg -y -loglevel error -i $mp330 -acodec g722 -f g722 -ac 1 -ar 16000 -vn $out/f.g722"
# ffmpeg decodes G.729 but has no encoder for it: promptc is timed alone, against its .alaw.
compare "30-minute 128 kbps stereo MP3 to .g729 (ffmpeg offers no G.729 encoder; promptc's .alaw for scale)" \
  "promptc convert to .g729|$bin convert $mp330 -o $out/p.g729 -y" \
  "promptc convert to .alaw|$bin convert $mp330 -o $out/p.alaw -y"
for f in -aac128.m4a -aac48.m4a .amr .webm; do
  in=$data/speech-30min$f
  compare "30-minute $(case $f in -aac128.m4a) echo "M4A (AAC-LC 128 kbit/s stereo)";; -aac48.m4a) echo "M4A (AAC-LC 48 kbit/s mono)";; .amr) echo "AMR-NB (12.2 kbit/s)";; .webm) echo "WebM (Opus 32 kbit/s)";; esac) to .alaw" \
    "promptc convert|$bin convert $in -o $out/p.alaw -y" \
    "ffmpeg command|ffmpeg -y -loglevel error -i $in -acodec pcm_alaw -f alaw -ac 1 -ar 8000 -vn $out/f.alaw"
done
# Start-up: what a script converting one short prompt at a time pays per file.
short=Fixtures/speech/speech-44k-cbr128.mp3   # 4 s
compare "Start-up: the version of each" \
  "promptc --version|$bin --version" \
  "ffmpeg -version|ffmpeg -version"
compare "Start-up: a 4-second MP3 prompt to .alaw" \
  "promptc convert|$bin convert $short -o $out/s.alaw -y" \
  "ffmpeg command|ffmpeg -y -loglevel error -i $short -acodec pcm_alaw -f alaw -ac 1 -ar 8000 -vn $out/sf.alaw"
if [[ -z ${BENCH_MATCH:-} || "Start-up" =~ ${BENCH_MATCH:-} ]]; then
  cp "$bin" "$out/stripped" && strip --strip-unneeded "$out/stripped"
  printf '  %-34s %6.1f MB (%.1f MB stripped, as packaged)\n' "binary size" \
    "$(echo "$(stat -c %s "$bin") / 1048576" | bc -l)" "$(echo "$(stat -c %s "$out/stripped") / 1048576" | bc -l)"
fi
kernels=$("$bin" --version | sed -n 's/.*SIMD kernels: \([a-z0-9]*\).*/\1/p')
compare "30-minute WAV: promptc's $kernels kernels (picked for this CPU) vs the portable baseline" \
  "promptc convert ($kernels)|$bin convert $wav30 -o $out/p.alaw -y" \
  "PROMPTC_SIMD=baseline|env PROMPTC_SIMD=baseline $bin convert $wav30 -o $out/p.alaw -y"
compare "30-minute MP3: promptc's $kernels kernels (picked for this CPU) vs the portable baseline" \
  "promptc convert ($kernels)|$bin convert $mp330 -o $out/p.alaw -y" \
  "PROMPTC_SIMD=baseline|env PROMPTC_SIMD=baseline $bin convert $mp330 -o $out/p.alaw -y"
compare "30-minute MP3, decoding only (full rate, stereo)" \
  "promptc info (decode + levels)|$bin info $mp330" \
  "mpg123 -q -s|sh -c 'mpg123 -q -s $mp330 >/dev/null'"

echo
echo "## Peak memory (max RSS), promptc convert to .alaw"
kb=$( { /usr/bin/time -f %M "$bin" --version >/dev/null; } 2>&1 | tail -1)
printf '  %-34s %6.1f MB\n' "promptc --version (start-up alone)" "$(echo "$kb / 1024" | bc -l)"
for m in 3 30; do
  for f in "$data/speech-${m}min-44k-stereo.wav" "$data/speech-${m}min-128k.mp3"; do
    kb=$( { /usr/bin/time -f %M "$bin" convert "$f" -o "$out/m.alaw" -y >/dev/null; } 2>&1 | tail -1)
    printf '  %-34s %6.1f MB\n' "$(basename "$f")" "$(echo "$kb / 1024" | bc -l)"
  done
done
for f in Fixtures/phone/speech.m4a "$data/speech-30min-aac128.m4a" Fixtures/phone/speech.amr "$data/speech-30min.amr" \
         Fixtures/phone/speech.webm "$data/speech-30min.webm"; do
  kb=$( { /usr/bin/time -f %M "$bin" convert "$f" -o "$out/m.alaw" -y >/dev/null; } 2>&1 | tail -1)
  printf '  %-34s %6.1f MB\n' "$(basename "$f")" "$(echo "$kb / 1024" | bc -l)"
done

# Batch: 50 speech MP3s of 20 to 60 s each (left out when BENCH_MATCH picks a subset).
[[ -n ${BENCH_MATCH:-} ]] && exit 0
batchdir=$data/batch50
if [ ! -s "$batchdir/49.mp3" ]; then
  echo "generating $batchdir"
  mkdir -p "$batchdir"
  for i in $(seq 0 49); do
    seconds=$((20 + i * 40 / 49))               # 20..60 s, spread evenly
    sox Fixtures/speech/speech-44k-stereo.wav "$data/b.wav" repeat $((seconds / 4)) trim 0 "$seconds"
    lame --quiet -b 128 "$data/b.wav" "$batchdir/$i.mp3"
  done
  rm -f "$data/b.wav"
fi
batch_time() { # prints wall seconds of one command
  local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l
}
median3() { printf '%s\n' "$@" | sort -g | sed -n "$(( ($# + 1) / 2 ))p"; }   # the median of an odd count
ffloop() { for f in "$batchdir"/*.mp3; do ffmpeg -y -loglevel error -i "$f" -acodec pcm_alaw -f alaw -ac 1 -ar 8000 -vn "$out/ff/$(basename "${f%.mp3}").alaw"; done; }
mkdir -p "$out/ff"
j2=(); j1=(); ff=(); inc=(); tel=(); den=(); telr=(); denr=()
# Rounds: BATCH_ROUNDS (odd; default 5). The conditioning rows are also given as the median
# of each round's ratio to that round's untreated batch, which the machine's drift affects less.
for r in $(seq "${BATCH_ROUNDS:-5}"); do
  rm -rf "$out/b2" "$out/b1" "$out/bt" "$out/bd"
  j2+=("$(batch_time "$bin" batch "$batchdir" -o "$out/b2" -j 2 -q)")
  tel+=("$(batch_time "$bin" batch "$batchdir" -o "$out/bt" -j 2 -q --telephony)")
  den+=("$(batch_time "$bin" batch "$batchdir" -o "$out/bd" -j 2 -q --telephony --denoise)")
  inc+=("$(batch_time "$bin" batch "$batchdir" -o "$out/b2" -j 2 -q)")
  j1+=("$(batch_time "$bin" batch "$batchdir" -o "$out/b1" -j 1 -q)")
  ff+=("$(batch_time ffloop)")
  telr+=("$(echo "${tel[-1]} / ${j2[-1]}" | bc -l)"); denr+=("$(echo "${den[-1]} / ${j2[-1]}" | bc -l)")
done
J2=$(median3 "${j2[@]}"); J1=$(median3 "${j1[@]}"); FF=$(median3 "${ff[@]}"); INC=$(median3 "${inc[@]}")
TEL=$(median3 "${tel[@]}"); DEN=$(median3 "${den[@]}")
echo
echo "## Batch: 50 speech MP3s of 20-60 s to .alaw (median of ${#j2[@]} runs)"
printf '  %-34s %8.3f s\n' "promptc batch -j 2" "$J2"
printf '  %-34s %8.3f s   -j 2 is %5.2fx faster than -j 1\n' "promptc batch -j 1" "$J1" "$(echo "$J1 / $J2" | bc -l)"
printf '  %-34s %8.3f s   promptc -j 2 is %5.2fx faster\n' "shell loop of the ffmpeg command" "$FF" "$(echo "$FF / $J2" | bc -l)"
printf '  %-34s %8.3f s   %4.1f%% of the first run\n' "second run, nothing changed" "$INC" "$(echo "100 * $INC / $J2" | bc -l)"
printf '  %-34s %8.3f s   %5.2fx the untreated batch (goal: 1.3x at most; median of the rounds: %5.2fx)\n' \
  "promptc batch -j 2 --telephony" "$TEL" "$(echo "$TEL / $J2" | bc -l)" "$(median3 "${telr[@]}")"
printf '  %-34s %8.3f s   %5.2fx the untreated batch (median of the rounds: %5.2fx)\n' \
  "  ... --telephony --denoise" "$DEN" "$(echo "$DEN / $J2" | bc -l)" "$(median3 "${denr[@]}")"

# Debian's stock English prompts (asterisk-core-sounds-en-wav): the whole .wav tree to the
# formats ffmpeg can also make, in one batch, against one ffmpeg command per prompt with the
# same five outputs; then to every prompt format promptc writes.
stock=/usr/share/asterisk/sounds/en_US_f_Allison
if [ -d "$stock" ]; then
  n=$(find "$stock" -name '*.wav' | wc -l)
  ffstock() {
    find "$stock" -name '*.wav' | while read -r f; do
      rel=${f#"$stock"/}; o="$out/ffstock/${rel%.wav}"; mkdir -p "$(dirname "$o")"
      ffmpeg -nostdin -y -loglevel error -i "$f" -ac 1 -ar 8000 -acodec pcm_alaw -f alaw "$o.alaw" -ac 1 -ar 8000 -acodec pcm_mulaw -f mulaw "$o.ulaw" \
        -ac 1 -ar 8000 -acodec libgsm -f gsm "$o.gsm" -ac 1 -ar 16000 -acodec g722 -f g722 "$o.g722" -ac 1 -ar 16000 -f s16le "$o.sln16"
    done
  }
  B5=(); F5=(); BALL=()
  for r in 1 2 3; do
    rm -rf "$out/stock" "$out/ffstock"
    B5+=("$(batch_time "$bin" batch "$stock" --include '*.wav' -o "$out/stock" --format alaw,ulaw,gsm,g722,sln16 -j 2)")
    rm -rf "$out/stock"
    BALL+=("$(batch_time "$bin" batch "$stock" --include '*.wav' -o "$out/stock" --format alaw,ulaw,gsm,g722,g729,sln,sln16,wav,wav16 -j 2)")
    F5+=("$(batch_time ffstock)")
  done
  B5=$(median3 "${B5[@]}"); F5=$(median3 "${F5[@]}"); BALL=$(median3 "${BALL[@]}")
  echo
  echo "## Batch: Debian's $n stock English .wav prompts (median of 3 runs)"
  printf '  %-46s %8.3f s
' "promptc batch -j 2, 5 formats" "$B5"
  printf '  %-46s %8.3f s   promptc is %5.2fx faster
' "ffmpeg, one command per prompt, same 5 outputs" "$F5" "$(echo "$F5 / $B5" | bc -l)"
  printf '  %-46s %8.3f s
' "promptc batch -j 2, 9 prompt formats (+g729 sln wav wav16)" "$BALL"
else
  echo; echo "(stock prompts not installed: apt-get install asterisk-core-sounds-en-wav for the stock-tree batch)"
fi
