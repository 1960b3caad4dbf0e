/// The format of the blocks flowing between stages, and what is known of the stream.
public struct StageFormat: Sendable, Equatable {
    /// Frames per second.
    public var rate: Int
    /// Interleaved channels per frame.
    public var channels: Int
    /// The stream's length in frames at this rate, when known.
    public var frames: Int?
    /// A delay the stream carries, in frames at this rate, that a later stage undoes.
    public var delay: Double
    public init(rate: Int, channels: Int, frames: Int? = nil, delay: Double = 0) {
        self.rate = rate
        self.channels = channels
        self.frames = frames
        self.delay = delay
    }
}

/// What a stage found or did, for the conversion's report. Typed, so nothing reads text.
public enum StageReport: Sendable, Equatable {
    /// NaN or infinite samples replaced (``NonFiniteGuard``).
    case nonFinite(replaced: Int)
    /// Samples beyond full scale and the peak (``OverCounter``).
    case overs(count: Int, peak: Float)
    /// Levels of the decoded input (``LevelMeter``).
    case levels(LevelMeter.Levels)
    /// What the true-peak limiter did (``TruePeakLimiter``).
    case limited(TruePeakLimiter.Activity)
    /// What trimming kept (``SilenceTrimmer``).
    case trimmed(Trim)
}

/// The shape of every processing stage, after sox's effects chain: start with the input
/// format (and say what comes out), take a block, give a block, drain at the end, report.
/// The pipeline is a list of these.
///
/// Blocks are interleaved float frames (full scale ±1.0) with the stage's input
/// channel count; output is appended to the caller's array so stages can keep
/// their steady state free of allocations.
public protocol AudioStage: AnyObject {
    /// Channel count the stage expects.
    var inputChannels: Int { get }
    /// Channel count the stage produces.
    var outputChannels: Int { get }
    /// Called once before the first block with the format that will arrive; returns the
    /// format the stage gives (a resampler changes the rate, a mixer the channels).
    /// Throws when the stage cannot take that format.
    func start(_ input: StageFormat) throws -> StageFormat
    /// Processes one block and appends whatever output is ready to `output`.
    func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float])
    /// Signals the end of input and appends everything the stage still holds.
    func drain(into output: inout [Float])
    /// What the stage found, once drained (nil when it has nothing to say).
    var report: StageReport? { get }
    /// True when the stage gives more or fewer samples than it takes (a cut, a trim,
    /// added silence): the outputs' length then follows what the stages give, not the
    /// input's duration.
    var changesLength: Bool { get }
}

/// A stage that must see the whole input before it gives its first block (loudness
/// normalization, trimming the end): the executor feeds it every block through `measure`
/// first, then replays the same blocks through `process`.
public protocol MeasuringStage: AudioStage {
    /// Sees one block of the first pass.
    func measure(_ input: UnsafeBufferPointer<Float>)
    /// A pass has ended; `process` calls follow unless ``wantsAnotherPass``.
    func finishMeasuring()
    /// True when the stage wants to see the whole input through `measure` once more (a
    /// normalizer finding the gain that reaches its target after a limiter).
    var wantsAnotherPass: Bool { get }
}

extension MeasuringStage {
    public var wantsAnotherPass: Bool { false }
}

/// A measuring stage whose last pass already made its whole output (a normalizer whose
/// last trial ran the gain and the limiter): the executor takes that output instead of
/// replaying the input through `process`.
public protocol OutputKeepingStage: MeasuringStage {
    /// Hands the kept output back in blocks of at most `blockFrames` and returns true;
    /// returns false, handing nothing, when no output was kept (then `process` runs).
    func replayOutput(blockFrames: Int, _ body: (UnsafeBufferPointer<Float>) throws -> Void) throws -> Bool
}

/// Errors a stage raises when it starts.
public struct StageError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension AudioStage {
    /// Default: the channel count changes as declared; rate, length and delay do not.
    public func start(_ input: StageFormat) throws -> StageFormat {
        guard input.channels == inputChannels else {
            throw StageError("\(type(of: self)) takes \(inputChannels) channel(s), not \(input.channels)")
        }
        var output = input
        output.channels = outputChannels
        return output
    }

    public var report: StageReport? { nil }
    public var changesLength: Bool { false }
}

/// Runs blocks through a list of stages, reusing two scratch buffers.
public final class StageChain {
    public private(set) var stages: [AudioStage]
    private var scratchA: [Float] = []
    private var scratchB: [Float] = []

    public init(_ stages: [AudioStage]) {
        for (a, b) in zip(stages, stages.dropFirst()) {
            precondition(a.outputChannels == b.inputChannels, "stage channel counts do not line up")
        }
        self.stages = stages
    }

    /// Processes one block through all stages; appends the chain's output to `output`.
    public func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        run(from: 0, input: input, into: &output)
    }

    /// Drains every stage in order, each drain's output flowing through the stages after it.
    public func drain(into output: inout [Float]) {
        for i in stages.indices {
            var drained: [Float] = []
            stages[i].drain(into: &drained)
            drained.withUnsafeBufferPointer { run(from: i + 1, input: $0, into: &output) }
        }
    }

    private func run(from first: Int, input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        guard first < stages.count else { output.append(contentsOf: input); return }
        if first == stages.count - 1 { stages[first].process(input, into: &output); return }
        scratchA.removeAll(keepingCapacity: true)
        stages[first].process(input, into: &scratchA)
        for i in (first + 1)..<stages.count {
            let isLast = i == stages.count - 1
            if isLast {
                scratchA.withUnsafeBufferPointer { stages[i].process($0, into: &output) }
            } else {
                scratchB.removeAll(keepingCapacity: true)
                scratchA.withUnsafeBufferPointer { stages[i].process($0, into: &scratchB) }
                swap(&scratchA, &scratchB)
            }
        }
    }
}
