import Foundation

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
    private var held: [Float] = []
    private var heldStart = 0

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
        for x in input {
            var v = x
            if position < inFrames { v *= Self.ramp(position, inFrames) }
            position += 1
            guard outFrames > 0 else { output.append(v); continue }
            // Hold the last `outFrames` samples in a ring; release the oldest.
            if held.count < outFrames {
                held.append(v)
            } else {
                output.append(held[heldStart])
                held[heldStart] = v
                heldStart = heldStart + 1 == outFrames ? 0 : heldStart + 1
            }
        }
    }

    public func drain(into output: inout [Float]) {
        let n = held.count
        for i in 0..<n {
            let v = held[(heldStart + i) % max(n, 1)]
            // The fade-out spans `outFrames`; a prompt shorter than that fades over what there is.
            output.append(v * Self.ramp(n - 1 - i, outFrames))
        }
        held.removeAll()
        heldStart = 0
    }
}
