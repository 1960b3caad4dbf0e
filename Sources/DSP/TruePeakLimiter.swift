import Glibc

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
        c.detector.reset()
        let spread = max(1, Int((settings.lookahead * Double(input.rate) / 2).rounded()))
        c.firstAverage.free(); c.secondAverage.free()
        c.firstAverage = MovingAverage(length: spread)
        c.secondAverage = MovingAverage(length: spread)
        c.window = 2 * spread - 1
        c.queueIndex.deallocate(); c.queueGain.deallocate()
        c.queueCapacity = c.window + 1
        c.queueIndex = .allocate(capacity: c.queueCapacity); c.queueIndex.initialize(repeating: 0, count: c.queueCapacity)
        c.queueGain = .allocate(capacity: c.queueCapacity); c.queueGain.initialize(repeating: 1, count: c.queueCapacity)
        c.releaseFactor = Float(exp(-1 / (settings.release * Double(input.rate))))
        c.delay = PeakInterpolator.taps / 2 + 2 * spread - 2
        c.delayLine.deallocate()
        c.delayLine = .allocate(capacity: c.delay)
        c.delayLine.initialize(repeating: 0, count: c.delay)
        core = c
        return input
    }

    public func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        run(input, into: &output)
    }

    public func drain(into output: inout [Float]) {
        guard !drained else { return }
        drained = true
        let silence = [Float](repeating: 0, count: core.delay)
        silence.withUnsafeBufferPointer { run($0, into: &output) }
    }

    /// Runs the detector over `input`, then the gain computer and the delay sample by
    /// sample on a local copy of the state, writing straight into the output's storage.
    private func run(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        let n = input.count, start = output.count
        guard n > 0 else { return }
        var c = core
        c.reserveBounds(n)
        c.detector.bounds(of: input, level: c.ceiling, into: c.bounds)
        output.append(contentsOf: repeatElement(0, count: n))
        var written = 0
        output.withUnsafeMutableBufferPointer { out in
            // A copy local to the closure, so its fields stay in registers.
            var local = c
            let o = out.baseAddress! + start, ceiling = local.ceiling, bounds = local.bounds
            var i = 0
            while i < n {
                let bound = bounds[i]
                if bound <= ceiling && local.isIdle {
                    // A stretch that needs no gain while nothing is held or releasing: delay only.
                    var end = i + 1
                    while end < n && bounds[end] <= ceiling { end += 1 }
                    local.passIdle(input.baseAddress! + i, count: end - i, into: o, written: &written)
                    i = end
                    continue
                }
                local.finish(input[i], needed: bound > ceiling ? ceiling / bound : 1, into: o, count: &written)
                i += 1
            }
            c = local
        }
        core = c
        output.removeLast(n - written)
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
    var detector = PeakInterpolator()
    var bounds = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    var boundsCapacity = 1
    var ceiling: Float = 1

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
        detector.free(); bounds.deallocate(); firstAverage.free(); secondAverage.free(); queueIndex.deallocate(); queueGain.deallocate(); delayLine.deallocate()
    }

    /// Room for the detector's bounds of `count` samples.
    mutating func reserveBounds(_ count: Int) {
        guard boundsCapacity < count else { return }
        bounds.deallocate()
        bounds = .allocate(capacity: count)
        boundsCapacity = count
    }

    /// True when the gain is 1 and nothing in the window, the release or the averages
    /// would lower it: samples that need no gain then pass through the delay alone.
    var isIdle: Bool {
        released == 1 && (queueCount == 0 || queueGain[queueHead] == 1) && firstAverage.isIdle && secondAverage.isIdle
    }

    /// What `count` calls of ``finish(_:needed:into:count:)`` with a needed gain of 1 do
    /// from the idle state, in bulk: the window holds one 1, the averages stay at 1, the
    /// samples are delayed and pass unchanged.
    mutating func passIdle(_ input: UnsafePointer<Float>, count: Int, into output: UnsafeMutablePointer<Float>, written: inout Int) {
        detected += count
        queueHead = 0
        queueIndex[0] = detected - 1
        queueGain[0] = 1
        queueCount = 1
        firstAverage.skip(count)
        secondAverage.skip(count)
        var position = delayPosition, waiting = pending, n = written
        let line = delayLine, length = delay
        for i in 0..<count {
            let delayed = line[position]
            line[position] = input[i]
            position = position + 1 == length ? 0 : position + 1
            if waiting < length { waiting += 1; continue }
            output[n] = delayed
            n += 1
        }
        delayPosition = position
        pending = waiting
        written = n
    }

    /// The gain computer and the delay, for one sample that needs `needed`.
    @inline(__always)
    mutating func finish(_ x: Float, needed: Float, into output: UnsafeMutablePointer<Float>, count: inout Int) {
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
        output[count] = delayed * gain
        count += 1
    }
}

/// A running mean of the last `length` gains, exactly 1 while every gain in it is 1.
/// Its buffer is freed by ``free()``.
private struct MovingAverage {
    private var values: UnsafeMutablePointer<Float>
    private var position = 0
    private var deficit: Double = 0
    private var below = 0
    private let length: Int
    private let inverse: Double
    init(length: Int) {
        values = .allocate(capacity: length)
        values.initialize(repeating: 1, count: length)
        self.length = length
        inverse = 1 / Double(length)
    }

    func free() { values.deallocate() }

    /// True while every gain in the window is 1.
    var isIdle: Bool { below == 0 }

    /// What pushing `count` gains of 1 does to an idle window.
    @inline(__always)
    mutating func skip(_ count: Int) {
        position = (position + count) % length
        deficit = 0
    }

    /// Adds a gain and returns the mean of the window that ends with it.
    @inline(__always)
    mutating func push(_ g: Float) -> Float {
        let old = values[position]
        values[position] = g
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
