/// Measures a mono signal as it passes (unchanged): where its sound starts and ends, its
/// noise floor (``SpeechActivity``) and its ITU-T P.56 active speech level
/// (``ActiveSpeechLevel``). Used by `info`, `verify` and `doctor`.
public final class ActivityMeter: AudioStage {
    public let inputChannels = 1
    public let outputChannels = 1
    private var activity: SpeechActivity?
    private var speech: ActiveSpeechLevel?

    public init() {}

    public func start(_ input: StageFormat) throws -> StageFormat {
        guard input.channels == 1 else { throw StageError("ActivityMeter takes 1 channel, not \(input.channels)") }
        activity = SpeechActivity(rate: input.rate)
        speech = ActiveSpeechLevel(rate: input.rate)
        return input
    }

    public func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        activity?.add(input)
        speech?.add(input)
        output.append(contentsOf: input)
    }

    public func drain(into output: inout [Float]) {}

    /// Where the sound is and the noise floor; nil before the stage started.
    public var soundSpan: SpeechActivity.Result? { activity?.result }
    /// The P.56 active speech level and activity factor; nil when not measurable.
    public var activeSpeech: ActiveSpeechLevel.Measure? { speech?.measure }
}
