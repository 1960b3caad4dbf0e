/// Float to 16-bit linear conversion with the same rule the G.711 encoders use
/// (x * 32768, rounded to nearest with ties to even, saturated, NaN as 0), on the same
/// SIMD quantizer; for the signed-linear (.sln) and WAV writers.
public enum LinearPCM {
    /// Converts floats to int16 (SIMD body, scalar tail).
    public static func encode(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Int16>) {
        precondition(output.count >= input.count, "LinearPCM.encode: output buffer too small")
        guard let src = input.baseAddress, let dst = output.baseAddress else { return }
        let n = input.count
        let raw = UnsafeRawPointer(src), out = UnsafeMutableRawPointer(dst)
        var i = 0
        while i + 16 <= n {
            let v = raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
            out.storeBytes(of: SIMD16<Int16>(truncatingIfNeeded: ALaw.quantize(v)), toByteOffset: i &* 2, as: SIMD16<Int16>.self)
            i &+= 16
        }
        while i < n {
            dst[i] = Int16(saturatingFloat: src[i])
            i &+= 1
        }
    }

    /// Converts int16 to floats, x / 32768 (exact): the same values libsndfile gives,
    /// in a loop the compiler vectorizes (Debian's libsndfile converts one sample at a time).
    /// Checked in the assembly (cvtdq2ps behind a run-time overlap check): 9.6 G samples/s;
    /// a hand-written SIMD16 version that splits and re-interleaves sample pairs ran 7.0.
    public static func decode(_ input: UnsafeBufferPointer<Int16>, into output: UnsafeMutableBufferPointer<Float>) {
        precondition(output.count >= input.count, "LinearPCM.decode: output buffer too small")
        guard let src = input.baseAddress, let dst = output.baseAddress else { return }
        for i in 0..<input.count { dst[i] = Float(src[i]) * (1 / 32768) }
    }
}
