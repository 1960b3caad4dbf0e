#!/usr/bin/env bash
# The package test: installs the .deb on this machine (dpkg -i), checks that the
# installed binary needs no library of the Swift toolchain, runs `promptc --version` and a
# conversion from /usr/bin/promptc with the toolchain out of reach (its folder hidden in
# a private mount namespace where the kernel allows one; an empty environment always),
# checks the man page renders without warnings, and removes the package again.
# Usage: Scripts/deb-test.sh PACKAGE.deb
set -euo pipefail
cd "$(dirname "$0")/.."
deb=${1:?usage: Scripts/deb-test.sh PACKAGE.deb}
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
fail() { echo "deb-test: $*" >&2; exit 1; }

if dpkg-query -W -f='${Status}' promptc 2>/dev/null | grep -q "ok installed"; then
  fail "a promptc package is already installed here; remove it first (the test installs and removes its own)"
fi
$SUDO dpkg -i "$deb" >/dev/null
trap '$SUDO dpkg -r promptc >/dev/null 2>&1 || true' EXIT

[ -x /usr/bin/promptc ] || fail "/usr/bin/promptc is not installed"
toolchain=$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")
if ldd /usr/bin/promptc | grep -E -i "swift|libFoundation|libdispatch|$toolchain" >&2; then
  fail "the installed binary loads libraries of the Swift toolchain (above)"
fi
# SwiftPM sets a run path of $ORIGIN; anything else (the toolchain's folder) is a mistake.
if readelf -d /usr/bin/promptc | grep -E "RPATH|RUNPATH" | grep -v '\[\$ORIGIN\]' >&2; then fail "the installed binary searches for libraries elsewhere"; fi
# All of Foundation (rather than FoundationEssentials) would bring ICU's 34 MB of data.
size=$(stat -c %s /usr/bin/promptc)
[ "$size" -lt 25000000 ] || fail "the installed binary is $size bytes: has a module started importing all of Foundation?"

work=$(mktemp -d "${TMPDIR:-/tmp}/promptc-deb-test.XXXXXX")
cp Fixtures/sample/welcome.mp3 "$work/"
run='cd "$1" && /usr/bin/promptc --version && /usr/bin/promptc convert welcome.mp3 -o welcome.alaw -o welcome.g722 -q && /usr/bin/promptc info welcome.alaw'
if $SUDO unshare -m true 2>/dev/null; then
  # The toolchain's folder replaced by an empty one, for this run only.
  $SUDO unshare -m sh -c "mount -t tmpfs none '$toolchain' && env -i PATH=/usr/bin:/bin sh -c '$run' sh '$work'" > "$work/log"
  where="with $toolchain hidden"
else
  env -i PATH=/usr/bin:/bin sh -c "$run" sh "$work" > "$work/log"
  where="(no mount namespace here: checked by ldd that nothing of $toolchain is loaded)"
fi
grep -q "^$(.build/release/promptc --version | cut -d' ' -f1) " "$work/log" || fail "promptc --version printed: $(head -1 "$work/log")"
# The conversion must match the one the build tree's binary makes.
.build/release/promptc convert "$work/welcome.mp3" -o "$work/ref.alaw" -o "$work/ref.g722" -q
cmp "$work/welcome.alaw" "$work/ref.alaw" && cmp "$work/welcome.g722" "$work/ref.g722" || fail "the installed binary converts differently"
# The rest from the package's own contents (a minimal system may exclude /usr/share/man
# and /usr/share/doc from installation).
dpkg-deb -x "$deb" "$work/contents"
warnings=$(man --warnings -l "$work/contents/usr/share/man/man1/promptc.1.gz" 2>&1 >/dev/null)
[ -z "$warnings" ] || fail "the man page renders with warnings: $warnings"
for f in usr/share/bash-completion/completions/promptc usr/share/zsh/vendor-completions/_promptc \
         usr/share/fish/vendor_completions.d/promptc.fish usr/share/doc/promptc/copyright usr/share/doc/promptc/changelog.Debian.gz; do
  [ -s "$work/contents/$f" ] || fail "/$f is missing from the package"
done
rm -rf "$work"

$SUDO dpkg -r promptc >/dev/null
trap - EXIT
[ ! -e /usr/bin/promptc ] || fail "/usr/bin/promptc is still there after dpkg -r"
echo "deb-test: $(basename "$deb") installs, runs $where, converts as the build does, man page clean, removes cleanly"
