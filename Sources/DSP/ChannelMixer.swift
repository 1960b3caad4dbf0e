/// Turns interleaved multichannel audio into mono: the mean of all channels, or one
/// chosen channel.
public final class ChannelMixer: AudioStage {
    public enum Mode: Sendable, Equatable {
        /// Mean of all channels (keeps a mono signal duplicated on both channels at its level).
        case mean
        /// One channel, 0-based.
        case pick(Int)
    }

    public let inputChannels: Int
    public let outputChannels = 1
    public let mode: Mode

    public init(channels: Int, mode: Mode = .mean) {
        precondition(channels >= 1)
        if case .pick(let c) = mode { precondition(c >= 0 && c < channels, "channel out of range") }
        inputChannels = channels
        self.mode = mode
    }

    public func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        let n = inputChannels
        let frames = input.count / n
        if n == 1 { output.append(contentsOf: input); return }
        let start = output.count
        output.appendZeros(frames)
        output.withUnsafeMutableBufferPointer { out in
            switch mode {
            case .pick(let c):
                for f in 0..<frames { out[start + f] = input[f * n + c] }
            case .mean:
                let scale = 1 / Float(n)
                if n == 2 {
                    Self.meanOfPairs(input, into: out.baseAddress! + start, frames: frames)
                } else {
                    for f in 0..<frames {
                        var s: Float = 0
                        for c in 0..<n { s += input[f * n + c] }
                        out[start + f] = s * scale
                    }
                }
            }
        }
    }

    public func drain(into output: inout [Float]) {}

    /// Stereo mean, eight frames a step: even lanes are left, odd lanes right.
    private static func meanOfPairs(_ input: UnsafeBufferPointer<Float>, into out: UnsafeMutablePointer<Float>, frames: Int) {
        let raw = UnsafeRawPointer(input.baseAddress!)
        let target = UnsafeMutableRawPointer(out)
        var f = 0
        while f &+ 8 <= frames {
            let v = raw.loadUnaligned(fromByteOffset: f &* 8, as: SIMD16<Float>.self)
            target.storeBytes(of: (v.evenHalf + v.oddHalf) * 0.5, toByteOffset: f &* 4, as: SIMD8<Float>.self)
            f &+= 8
        }
        while f < frames {
            out[f] = (input[2 &* f] + input[2 &* f &+ 1]) * 0.5
            f &+= 1
        }
    }
}
