#!/usr/bin/env bash
# Lays out what promptc installs under PREFIX (bin, man page, completions, docs) from a
# built binary. LAYOUT "debian" uses Debian's places (zsh vendor-completions, a gzipped
# man page and changelog, /usr/share/doc/promptc/copyright); "plain" those of a tarball.
# Usage: Scripts/stage.sh BINARY PREFIX LAYOUT
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:?}; prefix=${2:?}; layout=${3:?}
install -d "$prefix/bin" "$prefix/share/man/man1" "$prefix/share/bash-completion/completions" \
  "$prefix/share/fish/vendor_completions.d" "$prefix/share/doc/promptc"
install -m 0755 "$bin" "$prefix/bin/promptc"
strip --strip-unneeded "$prefix/bin/promptc"
Scripts/man-page.sh "$bin" "$prefix/share/man/man1/promptc.1"
"$bin" --generate-completion-script bash > "$prefix/share/bash-completion/completions/promptc"
"$bin" --generate-completion-script fish > "$prefix/share/fish/vendor_completions.d/promptc.fish"
if [ "$layout" = debian ]; then
  install -d "$prefix/share/zsh/vendor-completions"
  "$bin" --generate-completion-script zsh > "$prefix/share/zsh/vendor-completions/_promptc"
  gzip -9n "$prefix/share/man/man1/promptc.1"
  install -m 0644 Scripts/debian/copyright "$prefix/share/doc/promptc/copyright"
  gzip -9n < Scripts/debian/changelog > "$prefix/share/doc/promptc/changelog.Debian.gz"
else
  install -d "$prefix/share/zsh/site-functions"
  "$bin" --generate-completion-script zsh > "$prefix/share/zsh/site-functions/_promptc"
  install -m 0644 Scripts/debian/copyright "$prefix/share/doc/promptc/copyright"
  install -m 0644 README.md "$prefix/share/doc/promptc/README.md"
fi
chmod 0644 "$prefix"/share/man/man1/* "$prefix"/share/bash-completion/completions/* "$prefix"/share/fish/vendor_completions.d/* "$prefix"/share/zsh/*/_promptc
