import CSpeexDSP
import DSP

/// Stationary-noise suppression (`--denoise`) for phone recordings with hiss or fan
/// noise: libspeexdsp's preprocessor (the one Asterisk's own `DENOISE()` runs), which
/// learns the noise's spectrum where there is no speech and takes it out of every 20 ms
/// frame, by at most `suppression` dB. Speech keeps its level within a dB. Its automatic
/// gain, voice detection and dereverberation stay off: level is `--normalize`'s job.
/// The preprocessor works on 16-bit frames; the stage frames the stream, and the output
/// has as many samples as the input, aligned with it (the preprocessor gives each frame
/// one frame late: the first is dropped and the end flushed). It learns the noise as it goes, so
/// the first half second is run through it a few times to learn from before it is denoised:
/// otherwise the start keeps its hiss, and trimming takes that hiss for sound.
public final class Denoiser: AudioStage {
    public let inputChannels = 1
    public let outputChannels = 1
    /// The most noise is lowered, dB (a positive number).
    public let suppression: Int
    private var state: OpaquePointer?
    private var frame: [Int16] = []
    private var filled = 0
    private var frameSize = 160
    /// The opening samples, held until the preprocessor has learned from them.
    private var opening: [Float] = []
    private var openingLength = 0
    private var learned = false
    private var received = 0, produced = 0, toDrop = 0
    /// Times the opening is run through to learn from: the estimate settles over about 2 s.
    private static let learningPasses = 4

    public init(suppression: Int = 25) {
        precondition(suppression > 0)
        self.suppression = suppression
    }

    deinit { if let s = state { speex_preprocess_state_destroy(s) } }

    public func start(_ input: StageFormat) throws -> StageFormat {
        guard input.channels == 1 else { throw StageError("Denoiser takes 1 channel, not \(input.channels)") }
        frameSize = max(64, input.rate / 50)
        guard let s = speex_preprocess_state_init(Int32(frameSize), Int32(input.rate)) else {
            throw StageError("libspeexdsp cannot denoise at \(input.rate) Hz")
        }
        state = s
        var on: Int32 = 1, off: Int32 = 0, level = Int32(-suppression)
        speex_preprocess_ctl(s, SPEEX_PREPROCESS_SET_DENOISE, &on)
        speex_preprocess_ctl(s, SPEEX_PREPROCESS_SET_NOISE_SUPPRESS, &level)
        speex_preprocess_ctl(s, SPEEX_PREPROCESS_SET_AGC, &off)
        speex_preprocess_ctl(s, SPEEX_PREPROCESS_SET_DEREVERB, &off)
        frame = [Int16](repeating: 0, count: frameSize)
        openingLength = (input.rate / 2 / frameSize) * frameSize
        return input
    }

    public func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        guard learned else {
            opening.append(contentsOf: input)
            if opening.count >= openingLength { learn(into: &output) }
            return
        }
        denoise(input, into: &output)
    }

    public func drain(into output: inout [Float]) {
        if !learned { learn(into: &output) }
        // Flush the frame the preprocessor holds, then cut to the input's length.
        while produced < received {
            for i in filled..<frameSize { frame[i] = 0 }
            runFrame(into: &output)
        }
        if produced > received { output.removeLast(produced - received); produced = received }
    }

    /// Runs the opening through once to learn the noise (output dropped), then denoises it.
    private func learn(into output: inout [Float]) {
        learned = true
        var discard: [Float] = []
        let whole = opening.count / frameSize * frameSize
        for _ in 0..<Self.learningPasses {
            opening.withUnsafeBufferPointer { denoise(UnsafeBufferPointer(rebasing: $0[0..<whole]), into: &discard) }
            discard.removeAll(keepingCapacity: true)
        }
        let held = opening
        opening = []
        received = 0; produced = 0; filled = 0
        toDrop = frameSize
        held.withUnsafeBufferPointer { denoise($0, into: &output) }
    }

    private func denoise(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        for x in input {
            frame[filled] = Int16(max(-32768, min(32767, (x * 32768).rounded())))
            filled += 1
            if filled == frameSize { runFrame(into: &output) }
        }
        received += input.count
    }

    private func runFrame(into output: inout [Float]) {
        if let s = state { frame.withUnsafeMutableBufferPointer { _ = speex_preprocess_run(s, $0.baseAddress) } }
        let skip = min(toDrop, frameSize)
        toDrop -= skip
        for i in skip..<frameSize { output.append(Float(frame[i]) / 32768) }
        produced += frameSize - skip
        filled = 0
    }
}
