import Glibc

/// Fades the prompt in and out (`--fade`), against the click of a cut in mid-sound: a
/// raised-cosine (Hann) ramp over the first and the last `seconds`. The end is only known
/// when the input ends, so the stage holds back the length of the fade-out and fades it
/// at the drain; the output has as many samples as the input.
public final class Fade: AudioStage {
    public let inputChannels = 1
    public let outputChannels = 1
    public let fadeIn: Double
    public let fadeOut: Double
    private var inFrames = 0, outFrames = 0
    private var position = 0
    /// The last samples, kept for the fade-out.
    private var held: [Float] = []

    public init(in fadeIn: Double, out fadeOut: Double) {
        precondition(fadeIn >= 0 && fadeOut >= 0)
        self.fadeIn = fadeIn
        self.fadeOut = fadeOut
    }

    public func start(_ input: StageFormat) throws -> StageFormat {
        guard input.channels == 1 else { throw StageError("Fade takes 1 channel, not \(input.channels)") }
        inFrames = Int((fadeIn * Double(input.rate)).rounded())
        outFrames = Int((fadeOut * Double(input.rate)).rounded())
        return input
    }

    /// The ramp's gain at `i` of `n` steps, rising from 0 towards 1.
    @inline(__always) private static func ramp(_ i: Int, _ n: Int) -> Float {
        Float(0.5 - 0.5 * cos(Double.pi * (Double(i) + 0.5) / Double(n)))
    }

    public func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        guard !input.isEmpty else { return }
        // Held samples first, then this block (faded in where the fade-in reaches); the
        // last `outFrames` of the lot are held back for the fade-out.
        var block = held
        block.reserveCapacity(held.count + input.count)
        block.append(contentsOf: input)
        if position < inFrames {
            let first = held.count
            for i in 0..<min(inFrames - position, input.count) { block[first + i] *= Self.ramp(position + i, inFrames) }
        }
        position += input.count
        let released = max(0, block.count - outFrames)
        output.append(contentsOf: block[..<released])
        held = Array(block[released...])
    }

    public func drain(into output: inout [Float]) {
        let n = held.count
        for i in 0..<n {
            // The fade-out spans `outFrames`; a prompt shorter than that fades over what there is.
            output.append(held[i] * Self.ramp(n - 1 - i, outFrames))
        }
        held.removeAll()
    }
}
