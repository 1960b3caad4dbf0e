/// Helpers the test targets share: a seeded random generator and an independent
/// true-peak measure.
import Foundation

/// A seeded generator (SplitMix64), so every random test input is the same on every run.
public struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The true peak of a signal in dBFS, measured independently of promptc's limiter and of
/// libebur128 (whose 4x meter misreads near the Nyquist frequency by a few tenths of a dB):
/// band-limited interpolation at 16 times the rate with a long (128-tap a side) windowed sinc.
public func truePeak(_ x: [Float]) -> Double {
    let half = 128, over = 16
    var peak = Double(x.map { abs($0) }.max() ?? 0)
    let kernel: [[Double]] = (1..<over).map { k in
        (0..<(2 * half)).map { i in
            let u = Double(i - half + 1) - Double(k) / Double(over)
            let r = u / Double(half)
            let w = 0.5 + 0.5 * cos(Double.pi * r)          // Hann window
            return abs(r) >= 1 ? 0 : sin(Double.pi * u) / (Double.pi * u) * w
        }
    }
    // Between samples only where the kernel has the signal on both sides: a signal cut off
    // at its ends would show the cut's own overshoot (Gibbs), not the signal's.
    for n in (half - 1)..<max(half - 1, x.count - half) {
        for h in kernel {
            var v = 0.0
            for i in 0..<(2 * half) { v += Double(x[n - half + 1 + i]) * h[i] }
            peak = max(peak, abs(v))
        }
    }
    return 20 * log10(peak)
}
