import Glibc

/// ITU-R BS.1770-4 integrated loudness of a mono signal, LUFS: K-weighting (the high
/// shelf and the high-pass of the recommendation, designed for the rate from their analog
/// prototypes, as libebur128 does), mean square over 400 ms blocks every 100 ms, the
/// absolute gate at -70 LUFS and the relative gate 10 LU under the mean of the blocks
/// that pass it.
///
/// It exists beside libebur128 (which ``info`` and the meters use) for the loudness
/// normalizer, which measures a prompt up to four times: the filter here runs several
/// times faster, and its memory does not grow with the input. Gated blocks go into a
/// histogram of 0.01 dB bins (count and exact energy sum each, 96 KB whatever the
/// length); only blocks in the one bin the relative gate falls in are shared out by
/// where the gate falls in it, so the result stays within a few thousandths of a LU of
/// a meter that keeps every block.
public final class IntegratedLoudnessMeter {
    /// The recommendation's offset between mean square and loudness, dB.
    static let offset = -0.691
    static let binsPerDB = 100.0
    static let lowest = -70.0, highest = 10.0

    private let stage1: (b0: Double, b1: Double, b2: Double, a1: Double, a2: Double)
    private let stage2: (a1: Double, a2: Double)
    /// The last two inputs, shelf outputs and K-weighted outputs.
    private var history = (v1: 0.0, v2: 0.0, y1: 0.0, y2: 0.0, w1: 0.0, w2: 0.0)
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

    /// A meter for a signal at `rate` frames a second.
    public init(rate: Int) {
        let fs = Double(rate)
        // The high shelf (+4 dB above about 1.7 kHz).
        do {
            let f0 = 1681.974450955533, gain = 3.999843853973347, q = 0.7071752369554196
            let k = tan(Double.pi * f0 / fs)
            let vh = pow(10, gain / 20), vb = pow(vh, 0.4996667741545416)
            let a0 = 1 + k / q + k * k
            stage1 = ((vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0,
                      2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0)
        }
        // The high-pass (the RLB curve, -3 dB near 38 Hz); its numerator is 1, -2, 1.
        do {
            let f0 = 38.13547087602444, q = 0.5003270373238773
            let k = tan(Double.pi * f0 / fs)
            let a0 = 1 + k / q + k * k
            stage2 = (2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0)
        }
        hop = (rate + 5) / 10
        let bins = Int(((Self.highest - Self.lowest) * Self.binsPerDB).rounded())
        counts = [Int32](repeating: 0, count: bins)
        energies = [Double](repeating: 0, count: bins)
    }

    /// Takes the next samples.
    public func add(_ input: UnsafeBufferPointer<Float>) {
        guard !input.isEmpty else { return }
        let s1 = stage1, s2 = stage2
        // y[n-1] and y[n-2]'s factors in y[n+1]: a1^2 - a2 and a1 a2.
        let pair1 = (s1.a1 * s1.a1 - s1.a2, s1.a1 * s1.a2), pair2 = (s2.a1 * s2.a1 - s2.a2, s2.a1 * s2.a2)
        var (v1, v2, y1, y2, w1, w2) = history
        var acc = sum, left = hop - filled, i = 0
        let n = input.count, x = input.baseAddress!
        while i < n {
            let end = min(n, i + left)
            // Direct form I, twice, two samples a step: the second output of a step is
            // written in terms of the two before the step (y[n+1] = B[n+1] - a1 B[n] +
            // (a1^2 - a2) y[n-1] + a1 a2 y[n-2]), so both wait on the same multiply and
            // add and the filters run at half the latency a sample. The squares are
            // summed as they come, in two sums.
            var j = i, acc2 = 0.0
            while j + 1 < end {
                let x0 = Double(x[j]), x1 = Double(x[j + 1])
                let b0 = s1.b0 * x0 + s1.b1 * v1 + s1.b2 * v2, b1 = s1.b0 * x1 + s1.b1 * x0 + s1.b2 * v1
                let y0 = (b0 - s1.a2 * y2) - s1.a1 * y1
                let yy = ((b1 - s1.a1 * b0) + pair1.1 * y2) + pair1.0 * y1
                let d0 = y0 - 2 * y1 + y2, d1 = yy - 2 * y0 + y1
                let w0 = (d0 - s2.a2 * w2) - s2.a1 * w1
                let ww = ((d1 - s2.a1 * d0) + pair2.1 * w2) + pair2.0 * w1
                (v2, v1, y2, y1, w2, w1) = (x0, x1, y0, yy, w0, ww)
                acc += w0 * w0
                acc2 += ww * ww
                j += 2
            }
            if j < end {
                let v = Double(x[j])
                let y = (s1.b0 * v + s1.b1 * v1 + s1.b2 * v2 - s1.a2 * y2) - s1.a1 * y1
                let w = (y - 2 * y1 + y2 - s2.a2 * w2) - s2.a1 * w1
                (v2, v1, y2, y1, w2, w1) = (v1, v, y1, y, w1, w)
                acc += w * w
            }
            acc += acc2
            left -= end - i
            i = end
            if left == 0 {
                endSubBlock(acc)
                acc = 0
                left = hop
            }
        }
        history = (v1, v2, y1, y2, w1, w2)
        sum = acc
        filled = hop - left
    }

    /// A sub-block of 100 ms is complete: with the three before it, it makes a block.
    private func endSubBlock(_ s: Double) {
        subBlocks += 1
        defer { recent = (recent.1, recent.2, s) }
        guard subBlocks >= 4 else { return }
        let energy = (recent.0 + recent.1 + recent.2 + s) / Double(4 * hop)
        let loudness = Self.offset + 10 * log10(energy)
        guard loudness >= Self.lowest else { return }
        let bin = min(counts.count - 1, Int((loudness - Self.lowest) * Self.binsPerDB))
        counts[bin] += 1
        energies[bin] += energy
        gatedEnergy += energy
        gatedBlocks += 1
    }

    /// The integrated loudness of everything added so far, LUFS; nil when no block
    /// reached -70 LUFS (silence, or under 0.4 s of sound).
    public var loudness: Double? {
        guard gatedBlocks > 0 else { return nil }
        let gate = Self.offset + 10 * log10(gatedEnergy / Double(gatedBlocks)) - 10
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
        }
        guard blocks > 0, energy > 0 else { return nil }
        return Self.offset + 10 * log10(energy / blocks)
    }
}

private extension Double {
    func clamped(to range: ClosedRange<Double>) -> Double { Swift.min(Swift.max(self, range.lowerBound), range.upperBound) }
}
