import Glibc

/// ITU-R BS.1770-4 integrated loudness of a mono signal, LUFS: K-weighting (the high
/// shelf and the high-pass of the recommendation, designed for the rate from their analog
/// prototypes, as libebur128 does), mean square over 400 ms blocks every 100 ms, the
/// absolute gate at -70 LUFS and the relative gate 10 LU under the mean of the blocks
/// that pass it.
///
/// It exists beside libebur128 (which ``info`` and the meters use) for the loudness
/// normalizer, which measures a prompt up to four times: the filter here runs several
/// times faster (eight samples a step: ``FourthOrderFilter``), and its memory does not
/// grow with the input. Gated blocks go into a histogram of 0.01 dB bins (count and exact
/// energy sum each, 96 KB whatever the length); only blocks in the one bin the relative
/// gate falls in are shared out by where the gate falls in it, so the result stays
/// within a few thousandths of a LU of a meter that keeps every block.
public final class IntegratedLoudnessMeter {
    /// The recommendation's offset between mean square and loudness, dB.
    static let offset = -0.691
    static let binsPerDB = 100.0
    static let lowest = -70.0, highest = 10.0

    /// The K-weighting: the high shelf, then the high-pass.
    private var weighting: FourthOrderStream
    private var filtered: [Float] = []
    /// Samples in 100 ms, and how many of the current sub-block have been summed.
    private let hop: Int
    private var filled = 0
    private var sum = 0.0
    /// The last three completed sub-blocks' sums, newest last, and how many there have been.
    private var recent = (0.0, 0.0, 0.0)
    private var subBlocks = 0
    private var counts: [Int32]
    private var energies: [Double]
    /// Mean square of the blocks at or above -70 LUFS, summed, and their number.
    private var gatedEnergy = 0.0
    private var gatedBlocks = 0
    /// Samples filtered at a time: the scratch for the filter's output stays this small.
    private static let chunk = 4096

    /// A meter for a signal at `rate` frames a second.
    public init(rate: Int) {
        let fs = Double(rate)
        // The high shelf (+4 dB above about 1.7 kHz).
        let shelf: BiquadSection
        do {
            let f0 = 1681.974450955533, gain = 3.999843853973347, q = 0.7071752369554196
            let k = tan(Double.pi * f0 / fs)
            let vh = pow(10, gain / 20), vb = pow(vh, 0.4996667741545416)
            let a0 = 1 + k / q + k * k
            shelf = BiquadSection(b0: (vh + vb * k / q + k * k) / a0, b1: 2 * (k * k - vh) / a0, b2: (vh - vb * k / q + k * k) / a0,
                                  a1: 2 * (k * k - 1) / a0, a2: (1 - k / q + k * k) / a0)
        }
        // The high-pass (the RLB curve, -3 dB near 38 Hz); its numerator is 1, -2, 1.
        let highPass: BiquadSection
        do {
            let f0 = 38.13547087602444, q = 0.5003270373238773
            let k = tan(Double.pi * f0 / fs)
            let a0 = 1 + k / q + k * k
            highPass = BiquadSection(b0: 1, b1: -2, b2: 1, a1: 2 * (k * k - 1) / a0, a2: (1 - k / q + k * k) / a0)
        }
        weighting = FourthOrderStream(FourthOrderFilter(shelf, highPass))
        filtered.reserveCapacity(Self.chunk + 8)
        hop = (rate + 5) / 10
        let bins = Int(((Self.highest - Self.lowest) * Self.binsPerDB).rounded())
        counts = [Int32](repeating: 0, count: bins)
        energies = [Double](repeating: 0, count: bins)
    }

    /// Takes the next samples. The filter runs in blocks of eight counted from the start
    /// of the stream, so the result does not depend on how the stream is cut.
    public func add(_ input: UnsafeBufferPointer<Float>) {
        var i = 0
        while i < input.count {
            let n = min(Self.chunk, input.count - i)
            filtered.removeAll(keepingCapacity: true)
            weighting.process(UnsafeBufferPointer(rebasing: input[i..<(i + n)]), into: &filtered)
            filtered.withUnsafeBufferPointer { sumSquares($0) }
            i += n
        }
    }

    /// Sums the squares of K-weighted samples into 100 ms sub-blocks.
    private func sumSquares(_ y: UnsafeBufferPointer<Float>) {
        var i = 0
        while i < y.count {
            let take = min(y.count - i, hop - filled)
            sum += weighting.filter.squareKernel(y.baseAddress! + i, take)
            filled += take
            i += take
            if filled == hop {
                if let energy = blockEnergy(completing: sum) { record(energy) }
                recent = (recent.1, recent.2, sum)
                subBlocks += 1
                sum = 0
                filled = 0
            }
        }
    }

    /// The mean square of the 400 ms block a sub-block with `sum` completes: it and the
    /// three before it; nil before there are four.
    private func blockEnergy(completing sum: Double) -> Double? {
        guard subBlocks >= 3 else { return nil }
        return (recent.0 + recent.1 + recent.2 + sum) / Double(4 * hop)
    }

    /// The bin of a block's loudness; nil under the absolute gate.
    private func bin(of energy: Double) -> Int? {
        let loudness = Self.offset + 10 * log10(energy)
        guard loudness >= Self.lowest else { return nil }
        return min(counts.count - 1, Int((loudness - Self.lowest) * Self.binsPerDB))
    }

    private func record(_ energy: Double) {
        guard let b = bin(of: energy) else { return }
        counts[b] += 1
        energies[b] += energy
        gatedEnergy += energy
        gatedBlocks += 1
    }

    /// The integrated loudness of everything added so far, LUFS; nil when no block
    /// reached -70 LUFS (silence, or under 0.4 s of sound).
    public var loudness: Double? {
        // Samples still waiting for a block of eight go through the filter one at a
        // time, on copies: they may complete a sub-block, and so one more block.
        var extra: (energy: Double, bin: Int)?
        var total = sum, have = filled
        for y in weighting.waitingOutputs() {
            total += Double(y * y)
            have += 1
            if have == hop {
                if let e = blockEnergy(completing: total), let b = bin(of: e) { extra = (e, b) }
                break
            }
        }
        let blockCount = gatedBlocks + (extra == nil ? 0 : 1)
        guard blockCount > 0 else { return nil }
        let gate = Self.offset + 10 * log10((gatedEnergy + (extra?.energy ?? 0)) / Double(blockCount)) - 10
        let position = (gate - Self.lowest) * Self.binsPerDB
        let first = max(0, Int(position.rounded(.down)))
        var energy = 0.0, blocks = 0.0
        if first < counts.count {
            // The bin the gate falls in: the share of it above the gate.
            let above = 1 - (position - Double(first)).clamped(to: 0...1)
            energy += energies[first] * above
            blocks += Double(counts[first]) * above
            for b in (first + 1)..<counts.count {
                energy += energies[b]
                blocks += Double(counts[b])
            }
            if let (e, b) = extra, b >= first {
                let share = b == first ? above : 1
                energy += e * share
                blocks += share
            }
        }
        guard blocks > 0, energy > 0 else { return nil }
        return Self.offset + 10 * log10(energy / blocks)
    }
}

private extension Double {
    func clamped(to range: ClosedRange<Double>) -> Double { Swift.min(Swift.max(self, range.lowerBound), range.upperBound) }
}
