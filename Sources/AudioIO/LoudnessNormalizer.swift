import CEbur128
#if canImport(Glibc)
import Glibc
#endif
import DSP

/// Brings a prompt to a loudness target (ITU-R BS.1770-4 integrated loudness, LUFS, by
/// libebur128): the first pass measures the whole prompt and its true peak, the second
/// applies one gain. The gain is capped so the true peak stays at or under `ceiling`
/// (dBTP): normalization never clips. Runs where the plan measures, at the highest
/// output rate, so a narrowband prompt is measured as Asterisk's own 8 kHz prompts are.
public final class LoudnessNormalizer: MeasuringStage {
    public let inputChannels = 1
    public let outputChannels = 1
    /// The loudness asked for, LUFS.
    public let target: Double
    /// The highest true peak the gain may make, dBTP.
    public let ceiling: Double
    private var state: UnsafeMutablePointer<ebur128_state>?
    private var linearGain: Float = 1
    /// What the first pass found and what was applied; nil until it has ended.
    public private(set) var result: LoudnessNormalization?

    public init(target: Double, ceiling: Double = -1) {
        self.target = target
        self.ceiling = ceiling
    }

    deinit { if state != nil { ebur128_destroy(&state) } }

    public func start(_ input: StageFormat) throws -> StageFormat {
        guard input.channels == 1 else { throw StageError("LoudnessNormalizer takes 1 channel, not \(input.channels)") }
        state = ebur128_init(1, UInt(input.rate), Int32(EBUR128_MODE_I.rawValue | EBUR128_MODE_TRUE_PEAK.rawValue))
        guard state != nil else { throw StageError("libebur128 cannot measure \(input.rate) Hz") }
        return input
    }

    public func measure(_ input: UnsafeBufferPointer<Float>) {
        guard let s = state, !input.isEmpty else { return }
        ebur128_add_frames_float(s, input.baseAddress, input.count)   // finite: NonFiniteGuard ran before
    }

    public func finishMeasuring() {
        var loudness = 0.0, peak = 0.0
        guard let s = state, ebur128_loudness_global(s, &loudness) == 0, loudness.isFinite, loudness > -70 else {
            result = LoudnessNormalization(measured: nil, truePeak: nil, target: target, gain: 0, cappedBy: 0)
            return
        }
        flushTruePeak(s, channels: 1)
        guard ebur128_true_peak(s, 0, &peak) == 0, peak > 0 else {
            result = LoudnessNormalization(measured: nil, truePeak: nil, target: target, gain: 0, cappedBy: 0)
            return
        }
        let peakDB = 20 * log10(peak)
        let wanted = target - loudness
        let gain = min(wanted, ceiling - peakDB)
        linearGain = Float(pow(10, gain / 20))
        result = LoudnessNormalization(measured: loudness, truePeak: peakDB, target: target, gain: gain, cappedBy: max(0, wanted - gain))
    }

    public func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        if linearGain == 1 { output.append(contentsOf: input); return }
        for x in input { output.append(x * linearGain) }
    }

    public func drain(into output: inout [Float]) {}
}

/// What loudness normalization found and did.
public struct LoudnessNormalization: Sendable, Equatable {
    /// Integrated loudness before, LUFS; nil when nothing was loud enough to measure
    /// (silence, or under 0.4 s): no gain is applied then.
    public var measured: Double?
    /// True peak before, dBTP.
    public var truePeak: Double?
    public var target: Double
    /// Gain applied, dB.
    public var gain: Double
    /// How far the gain fell short of the target to keep the true peak under the ceiling, dB.
    public var cappedBy: Double
}
