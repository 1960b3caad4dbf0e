#!/usr/bin/env python3
"""How far promptc's resampler is from an ideal converter, on speech, in the voice band.

The ideal: sox's very-high-quality resampler (rate -v, linear phase, 32-bit float out),
then the nearest G.711 level (promptc's encoder is bit-exact to G.191 and is the identity
path for 8 kHz float input). Everything is compared in the voice band (300-3400 Hz, an
FFT mask applied to both signals), where a passband ripple costs SNR and where the two
resamplers' different transition bands (3800-4000 Hz) do not count.

Usage: Scripts/passband-figure.py [promptc binary] [inputs...]   (needs sox, numpy)
Prints, per input: the resampler's SNR against the ideal (promptc's 16-bit .sln), the
SNR of the ideal A-law prompt (G.711's own quantisation noise), promptc's A-law SNR, and
the gap between the last two.
"""
import os, subprocess, sys, tempfile
import numpy as np

binary = sys.argv[1] if len(sys.argv) > 1 else ".build/release/promptc"
inputs = sys.argv[2:] or ["Fixtures/speech/speech-44k-stereo.wav", "Fixtures/speech/speech-16k-mono.wav",
                          "Fixtures/formats/speech-48k-24bit.wav", "Fixtures/formats/speech-22k.flac"]

def alaw_decode(codes):
    c = codes.astype(np.int32) ^ 0x55
    seg = (c >> 4) & 7
    mant = c & 15
    mag = np.where(seg == 0, (mant << 4) + 8, ((mant << 4) + 0x108) << np.maximum(seg - 1, 0))
    return np.where(c & 0x80, mag, -mag) / 32768.0

def voice_band(x):
    spectrum = np.fft.rfft(x)
    f = np.fft.rfftfreq(len(x), 1 / 8000)
    spectrum[(f < 300) | (f > 3400)] = 0
    return np.fft.irfft(spectrum, len(x))

def snr(reference, x):
    n = min(len(reference), len(x))
    r, e = voice_band(reference[:n]), voice_band(x[:n]) - voice_band(reference[:n])
    return 10 * np.log10(np.sum(r * r) / np.sum(e * e))

print(f"{'input':<42} {'resampler':>10} {'G.711 ideal':>12} {'promptc A-law':>14} {'gap':>6}")
with tempfile.TemporaryDirectory() as d:
    for path in inputs:
        ideal_f32 = os.path.join(d, "ideal.f32")
        subprocess.run(["sox", path, "-t", "f32", "-c", "1", ideal_f32, "remix", "-", "rate", "-v", "8000"], check=True,
                       stderr=subprocess.DEVNULL)
        # "remix -" takes the mean of the channels, as promptc does.
        ideal = np.fromfile(ideal_f32, dtype="<f4").astype(np.float64)
        ideal_alaw = os.path.join(d, "ideal.alaw")
        subprocess.run([binary, "convert", ideal_f32, "--raw-format", "f32le", "--raw-rate", "8000", "-o", ideal_alaw, "-y"], check=True)
        ours_sln, ours_alaw = os.path.join(d, "ours.sln"), os.path.join(d, "ours.alaw")
        subprocess.run([binary, "convert", path, "-o", ours_sln, "-o", ours_alaw, "-y"], check=True)
        resampler = snr(ideal, np.fromfile(ours_sln, dtype="<i2") / 32768.0)
        g711 = snr(ideal, alaw_decode(np.fromfile(ideal_alaw, dtype=np.uint8)))
        ours = snr(ideal, alaw_decode(np.fromfile(ours_alaw, dtype=np.uint8)))
        print(f"{path:<42} {resampler:9.1f}  {g711:11.2f}  {ours:13.2f}  {g711 - ours:6.2f}")
