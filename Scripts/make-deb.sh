#!/usr/bin/env bash
# Builds promptc_VERSION_ARCH.deb from the release binary (the Swift runtime linked in
# statically, so the target machine needs no Swift): the binary stripped, the man page,
# bash/zsh/fish completions in their Debian places, the changelog and the copyright
# file; Depends computed from the binary's shared libraries by dpkg-shlibdeps.
# Usage: Scripts/make-deb.sh BINARY OUTDIR   (prints the path of the .deb)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: Scripts/make-deb.sh BINARY OUTDIR}
outdir=${2:?usage: Scripts/make-deb.sh BINARY OUTDIR}
version=$("$bin" --version | cut -d' ' -f1)
arch=$(dpkg --print-architecture)
name=promptc_${version}_${arch}
work=$(mktemp -d "${TMPDIR:-/tmp}/promptc-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/$name

Scripts/stage.sh "$bin" "$root/usr" debian

# Depends from the binary's NEEDED libraries (dpkg-shlibdeps wants a debian/control).
mkdir -p "$work/src/debian"
printf 'Source: promptc\n\nPackage: promptc\nArchitecture: any\n' > "$work/src/debian/control"
depends=$(cd "$work/src" && dpkg-shlibdeps -O -e "$root/usr/bin/promptc" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "make-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

mkdir -p "$root/DEBIAN"
cat > "$root/DEBIAN/control" <<CONTROL
Package: promptc
Version: $version
Architecture: $arch
Maintainer: promptc maintainers <promptc@localhost>
Installed-Size: $(du -sk "$root/usr" | cut -f1)
Depends: $depends
Section: sound
Priority: optional
Homepage: https://github.com/promptc/promptc
Description: turn recordings into Asterisk telephony prompts
 promptc converts everyday recordings (MP3, WAV, FLAC, M4A from phones, AMR,
 WebM/Opus from browsers) into the prompt formats Asterisk plays: G.711 A-law
 and mu-law, GSM, G.722, G.729 and signed linear at every rate. It installs
 prompts into the sounds directory safely, checks a sounds tree the way
 Asterisk reads it, brings prompts to the loudness of Asterisk's own, and runs
 the usual ffmpeg command line unchanged.
CONTROL
mkdir -p "$outdir"
dpkg-deb --root-owner-group -Zxz --build "$root" "$outdir/$name.deb" >/dev/null
echo "$outdir/$name.deb"
