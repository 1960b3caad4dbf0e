#!/usr/bin/env bash
# Builds promptc-VERSION-linux-ARCH.tar.gz: the same stripped static-runtime binary as the
# .deb, the man page, bash/zsh/fish completions, the copyright file and the README, under
# promptc-VERSION/ in the usual PREFIX layout (bin/, share/...). Unpack and copy, or:
#   tar -xzf promptc-*.tar.gz && sudo cp -r promptc-*/bin promptc-*/share /usr/local/
# Usage: Scripts/make-dist.sh BINARY OUTDIR   (prints the path of the tarball)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: Scripts/make-dist.sh BINARY OUTDIR}
outdir=${2:?usage: Scripts/make-dist.sh BINARY OUTDIR}
version=$("$bin" --version | cut -d' ' -f1)
arch=$(uname -m)
work=$(mktemp -d "${TMPDIR:-/tmp}/promptc-dist.XXXXXX")
trap 'rm -rf "$work"' EXIT
Scripts/stage.sh "$bin" "$work/promptc-$version" plain
mkdir -p "$outdir"
tar -C "$work" --owner=0 --group=0 --numeric-owner -czf "$outdir/promptc-$version-linux-$arch.tar.gz" "promptc-$version"
echo "$outdir/promptc-$version-linux-$arch.tar.gz"
