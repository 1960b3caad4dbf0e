// G711AVX2 and G711AVX512 are the G711 module's SIMD kernels (G711Codec.swift and
// HalfFloatKernel.swift, symbolic links) compiled for AVX2 and for Sapphire Rapids
// (AVX-512 FP16; see Package.swift); this file is shared the same way. G711 calls the
// entry points below, qualified by module, for the level SIMDLevel.active names. They are
// deliberately not @inlinable: inlined into a caller, the kernels would be compiled with
// the caller's (baseline) flags.

/// Entry points of one CPU-specific build of the G.711 kernels.
public enum G711KernelBuild {
    // int16 input: the half-precision kernel (F16C conversions and vmulps in the AVX2
    // build, one vmulph in the AVX-512 FP16 build; see the benchmark).
    public static func encodeALaw(_ input: UnsafeBufferPointer<Int16>, into output: UnsafeMutableBufferPointer<UInt8>) {
        ALaw.encodeHalf(input, into: output)
    }
    public static func encodeMuLaw(_ input: UnsafeBufferPointer<Int16>, into output: UnsafeMutableBufferPointer<UInt8>) {
        MuLaw.encodeHalf(input, into: output)
    }
    public static func encodeALaw(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<UInt8>) {
        ALaw.encode(input, into: output)
    }
    public static func encodeMuLaw(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<UInt8>) {
        MuLaw.encode(input, into: output)
    }
}
