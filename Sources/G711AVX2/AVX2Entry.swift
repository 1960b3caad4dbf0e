// This module is the G711 module's SIMD kernels (G711Codec.swift and HalfFloatKernel.swift,
// symbolic links) compiled for AVX2 (see Package.swift). G711 calls the entry points below when
// SIMDLevel.active is .avx2. They are deliberately not @inlinable: inlined into a
// caller, the kernels would be compiled with the caller's (baseline) flags.

/// Entry points of the AVX2 build of the G.711 kernels.
public enum AVX2Kernels {
    // int16 input: the half-precision kernel, its multiplies done by F16C conversions and
    // vmulps (twice the float kernel's speed here, see the benchmark).
    public static func encodeALaw(_ input: UnsafeBufferPointer<Int16>, into output: UnsafeMutableBufferPointer<UInt8>) {
        #if !(os(macOS) && arch(x86_64))
        ALaw.encodeHalf(input, into: output)
        #else
        ALaw.encode(input, into: output)   // no Float16 on Intel Macs
        #endif
    }
    public static func encodeMuLaw(_ input: UnsafeBufferPointer<Int16>, into output: UnsafeMutableBufferPointer<UInt8>) {
        #if !(os(macOS) && arch(x86_64))
        MuLaw.encodeHalf(input, into: output)
        #else
        MuLaw.encode(input, into: output)   // no Float16 on Intel Macs
        #endif
    }
    public static func encodeALaw(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<UInt8>) {
        ALaw.encode(input, into: output)
    }
    public static func encodeMuLaw(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<UInt8>) {
        MuLaw.encode(input, into: output)
    }
}
