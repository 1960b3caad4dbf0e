/// Replaces NaN samples with silence and infinities with full scale before filtering
/// (one NaN would otherwise smear across a whole filter length), and counts them.
public final class NonFiniteGuard: AudioStage {
    public let inputChannels: Int
    public var outputChannels: Int { inputChannels }
    /// Samples that were NaN or infinite.
    public private(set) var replaced = 0

    public init(channels: Int) { inputChannels = channels }

    public func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        let start = output.count
        output.append(contentsOf: input)
        output.withUnsafeMutableBufferPointer { out in
            for i in start..<out.count where !out[i].isFinite {
                out[i] = out[i].isNaN ? 0 : (out[i] > 0 ? 1 : -1)
                replaced += 1
            }
        }
    }

    public func drain(into output: inout [Float]) {}
}

/// Counts samples beyond full scale (|x| > 1.0) and the peak, passing audio through.
/// The encoders saturate such samples; this stage only makes them visible.
public final class OverCounter: AudioStage {
    public let inputChannels = 1
    public let outputChannels = 1
    /// Samples with |x| > 1.0.
    public private(set) var overs = 0
    /// Largest |x| seen.
    public private(set) var peak: Float = 0

    public init() {}

    public func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        var p = peak, n = 0
        for x in input {
            let a = abs(x)
            if a > 1 { n += 1 }
            if a > p { p = a }
        }
        peak = p
        overs += n
        output.append(contentsOf: input)
    }

    public func drain(into output: inout [Float]) {}
}
