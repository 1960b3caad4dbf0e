#if canImport(Glibc)
import Glibc
#endif
import Threads

/// Parks-McClellan (Remez exchange) design of a linear-phase lowpass FIR: the shortest
/// filter for a given passband ripple and stopband depth, a third shorter than a
/// Kaiser-windowed sinc when the passband may ripple more than the stopband (a window
/// gives both bands the same ripple, and our stopband wants 1e-5.5).
///
/// Used for the resampler's sharp stage, whose prototype takes long enough to design to
/// show in a short prompt's conversion, hence the precomputed ``EquirippleTables``.
enum EquirippleDesign {
    /// Largest passband deviation the sharp stage is designed for: ±0.0087 dB, so that the
    /// resampler's error on speech sits 20 dB under G.711's own quantisation noise
    /// (docs/design.md, "Resampler").
    static let passbandRipple = 0.001

    /// A lowpass specification: `2 * halfOrder + 1` taps, band edges in cycles per sample
    /// (rounded to 12 digits, so that the same design reached through other rates is the
    /// same key), the passband ripple ``passbandRipple`` and a stopband `attenuationDB` deep.
    struct Spec: Hashable, Sendable {
        let halfOrder: Int
        let pass: Double
        let stop: Double
        let attenuationDB: Double

        init(halfOrder: Int, pass: Double, stop: Double, attenuationDB: Double) {
            self.halfOrder = halfOrder
            self.pass = (pass * 1e12).rounded() / 1e12
            self.stop = (stop * 1e12).rounded() / 1e12
            self.attenuationDB = attenuationDB
        }

        var stopWeight: Double { EquirippleDesign.passbandRipple / pow(10, -attenuationDB / 20) }
    }

    /// The taps for `spec`: from the precomputed table when it has them (the resampler's
    /// presets: a design is too slow to repeat for every short prompt), else designed.
    static func prototype(_ spec: Spec) -> [Double]? {
        if let half = EquirippleTables.prototypes[spec] { return half.reversed() + half.dropFirst() }
        if let known = designed.withLock({ $0[spec] }) { return known }
        // Designed without the lock held: another thread may design the same spec meanwhile,
        // which costs time but never blocks a lookup.
        let taps = lowpass(halfOrder: spec.halfOrder, pass: spec.pass, stop: spec.stop, stopWeight: spec.stopWeight)
        designed.withLock { d in
            if d.count >= 64 { d.removeAll() }   // custom qualities are few; never grow without end
            d[spec] = taps
        }
        return taps
    }

    /// Designs made at run time (other specifications than the presets'), failures included.
    private static let designed = Locked<[Spec: [Double]?]>([:])

    /// Taps needed for a lowpass with transition `transition` (cycles per sample) and the
    /// given ripples: Kaiser's estimate for equiripple filters, which slightly overstates
    /// the length at these specifications (the design then has a little margin).
    static func estimatedTaps(transition: Double, passRipple: Double, stopRipple: Double) -> Int {
        Int(ceil((-10 * log10(passRipple * stopRipple) - 13) / (14.6 * transition))) + 1
    }

    /// Taps of a symmetric lowpass of odd length `2 * halfOrder + 1`, passband gain 1 on
    /// `[0, pass]`, zero on `[stop, 0.5]` (cycles per sample), stopband errors weighted
    /// `stopWeight` times the passband's. Nil if the exchange loses its alternation (it
    /// does not for lowpass specifications that a filter of this length can meet).
    static func lowpass(halfOrder m: Int, pass fp: Double, stop fs: Double, stopWeight: Double) -> [Double]? {
        precondition(m >= 1 && fp > 0 && fp < fs && fs < 0.5)
        let references = m + 2
        // Dense grid over both bands (16 points per ripple), in radians.
        let total = 16 * (m + 1)
        let wp = 2 * Double.pi * fp, ws = 2 * Double.pi * fs
        let passCount = max(2, Int(Double(total) * wp / (wp + Double.pi - ws)))
        let stopCount = max(2, total - passCount)
        var omega: [Double] = [], desired: [Double] = [], weight: [Double] = []
        for i in 0..<passCount {
            omega.append(wp * Double(i) / Double(passCount - 1)); desired.append(1); weight.append(1)
        }
        for i in 0..<stopCount {
            omega.append(ws + (Double.pi - ws) * Double(i) / Double(stopCount - 1)); desired.append(0); weight.append(stopWeight)
        }
        let grid = omega.count
        let x = omega.map { cos($0) }
        var reference = (0..<references).map { $0 * (grid - 1) / (references - 1) }
        var interpolation = BarycentricInterpolant(nodes: [], values: [])
        for _ in 0..<100 {
            let nodes = reference.map { x[$0] }
            let w = BarycentricInterpolant.weights(nodes)
            var num = 0.0, den = 0.0
            for k in 0..<references {
                num += w[k] * desired[reference[k]]
                den += w[k] * (k % 2 == 0 ? 1 : -1) / weight[reference[k]]
            }
            let delta = num / den
            // The response that errs by exactly ±delta, alternating, at the references.
            interpolation = BarycentricInterpolant(
                nodes: Array(nodes.dropLast()),
                values: (0..<(references - 1)).map { desired[reference[$0]] - ($0 % 2 == 0 ? 1 : -1) * delta / weight[reference[$0]] })
            let error = (0..<grid).map { weight[$0] * (desired[$0] - interpolation.value(at: x[$0])) }
            // New references: the peak of every lobe of the error (compared with sign, so a
            // steep neighbour of the other sign cannot hide a peak), alternating.
            var peaks: [Int] = []
            for i in 0..<grid where error[i] != 0 {
                let s = error[i] > 0 ? 1.0 : -1.0
                let left = (i == 0 || i == passCount) ? -Double.infinity : s * error[i - 1]
                let right = (i == grid - 1 || i == passCount - 1) ? -Double.infinity : s * error[i + 1]
                guard s * error[i] >= left, s * error[i] >= right else { continue }
                if let last = peaks.last, (error[last] > 0) == (error[i] > 0) {
                    if abs(error[i]) > abs(error[last]) { peaks[peaks.count - 1] = i }
                } else {
                    peaks.append(i)
                }
            }
            while peaks.count > references {
                if abs(error[peaks.first!]) < abs(error[peaks.last!]) { peaks.removeFirst() } else { peaks.removeLast() }
            }
            guard peaks.count == references else { return nil }
            let worst = peaks.map { abs(error[$0]) }.max()!
            let converged = peaks == reference || (worst - abs(delta)) / abs(delta) < 1e-7
            reference = peaks
            if converged { break }
        }
        // Taps from the response: sample it at 2m + 1 frequencies, invert the cosine series.
        let n = 2 * m + 1
        let a = (0...m).map { interpolation.value(at: cos(2 * Double.pi * Double($0) / Double(n))) }
        return (0..<n).map { i in
            var s = a[0]
            for k in 1...m { s += 2 * a[k] * cos(2 * Double.pi * Double(k) * Double(i - m) / Double(n)) }
            return s / Double(n)
        }
    }
}

/// Polynomial through (nodes, values), evaluated in the second barycentric form.
struct BarycentricInterpolant {
    let nodes: [Double]
    let values: [Double]
    let weights: [Double]

    init(nodes: [Double], values: [Double]) {
        self.nodes = nodes
        self.values = values
        weights = Self.weights(nodes)
    }

    /// 1 / prod_{j != k} (x_k - x_j), up to a common factor (which cancels), computed in
    /// logarithms: with hundreds of nodes the plain products overflow.
    static func weights(_ x: [Double]) -> [Double] {
        guard !x.isEmpty else { return [] }
        var logs = [Double](repeating: 0, count: x.count), signs = [Double](repeating: 1, count: x.count)
        for k in x.indices {
            for j in x.indices where j != k {
                let d = x[k] - x[j]
                logs[k] -= log(abs(d))
                if d < 0 { signs[k] = -signs[k] }
            }
        }
        let top = logs.max()!
        return x.indices.map { signs[$0] * exp(logs[$0] - top) }
    }

    func value(at t: Double) -> Double {
        var num = 0.0, den = 0.0
        for k in nodes.indices {
            let d = t - nodes[k]
            if d == 0 { return values[k] }
            let c = weights[k] / d
            num += c * values[k]
            den += c
        }
        return num / den
    }
}
