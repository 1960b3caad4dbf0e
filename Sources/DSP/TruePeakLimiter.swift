import Foundation

/// A look-ahead true-peak limiter: keeps the signal's true peak (between samples too, found
/// at 4 times the rate as ITU-R BS.1770-4 measures it) at or under a ceiling, without
/// clipping, by lowering the gain smoothly just before a peak and letting it recover
/// after. Mono.
///
/// The gain computer, per sample: the gain each sample's peak needs (ceiling / peak, at
/// most 1), the minimum of that over the look-ahead window, an exponential release back
/// towards 1, then two moving averages that spread every fall over the look-ahead. The
/// signal is delayed by the look-ahead so each fall is complete before its peak arrives:
/// the averaged gain at a sample never exceeds what that sample needs. A steady tone gets
/// a steady gain, so it is not distorted; where nothing exceeds the ceiling the gain is
/// exactly 1 and samples pass unchanged. The output has as many samples as the input and
/// is aligned with it (the delay is taken back at the drain).
public final class TruePeakLimiter: AudioStage {
    /// How the limiter behaves.
    public struct Settings: Sendable, Equatable {
        /// The highest true peak let through, dBTP.
        public var ceiling: Double
        /// How long before a peak the gain starts to fall, seconds.
        public var lookahead: Double
        /// Time constant of the gain's recovery after a peak, seconds.
        public var release: Double
        public init(ceiling: Double, lookahead: Double = 0.005, release: Double = 0.08) {
            self.ceiling = ceiling
            self.lookahead = lookahead
            self.release = release
        }
    }

    /// What the limiter did.
    public struct Activity: Sendable, Equatable {
        /// The deepest gain reduction, dB (0 when it never acted).
        public var maxReductionDB: Double
        /// Samples given a gain below 1.
        public var limitedFrames: Int
        /// The rate it ran at.
        public var rate: Int
    }

    public let inputChannels = 1
    public let outputChannels = 1
    public let settings: Settings

    private var core = Core()
    private var drained = false

    public init(_ settings: Settings) {
        self.settings = settings
    }

    deinit { core.free() }

    public func start(_ input: StageFormat) throws -> StageFormat {
        guard input.channels == 1 else { throw StageError("TruePeakLimiter takes 1 channel, not \(input.channels)") }
        var c = core
        c.rate = input.rate
        c.ceiling = Float(pow(10, settings.ceiling / 20))
        (c.phase1, c.phase2, c.phase3) = (Self.interpolatingPhase(1), Self.interpolatingPhase(2), Self.interpolatingPhase(3))
        c.reach = max(1, (c.phase1 * c.phase1).sum(), (c.phase2 * c.phase2).sum(), (c.phase3 * c.phase3).sum())
        c.history.initialize(repeating: 0, count: 2 * Core.taps)
        let spread = max(1, Int((settings.lookahead * Double(input.rate) / 2).rounded()))
        c.firstAverage = MovingAverage(length: spread)
        c.secondAverage = MovingAverage(length: spread)
        c.window = 2 * spread - 1
        c.queueIndex.deallocate(); c.queueGain.deallocate()
        c.queueCapacity = c.window + 1
        c.queueIndex = .allocate(capacity: c.queueCapacity); c.queueIndex.initialize(repeating: 0, count: c.queueCapacity)
        c.queueGain = .allocate(capacity: c.queueCapacity); c.queueGain.initialize(repeating: 1, count: c.queueCapacity)
        c.releaseFactor = Float(exp(-1 / (settings.release * Double(input.rate))))
        c.delay = Core.taps / 2 + 2 * spread - 2
        c.delayLine.deallocate()
        c.delayLine = .allocate(capacity: c.delay)
        c.delayLine.initialize(repeating: 0, count: c.delay)
        core = c
        return input
    }

    /// One phase of a 4x interpolator: the value a quarter, half or three quarters of the
    /// way from the middle sample of the history to the next, by a Kaiser-windowed sinc
    /// (beta 5: flat within 0.1 dB to 0.45 of the rate, where the resampler's passband ends).
    private static func interpolatingPhase(_ k: Int) -> SIMD16<Float> {
        let taps = Core.taps, half = Double(taps / 2), beta = 5.0
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

    public func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        output.reserveCapacity(output.count + input.count)
        var c = core
        for x in input { c.step(x, into: &output) }
        core = c
    }

    public func drain(into output: inout [Float]) {
        guard !drained else { return }
        drained = true
        var c = core
        for _ in 0..<c.delay { c.step(0, into: &output) }
        core = c
    }

    public var activity: Activity {
        Activity(maxReductionDB: core.smallestGain < 1 ? -20 * log10(Double(core.smallestGain)) : 0,
                 limitedFrames: core.limitedFrames, rate: core.rate)
    }

    public var report: StageReport? { .limited(activity) }

}

/// The limiter's state and its per-sample step, in a struct so the loop works on a local
/// copy (no exclusivity checks on every field of a class). Its buffers are freed by
/// ``free()``.
private struct Core {
    /// Taps of each interpolating phase; the detector looks this many samples ahead by half.
    static let taps = 16
    var phase1 = SIMD16<Float>(), phase2 = SIMD16<Float>(), phase3 = SIMD16<Float>()
    // The last `taps` samples, written twice (at i and i + taps) so they are always contiguous.
    var history = UnsafeMutablePointer<Float>.allocate(capacity: 2 * taps)
    var historyPosition = 0
    var ceiling: Float = 1
    /// The largest sum of squared taps of a phase (1 for the samples themselves).
    var reach: Float = 2
    var previousPeak: Float = 0
    var lastPoint: Float = 0

    // Minimum of the needed gain over the window: a monotonic queue of (index, gain) in a ring.
    var window = 0
    var queueIndex = UnsafeMutablePointer<Int>.allocate(capacity: 1)
    var queueGain = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    var queueCapacity = 1
    var queueHead = 0
    var queueCount = 0
    var detected = 0

    var released: Float = 1
    var releaseFactor: Float = 0
    var firstAverage = MovingAverage(length: 1), secondAverage = MovingAverage(length: 1)

    // The delayed signal.
    var delayLine = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    var delayPosition = 0
    var delay = 1
    var pending = 0

    var smallestGain: Float = 1
    var limitedFrames = 0
    var rate = 0


    func free() {
        history.deallocate(); queueIndex.deallocate(); queueGain.deallocate(); delayLine.deallocate()
    }

    @inline(__always)
    mutating func step(_ x: Float, into output: inout [Float]) {
        // Detector: the peak of the interval from the middle of the history to the next sample.
        let t = Self.taps
        history[historyPosition] = x
        history[historyPosition + t] = x
        historyPosition = historyPosition + 1 == t ? 0 : historyPosition + 1
        let recent = UnsafeRawPointer(history + historyPosition).loadUnaligned(as: SIMD16<Float>.self)
        // Far under the ceiling, the interval needs no gain and the interpolation is
        // skipped (most samples of a prompt): by Cauchy-Schwarz no interpolated point
        // exceeds the window's energy times the largest phase's, square-rooted.
        if total(recent * recent) * reach < ceiling * ceiling {
            lastPoint = 0
            previousPeak = 0
            return finish(x, needed: 1, into: &output)
        }
        // Five points across the interval (its two samples and three between) and the
        // last point before it; a parabola through the highest and its neighbours finds
        // the peak between the points, so a 4x detector reads within 0.1 dB of the ideal.
        let p3 = total(recent * phase3)
        let a0 = abs(lastPoint), a1 = abs(recent[t / 2 - 1]), a2 = abs(total(recent * phase1)), a3 = abs(total(recent * phase2))
        let a4 = abs(p3), a5 = abs(recent[t / 2])
        lastPoint = p3
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
        let bound = max(peak, previousPeak)
        previousPeak = peak
        let needed: Float = bound > ceiling ? ceiling / bound : 1
        finish(x, needed: needed, into: &output)
    }

    /// The gain computer and the delay, for one sample that needs `needed`.
    @inline(__always)
    mutating func finish(_ x: Float, needed: Float, into output: inout [Float]) {
        // Minimum over the last `window` needed gains.
        let capacity = queueCapacity
        var tail = queueHead + queueCount
        if tail >= capacity { tail -= capacity }
        while queueCount > 0 {
            let last = tail == 0 ? capacity - 1 : tail - 1
            guard queueGain[last] >= needed else { break }
            tail = last
            queueCount -= 1
        }
        queueIndex[tail] = detected
        queueGain[tail] = needed
        queueCount += 1
        if queueIndex[queueHead] <= detected - window {
            queueHead = queueHead + 1 == capacity ? 0 : queueHead + 1
            queueCount -= 1
        }
        detected += 1
        let held = queueGain[queueHead]

        released = min(held, 1 - (1 - released) * releaseFactor)
        if released > 0.9999 && held == 1 { released = 1 }   // the last 0.001 dB: done, so untouched samples pass exactly
        let gain = secondAverage.push(firstAverage.push(released))

        // The delayed sample gets the gain.
        let delayed = delayLine[delayPosition]
        delayLine[delayPosition] = x
        delayPosition = delayPosition + 1 == delay ? 0 : delayPosition + 1
        if pending < delay { pending += 1; return }
        if gain < 1 {
            limitedFrames += 1
            smallestGain = min(smallestGain, gain)
        }
        output.append(delayed * gain)
    }
}

/// The sum of a vector's lanes, by halves (the generic reduction goes lane by lane).
@inline(__always) private func total(_ v: SIMD16<Float>) -> Float {
    let a = v.lowHalf + v.highHalf, b = a.lowHalf + a.highHalf, c = b.lowHalf + b.highHalf
    return c[0] + c[1]
}

/// A running mean of the last `length` gains, exactly 1 while every gain in it is 1.
private struct MovingAverage {
    private var values: [Float]
    private var position = 0
    private var deficit: Double = 0
    private var below = 0
    private let length: Int
    private let inverse: Double
    init(length: Int) { values = [Float](repeating: 1, count: length); self.length = length; inverse = 1 / Double(length) }

    /// Adds a gain and returns the mean of the window that ends with it.
    @inline(__always)
    mutating func push(_ g: Float) -> Float {
        let old = values.withUnsafeMutableBufferPointer { v -> Float in
            let o = v[position]
            v[position] = g
            return o
        }
        position = position + 1 == length ? 0 : position + 1
        if old < 1 { below -= 1 }
        if g < 1 { below += 1 }
        // Summed as the shortfall from 1, reset when the window is all ones, so rounding
        // never leaves a gain of 0.99999 where nothing is limited.
        if below == 0 { deficit = 0; return 1 }
        deficit += Double(1 - g) - Double(1 - old)
        return Float(1 - deficit * inverse)
    }
}
