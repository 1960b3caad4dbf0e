@_exported import CPUFeatures
internal import G711AVX2
internal import G711AVX512

/// The two G.711 companding laws, as a value you can pass around at run time.
///
/// Every function here is bit-exact to the ITU-T G.191 reference routines
/// (`alaw_compress`, `ulaw_compress`, `alaw_expand`, `ulaw_expand`).
public enum G711Law: String, Sendable, CaseIterable, Codable {
    /// A-law (Europe and most of the world; Asterisk `.alaw`).
    case aLaw = "alaw"
    /// mu-law (North America and Japan; Asterisk `.ulaw`).
    case muLaw = "ulaw"

    /// The other law: handy for "was this file saved with the wrong law?" checks.
    public var other: G711Law { self == .aLaw ? .muLaw : .aLaw }

    /// The code that encodes digital silence (a zero sample).
    public var silenceCode: UInt8 { self == .aLaw ? 0xD5 : 0xFF }

    /// Encodes 16-bit linear samples into G.711 codes (SIMD kernel).
    /// `output` must hold at least `input.count` bytes.
    ///
    /// - Parameter simd: which build of the kernel runs; by default the best this CPU
    ///   supports (see ``SIMDLevel``). Every level gives the same codes.
    public func encode(_ input: UnsafeBufferPointer<Int16>, into output: UnsafeMutableBufferPointer<UInt8>,
                       simd: SIMDLevel = .active) {
        switch (self, simd) {
        case (.aLaw, .baseline): ALaw.encode(input, into: output)
        case (.muLaw, .baseline): MuLaw.encode(input, into: output)
        case (.aLaw, .avx2): G711AVX2.G711KernelBuild.encodeALaw(input, into: output)
        case (.muLaw, .avx2): G711AVX2.G711KernelBuild.encodeMuLaw(input, into: output)
        case (.aLaw, .avx512fp16): G711AVX512.G711KernelBuild.encodeALaw(input, into: output)
        case (.muLaw, .avx512fp16): G711AVX512.G711KernelBuild.encodeMuLaw(input, into: output)
        }
    }

    /// Encodes float samples (full scale ±1.0) into G.711 codes (SIMD kernel).
    /// See ``G711Codec/encode(_:into:)-float`` for the exact float-to-int16 rule.
    public func encode(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<UInt8>,
                       simd: SIMDLevel = .active) {
        switch (self, simd) {
        case (.aLaw, .baseline): ALaw.encode(input, into: output)
        case (.muLaw, .baseline): MuLaw.encode(input, into: output)
        case (.aLaw, .avx2): G711AVX2.G711KernelBuild.encodeALaw(input, into: output)
        case (.muLaw, .avx2): G711AVX2.G711KernelBuild.encodeMuLaw(input, into: output)
        case (.aLaw, .avx512fp16): G711AVX512.G711KernelBuild.encodeALaw(input, into: output)
        case (.muLaw, .avx512fp16): G711AVX512.G711KernelBuild.encodeMuLaw(input, into: output)
        }
    }

    /// Decodes G.711 codes to 16-bit linear samples.
    @inlinable
    public func decode(_ input: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<Int16>) {
        switch self {
        case .aLaw: ALaw.decode(input, into: output)
        case .muLaw: MuLaw.decode(input, into: output)
        }
    }

    /// Decodes G.711 codes to float samples (int16 value / 32768).
    @inlinable
    public func decode(_ input: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<Float>) {
        switch self {
        case .aLaw: ALaw.decode(input, into: output)
        case .muLaw: MuLaw.decode(input, into: output)
        }
    }

    /// Scalar reference encoder for one sample.
    @inlinable
    public func encode(_ sample: Int16) -> UInt8 {
        self == .aLaw ? ALaw.encodeScalar(sample) : MuLaw.encodeScalar(sample)
    }

    /// Decoder for one code.
    @inlinable
    public func decode(_ code: UInt8) -> Int16 {
        self == .aLaw ? ALaw.decodeTable[Int(code)] : MuLaw.decodeTable[Int(code)]
    }

    /// Convenience: encodes an array of samples.
    public func encode(_ samples: [Int16]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: samples.count)
        samples.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { encode(i, into: $0) } }
        return out
    }

    /// Convenience: encodes an array of float samples.
    public func encode(_ samples: [Float]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: samples.count)
        samples.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { encode(i, into: $0) } }
        return out
    }

    /// Convenience: decodes an array of codes.
    public func decode(_ codes: [UInt8]) -> [Int16] {
        var out = [Int16](repeating: 0, count: codes.count)
        codes.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { decode(i, into: $0) } }
        return out
    }

    /// Convenience: decodes an array of codes to float.
    public func decodeToFloat(_ codes: [UInt8]) -> [Float] {
        var out = [Float](repeating: 0, count: codes.count)
        codes.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { decode(i, into: $0) } }
        return out
    }
}
