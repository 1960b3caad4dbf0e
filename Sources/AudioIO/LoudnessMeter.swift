import CEbur128
import DSP

/// ITU-R BS.1770-4 integrated loudness (LUFS) of what passes, measured by libebur128, the
/// implementation ffmpeg's `ebur128` filter is checked against. Passes the audio through
/// unchanged. Used by `info`, `doctor` and `install` to compare a prompt with Asterisk's own.
public final class LoudnessMeter: AudioStage {
    public let inputChannels: Int
    public var outputChannels: Int { inputChannels }
    private var state: UnsafeMutablePointer<ebur128_state>?
    private var clean: [Float] = []

    public init(channels: Int) { inputChannels = channels }

    deinit { if state != nil { ebur128_destroy(&state) } }

    public func start(_ input: StageFormat) throws -> StageFormat {
        guard input.channels == inputChannels else { throw StageError("LoudnessMeter takes \(inputChannels) channel(s), not \(input.channels)") }
        state = ebur128_init(UInt32(inputChannels), UInt(input.rate), Int32(EBUR128_MODE_I.rawValue))
        guard state != nil else { throw StageError("libebur128 cannot measure \(input.rate) Hz, \(input.channels) channel(s)") }
        return input
    }

    public func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        output.append(contentsOf: input)
        guard let s = state, input.count >= inputChannels else { return }
        // A corrupt float sample (NaN, infinity) would poison the whole measurement.
        if input.allSatisfy({ $0.isFinite }) {
            ebur128_add_frames_float(s, input.baseAddress, input.count / inputChannels)
        } else {
            clean = input.map { $0.isFinite ? $0 : 0 }
            clean.withUnsafeBufferPointer { _ = ebur128_add_frames_float(s, $0.baseAddress, $0.count / inputChannels) }
        }
    }

    public func drain(into output: inout [Float]) {}

    public var report: StageReport? { nil }

    /// Integrated loudness in LUFS; nil when nothing rose above the absolute gate
    /// (-70 LUFS) in a 400 ms block: silence, or less than 0.4 s of audio.
    public var integratedLoudness: Double? {
        var value = 0.0
        guard let s = state, ebur128_loudness_global(s, &value) == 0, value.isFinite, value > -70 else { return nil }
        return value
    }
}
