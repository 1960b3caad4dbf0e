/// Measures the decoded input as it passes, on every channel: peak, mean square, samples
/// at the clipping level, and the first and last frame louder than a silence level.
/// Passes the audio through unchanged. Used by `info` and `verify`.
public final class LevelMeter: AudioStage {
    /// What the meter found.
    public struct Levels: Sendable, Equatable {
        public var peak: Float = 0
        public var sumOfSquares: Double = 0
        public var samples = 0
        /// Samples at or beyond the clipping level.
        public var clipped = 0
        /// First and last frame with a sample above the silence level (nil: none).
        public var firstLoudFrame: Int?
        public var lastLoudFrame: Int?
        /// Frames seen.
        public var frames = 0
    }

    public let inputChannels: Int
    public var outputChannels: Int { inputChannels }
    public private(set) var levels = Levels()
    private let clipLevel: Float
    private let silenceLevel: Float

    /// - Parameters:
    ///   - clipLevel: a sample at or beyond this magnitude counts as clipped.
    ///   - silenceLevel: a frame with every sample at or below this magnitude is silence.
    public init(channels: Int, clipLevel: Float, silenceLevel: Float) {
        inputChannels = channels
        self.clipLevel = clipLevel
        self.silenceLevel = silenceLevel
    }

    public var report: StageReport? { .levels(levels) }

    public func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        let ch = inputChannels
        let frames = input.count / ch
        var peak = levels.peak, sum = 0.0, clipped = 0
        for f in 0..<frames {
            var loud = false
            for c in 0..<ch {
                let x = input[f * ch + c]
                let a = x.isFinite ? abs(x) : 1
                if a > peak { peak = a }
                if a >= clipLevel { clipped += 1 }
                if a > silenceLevel { loud = true }
                sum += Double(a) * Double(a)
            }
            if loud {
                if levels.firstLoudFrame == nil { levels.firstLoudFrame = levels.frames + f }
                levels.lastLoudFrame = levels.frames + f
            }
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
