/// Measures the decoded input as it passes, on every channel: peak, mean square and
/// samples at the clipping level. Passes the audio through unchanged. Used by `info` and
/// `verify` (where the sound starts and ends is ``ActivityMeter``'s).
public final class LevelMeter: AudioStage {
    /// What the meter found.
    public struct Levels: Sendable, Equatable {
        public var peak: Float = 0
        public var sumOfSquares: Double = 0
        public var samples = 0
        /// Samples at or beyond the clipping level.
        public var clipped = 0
        /// Frames seen.
        public var frames = 0
    }

    public let inputChannels: Int
    public var outputChannels: Int { inputChannels }
    public private(set) var levels = Levels()
    private let clipLevel: Float

    /// - Parameters:
    ///   - clipLevel: a sample at or beyond this magnitude counts as clipped.
    public init(channels: Int, clipLevel: Float) {
        inputChannels = channels
        self.clipLevel = clipLevel
    }

    public var report: StageReport? { .levels(levels) }

    public func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        let ch = inputChannels
        let frames = input.count / ch
        var peak = levels.peak, sum = 0.0, clipped = 0
        for x in input {
            let a = x.isFinite ? abs(x) : 1
            if a > peak { peak = a }
            if a >= clipLevel { clipped += 1 }
            sum += Double(a) * Double(a)
        }
        levels.peak = peak
        levels.sumOfSquares += sum
        levels.clipped += clipped
        levels.samples += frames * ch
        levels.frames += frames
        output.append(contentsOf: input)
    }

    public func drain(into output: inout [Float]) {}
}
