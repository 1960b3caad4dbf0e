import Glibc

/// The highest true peak of a mono signal (between samples too, found at 4 times the
/// rate as ITU-R BS.1770-4 measures it), with the detector ``TruePeakLimiter`` uses, so
/// "would the limiter act at this gain?" has an exact answer: it acts where the signal,
/// scaled, reaches the ceiling by this measure. Reads within 0.1 dB of the ideal peak up
/// to 0.45 of the rate. Only the samples that could beat the highest peak so far are
/// interpolated, so a whole prompt costs little more than reading it.
public struct TruePeakMeter: @unchecked Sendable {
    private var detector = PeakInterpolator()
    private var bounds = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    private var boundsCapacity = 1
    private var highest: Float = 0
    private var flushed = false

    public init() { detector.reset() }

    /// Takes the next samples.
    public mutating func add(_ input: UnsafeBufferPointer<Float>) {
        guard !input.isEmpty else { return }
        if boundsCapacity < input.count {
            bounds.deallocate()
            bounds = .allocate(capacity: input.count)
            boundsCapacity = input.count
        }
        detector.bounds(of: input, level: highest, into: bounds)
        var top = highest
        for i in 0..<input.count { top = max(top, bounds[i]) }
        highest = top
    }

    /// The highest true peak, linear (1 is full scale); the last samples are measured
    /// on the first call.
    public mutating func peak() -> Float {
        if !flushed {
            flushed = true
            let tail = [Float](repeating: 0, count: PeakInterpolator.taps / 2 + 1)
            tail.withUnsafeBufferPointer { add($0) }
        }
        return highest
    }

    /// The highest true peak, dBTP (-infinity for silence).
    public mutating func peakDB() -> Double { 20 * log10(Double(peak())) }

    /// Releases the meter's buffers; it is not used after this (copies share them).
    public func free() { detector.free(); bounds.deallocate() }
}

/// The 4x interpolating peak detector: for each sample, the highest absolute value of the
/// band-limited signal over the two intervals next to the sample `taps / 2` before it
/// (three 16-tap Kaiser-windowed sinc phases, beta 5, and a parabola through the highest
/// of five points). Intervals whose bound cannot reach the level asked about are skipped
/// and read 0. Works on blocks laid after the last samples of the previous block, so each
/// window is read from memory written well before (a per-sample ring costs a stalled
/// store-to-load forward on every sample).
struct PeakInterpolator: @unchecked Sendable {
    /// Taps of each interpolating phase; the detector looks this many samples ahead by half.
    static let taps = 16
    // Kept in each detector, not in statics, so the loop has them at hand.
    private let phase1 = interpolatingPhase(1), phase2 = interpolatingPhase(2), phase3 = interpolatingPhase(3)
    /// The largest sum of squared taps of a phase (at least 1, for the samples themselves).
    private let reach: Float
    /// The last `taps - 1` samples, then the block being scanned.
    private var buffer = UnsafeMutablePointer<Float>.allocate(capacity: 4096 + taps)
    private var capacity = 4096 + taps
    private var previousPeak: Float = 0
    private var lastPoint: Float = 0

    init() {
        reach = max(1, (phase1 * phase1).sum(), (phase2 * phase2).sum(), (phase3 * phase3).sum())
    }

    /// Clears the history (call once before use).
    mutating func reset() {
        buffer.initialize(repeating: 0, count: Self.taps - 1)
        previousPeak = 0
        lastPoint = 0
    }

    func free() { buffer.deallocate() }

    /// Writes to `out[i]` the peak bound of the sample `taps / 2` before `input[i]` (the
    /// highest point of the intervals on both sides of it), or 0 where it is certainly
    /// below `level`.
    mutating func bounds(of input: UnsafeBufferPointer<Float>, level: Float, into out: UnsafeMutablePointer<Float>) {
        let t = Self.taps, n = input.count
        guard n > 0 else { return }
        if capacity < n + t {
            let grown = UnsafeMutablePointer<Float>.allocate(capacity: n + t)
            grown.update(from: buffer, count: t - 1)
            buffer.deallocate()
            buffer = grown
            capacity = n + t
        }
        (buffer + t - 1).update(from: input.baseAddress!, count: n)
        let squaredLevel = level * level
        var previous = previousPeak, last = lastPoint
        for i in 0..<n {
            let recent = UnsafeRawPointer(buffer + i).loadUnaligned(as: SIMD16<Float>.self)
            // Far under the level (most samples of a prompt) the interpolation is skipped:
            // by Cauchy-Schwarz no interpolated point exceeds the window's energy times
            // the largest phase's, square-rooted.
            if total(recent * recent) * reach < squaredLevel {
                last = 0
                previous = 0
                out[i] = 0
                continue
            }
            // Five points across the interval (its two samples and three between) and the
            // last point before it; a parabola through the highest and its neighbours
            // finds the peak between the points, so a 4x detector reads within 0.1 dB.
            let p3 = total(recent * phase3)
            let a0 = abs(last), a1 = abs(recent[t / 2 - 1]), a2 = abs(total(recent * phase1))
            let a3 = abs(total(recent * phase2)), a4 = abs(p3), a5 = abs(recent[t / 2])
            last = p3
            // The highest of a1...a4 and its neighbours.
            var (below, top, above) = (a0, a1, a2)
            if a2 > top { (below, top, above) = (a1, a2, a3) }
            if a3 > top { (below, top, above) = (a2, a3, a4) }
            if a4 > top { (below, top, above) = (a3, a4, a5) }
            var peak = top
            let curvature = below - 2 * top + above
            if top >= below, top >= above, curvature < 0 {   // a top: the vertex lies within half a point
                let offset = 0.5 * (below - above) / curvature
                peak = max(peak, top - 0.25 * (below - above) * offset)
            }
            // A sample bounds the intervals on both sides of it.
            out[i] = max(peak, previous)
            previous = peak
        }
        previousPeak = previous
        lastPoint = last
        buffer.update(from: buffer + n, count: t - 1)
    }

    /// One phase of a 4x interpolator: the value a quarter, half or three quarters of the
    /// way from the middle sample of the history to the next, by a Kaiser-windowed sinc
    /// (beta 5: flat within 0.1 dB to 0.45 of the rate, where the resampler's passband ends).
    private static func interpolatingPhase(_ k: Int) -> SIMD16<Float> {
        let half = Double(taps / 2), beta = 5.0
        var h = [Double](repeating: 0, count: taps)
        for i in 0..<taps {
            let u = Double(i) - (half - 1) - Double(k) / 4   // distance from the interpolated instant
            let sinc = sin(Double.pi * u) / (Double.pi * u)
            let r = u / half
            h[i] = abs(r) >= 1 ? 0 : sinc * besselI0(beta * (1 - r * r).squareRoot()) / besselI0(beta)
        }
        let sum = h.reduce(0, +)
        var v = SIMD16<Float>()
        for i in 0..<taps { v[i] = Float(h[i] / sum) }
        return v
    }
}

/// The sum of a vector's lanes, by halves (the generic reduction goes lane by lane).
@inline(__always) private func total(_ v: SIMD16<Float>) -> Float {
    let a = v.lowHalf + v.highHalf, b = a.lowHalf + a.highHalf, c = b.lowHalf + b.highHalf
    return c[0] + c[1]
}
