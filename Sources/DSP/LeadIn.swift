/// Puts `seconds` of silence before the prompt (`--lead-in`), for SIP paths that clip
/// the first syllable while the media path settles.
public final class LeadIn: AudioStage {
    public let inputChannels = 1
    public let outputChannels = 1
    public let changesLength = true
    public let seconds: Double
    private var pending = 0

    public init(seconds: Double) {
        precondition(seconds >= 0)
        self.seconds = seconds
    }

    public func start(_ input: StageFormat) throws -> StageFormat {
        guard input.channels == 1 else { throw StageError("LeadIn takes 1 channel, not \(input.channels)") }
        pending = Int((seconds * Double(input.rate)).rounded())
        var output = input
        output.frames = input.frames.map { $0 + pending }
        return output
    }

    public func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        if pending > 0 { output.append(contentsOf: repeatElement(0, count: pending)); pending = 0 }
        output.append(contentsOf: input)
    }

    public func drain(into output: inout [Float]) {
        if pending > 0 { output.append(contentsOf: repeatElement(0, count: pending)); pending = 0 }
    }
}
