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

    /// Taps of each interpolating phase; the detector looks this many samples ahead by half.
    private static let taps = 16
    private var phases: [SIMD16<Float>] = []
    private var history: [Float] = []
    private var historyPosition = 0
    private var ceiling: Float = 1
    private var previousPeak: Float = 0
    private var lastPoint: Float = 0

    // Minimum of the needed gain over the window: a monotonic queue of (index, gain).
    private var window = 0
    private var queue: [(index: Int, gain: Float)] = []
    private var queueHead = 0
    private var queueCount = 0
    private var detected = 0

    private var released: Float = 1
    private var releaseFactor: Float = 0
    private var averages: [MovingAverage] = []

    // The delayed signal.
    private var delayLine: [Float] = []
    private var delayPosition = 0
    private var delay = 0
    private var pending = 0
    private var drained = false

    private var smallestGain: Float = 1
    private var limitedFrames = 0
    private var rate = 0

    public init(_ settings: Settings) {
        self.settings = settings
    }

    public func start(_ input: StageFormat) throws -> StageFormat {
        guard input.channels == 1 else { throw StageError("TruePeakLimiter takes 1 channel, not \(input.channels)") }
        rate = input.rate
        ceiling = Float(pow(10, settings.ceiling / 20))
        phases = (1...3).map { k in Self.interpolatingPhase(k) }
        history = [Float](repeating: 0, count: 2 * Self.taps)
        let spread = max(1, Int((settings.lookahead * Double(input.rate) / 2).rounded()))
        averages = [MovingAverage(length: spread), MovingAverage(length: spread)]
        window = 2 * spread - 1
        queue = [(index: Int, gain: Float)](repeating: (0, 1), count: window + 1)
        releaseFactor = Float(exp(-1 / (settings.release * Double(input.rate))))
        delay = Self.taps / 2 + 2 * spread - 2
        delayLine = [Float](repeating: 0, count: delay)
        return input
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

    public func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        output.reserveCapacity(output.count + input.count)
        for x in input { step(x, into: &output) }
    }

    public func drain(into output: inout [Float]) {
        guard !drained else { return }
        drained = true
        for _ in 0..<delay { step(0, into: &output) }
    }

    public var activity: Activity {
        Activity(maxReductionDB: smallestGain < 1 ? -20 * log10(Double(smallestGain)) : 0, limitedFrames: limitedFrames, rate: rate)
    }

    public var report: StageReport? { .limited(activity) }

    @inline(__always)
    private func step(_ x: Float, into output: inout [Float]) {
        // Detector: the peak of the interval from the middle of the history to the next sample.
        let t = Self.taps
        history[historyPosition] = x
        history[historyPosition + t] = x
        historyPosition = (historyPosition + 1) % t
        let recent = history.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress! + historyPosition).loadUnaligned(as: SIMD16<Float>.self) }
        // Five points across the interval (its two samples and three between) and the
        // last point before it; a parabola through the highest and its neighbours finds
        // the peak between the points, so a 4x detector reads within 0.1 dB of the ideal.
        let p1 = (recent * phases[0]).sum(), p2 = (recent * phases[1]).sum(), p3 = (recent * phases[2]).sum()
        let a: [Float] = [abs(lastPoint), abs(recent[t / 2 - 1]), abs(p1), abs(p2), abs(p3), abs(recent[t / 2])]
        lastPoint = p3
        var k = 1
        for i in 2...4 where a[i] > a[k] { k = i }
        var peak = a[k]
        let curvature = a[k - 1] - 2 * a[k] + a[k + 1]
        if a[k] >= a[k - 1], a[k] >= a[k + 1], curvature < 0 {   // a top: the vertex lies within half a point
            let offset = 0.5 * (a[k - 1] - a[k + 1]) / curvature
            peak = max(peak, a[k] - 0.25 * (a[k - 1] - a[k + 1]) * offset)
        }
        // A sample bounds the intervals on both sides of it.
        let bound = max(peak, previousPeak)
        previousPeak = peak
        let needed: Float = bound > ceiling ? ceiling / bound : 1

        // Minimum over the last `window` needed gains.
        let capacity = queue.count
        var tail = (queueHead + queueCount) % capacity
        while queueCount > 0 {
            let last = (tail - 1 + capacity) % capacity
            if queue[last].gain >= needed { tail = last; queueCount -= 1 } else { break }
        }
        queue[tail] = (detected, needed)
        queueCount += 1
        if queue[queueHead].index <= detected - window { queueHead = (queueHead + 1) % capacity; queueCount -= 1 }
        detected += 1
        let held = queue[queueHead].gain

        released = min(held, 1 - (1 - released) * releaseFactor)
        if released > 0.9999 && held == 1 { released = 1 }   // the last 0.001 dB: done, so untouched samples pass exactly
        let gain = averages[1].push(averages[0].push(released))

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

/// A running mean of the last `length` gains, exactly 1 while every gain in it is 1.
private struct MovingAverage {
    private var values: [Float]
    private var position = 0
    private var deficit: Double = 0
    private var below = 0
    init(length: Int) { values = [Float](repeating: 1, count: length) }

    /// Adds a gain and returns the mean of the window that ends with it.
    mutating func push(_ g: Float) -> Float {
        let old = values[position]
        values[position] = g
        position = position + 1 == values.count ? 0 : position + 1
        if old < 1 { below -= 1 }
        if g < 1 { below += 1 }
        // Summed as the shortfall from 1, reset when the window is all ones, so rounding
        // never leaves a gain of 0.99999 where nothing is limited.
        deficit += Double(1 - g) - Double(1 - old)
        if below == 0 { deficit = 0; return 1 }
        return Float(1 - deficit / Double(values.count))
    }
}
