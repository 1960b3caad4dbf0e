// The int16 encoders of the AVX2 and AVX-512 FP16 builds (this file is linked into
// G711AVX2 and G711AVX512, and compiled here too so the tests can name it). The baseline
// build does not call it: without F16C every half-precision operation is a library call.
#if !(os(macOS) && arch(x86_64))   // Float16 is unavailable on Intel Macs

/// 16 lanes of Int16: one AVX2 register of samples.
public typealias G711HalfLanes = SIMD16<Int16>

/// The half-precision form of the G.711 kernel, for CPUs with 16-bit floats in hardware.
///
/// It rests on one more observation than ``G711Codec``'s float kernel: an integer
/// `v < 2048` *read as the bits of a half-precision float* is the value `v * 2^-24`,
/// because the subnormals (bits below 1024) run on linearly into the first binade.
/// Multiplied by 64 (exact: a power of two, no rounding anywhere), that is
/// `v * 2^-18`, and the bits of *that* number, shifted right by 6, are exactly the
/// A-law code of the 11-bit magnitude `v`: below 16 the result is subnormal and its
/// bits are `v` itself (segment 0), above it the exponent is the segment and the top
/// four mantissa bits the mantissa, truncated as G.191 truncates. One multiply and a
/// few shifts per 16 samples; no comparisons, no table.
public protocol G711HalfFloatKernel: G711Codec {
    /// Segment-and-mantissa codes (0...127) for lanes of ones'-complement magnitudes 0...32767.
    static func halfMagnitudeCodes(_ m: G711HalfLanes) -> G711HalfLanes
}

/// Lane-wise minimum for values whose difference fits in Int16 (LLVM emits `vpminsw` and two adds).
@inline(__always)
func halfLaneMin(_ a: G711HalfLanes, _ b: G711HalfLanes) -> G711HalfLanes {
    let d = a &- b
    return b &+ (d & (d &>> 15))
}

/// `Float16(bits: v) * 64` read back as bits, shifted right by 6: the A-law code of
/// `v` for 0 <= v < 2048 (see ``G711HalfFloatKernel``).
@inline(__always)
func halfCodes(_ v: G711HalfLanes) -> G711HalfLanes {
    // The constant is built from its bits: a Float16 literal goes through Float80 at run time.
    let scaled = unsafeBitCast(v, to: SIMD16<Float16>.self) * SIMD16<Float16>(repeating: Float16(bitPattern: 0x5400))
    return unsafeBitCast(scaled, to: G711HalfLanes.self) &>> 6
}

/// The low byte of every lane, written as a lane loop that LLVM turns into one
/// `vpmovwb` (AVX-512) or a few packs (AVX2): the stdlib's `SIMD16<UInt8>(truncatingIfNeeded:)` stayed an out-of-line
/// call per vector in this module (its prespecialized copy is called, not inlined).
@inline(__always)
func lowBytes(_ v: G711HalfLanes) -> SIMD16<UInt8> {
    var bytes = SIMD16<UInt8>()
    for i in 0..<16 { bytes[i] = UInt8(truncatingIfNeeded: v[i]) }
    return bytes
}

extension G711HalfFloatKernel {
    /// Encodes one vector of 16 samples; codes in the low byte of each lane.
    @inline(__always)
    static func encodeHalfLanes(_ x: G711HalfLanes) -> G711HalfLanes {
        let sign = x &>> 15                     // all ones for negative samples
        let c = halfMagnitudeCodes(x ^ sign)    // ones' complement magnitude, as in G.191
        let positive = G711HalfLanes(repeating: Int16(truncatingIfNeeded: positiveMask))
        let flip = G711HalfLanes(repeating: Int16(truncatingIfNeeded: positiveMask ^ negativeMask))
        return c ^ (positive ^ (sign & flip))
    }

    /// Encodes 16-bit linear samples with the half-precision kernel (SIMD body, scalar
    /// tail). Gives exactly the codes of ``G711Codec/encode(_:into:)-int16``.
    public static func encodeHalf(_ input: UnsafeBufferPointer<Int16>, into output: UnsafeMutableBufferPointer<UInt8>) {
        precondition(output.count >= input.count, "G.711 encode: output buffer too small")
        guard let src = input.baseAddress, let dst = output.baseAddress else { return }
        let n = input.count
        let raw = UnsafeRawPointer(src)
        let out = UnsafeMutableRawPointer(dst)
        var i = 0
        // Two independent vectors a step, for the out-of-order core to overlap.
        while i + 32 <= n {
            let a = encodeHalfLanes(raw.loadUnaligned(fromByteOffset: i &* 2, as: G711HalfLanes.self))
            let b = encodeHalfLanes(raw.loadUnaligned(fromByteOffset: i &* 2 &+ 32, as: G711HalfLanes.self))
            out.storeBytes(of: lowBytes(a), toByteOffset: i, as: SIMD16<UInt8>.self)
            out.storeBytes(of: lowBytes(b), toByteOffset: i &+ 16, as: SIMD16<UInt8>.self)
            i &+= 32
        }
        if i + 16 <= n {
            let a = encodeHalfLanes(raw.loadUnaligned(fromByteOffset: i &* 2, as: G711HalfLanes.self))
            out.storeBytes(of: lowBytes(a), toByteOffset: i, as: SIMD16<UInt8>.self)
            i &+= 16
        }
        while i < n {
            dst[i] = encodeScalar(src[i])
            i &+= 1
        }
    }
}

extension ALaw: G711HalfFloatKernel {
    @inline(__always)
    public static func halfMagnitudeCodes(_ m: G711HalfLanes) -> G711HalfLanes {
        halfCodes(m &>> 4)   // the 11-bit magnitude G.191 encodes
    }
}

extension MuLaw: G711HalfFloatKernel {
    @inline(__always)
    public static func halfMagnitudeCodes(_ m: G711HalfLanes) -> G711HalfLanes {
        // a = biased magnitude 33...8191 (13 bits, too wide for the trick). From a >= 64 on,
        // a >> 2 has every bit the code needs and its A-law-style code is the mu-law code
        // (before inversion); below 64 the code is (a >> 1) - 16, which is the smaller of
        // the two there and never the smaller above.
        let a = halfLaneMin((m &>> 2) &+ 33, G711HalfLanes(repeating: 0x1FFF))
        return halfLaneMin(halfCodes(a &>> 2), (a &>> 1) &- 16)
    }
}

#else

extension G711Codec {
    /// Without Float16 (Intel Macs) the 32-bit float kernel stands in; same codes.
    public static func encodeHalf(_ input: UnsafeBufferPointer<Int16>, into output: UnsafeMutableBufferPointer<UInt8>) {
        encode(input, into: output)
    }
}

#endif
