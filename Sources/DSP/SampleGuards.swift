/// Replaces samples that cannot be audio before filtering, and counts them: NaN by
/// silence, infinities and anything beyond ±``headroom`` by full scale. One such sample
/// would otherwise ring through a whole filter length (a 1e30 in a float WAV saturates
/// every output it touches); clamped, the damage stays one sample wide.
public final class NonFiniteGuard: AudioStage {
    public let inputChannels: Int
    public var outputChannels: Int { inputChannels }
    /// Samples that were NaN, infinite or beyond the headroom.
    public private(set) var replaced = 0
    /// Largest magnitude taken as audio: 4.0, +12 dBFS, more than any float recording
    /// that was mixed with care goes over full scale.
    public static let headroom: Float = 4

    public init(channels: Int) { inputChannels = channels }

    public var report: StageReport? { .nonFinite(replaced: replaced) }

    public func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        let start = output.count
        output.append(contentsOf: input)
        // SIMD scan of the exponent bits (anything from 4.0 up has an exponent field of
        // at least 0x81; all ones is NaN or infinity); the scalar repair runs only for the
        // rare block that has one.
        guard BitScan.maxExponentBits(input) >= BitScan.headroomExponent else { return }
        output.withUnsafeMutableBufferPointer { out in
            for i in start..<out.count where !(abs(out[i]) <= Self.headroom) {
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

    public var report: StageReport? { .overs(count: overs, peak: peak) }

    public func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        let (p, n) = BitScan.peakAndOvers(input)
        peak = max(peak, p)
        overs += n
        output.append(contentsOf: input)
    }

    public func drain(into output: inout [Float]) {}
}

/// Branch-free scans of float blocks on their bit patterns: magnitudes of non-NaN floats
/// compare like integers, and only operators the compiler inlines are used.
enum BitScan {
    typealias Lanes = SIMD16<Int32>
    static let exponentMask: Int32 = 0x7F80_0000
    /// The exponent field of 4.0 (``NonFiniteGuard/headroom``): a block whose largest
    /// exponent field is below it has nothing to repair.
    static let headroomExponent: Int32 = 0x4080_0000

    @inline(__always)
    static func laneMax(_ a: Lanes, _ b: Lanes) -> Lanes { let d = a &- b; return a &- (d & (d &>> 31)) }

    /// Largest `bits & 0x7F800000` in the block: equal to the mask when a NaN or infinity is present.
    static func maxExponentBits(_ x: UnsafeBufferPointer<Float>) -> Int32 {
        guard let base = x.baseAddress else { return 0 }
        let raw = UnsafeRawPointer(base)
        var acc = Lanes(repeating: 0)
        var i = 0
        while i + 16 <= x.count {
            let bits = raw.loadUnaligned(fromByteOffset: i &* 4, as: Lanes.self)
            acc = laneMax(acc, bits & Lanes(repeating: exponentMask))
            i &+= 16
        }
        var m = acc.max()
        while i < x.count { m = max(m, Int32(bitPattern: x[i].bitPattern) & exponentMask); i &+= 1 }
        return m
    }

    /// Peak magnitude and the number of samples beyond full scale (|x| > 1).
    static func peakAndOvers(_ x: UnsafeBufferPointer<Float>) -> (peak: Float, overs: Int) {
        guard let base = x.baseAddress else { return (0, 0) }
        let raw = UnsafeRawPointer(base)
        let one = Lanes(repeating: 0x3F80_0000), magnitude = Lanes(repeating: 0x7FFF_FFFF)
        var peak = Lanes(repeating: 0), count = Lanes(repeating: 0)
        var i = 0
        while i + 16 <= x.count {
            let a = raw.loadUnaligned(fromByteOffset: i &* 4, as: Lanes.self) & magnitude
            peak = laneMax(peak, a)
            count &+= (one &- a) &>> 31          // -1 where |x| > 1.0
            i &+= 16
        }
        var p = Float(bitPattern: UInt32(peak.max())), n = -Int(count.wrappedSum())
        while i < x.count { let a = abs(x[i]); if a > 1 { n += 1 }; p = max(p, a); i &+= 1 }
        return (p, n)
    }
}
