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

    private var core: Core?
    private var drained = false

    public init(_ settings: Settings) {
        self.settings = settings
    }

    public func start(_ input: StageFormat) throws -> StageFormat {
        guard input.channels == 1 else { throw StageError("TruePeakLimiter takes 1 channel, not \(input.channels)") }
        let spread = max(1, Int((settings.lookahead * Double(input.rate) / 2).rounded()))
        core = Core(rate: input.rate, ceiling: Float(pow(10, settings.ceiling / 20)), spread: spread,
                    releaseFactor: Float(exp(-1 / (settings.release * Double(input.rate)))))
        drained = false
        groups = GroupsOfEight()
        return input
    }

    /// The limiter runs whole groups of eight counted from the start of the stream (its
    /// release works a group at a time), so the output does not depend on how the stream
    /// is cut; up to seven samples wait for the next block.
    private var groups = GroupsOfEight()

    public func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        guard let core else { return }
        groups.feed(input, limit: Core.chunk) { core.run($0, into: &output) }
    }

    public func drain(into output: inout [Float]) {
        guard let core, !drained else { return }
        drained = true
        // The waiting samples and the delay's worth of silence, which pushes out the last
        // outputs, rounded up to whole groups; what the rounding adds is dropped.
        let waiting = groups.takeWaiting()
        let rounding = (8 - (waiting.count + core.delay) % 8) % 8
        let tail = waiting + [Float](repeating: 0, count: core.delay + rounding)
        tail.withUnsafeBufferPointer { process($0, into: &output) }
        output.removeLast(rounding)
    }

    public var activity: Activity {
        guard let core else { return Activity(maxReductionDB: 0, limitedFrames: 0, rate: 0) }
        return Activity(maxReductionDB: core.smallestGain < 1 ? -20 * log10(Double(core.smallestGain)) : 0,
                        limitedFrames: core.limitedFrames, rate: core.rate)
    }

    public var report: StageReport? { .limited(activity) }
}

/// The limiter's state: the detector, and each step's values for one chunk of samples
/// after the history the next step looks back into. Each step is a kernel over the whole
/// chunk (LimiterKernels.swift): the gain each sample needs, its minimum over the
/// look-ahead window, the release, the two moving sums, the delayed signal times the gain.
private final class Core {
    /// Samples per step; blocks are cut into chunks of at most this many.
    static let chunk = 2048
    let rate: Int
    let ceiling: Float
    /// The look-ahead window of the minimum, the length of each moving average, the delay.
    let window: Int, spread: Int, delay: Int
    let releaseFactor: Float
    let kernels = LimiterKernelSet.active
    var detector = PeakInterpolator()

    // Each array: its history, then the chunk, then room for a vector past it.
    private var storage: [UnsafeMutablePointer<Float>] = []
    private let bounds: UnsafeMutablePointer<Float>
    private let needed: UnsafeMutablePointer<Float>     // window - 1 before
    private let held: UnsafeMutablePointer<Float>
    private let released: UnsafeMutablePointer<Float>  // how far under 1; releasedHistory before
    private let releasedHistory: Int
    private let firstSums: UnsafeMutablePointer<Float>  // spread - 1 before
    private let sums: UnsafeMutablePointer<Float>
    private let signal: UnsafeMutablePointer<Float>     // delay before
    private let scratch: UnsafeMutablePointer<Float>, spare: UnsafeMutablePointer<Float>
    private let needs: UnsafeMutablePointer<Float>      // 8 before: the release's scratch
    /// The release factor's powers, f to f^8.
    private let powers: UnsafeMutablePointer<Float>
    /// Nothing held, releasing or in the moving sums: a chunk that needs no gain passes delayed.
    private var idle = true
    /// Outputs still to drop: the first `delay` come before the first sample.
    private var pending: Int
    private(set) var smallestGain: Float = 1
    private(set) var limitedFrames = 0

    init(rate: Int, ceiling: Float, spread: Int, releaseFactor: Float) {
        self.rate = rate
        self.ceiling = ceiling
        self.spread = spread
        self.releaseFactor = releaseFactor
        window = 2 * spread - 1
        // Each fall of the gain is complete when its peak arrives: the sample at the end
        // of the delay is in every window the two averages span.
        delay = PeakInterpolator.taps / 2 + 2 * spread - 2
        pending = delay
        releasedHistory = max(1, spread - 1)
        detector.reset()
        var storage: [UnsafeMutablePointer<Float>] = []
        func make(_ history: Int, _ value: Float, extra: Int = 0) -> UnsafeMutablePointer<Float> {
            let count = history + Self.chunk + 8 + extra
            let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
            p.initialize(repeating: value, count: count)
            storage.append(p)
            return p + history
        }
        bounds = make(0, 0)
        needed = make(window - 1, 1)
        held = make(0, 1)
        released = make(releasedHistory, 0)
        firstSums = make(spread - 1, 0)
        sums = make(0, 0)
        signal = make(delay, 0)
        scratch = make(0, 0, extra: window)
        spare = make(0, 0, extra: window)
        needs = make(8, 0)
        powers = make(0, 0)
        for k in 0..<8 { powers[k] = Float(pow(Double(releaseFactor), Double(k + 1))) }
        self.storage = storage
    }

    deinit {
        for p in storage { p.deallocate() }
        detector.free()
    }

    /// Limits one chunk (at most ``chunk`` samples) and appends what is ready.
    func run(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        let n = input.count
        signal.update(from: input.baseAddress!, count: n)
        detector.bounds(of: input, level: ceiling, into: bounds)
        let highest = kernels.neededGain(bounds, n, ceiling, needed)
        // The samples `delay` before this chunk's, with their gains.
        let delayed = signal - delay
        let start = output.count
        // Nothing to do here when nothing reaches the ceiling and the window holds only
        // ones, nothing releases.
        let passes = highest <= ceiling && idle
        output.appendZeros(n)
        output.withUnsafeMutableBufferPointer { out in
            let o = out.baseAddress! + start
            if passes {
                o.update(from: delayed, count: n)
                return
            }
            kernels.slidingMin(needed, window, n, scratch, spare, held)
            kernels.release(held, n, powers, needs, released)
            kernels.slidingSum(released, spread, n, scratch, spare, firstSums)
            kernels.slidingSum(firstSums, spread, n, scratch, spare, sums)
            let skip = min(pending, n)   // the start of the stream: not counted
            let (limited, smallest) = kernels.applyGain(delayed + skip, sums + skip, n - skip, 1 / Float(spread * spread), o + skip)
            limitedFrames += limited
            smallestGain = min(smallestGain, smallest)
        }
        // Each history: the newest values move to the front.
        func keep(_ p: UnsafeMutablePointer<Float>, _ history: Int) {
            if history > 0 { (p - history).update(from: p + n - history, count: history) }
        }
        if !passes {
            keep(needed, window - 1)
            keep(released, releasedHistory)
            keep(firstSums, spread - 1)
            idle = allEqual(needed - (window - 1), window - 1, 1) && allEqual(released - releasedHistory, releasedHistory, 0)
                && allEqual(firstSums - (spread - 1), spread - 1, 0)
        }
        keep(signal, delay)
        // The first `delay` outputs precede the stream.
        let drop = min(pending, n)
        if drop > 0 {
            output.removeSubrange(start..<(start + drop))
            pending -= drop
        }
    }

    private func allEqual(_ p: UnsafePointer<Float>, _ count: Int, _ value: Float) -> Bool {
        (0..<count).allSatisfy { p[$0] == value }
    }
}
