import Testing
@testable import G711

/// Small deterministic PRNG so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("SIMD kernels against the scalar reference")
struct G711KernelTests {
    @Test("int16 SIMD equals scalar for every length 0...100 and every alignment", arguments: G711Law.allCases, SIMDLevel.supported)
    func int16LengthsAndAlignments(law: G711Law, simd level: SIMDLevel) {
        var rng = SplitMix64(state: 42)
        let data = (0..<300).map { _ in Int16.random(in: .min ... .max, using: &rng) }
        data.withUnsafeBufferPointer { all in
            for offset in 0..<8 {
                for length in 0...100 {
                    let input = UnsafeBufferPointer(rebasing: all[offset..<(offset + length)])
                    var simd = [UInt8](repeating: 0xAA, count: length + 1)
                    simd.withUnsafeMutableBufferPointer { law.encode(input, into: $0, simd: level) }
                    let scalar = input.map { law.encode($0) }
                    #expect(Array(simd[0..<length]) == scalar, "offset \(offset) length \(length)")
                    #expect(simd[length] == 0xAA, "wrote past the end")
                }
            }
        }
    }

    /// The AVX2 and AVX-512 builds run the half-precision kernel in hardware; this runs its
    /// arithmetic on every machine (in software here, without F16C), so the trick itself
    /// is checked even where those builds cannot run.
    @Test("half-precision kernel matches G.191 for all 65536 inputs, in the portable build", arguments: G711Law.allCases)
    func halfFloatKernelIsExact(law: G711Law) {
        let ramp = (0..<65536).map { Int16(truncatingIfNeeded: $0) }
        var got = [UInt8](repeating: 0, count: ramp.count)
        ramp.withUnsafeBufferPointer { i in
            got.withUnsafeMutableBufferPointer { o in
                law == .aLaw ? ALaw.encodeHalf(i, into: o) : MuLaw.encodeHalf(i, into: o)
            }
        }
        let mismatches = ramp.indices.filter { got[$0] != law.encode(ramp[$0]) }
        #expect(mismatches.count == 0, "first wrong inputs: \(mismatches.prefix(5).map { ramp[$0] })")
    }

    @Test("float SIMD equals scalar on random data of many lengths", arguments: G711Law.allCases, SIMDLevel.supported)
    func floatRandom(law: G711Law, level: SIMDLevel) {
        var rng = SplitMix64(state: 7)
        for length in [0, 1, 15, 16, 17, 31, 33, 1000, 4099] {
            let input = (0..<length).map { _ in Float.random(in: -1.2...1.2, using: &rng) }
            var simd = [UInt8](repeating: 0, count: length)
            input.withUnsafeBufferPointer { i in simd.withUnsafeMutableBufferPointer { law.encode(i, into: $0, simd: level) } }
            let scalar = input.map { law == .aLaw ? ALaw.encodeScalar(float: $0) : MuLaw.encodeScalar(float: $0) }
            #expect(simd == scalar, "length \(length)")
        }
    }

    @Test("float mapping: x * 32768, ties to even, saturating, NaN as zero", arguments: G711Law.allCases)
    func floatEdgeCases(law: G711Law) {
        let cases: [(Float, Int16)] = [
            (0, 0), (-0.0, 0), (Float.leastNonzeroMagnitude, 0), (-Float.leastNonzeroMagnitude, 0),
            (Float.leastNormalMagnitude, 0), (1.0, 32767), (-1.0, -32768), (1.5, 32767), (-7, -32768),
            (.infinity, 32767), (-.infinity, -32768), (.nan, 0), (-.nan, 0), (.signalingNaN, 0),
            (0.5 / 32768, 0), (1.5 / 32768, 2), (2.5 / 32768, 2), (-0.5 / 32768, 0), (-1.5 / 32768, -2),
            (32766.5 / 32768, 32766), (Float.greatestFiniteMagnitude, 32767),
        ]
        for (x, q) in cases {
            #expect(Int16(saturatingFloat: x) == q, "\(x)")
            #expect(law.encode([x]) == [law.encode(q)], "scalar tail \(x)")
            // Also through the SIMD body: place the value in every lane of a full vector.
            #expect(law.encode([Float](repeating: x, count: 16)) == [UInt8](repeating: law.encode(q), count: 16), "SIMD \(x)")
        }
    }

    @Test("float SIMD is exact around every int16 step", arguments: G711Law.allCases, SIMDLevel.supported)
    func floatAroundEverySample(law: G711Law, level: SIMDLevel) {
        // For every int16 k: k/32768, its float neighbours and the half-way points.
        var input: [Float] = []
        input.reserveCapacity(65536 * 5)
        for k in -32768...32767 {
            let f = Float(k) / 32768
            input += [f, f.nextUp, f.nextDown, (Float(k) + 0.5) / 32768, (Float(k) - 0.5) / 32768]
        }
        var simd = [UInt8](repeating: 0, count: input.count)
        input.withUnsafeBufferPointer { i in simd.withUnsafeMutableBufferPointer { law.encode(i, into: $0, simd: level) } }
        var expected = [UInt8](repeating: 0, count: input.count)
        input.withUnsafeBufferPointer { i in
            expected.withUnsafeMutableBufferPointer { o in
                law == .aLaw ? ALaw.encodeScalar(i, into: o) : MuLaw.encodeScalar(i, into: o)
            }
        }
        #expect(simd == expected)
    }
}

@Suite("Float to 16-bit linear (the .sln and WAV writers)")
struct LinearPCMTests {
    @Test func simdEqualsScalarRule() {
        var rng = SplitMix64(state: 99)
        let edges: [Float] = [0, -0.0, 1, -1, 1.5, -7, .infinity, -.infinity, .nan, 0.5 / 32768, 1.5 / 32768, 2.5 / 32768, -1.5 / 32768,
                              Float.leastNonzeroMagnitude, 32766.5 / 32768]
        for length in [0, 1, 15, 16, 17, 33, 1000] {
            let x = (0..<length).map { i in i < edges.count && length > 16 ? edges[i] : Float.random(in: -1.3...1.3, using: &rng) }
            var out = [Int16](repeating: 0x5555, count: length)
            x.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { LinearPCM.encode(i, into: $0) } }
            #expect(out == x.map { Int16(saturatingFloat: $0) }, "length \(length)")
        }
    }

    @Test("int16 to float is x / 32768 for all 65536 values and every length")
    func decodeIsExact() {
        let all = (0..<65536).map { Int16(truncatingIfNeeded: $0 - 32768) }
        var out = [Float](repeating: .nan, count: all.count + 1)
        all.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { LinearPCM.decode(i, into: $0) } }
        #expect(Array(out[0..<65536]) == all.map { Float($0) / 32768 })
        #expect(out[65536].isNaN, "wrote past the end")
        #expect(out[0] == -1 && out[32768] == 0 && out[65535] == 32767 / 32768)
    }

    @Test("int16 to float: SIMD body and scalar tail agree at every length and alignment")
    func decodeLengths() {
        var rng = SplitMix64(state: 5)
        let data = (0..<200).map { _ in Int16.random(in: .min ... .max, using: &rng) }
        for offset in 0..<4 {
            for length in 0...100 {
                var out = [Float](repeating: .nan, count: length + 1)
                data.withUnsafeBufferPointer { all in
                    out.withUnsafeMutableBufferPointer { LinearPCM.decode(UnsafeBufferPointer(rebasing: all[offset..<(offset + length)]), into: $0) }
                }
                #expect(Array(out[0..<length]) == data[offset..<(offset + length)].map { Float($0) / 32768 }, "offset \(offset) length \(length)")
                #expect(out[length].isNaN, "wrote past the end")
            }
        }
    }
}
