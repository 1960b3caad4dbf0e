// This module is the G711 module's SIMD kernels (G711Codec.swift and HalfFloatKernel.swift,
// symbolic links) compiled for Sapphire Rapids (see Package.swift): the half-precision
// multiply is one `vmulph` per 16 samples. G711 calls the entry points below when
// SIMDLevel.active is .avx512fp16; not @inlinable, for the same reason as AVX2Kernels.

/// Entry points of the AVX-512 FP16 build of the G.711 kernels.
public enum AVX512FP16Kernels {
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
