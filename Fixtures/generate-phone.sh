#!/usr/bin/env bash
# Recordings as phones and browsers make them (M4A/AAC, Apple Lossless, 3GP with AAC and
# with AMR-NB, raw AMR-NB, WebM and Matroska with Opus, raw ADTS AAC), from the committed
# speech fixture, and damaged copies of them in bad/. Called by generate.sh; runs alone
# too. Development time only: needs ffmpeg, sox (AMR-NB) and python3.
# Not made here, because no encoder for them is packaged in Debian 12: HE-AAC (ffmpeg's
# own AAC encoder makes LC only) and AMR-WB (sox is built without its encoder).
set -euo pipefail
cd "$(dirname "$0")"
export LC_ALL=C
mkdir -p phone bad
in=speech/speech-44k-stereo.wav
ff() { ffmpeg -loglevel error -y -i "$in" -map_metadata -1 -fflags +bitexact "$@"; }
# The narrowband recordings start from the 16 and 8 kHz fixtures, which the tests then
# take as the original to measure level and SNR against.
ff16() { ffmpeg -loglevel error -y -i speech/speech-16k-mono.wav -map_metadata -1 -fflags +bitexact "$@"; }
# Perceptual noise substitution off: noise bands are random in every decoder, which
# would hide real differences between promptc's decode and ffmpeg's.
mix="pan=mono|c0=0.5*c0+0.5*c1"                     # the mono the tests compare with
ff -af "$mix" -c:a aac -aac_pns 0 -b:a 32k phone/speech.m4a                         # index at the end
ff -af "$mix" -c:a aac -aac_pns 0 -b:a 32k -movflags +faststart phone/speech-faststart.m4a
ff -c:a aac -aac_pns 0 -b:a 64k phone/speech-stereo.m4a
ff -ac 1 -ar 16000 -c:a alac phone/speech-alac.m4a
ff16 -c:a aac -aac_pns 0 -b:a 24k -f 3gp phone/speech.3gp
ff -af "$mix" -c:a aac -aac_pns 0 -b:a 32k -f adts phone/speech.aac
ff16 -c:a libopus -b:a 24k phone/speech.webm
ff16 -c:a libopus -b:a 24k -live 1 phone/speech-live.webm                       # unknown sizes, as browsers write
ff -c:a libopus -b:a 32k phone/speech-stereo.mka
ff -ac 1 -t 1 -c:a libvorbis phone/speech-vorbis.webm
# AMR-NB at 12.2 kbit/s (mode 7, what phones use), with sox's DTX: SID and no-data frames
# in the pauses. Then one file with every mode: the same speech coded in modes 0...7,
# frame i taken from mode i mod 8 (AMR may switch mode at any frame).
sox speech/speech-8k-mono.wav -C 7 phone/speech.amr-nb && mv phone/speech.amr-nb phone/speech.amr
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for m in 0 1 2 3 4 5 6 7; do sox speech/speech-8k-mono.wav -C $m "$tmp/m$m.amr-nb"; done
python3 - "$tmp" <<'PY'
import sys
sizes = [12, 13, 15, 17, 19, 20, 26, 31, 5, 0, 0, 0, 0, 0, 0, 0]
def frames(p):
    b = open(p, 'rb').read(); at = 6; out = []
    while at < len(b): n = 1 + sizes[(b[at] >> 3) & 15]; out.append(b[at:at + n]); at += n
    return out
modes = [frames(f'{sys.argv[1]}/m{m}.amr-nb') for m in range(8)]
open('phone/speech-all-modes.amr', 'wb').write(b'#!AMR\n' + b''.join(modes[i % 8][i] for i in range(len(modes[0]))))
PY
ffmpeg -loglevel error -y -i phone/speech.amr -c:a copy -fflags +bitexact phone/speech-amr.3gp
ffmpeg -loglevel error -y -f lavfi -i testsrc=size=32x32:rate=5:duration=1 -c:v mpeg4 -fflags +bitexact phone/video-only.mp4
# The full decodes by ffmpeg, the independent reference for promptc's (16-bit mono at the
# file's rate, in FLAC to keep them small). Not for AMR: ffmpeg's AMR-NB decoder gives up on
# the SID frames sox writes in pauses ("Not yet implemented"), and drops them.
rm -f phone/*.ffmpeg.s16 phone/speech.mka
# Opus through ffmpeg's libopus decoder: its native one differs from the reference decoder
# (2 samples late and 12 dB SNR against libopus here), so it would test ffmpeg, not us.
for f in speech.m4a speech.3gp speech.webm; do
  dec=(); [[ $f == *.webm ]] && dec=(-c:a libopus)
  ffmpeg -loglevel error -y "${dec[@]}" -i "phone/$f" -ac 1 -c:a flac -fflags +bitexact "phone/$f.ffmpeg.flac"
done

# The other ways an MP4 can say what the encoder never defined: the speech.m4a index
# rewritten (its moov is at the end, so no chunk offset moves) with 64-bit chunk offsets
# (co64) and 16-bit sample sizes (stz2); and with iTunes' gapless tag (iTunSMPB) in place
# of the edit list.
python3 - <<'PY'
import struct
CONTAINERS = {b'moov', b'trak', b'mdia', b'minf', b'stbl', b'edts', b'udta', b'dinf'}
def parse(b, s, e):
    out, i = [], s
    while i < e:
        size, t = struct.unpack('>I4s', b[i:i + 8])
        out.append([t, parse(b, i + 8, i + size) if t in CONTAINERS else b[i + 8:i + size]])
        i += size
    return out
def build(nodes):
    out = b''
    for t, v in nodes:
        payload = build(v) if isinstance(v, list) else v
        out += struct.pack('>I4s', 8 + len(payload), t) + payload
    return out
def find(nodes, t):
    for n in nodes:
        if n[0] == t: return n
        if isinstance(n[1], list):
            r = find(n[1], t)
            if r: return r
b = open('phone/speech.m4a', 'rb').read()
m = b.index(b'moov') - 4
def variant(name, edit):
    tree = parse(b, m, len(b))
    edit(tree)
    open(name, 'wb').write(b[:m] + build(tree))
def wide(tree):
    stco = find(tree, b'stco'); n = struct.unpack('>I', stco[1][4:8])[0]
    offsets = struct.unpack('>%dI' % n, stco[1][8:8 + 4 * n])
    stco[0], stco[1] = b'co64', stco[1][:8] + struct.pack('>%dQ' % n, *offsets)
    stsz = find(tree, b'stsz'); count = struct.unpack('>I', stsz[1][8:12])[0]
    sizes = struct.unpack('>%dI' % count, stsz[1][12:12 + 4 * count])
    stsz[0], stsz[1] = b'stz2', b'\0' * 4 + b'\0\0\0\x10' + struct.pack('>I', count) + struct.pack('>%dH' % count, *sizes)
variant('phone/speech-co64-stz2.m4a', wide)
def smpb(tree):
    find(tree, b'edts')[0] = b'free'
    text = b' 00000000 00000400 00000000 000000000002B110 00000000 00000000'
    item = build([[b'mean', b'\0' * 4 + b'com.apple.iTunes'], [b'name', b'\0' * 4 + b'iTunSMPB'], [b'data', struct.pack('>II', 1, 0) + text]])
    ilst = build([[b'----', item]])
    tree[0][1] = [n for n in tree[0][1] if n[0] != b'udta']
    tree[0][1].append([b'udta', [[b'meta', b'\0' * 4 + build([[b'hdlr', b'\0' * 8 + b'mdirappl' + b'\0' * 9], [b'ilst', ilst]])]]])
variant('phone/speech-itunsmpb.m4a', smpb)
PY

# Damaged and hostile files, each made from a good one by a small edit.
python3 - <<'PY'
import struct
def rd(p): return bytearray(open(p, 'rb').read())
def wr(p, b): open(p, 'wb').write(bytes(b))
def find(b, t, start=0): return b.index(t.encode(), start) - 4   # offset of the box whose type is t
m4a = rd('phone/speech-faststart.m4a')      # moov first, then mdat
end = rd('phone/speech.m4a')                # mdat first, moov at the end
mdat = find(m4a, 'mdat')
wr('bad/mp4-truncated.m4a', m4a[:mdat + (len(m4a) - mdat) // 2])          # cut in the middle of the audio
wr('bad/mp4-no-moov.m4a', end[:find(end, 'moov')])                           # recording never finished
b = m4a[:]; stsz = find(b, 'stsz'); b[stsz + 16:stsz + 20] = struct.pack('>I', 0xFFFFFFFF)
wr('bad/mp4-huge-count.m4a', b)                                              # 4 billion sample sizes claimed
b = m4a[:]; stco = find(b, 'stco'); b[stco + 16:stco + 20] = struct.pack('>I', 0x7FFFFFF0)
wr('bad/mp4-offset-outside.m4a', b)                                          # the audio lies past the end
b = m4a[:]; moov = find(b, 'moov'); b[moov:moov + 4] = struct.pack('>I', 0x7FFFFFFF)
wr('bad/mp4-box-overflow.m4a', b)                                            # moov claims 2 GB
b = m4a[:]; trak = find(b, 'trak'); b[trak:trak + 4] = struct.pack('>I', 3)
wr('bad/mp4-small-box.m4a', b)                                               # a box smaller than its header
b = m4a[:]; esds = find(b, 'esds'); b[esds + 4:esds + 8] = b'xxxx'
wr('bad/mp4-no-esds.m4a', b)                                                 # AAC without decoder config
b = m4a[:]; mdia = find(b, 'mdia'); size = struct.unpack('>I', b[mdia:mdia + 4])[0]
b[mdia + 8:mdia + 16] = struct.pack('>I4s', size - 8, b'mdia')               # mdia holding a box of its own size...
wr('bad/mp4-self-nesting.m4a', b)
b = m4a[:]; stbl = find(b, 'stbl'); b[stbl:stbl + 4] = b'\0\0\0\0'
wr('bad/mp4-zero-size-box.m4a', b)                                           # size 0: "to the end" inside moov
b = m4a[:]; mdhd = find(b, 'mdhd'); b[mdhd + 20:mdhd + 24] = b'\0\0\0\0'
wr('bad/mp4-zero-timescale.m4a', b)
amr = rd('phone/speech.amr'); sizes = [12, 13, 15, 17, 19, 20, 26, 31, 5, 0, 0, 0, 0, 0, 0, 0]
at = 6; frames = 0
while frames < 100: at += 1 + sizes[(amr[at] >> 3) & 15]; frames += 1
wr('bad/amr-truncated.amr', amr[:at + 1 + 10])                               # 100 frames, then 10 bytes of the next
adts = rd('phone/speech.aac'); wr('bad/adts-truncated.aac', adts[:len(adts) * 2 // 3 + 3])
b = adts[:]; mid = len(b) // 2; b[mid:mid + 400] = bytes((i * 97 + 13) % 256 for i in range(400))
wr('bad/adts-damaged.aac', b)                                                # 400 bytes of garbage inside
webm = rd('phone/speech.webm'); wr('bad/webm-truncated.webm', webm[:len(webm) * 3 // 4])
b = webm[:]; c = b.index(b'\x1f\x43\xb6\x75'); blk = b.index(b'\xa3', c + 12)
b[blk + 1:blk + 9] = b'\x01\x00\x00\x10\x00\x00\x00\x00'                    # a block claiming 2^44 bytes
wr('bad/webm-huge-block.webm', b)
b = webm[:]; h = b.index(b'OpusHead'); b[h:h + 8] = b'NotOpus!'
wr('bad/webm-no-opushead.webm', b)
PY
