import Glibc

/// Removes rumble, handling noise and DC below a corner frequency: a 4th-order
/// Butterworth high-pass (two biquad sections, bilinear transform with the corner
/// pre-warped), mono. It falls at 24 dB an octave below the corner (-3 dB there) and is
/// flat above it: within 0.1 dB at 3 times the corner, so 300 Hz loses nothing of speech
/// with the default 100 Hz. Designed once the rate is known; run by ``FourthOrderFilter``
/// in double precision, so a 100 Hz corner stays exact at 192 kHz, where the poles sit
/// very close to the unit circle.
public final class HighPassFilter: AudioStage {
    public let inputChannels = 1
    public let outputChannels = 1
    /// The -3 dB corner in hertz.
    public let corner: Double
    private var stream: FourthOrderStream?

    public init(corner: Double) {
        precondition(corner > 0)
        self.corner = corner
    }

    public func start(_ input: StageFormat) throws -> StageFormat {
        guard input.channels == 1 else { throw StageError("HighPassFilter takes 1 channel, not \(input.channels)") }
        guard corner < Double(input.rate) / 2 * 0.9 else {
            throw StageError("a high-pass at \(Int(corner)) Hz needs a sample rate above \(Int(corner / 0.45)) Hz; the input has \(input.rate) Hz")
        }
        // The Butterworth poles of order 4 as two sections: Q = 1 / (2 cos(pi/8)), 1 / (2 cos(3pi/8)).
        let k = tan(Double.pi * corner / Double(input.rate))
        let sections = [Double.pi / 8, 3 * Double.pi / 8].map { angle in
            let q = 1 / (2 * cos(angle))
            let norm = 1 / (1 + k / q + k * k)
            return BiquadSection(b0: norm, b1: -2 * norm, b2: norm, a1: 2 * (k * k - 1) * norm, a2: (1 - k / q + k * k) * norm)
        }
        stream = FourthOrderStream(FourthOrderFilter(sections[0], sections[1]))
        return input
    }

    public func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        stream?.process(input, into: &output)
    }

    public func drain(into output: inout [Float]) {
        stream?.drain(into: &output)
    }
}
