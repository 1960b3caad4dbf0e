/// Removes leading and trailing silence or noise (`--trim`), keeping `pad` seconds of the
/// original around the sound; never anything between the first and the last sound, so
/// pauses between words stay. Where the sound is comes from ``SpeechActivity`` over the
/// whole prompt, so this stage measures first. A prompt with no sound at all is left whole.
public final class SilenceTrimmer: MeasuringStage {
    public let inputChannels = 1
    public let outputChannels = 1
    public let changesLength = true
    /// Seconds kept before the first sound and after the last.
    public let pad: Double
    private var activity: SpeechActivity?
    private var rate = 8000
    private var window = KeptRange()
    /// What the measure found and what is kept; nil until measured.
    public private(set) var result: Trim?

    public init(pad: Double) {
        precondition(pad >= 0)
        self.pad = pad
    }

    public func start(_ input: StageFormat) throws -> StageFormat {
        guard input.channels == 1 else { throw StageError("SilenceTrimmer takes 1 channel, not \(input.channels)") }
        rate = input.rate
        activity = SpeechActivity(rate: input.rate)
        var output = input
        output.frames = nil
        return output
    }

    public func measure(_ input: UnsafeBufferPointer<Float>) { activity?.add(input) }

    public func finishMeasuring() {
        guard let found = activity?.result else { return }
        let padFrames = Int((pad * Double(rate)).rounded())
        if let s = found.start, let e = found.end {
            window.keep = max(0, s - padFrames)..<min(found.samples, e + padFrames)
        } else {
            window.keep = 0..<found.samples
        }
        result = Trim(kept: window.keep, total: found.samples, rate: rate, sound: found)
    }

    public func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) { window.pass(input, into: &output) }

    public func drain(into output: inout [Float]) {}

    public var report: StageReport? { result.map(StageReport.trimmed) }
}

/// What trimming kept of a prompt.
public struct Trim: Sendable, Equatable {
    /// The samples kept, at `rate`.
    public var kept: Range<Int>
    public var total: Int
    public var rate: Int
    /// Where the sound was found.
    public var sound: SpeechActivity.Result
    /// Seconds removed at the start and at the end.
    public var removedAtStart: Double { Double(kept.lowerBound) / Double(rate) }
    public var removedAtEnd: Double { Double(total - kept.upperBound) / Double(rate) }
}
