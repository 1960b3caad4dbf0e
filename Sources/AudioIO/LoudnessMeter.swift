import CEbur128
#if canImport(Glibc)
import Glibc
#endif
import DSP

/// ITU-R BS.1770-4 integrated loudness (LUFS), EBU Tech 3342 loudness range (LU) and true
/// peak (dBTP) of what passes, measured by libebur128, the
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
        state = ebur128_init(UInt32(inputChannels), UInt(input.rate),
                             Int32(EBUR128_MODE_I.rawValue | EBUR128_MODE_LRA.rawValue | EBUR128_MODE_TRUE_PEAK.rawValue))
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

    /// Loudness range in LU (EBU Tech 3342: the spread of the 3-second loudness, 10th to
    /// 95th percentile); nil when nothing was measured.
    public var loudnessRange: Double? {
        var value = 0.0
        guard integratedLoudness != nil, let s = state, ebur128_loudness_range(s, &value) == 0, value.isFinite else { return nil }
        return value
    }

    /// True peak in dBTP (the highest of all channels, 4x oversampled below 96 kHz); nil
    /// for silence. Read after the integrated loudness: the oversampling filter is flushed
    /// with silence first, or a peak in its last few samples (the filter's delay) would
    /// be missed.
    public var truePeak: Double? {
        guard let s = state else { return nil }
        if !flushed { flushTruePeak(s, channels: inputChannels); flushed = true }
        var highest = 0.0
        for c in 0..<inputChannels {
            var p = 0.0
            if ebur128_true_peak(s, UInt32(c), &p) == 0 { highest = max(highest, p) }
        }
        return highest > 0 ? 20 * log10(highest) : nil
    }
    private var flushed = false

    /// Integrated loudness in LUFS; nil when nothing rose above the absolute gate
    /// (-70 LUFS) in a 400 ms block: silence, or less than 0.4 s of audio.
    public var integratedLoudness: Double? {
        var value = 0.0
        guard let s = state, ebur128_loudness_global(s, &value) == 0, value.isFinite, value > -70 else { return nil }
        return value
    }
}

/// Feeds 50 ms of silence through a libebur128 state so its true-peak interpolator gives
/// out the last samples it holds. Call after reading the loudness figures, which the
/// silence would otherwise touch.
func flushTruePeak(_ s: UnsafeMutablePointer<ebur128_state>, channels: Int) {
    let frames = Int(s.pointee.samplerate) / 20
    let zeros = [Float](repeating: 0, count: frames * channels)
    zeros.withUnsafeBufferPointer { _ = ebur128_add_frames_float(s, $0.baseAddress, frames) }
}
