import Glibc

/// A fixed gain in decibels (ffmpeg's `-af volume=...`). Samples pushed beyond full scale
/// are counted and saturated later, by the branch's over counter.
public final class Gain: AudioStage {
    public let inputChannels = 1
    public let outputChannels = 1
    public let decibels: Double
    private let factor: Float

    public init(decibels: Double) {
        self.decibels = decibels
        factor = Float(pow(10, decibels / 20))
    }

    public func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        for x in input { output.append(x * factor) }
    }

    public func drain(into output: inout [Float]) {}
}
