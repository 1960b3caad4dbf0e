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
    /// The last two inputs, outputs of the first section and outputs.
    private var history = (v1: 0.0, v2: 0.0, y1: 0.0, y2: 0.0, w1: 0.0, w2: 0.0)

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
        history = (0, 0, 0, 0, 0, 0)
        waiting = nil
        return input
    }

    public func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        guard !input.isEmpty else { return }
        // Samples go two at a time from the start of the stream, so every output is
        // computed the same way however the stream is cut into blocks: an odd one out
        // waits for the next block (or the drain).
        guard let w = waiting else { filter(input, last: false, into: &output); return }
        waiting = nil
        pairBuffer.removeAll(keepingCapacity: true)
        pairBuffer.append(w)
        pairBuffer.append(contentsOf: input)
        pairBuffer.withUnsafeBufferPointer { filter($0, last: false, into: &output) }
    }

    public func drain(into output: inout [Float]) {
        guard let w = waiting else { return }
        waiting = nil
        [w].withUnsafeBufferPointer { filter($0, last: true, into: &output) }
    }

    /// A sample that waits for the next to make a pair.
    private var waiting: Float?
    private var pairBuffer: [Float] = []

    /// Filters the samples; an odd one out waits, unless these are the `last`.
    private func filter(_ input: UnsafeBufferPointer<Float>, last: Bool, into output: inout [Float]) {
        var input = input
        if input.count % 2 == 1 && !last {
            waiting = input[input.count - 1]
            input = UnsafeBufferPointer(rebasing: input[0..<(input.count - 1)])
        }
        let n = input.count, start = output.count
        output.append(contentsOf: repeatElement(0, count: n))
        // The two sections and their state in locals: the loop then runs in registers.
        let s0 = sections[0], s1 = sections[1]
        // y[n-1] and y[n-2]'s factors in y[n+1]: a1^2 - a2 and a1 a2.
        let p0 = (s0.a1 * s0.a1 - s0.a2, s0.a1 * s0.a2), p1 = (s1.a1 * s1.a1 - s1.a2, s1.a1 * s1.a2)
        var (v1, v2, y1, y2, w1, w2) = history
        output.withUnsafeMutableBufferPointer { out in
            let o = out.baseAddress! + start
            var i = 0
            // Direct form I, twice, two samples a step: the second output of a step is
            // written in terms of the two before the step (y[n+1] = B[n+1] - a1 B[n] +
            // (a1^2 - a2) y[n-1] + a1 a2 y[n-2]), so both wait on the same multiply and add.
            while i + 1 < n {
                // A high-pass section's numerator is b0 (1, -2, 1).
                let x0 = Double(input[i]), x1 = Double(input[i + 1])
                let b0 = s0.b0 * ((x0 + v2) - 2 * v1), b1 = s0.b0 * ((x1 + v1) - 2 * x0)
                let y0 = (b0 - s0.a2 * y2) - s0.a1 * y1
                let yy = ((b1 - s0.a1 * b0) + p0.1 * y2) + p0.0 * y1
                let c0 = s1.b0 * ((y0 + y2) - 2 * y1), c1 = s1.b0 * ((yy + y1) - 2 * y0)
                let w0 = (c0 - s1.a2 * w2) - s1.a1 * w1
                let ww = ((c1 - s1.a1 * c0) + p1.1 * w2) + p1.0 * w1
                (v2, v1, y2, y1, w2, w1) = (x0, x1, y0, yy, w0, ww)
                o[i] = Float(w0)
                o[i + 1] = Float(ww)
                i += 2
            }
            if i < n {   // the stream's last sample, alone
                let v = Double(input[i])
                let y = (s0.b0 * ((v + v2) - 2 * v1) - s0.a2 * y2) - s0.a1 * y1
                let w = (s1.b0 * ((y + y2) - 2 * y1) - s1.a2 * w2) - s1.a1 * w1
                (v2, v1, y2, y1, w2, w1) = (v1, v, y1, y, w1, w)
                o[i] = Float(w)
            }
        }
        history = (v1, v2, y1, y2, w1, w2)
    }

}
