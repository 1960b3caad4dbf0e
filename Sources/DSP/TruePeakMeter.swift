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
            bounds = .allocate(capacity: input.count + 8)
            boundsCapacity = input.count
        }
        detector.bounds(of: input, level: highest, into: bounds)
        // Eight lanes at a time (the bounds have room for a whole last vector).
        var top = SIMD8<Float>(repeating: highest)
        var i = 0
        while i + 8 <= input.count {
            top = lanewiseMax(top, UnsafeRawPointer(bounds + i).loadUnaligned(as: SIMD8<Float>.self))
            i += 8
        }
        var h = top.max()
        while i < input.count { h = max(h, bounds[i]); i += 1 }
        highest = h
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
/// and read 0. Works on blocks laid after the last samples of the previous block, eight
/// samples at a time (``peakBoundsKernel``).
struct PeakInterpolator: @unchecked Sendable {
    /// Taps of each interpolating phase; the detector looks this many samples ahead by half.
    static let taps = 16
    /// The three phases, 16 taps each, one after the other, each tap 8 times (a vector).
    private let phases: UnsafeMutablePointer<Float>
    /// The largest sum of squared taps of a phase (at least 1, for the samples themselves).
    private let reach: Float
    private let kernels = LimiterKernelSet.active
    /// The last `taps - 1` samples, then the block being scanned, then room for a vector.
    private var buffer: UnsafeMutablePointer<Float>
    /// Each sample's last interpolated point and peak, after one slot for the previous block's.
    private var points: UnsafeMutablePointer<Float>
    private var peaks: UnsafeMutablePointer<Float>
    /// The kernel's scratch for the windows' energies.
    private var energies: UnsafeMutablePointer<Float>
    private var capacity = 0

    init() {
        let p = [interpolatingPhase(1), interpolatingPhase(2), interpolatingPhase(3)]
        reach = max(1, p.map { ($0 * $0).sum() }.max()!)
        phases = .allocate(capacity: 48 * 8)
        for (k, v) in p.enumerated() { for i in 0..<16 { (phases + 8 * (16 * k + i)).initialize(repeating: v[i], count: 8) } }
        buffer = .allocate(capacity: 1); points = .allocate(capacity: 1); peaks = .allocate(capacity: 1); energies = .allocate(capacity: 1)
        grow(to: 4096)
    }

    private mutating func grow(to n: Int) {
        let t = Self.taps
        let b = UnsafeMutablePointer<Float>.allocate(capacity: n + t + 8)
        b.initialize(repeating: 0, count: n + t + 8)
        if capacity > 0 { b.update(from: buffer, count: t - 1) }
        let p = UnsafeMutablePointer<Float>.allocate(capacity: n + 9), k = UnsafeMutablePointer<Float>.allocate(capacity: n + 9)
        p.initialize(repeating: 0, count: n + 9); k.initialize(repeating: 0, count: n + 9)
        if capacity > 0 { p[0] = points[0]; k[0] = peaks[0] }
        buffer.deallocate(); points.deallocate(); peaks.deallocate(); energies.deallocate()
        energies = .allocate(capacity: n + 40)
        energies.initialize(repeating: 0, count: n + 40)
        (buffer, points, peaks, capacity) = (b, p, k, n)
    }

    /// Clears the history (call once before use).
    mutating func reset() {
        buffer.update(repeating: 0, count: Self.taps - 1)
        points[0] = 0
        peaks[0] = 0
    }

    func free() { buffer.deallocate(); points.deallocate(); peaks.deallocate(); energies.deallocate(); phases.deallocate() }

    /// Writes to `out[i]` the peak bound of the sample `taps / 2` before `input[i]` (the
    /// highest point of the intervals on both sides of it), or 0 where it is certainly
    /// below `level`. `out` has room for `input.count` rounded up to a multiple of 8.
    mutating func bounds(of input: UnsafeBufferPointer<Float>, level: Float, into out: UnsafeMutablePointer<Float>) {
        bounds(of: input, level: level, into: out, kernels: kernels)
    }

    /// The same with another build of the kernels (to compare builds).
    mutating func bounds(of input: UnsafeBufferPointer<Float>, level: Float, into out: UnsafeMutablePointer<Float>,
                         kernels: LimiterKernelSet) {
        let t = Self.taps, n = input.count
        guard n > 0 else { return }
        if capacity < n { grow(to: n) }
        (buffer + t - 1).update(from: input.baseAddress!, count: n)
        kernels.peakBounds(buffer, n, t, phases, reach, level * level, energies, points + 1, peaks + 1, out)
        points[0] = points[n]
        peaks[0] = peaks[n]
        buffer.update(from: buffer + n, count: t - 1)
    }
}

/// One phase of a 4x interpolator: the value a quarter, half or three quarters of the
    /// way from the middle sample of the history to the next, by a Kaiser-windowed sinc
    /// (beta 5: flat within 0.1 dB to 0.45 of the rate, where the resampler's passband ends).
private func interpolatingPhase(_ k: Int) -> SIMD16<Float> {
    let taps = PeakInterpolator.taps
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
