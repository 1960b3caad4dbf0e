import Glibc

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
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: input.count))
        // The two sections and their state in locals: the loop then runs in registers.
        let s0 = sections[0], s1 = sections[1]
        var (z01, z02) = state[0], (z11, z12) = state[1]
        output.withUnsafeMutableBufferPointer { out in
            let o = out.baseAddress! + start
            for i in 0..<input.count {
                // Transposed direct form II, twice.
                let v = Double(input[i])
                let y0 = s0.b0 * v + z01
                z01 = s0.b1 * v - s0.a1 * y0 + z02
                z02 = s0.b2 * v - s0.a2 * y0
                let y1 = s1.b0 * y0 + z11
                z11 = s1.b1 * y0 - s1.a1 * y1 + z12
                z12 = s1.b2 * y0 - s1.a2 * y1
                o[i] = Float(y1)
            }
        }
        state[0] = (z01, z02)
        state[1] = (z11, z12)
    }

    public func drain(into output: inout [Float]) {}
}
