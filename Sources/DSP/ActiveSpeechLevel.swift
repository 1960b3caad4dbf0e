import Glibc

/// ITU-T P.56 method B: the active speech level (dBov, relative to a full-scale square
/// wave, so a full-scale sine is -3.01 dBov) and the activity factor, the telephony
/// measure of how loud speech is while it is speaking. Streaming, constant memory.
///
/// The recommendation's speech voltmeter: the rectified signal through two cascaded
/// first-order smoothers (time constant 0.03 s) is an envelope; for each of 15 thresholds
/// 6 dB apart the samples where the envelope reaches it, plus a 0.2 s hangover after,
/// count as active; the active level is the signal's power over the active samples at the
/// threshold that lies 15.9 dB (the margin M) under that level, interpolated between the
/// two thresholds around it.
public struct ActiveSpeechLevel: Sendable {
    /// The result of a measurement.
    public struct Measure: Sendable, Equatable, Codable {
        /// Active speech level, dBov.
        public var level: Double
        /// The share of the signal that is active speech, 0...1.
        public var activity: Double
    }

    private static let margin = 15.9
    private static let thresholds = (0..<15).map { pow(2.0, Double($0 - 15)) }   // 2^-15 ... 2^-1 of full scale

    private let smoothing: Double
    private let hangover: Int
    private var p = 0.0, q = 0.0
    /// Per threshold: samples counted active so far, and the last sample the latest
    /// crossing keeps active (its hangover included).
    private var covered = [Int](repeating: 0, count: 15)
    private var activeUntil = [Int](repeating: -1, count: 15)
    private var sumOfSquares = 0.0
    private var count = 0

    public init(rate: Int) {
        smoothing = exp(-1 / (Double(rate) * 0.03))
        hangover = Int((Double(rate) * 0.2).rounded(.up))
    }

    public mutating func add(_ samples: UnsafeBufferPointer<Float>) {
        let g = smoothing, hang = hangover
        var p = self.p, q = self.q, sum = 0.0, n = count
        for x in samples {
            let v = Double(x)
            sum += v * v
            p = g * p + (1 - g) * abs(v)
            q = g * q + (1 - g) * p
            // The thresholds are 2^(j-15): q reaches every one up to j = exponent + 15.
            if q >= Self.thresholds[0] {
                let top = min(14, Int(q.exponent) + 15)
                for j in 0...top {
                    // This sample and the hangover after it are active; count what is new.
                    covered[j] += (n + hang) - max(activeUntil[j], n - 1)
                    activeUntil[j] = n + hang
                }
            }
            n += 1
        }
        self.p = p; self.q = q
        sumOfSquares += sum
        count = n
    }

    /// Samples active at threshold `j`, not counting hangover past the end.
    private func active(_ j: Int) -> Int { covered[j] - max(0, activeUntil[j] - (count - 1)) }

    /// The measure so far; nil when nothing is active (silence) or the signal is too
    /// loud or too quiet for the thresholds to bracket its level.
    public var measure: Measure? {
        guard count > 0, sumOfSquares > 0 else { return nil }
        // A_j - C_j falls as the threshold rises; find where it crosses the margin.
        var previous: (a: Double, c: Double)?
        for j in 0..<15 {
            guard active(j) > 0 else { break }
            let a = 10 * log10(sumOfSquares / Double(active(j))), c = 20 * log10(Self.thresholds[j])
            if a - c <= Self.margin {
                guard let (a0, c0) = previous else { return nil }
                // Linear in dB between the two thresholds: a(x) - c(x) = M.
                let d0 = a0 - c0 - Self.margin, d1 = a - c - Self.margin
                let x = d0 / (d0 - d1)
                let level = a0 + x * (a - a0)
                let activity = sumOfSquares / Double(count) / pow(10, level / 10)
                return Measure(level: level, activity: min(1, activity))
            }
            previous = (a, c)
        }
        return nil
    }
}
