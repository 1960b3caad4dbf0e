#!/usr/bin/env bash
# Draws docs/telephony.svg: the hissy and the clipped phone-like fixtures before and after
# `promptc convert --telephony --denoise` (and --telephony alone for the clipped one), as
# level curves (dBFS over 10 ms) on one time axis. Development time only: needs python3; uses the built promptc.
set -euo pipefail
cd "$(dirname "$0")/.."
P=${PROMPTC:-.build/release/promptc}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for f in hissy clipped; do
  "$P" convert "Fixtures/conditioning/$f.flac" -o "$tmp/$f-before.sln" -y -q
  "$P" convert "Fixtures/conditioning/$f.flac" --telephony --denoise -o "$tmp/$f-after.sln" -y 2>/dev/null
done
python3 - "$tmp" > docs/telephony.svg <<'PY'
import sys, struct, math
tmp = sys.argv[1]
def read(p):
    b = open(p, 'rb').read()
    return [v / 32768 for v in struct.unpack('<%dh' % (len(b) // 2), b)]
W, H, left, rate, seconds, floor = 900, 120, 70, 8000, 6.5, -80.0
rows = [('hissy.flac as recorded: hiss at -55 dBFS before, under and after the speech', 'hissy-before'),
        ('hissy.flac after --telephony --denoise: trimmed to 50 ms pads, -19 LUFS, hiss at -67 dBFS', 'hissy-after'),
        ('clipped.flac as recorded: driven 12 dB into full scale', 'clipped-before'),
        ('clipped.flac after --telephony --denoise: trimmed, -19 LUFS, true peak under -1 dBTP', 'clipped-after')]
out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">' % (W + left + 20, len(rows) * H + 60),
       '<rect width="100%" height="100%" fill="white"/>',
       '<text x="%d" y="%d">Level over 10 ms windows, dBFS RMS, against time; the same time axis for all four</text>' % (left, len(rows) * H + 55)]
for r, (title, name) in enumerate(rows):
    x = read('%s/%s.sln' % (tmp, name))
    top = r * H + 10
    plot_top, plot_h = top + 18, H - 35
    def ypos(db): return plot_top + plot_h * (min(0, max(floor, db)) / floor)
    out.append('<text x="%d" y="%d">%s (%.2f s)</text>' % (left, top + 10, title, len(x) / rate))
    for db in (0, -20, -40, -60, -80):
        out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" text-anchor="end">%d dB</text>' % (left, left + W, ypos(db), ypos(db), left - 5, ypos(db) + 4, db))
    step = rate // 100
    points = []
    for i in range(0, len(x) - step + 1, step):
        ms = sum(v * v for v in x[i:i + step]) / step
        db = 10 * math.log10(ms) if ms > 0 else floor
        points.append('%.1f,%.1f' % (left + W * (i / rate) / seconds, ypos(db)))
    out.append('<polyline fill="none" stroke="#1f5fa8" stroke-width="1" points="%s"/>' % ' '.join(points))
y = len(rows) * H + 20
out.append('<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="black"/>' % (left, left + W, y, y))
for t in range(0, 7):
    xx = left + W * t / seconds
    out.append('<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="black"/><text x="%.1f" y="%d" text-anchor="middle">%d s</text>' % (xx, xx, y, y + 5, xx, y + 18, t))
out.append('</svg>')
print('\n'.join(out))
PY
echo "wrote docs/telephony.svg"
