/// Keeps a piece of the prompt (`--start`/`--duration`, ffmpeg's `-ss`/`-t`): from
/// `start` seconds on, `duration` seconds long (to the end when nil).
public final class Excerpt: AudioStage {
    public let inputChannels = 1
    public let outputChannels = 1
    public let changesLength = true
    public let startTime: Double
    public let duration: Double?
    private var window = KeptRange()

    public init(start: Double, duration: Double?) {
        precondition(start >= 0 && (duration ?? 0) >= 0)
        startTime = start
        self.duration = duration
    }

    public func start(_ input: StageFormat) throws -> StageFormat {
        guard input.channels == 1 else { throw StageError("Excerpt takes 1 channel, not \(input.channels)") }
        let first = Int((startTime * Double(input.rate)).rounded())
        window.keep = first..<(duration.map { first + Int(($0 * Double(input.rate)).rounded()) } ?? Int.max)
        var output = input
        output.frames = input.frames.map { max(0, min($0, window.keep.upperBound) - first) }
        return output
    }

    public func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) { window.pass(input, into: &output) }

    public func drain(into output: inout [Float]) {}
}

/// The samples of a stream that fall in `keep`, counted across blocks.
struct KeptRange {
    var keep = 0..<Int.max
    private var position = 0

    /// Appends the part of `input` (the next block of the stream) that lies in `keep`.
    mutating func pass(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        let range = position..<(position + input.count)
        position += input.count
        let lo = max(range.lowerBound, keep.lowerBound), hi = min(range.upperBound, keep.upperBound)
        guard lo < hi else { return }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: input[(lo - range.lowerBound)..<(hi - range.lowerBound)]))
    }
}
