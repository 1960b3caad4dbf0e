#!/usr/bin/env bash
# Writes promptc.1 to $1: the page swift-argument-parser generates from the commands' help
# (every subcommand and flag), with its empty lines made paragraph breaks (mdoc warns on
# them) and its closing sections replaced by docs/man/sections.mdoc (exit status, ffmpeg
# compatibility, examples, reporting bugs).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: Scripts/man-page.sh BINARY OUTPUT}
out=${2:?usage: Scripts/man-page.sh BINARY OUTPUT}
# The generator alone, run on the binary given (the package plugin would rebuild promptc
# into .build/release without the static Swift runtime).
swift build -c release --product generate-manual >/dev/null
dir=$(mktemp -d "${TMPDIR:-/tmp}/promptc-man.XXXXXX")
trap 'rm -rf "$dir"' EXIT
.build/release/generate-manual "$bin" --date "$(date -u +%Y-%m-%d)" -o "$dir"
generated=$dir/promptc.1
awk '
  /^\.Sh "EXIT STATUS"/ { exit }
  /^[[:space:]]*$/ { print ".Pp"; next }
  { print }
' "$generated" > "$out.tmp"
cat docs/man/sections.mdoc >> "$out.tmp"
mv "$out.tmp" "$out"
