/// One G.711 law: a scalar reference encoder written after G.191, a branch-free
/// SIMD kernel for whole buffers, and 256-entry decode tables.
///
/// The SIMD kernel rests on one observation: a G.711 code is a sign, a 3-bit
/// segment and a 4-bit mantissa, i.e. a tiny floating-point number. Converting the
/// (biased, truncated) magnitude to `Float` and reading its exponent and top four
/// mantissa bits gives segment and mantissa at once, with no loops, no per-lane
/// shifts and no branches.
public protocol G711Codec {
    /// Scalar reference encoder, a direct transcription of the G.191 routine.
    static func encodeScalar(_ x: Int16) -> UInt8
    /// Scalar reference decoder, a direct transcription of the G.191 routine.
    static func decodeScalar(_ code: UInt8) -> Int16
    /// Segment-and-mantissa code (0...127, before sign and inversion) for lanes of
    /// ones'-complement magnitudes 0...32767.
    static func magnitudeCodes(_ m: G711Lanes) -> G711Lanes
    /// Byte XORed into the magnitude code of a non-negative sample.
    static var positiveMask: Int32 { get }
    /// Byte XORed into the magnitude code of a negative sample.
    static var negativeMask: Int32 { get }
    /// Linear value of every code, by code.
    static var decodeTable: [Int16] { get }
}

/// The kernels work on 16 lanes of Int32. Only operators that the compiler inlines
/// are used in them: the stdlib's generic SIMD conversions and `pointwiseMin/Max`
/// stay out-of-line calls in the hot loop (the benchmark shows the difference).
public typealias G711Lanes = SIMD16<Int32>

/// Lane-wise minimum, written so LLVM emits `pminsd`: values must not overflow on subtraction.
@inlinable @inline(__always)
func laneMin(_ a: G711Lanes, _ b: G711Lanes) -> G711Lanes { let d = a &- b; return b &+ (d & (d &>> 31)) }

/// Lane-wise maximum, same caveat as ``laneMin(_:_:)``.
@inlinable @inline(__always)
func laneMax(_ a: G711Lanes, _ b: G711Lanes) -> G711Lanes { let d = a &- b; return a &- (d & (d &>> 31)) }

/// Biased exponent (bits 4 and up) and top four mantissa bits (bits 0...3) of `Float(v)`,
/// for 0 <= v < 2^23: the 2^23 magic number turns the integer into a float with one
/// OR and one subtraction, avoiding the out-of-line int-to-float conversion.
@inlinable @inline(__always)
func exponentAndMantissa(_ v: G711Lanes) -> G711Lanes {
    let f = unsafeBitCast(v | G711Lanes(repeating: 0x4B00_0000), to: SIMD16<Float>.self) - SIMD16<Float>(repeating: 8_388_608)
    return unsafeBitCast(f, to: G711Lanes.self) &>> 19
}

/// The low byte of every lane, written as a lane loop that LLVM turns into a few pack
/// instructions: the stdlib's `SIMD16<UInt8>(truncatingIfNeeded:)` stayed an out-of-line
/// call per vector in this module (its prespecialized copy is called, not inlined).
@inlinable @inline(__always)
func lowBytes(_ v: G711Lanes) -> SIMD16<UInt8> {
    var bytes = SIMD16<UInt8>()
    for i in 0..<16 { bytes[i] = UInt8(truncatingIfNeeded: v[i]) }
    return bytes
}

/// The low 16 bits of every lane, written as a loop for the same reason as `lowBytes`.
@inlinable @inline(__always)
func lowHalves(_ v: G711Lanes) -> SIMD16<UInt16> {
    var halves = SIMD16<UInt16>()
    for i in 0..<16 { halves[i] = UInt16(truncatingIfNeeded: v[i]) }
    return halves
}

extension G711Codec {
    /// Encodes one vector of samples held in Int32 lanes; the codes come back in the low byte.
    @inlinable @inline(__always)
    static func encodeLanes(_ x: G711Lanes) -> G711Lanes {
        let sign = x &>> 31                       // all ones for negative samples
        let c = magnitudeCodes(x ^ sign)          // ones' complement magnitude, as in G.191
        return c ^ (G711Lanes(repeating: positiveMask) ^ (sign & G711Lanes(repeating: positiveMask ^ negativeMask)))
    }

    /// Maps floats to int16 values in Int32 lanes exactly as documented: x * 32768,
    /// round to nearest (ties to even), saturate, NaN to 0. Branch-free, on the bits:
    /// magnitudes compare as integers, and adding 1.5 * 2^23 rounds to an integer.
    @inlinable @inline(__always)
    static func quantize(_ f: SIMD16<Float>) -> G711Lanes {
        let bits = unsafeBitCast(f * 32768, to: G711Lanes.self)
        let sign = bits & G711Lanes(repeating: Int32(bitPattern: 0x8000_0000))
        let magnitude = bits & G711Lanes(repeating: 0x7FFF_FFFF)
        let isNaN = (G711Lanes(repeating: 0x7F80_0000) &- magnitude) &>> 31   // above +Inf's bits
        let clamped = laneMin(magnitude, G711Lanes(repeating: 0x4700_0000)) & ~isNaN // 32768.0
        let rounded = unsafeBitCast(sign | clamped, to: SIMD16<Float>.self) + SIMD16<Float>(repeating: 12_582_912)
        return laneMin(unsafeBitCast(rounded, to: G711Lanes.self) &- G711Lanes(repeating: 0x4B40_0000),
                       G711Lanes(repeating: 32767))
    }

    /// Encodes 16-bit linear samples (SIMD body, scalar tail).
    @inlinable
    public static func encode(_ input: UnsafeBufferPointer<Int16>, into output: UnsafeMutableBufferPointer<UInt8>) {
        precondition(output.count >= input.count, "G.711 encode: output buffer too small")
        guard let src = input.baseAddress, let dst = output.baseAddress else { return }
        let n = input.count
        let raw = UnsafeRawPointer(src)
        let out = UnsafeMutableRawPointer(dst)
        var i = 0
        // 32 samples a step: each 32-bit word holds an even and an odd sample, which
        // arithmetic shifts sign-extend; their two codes go back out as one 16-bit word.
        while i + 32 <= n {
            let w = raw.loadUnaligned(fromByteOffset: i &* 2, as: G711Lanes.self)
            let even = encodeLanes((w &<< 16) &>> 16) & G711Lanes(repeating: 0xFF)
            let odd = encodeLanes(w &>> 16) & G711Lanes(repeating: 0xFF)
            out.storeBytes(of: lowHalves(even | (odd &<< 8)), toByteOffset: i, as: SIMD16<UInt16>.self)
            i &+= 32
        }
        while i < n {
            dst[i] = encodeScalar(src[i])
            i &+= 1
        }
    }

    /// Encodes float samples, full scale ±1.0: each is mapped to int16 by
    /// `x * 32768` rounded to nearest (ties to even) and saturated, NaN as 0,
    /// then encoded. Exactly equal to ``encodeScalar(float:)`` for every float.
    @inlinable
    public static func encode(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<UInt8>) {
        precondition(output.count >= input.count, "G.711 encode: output buffer too small")
        guard let src = input.baseAddress, let dst = output.baseAddress else { return }
        let n = input.count
        let raw = UnsafeRawPointer(src)
        let out = UnsafeMutableRawPointer(dst)
        var i = 0
        while i + 16 <= n {
            let v = raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
            out.storeBytes(of: lowBytes(encodeLanes(quantize(v))), toByteOffset: i, as: SIMD16<UInt8>.self)
            i &+= 16
        }
        while i < n {
            dst[i] = encodeScalar(float: src[i])
            i &+= 1
        }
    }

    /// Scalar float encoder: the readable definition of the float mapping.
    @inlinable
    public static func encodeScalar(float x: Float) -> UInt8 {
        encodeScalar(Int16(saturatingFloat: x))
    }

    /// Decodes codes to 16-bit linear samples.
    @inlinable
    public static func decode(_ input: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<Int16>) {
        precondition(output.count >= input.count, "G.711 decode: output buffer too small")
        decodeTable.withUnsafeBufferPointer { table in
            for i in 0..<input.count { output[i] = table[Int(input[i])] }
        }
    }

    /// Decodes codes to floats (linear value / 32768).
    @inlinable
    public static func decode(_ input: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<Float>) {
        precondition(output.count >= input.count, "G.711 decode: output buffer too small")
        decodeTable.withUnsafeBufferPointer { table in
            for i in 0..<input.count { output[i] = Float(table[Int(input[i])]) * (1.0 / 32768.0) }
        }
    }

    /// Scalar loop over a buffer; the readable reference the SIMD kernel is tested against.
    public static func encodeScalar(_ input: UnsafeBufferPointer<Int16>, into output: UnsafeMutableBufferPointer<UInt8>) {
        for i in 0..<input.count { output[i] = encodeScalar(input[i]) }
    }

    /// Scalar loop over a float buffer; the reference for the float SIMD kernel.
    public static func encodeScalar(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<UInt8>) {
        for i in 0..<input.count { output[i] = encodeScalar(float: input[i]) }
    }
}

extension Int16 {
    /// `x * 32768` rounded to nearest (ties to even), saturated to the Int16 range; NaN gives 0.
    @inlinable
    public init(saturatingFloat x: Float) {
        if x.isNaN { self = 0; return }
        let s = (x * 32768).rounded(.toNearestOrEven)
        if s >= 32767 { self = .max } else if s <= -32768 { self = .min } else { self = Int16(s) }
    }
}

/// ITU-T G.711 A-law.
public enum ALaw: G711Codec {
    @inlinable
    public static func encodeScalar(_ x: Int16) -> UInt8 {
        // G.191 alaw_compress: 13-bit magnitude (ones' complement for negatives), segment search.
        var ix = x < 0 ? Int32(~x) >> 4 : Int32(x) >> 4
        if ix > 15 {
            var iexp: Int32 = 1
            while ix > 16 + 15 { ix >>= 1; iexp += 1 }
            ix -= 16
            ix += iexp << 4
        }
        if x >= 0 { ix |= 0x80 }
        return UInt8(truncatingIfNeeded: ix ^ 0x55)
    }

    public static func decodeScalar(_ code: UInt8) -> Int16 {
        // G.191 alaw_expand.
        var ix = Int32(code ^ 0x55) & 0x7F
        let iexp = ix >> 4
        var mant = ix & 0x0F
        if iexp > 0 { mant += 16 }
        mant = (mant << 4) + 8
        if iexp > 1 { mant <<= (iexp - 1) }
        ix = code > 127 ? mant : -mant
        return Int16(ix)
    }

    @inlinable @inline(__always)
    public static func magnitudeCodes(_ m: G711Lanes) -> G711Lanes {
        // v = 11-bit magnitude. Codes below 32 equal v itself (segments 0 and 1 are linear);
        // from 16 up the float exponent/mantissa gives the code, and it never exceeds v.
        let v = m &>> 4
        let f = exponentAndMantissa(laneMax(v, G711Lanes(repeating: 16))) &- G711Lanes(repeating: 2080) // (127+3)<<4
        return laneMin(v, f)
    }

    public static var positiveMask: Int32 { 0xD5 }
    public static var negativeMask: Int32 { 0x55 }
    public static let decodeTable: [Int16] = (0...255).map { decodeScalar(UInt8($0)) }
}

/// ITU-T G.711 mu-law.
public enum MuLaw: G711Codec {
    @inlinable
    public static func encodeScalar(_ x: Int16) -> UInt8 {
        // G.191 ulaw_compress: 14-bit magnitude plus bias 33, clipped, segment search.
        var absno = x < 0 ? (Int32(~x) >> 2) + 33 : (Int32(x) >> 2) + 33
        if absno > 0x1FFF { absno = 0x1FFF }
        var i = absno >> 6
        var segno: Int32 = 1
        while i != 0 { segno += 1; i >>= 1 }
        let high = 0x8 - segno
        let low = 0xF - ((absno >> segno) & 0xF)
        var out = (high << 4) | low
        if x >= 0 { out |= 0x80 }
        return UInt8(truncatingIfNeeded: out)
    }

    public static func decodeScalar(_ code: UInt8) -> Int16 {
        // G.191 ulaw_expand.
        let sign: Int32 = code < 0x80 ? -1 : 1
        var mantissa = Int32(~code)
        let exponent = (mantissa >> 4) & 0x7
        let segment = exponent + 1
        mantissa &= 0xF
        let step = Int32(4) << segment
        return Int16(sign * ((0x80 << exponent) + step * mantissa + step / 2 - 4 * 33))
    }

    @inlinable @inline(__always)
    public static func magnitudeCodes(_ m: G711Lanes) -> G711Lanes {
        // a = biased 14-bit magnitude in 33...8191; segment = exponent - 5.
        let a = laneMin((m &>> 2) &+ G711Lanes(repeating: 33), G711Lanes(repeating: 0x1FFF))
        return exponentAndMantissa(a) &- G711Lanes(repeating: 2112) // (127+5)<<4
    }

    public static var positiveMask: Int32 { 0xFF }
    public static var negativeMask: Int32 { 0x7F }
    public static let decodeTable: [Int16] = (0...255).map { decodeScalar(UInt8($0)) }
}
