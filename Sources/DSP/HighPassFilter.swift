import Foundation

/// Removes rumble, handling noise and DC below a corner frequency: a 4th-order
/// Butterworth high-pass (two biquad sections, bilinear transform with the corner
/// pre-warped), mono. It falls at 24 dB an octave below the corner (-3 dB there) and is
/// flat above it: within 0.1 dB at 3 times the corner, so 300 Hz loses nothing of speech
/// with the default 100 Hz. Designed once the rate is known; state in double precision, so
/// a 100 Hz corner stays exact at 192 kHz, where the poles sit very close to the unit circle.
public final class HighPassFilter: AudioStage {
    public let inputChannels = 1
    public let outputChannels = 1
    /// The -3 dB corner in hertz.
    public let corner: Double
    private var sections: [(b0: Double, b1: Double, b2: Double, a1: Double, a2: Double)] = []
    private var state: [(Double, Double)] = []

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
        sections = [Double.pi / 8, 3 * Double.pi / 8].map { angle in
            let q = 1 / (2 * cos(angle))
            let norm = 1 / (1 + k / q + k * k)
            return (norm, -2 * norm, norm, 2 * (k * k - 1) * norm, (1 - k / q + k * k) * norm)
        }
        state = Array(repeating: (0, 0), count: sections.count)
        return input
    }

    public func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        output.reserveCapacity(output.count + input.count)
        for x in input {
            var v = Double(x)
            for i in sections.indices {
                // Transposed direct form II.
                let s = sections[i]
                let y = s.b0 * v + state[i].0
                state[i].0 = s.b1 * v - s.a1 * y + state[i].1
                state[i].1 = s.b2 * v - s.a2 * y
                v = y
            }
            output.append(Float(v))
        }
    }

    public func drain(into output: inout [Float]) {}
}
