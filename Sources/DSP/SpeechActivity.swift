import Glibc

/// Where the sound in a recording starts and ends, and its noise floor, robust to the hiss
/// of a phone recording: a fixed threshold (-60 dBFS) takes hiss for sound, so the
/// threshold here follows the recording. Streaming, constant memory.
///
/// Levels are taken over 1 ms blocks. The noise floor is the 10th percentile of the 10 ms
/// levels (a recording is rarely sound for more than 90% of its 10 ms stretches), the
/// sound's level the 95th; a block is sound when it is 9 dB over the floor (a 1 ms block
/// of steady noise almost never is) and not more than 50 dB under the sound; and always
/// when within 15 dB of the sound (a recording that is sound throughout, or noise hardly
/// quieter than the sound: nothing is taken for silence then). Every block's
/// level is kept only as "first and last block in each 0.5 dB step", so the threshold
/// can be chosen at the end.
public struct SpeechActivity: Sendable {
    /// What was found.
    public struct Result: Sendable, Equatable {
        /// First sample of sound and the sample after the last; nil when there is none.
        public var start: Int?
        public var end: Int?
        /// The noise floor and the level of the sound, dBFS RMS over 10 ms.
        public var noiseFloor: Double
        public var soundLevel: Double
        /// The threshold used, dBFS RMS over 1 ms.
        public var threshold: Double
        /// Samples seen.
        public var samples: Int
    }

    private static let lowest = -120.0, step = 0.5
    private static let bins = Int(-lowest / step) + 1
    static var lowestLevel: Double { lowest }
    static var binStep: Double { step }
    static var binCount: Int { bins }

    private let block: Int
    private var blockSum = 0.0, inBlock = 0, blocks = 0
    private var longSum = 0.0, inLong = 0
    /// First and last block whose level falls in each bin (-1: none yet); "at or above a
    /// bin" is worked out at the end.
    private var first = [Int](repeating: -1, count: bins)
    private var last = [Int](repeating: -1, count: bins)
    private var histogram = [Int](repeating: 0, count: bins)
    private var samples = 0

    public init(rate: Int) {
        block = max(1, rate / 1000)
    }

    /// The bin of a mean square, as `floor((10 log10(ms) - lowest) / step)`: first from its
    /// binary exponent and a straight line through the mantissa's logarithm (within one
    /// bin), then settled against the bins' edges; a logarithm for every millisecond cost
    /// more than the rest of the measure.
    static func bin(_ meanSquare: Double) -> Int {
        guard meanSquare >= 1e-12 else { return 0 }   // -120 dB: the lowest bin (and no subnormals below)
        let edges = binEdges
        // The exponent and mantissa from the bits (Double.exponent and .significand take
        // the slow road that also handles subnormals and infinities).
        let bits = meanSquare.bitPattern
        let mantissa = Double(bitPattern: (bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000)
        let log2 = Double(Int((bits >> 52) & 0x7FF) - 1023) + (mantissa - 1)
        let i = min(bins - 1, Int(10 * 0.30102999566398120 / step * log2 - lowest / step))   // not negative here
        // One step down or up at most; without branches, which the levels of speech
        // would mispredict.
        let down = i > 0 && meanSquare < edges[i] ? 1 : 0
        let up = i + 1 < bins && meanSquare >= edges[i + 1] ? 1 : 0
        return i - down + up
    }

    public mutating func add(_ input: UnsafeBufferPointer<Float>) {
        var i = 0
        let n = input.count
        while i < n {
            let end = min(n, i + block - inBlock)
            var sum = blockSum
            for j in i..<end { sum += Double(input[j]) * Double(input[j]) }
            blockSum = sum
            inBlock += end - i
            i = end
            if inBlock == block { endBlock() }
        }
        samples += n
    }

    private mutating func endBlock() {
        let b = Self.bin(blockSum / Double(block))
        if first[b] < 0 { first[b] = blocks }
        last[b] = blocks
        longSum += blockSum
        inLong += 1
        if inLong == 10 {
            histogram[Self.bin(longSum / Double(10 * block))] += 1
            longSum = 0; inLong = 0
        }
        blockSum = 0; inBlock = 0
        blocks += 1
    }

    /// The level at `share` of the 10 ms levels, dBFS.
    private func percentile(_ share: Double) -> Double? {
        let total = histogram.reduce(0, +)
        guard total > 0 else { return nil }
        var seen = 0
        for (i, n) in histogram.enumerated() {
            seen += n
            if Double(seen) >= share * Double(total) { return Self.lowest + Double(i) * Self.step }
        }
        return nil
    }

    /// Where the sound is (a trailing partial block counts as a block).
    public var result: Result {
        var s = self
        if s.inBlock > 0 { s.blockSum *= Double(s.block) / Double(s.inBlock); s.endBlock() }
        if s.inLong > 0, s.histogram.reduce(0, +) == 0 { s.histogram[Self.bin(s.longSum / Double(s.inLong * s.block))] += 1 }
        let floor = s.percentile(0.1) ?? Self.lowest, loud = s.percentile(0.95) ?? Self.lowest
        let threshold = max(min(max(floor + 9, loud - 50), loud - 15), -100)   // under -100 dBFS is silence, whatever else
        let t = min(Self.bins - 1, Int(((threshold - Self.lowest) / Self.step).rounded(.up)))
        // The first and last block at or above bin t.
        let firstAbove = s.first[t...].filter { $0 >= 0 }.min(), lastAbove = s.last[t...].max() ?? -1
        guard let firstAbove, lastAbove >= 0 else {
            return Result(start: nil, end: nil, noiseFloor: floor, soundLevel: loud, threshold: threshold, samples: samples)
        }
        return Result(start: firstAbove * block, end: min(samples, (lastAbove + 1) * block),
                      noiseFloor: floor, soundLevel: loud, threshold: threshold, samples: samples)
    }
}

/// Where each of SpeechActivity's level bins begins, as a mean square (bin 0 also takes
/// everything below): `10^((lowest + i * step) / 10)`. Written once, then only read.
nonisolated(unsafe) private let binEdges: UnsafeMutablePointer<Double> = {
    let p = UnsafeMutablePointer<Double>.allocate(capacity: SpeechActivity.binCount)
    for i in 0..<SpeechActivity.binCount { p[i] = pow(10, (SpeechActivity.lowestLevel + Double(i) * SpeechActivity.binStep) / 10) }
    return p
}()
