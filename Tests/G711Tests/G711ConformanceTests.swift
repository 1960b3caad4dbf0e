import Foundation
import Testing
@testable import G711

/// Fixtures live in the project's own tree, found from this file's path.
let fixtures = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures")

func referenceBytes(_ name: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: fixtures.appendingPathComponent("reference/g711/\(name)")))
}

/// The full int16 ramp, -32768...32767: the G.191 `sweep.src` input.
let ramp: [Int16] = (0..<65536).map { Int16(truncatingIfNeeded: $0 - 32768) }

@Suite("G.711 against the ITU-T G.191 conformance vectors")
struct G711ConformanceTests {
    @Test("SIMD encoder matches G.191 for all 65536 inputs", arguments: G711Law.allCases, SIMDLevel.supported)
    func simdEncoderIsExact(law: G711Law, simd: SIMDLevel) throws {
        let expected = try referenceBytes(law == .aLaw ? "alaw-encode.bin" : "ulaw-encode.bin")
        #expect(expected.count == 65536)
        var got = [UInt8](repeating: 0, count: 65536)
        ramp.withUnsafeBufferPointer { i in got.withUnsafeMutableBufferPointer { law.encode(i, into: $0, simd: simd) } }
        let mismatches = (0..<65536).filter { got[$0] != expected[$0] }
        #expect(mismatches.count == 0, "first mismatching input: \(mismatches.first.map { $0 - 32768 } ?? 0)")
    }

    @Test("scalar reference encoder matches G.191 for all 65536 inputs", arguments: G711Law.allCases)
    func scalarEncoderIsExact(law: G711Law) throws {
        let expected = try referenceBytes(law == .aLaw ? "alaw-encode.bin" : "ulaw-encode.bin")
        var got = [UInt8](repeating: 0, count: 65536)
        ramp.withUnsafeBufferPointer { i in
            got.withUnsafeMutableBufferPointer { o in
                law == .aLaw ? ALaw.encodeScalar(i, into: o) : MuLaw.encodeScalar(i, into: o)
            }
        }
        #expect(got == expected)
    }

    @Test("lookup-table encoder matches G.191", arguments: G711Law.allCases)
    func tableEncoderIsExact(law: G711Law) throws {
        let expected = try referenceBytes(law == .aLaw ? "alaw-encode.bin" : "ulaw-encode.bin")
        let encoder = G711LookupTableEncoder(law: law)
        var got = [UInt8](repeating: 0, count: 65536)
        ramp.withUnsafeBufferPointer { i in got.withUnsafeMutableBufferPointer { encoder.encode(i, into: $0) } }
        #expect(got == expected)
    }

    @Test("decoder matches G.191 for all 256 codes", arguments: G711Law.allCases)
    func decoderIsExact(law: G711Law) throws {
        let bytes = try referenceBytes(law == .aLaw ? "alaw-decode.bin" : "ulaw-decode.bin")
        #expect(bytes.count == 512)
        let expected = (0..<256).map { Int16(bitPattern: UInt16(bytes[2 * $0]) | UInt16(bytes[2 * $0 + 1]) << 8) }
        let codes = (0...255).map { UInt8($0) }
        #expect(law.decode(codes) == expected)
        #expect(law.decodeToFloat(codes) == expected.map { Float($0) / 32768 })
    }

    @Test("facts from the reference README hold", arguments: G711Law.allCases)
    func documentedFacts(law: G711Law) {
        if law == .aLaw {
            #expect((-16...(-1)).allSatisfy { law.encode(Int16($0)) == 0x55 })
            #expect((0...15).allSatisfy { law.encode(Int16($0)) == 0xD5 })
        } else {
            #expect((-4...(-1)).allSatisfy { law.encode(Int16($0)) == 0x7F })
            #expect((0...3).allSatisfy { law.encode(Int16($0)) == 0xFF })
            #expect(law.encode(31611) != law.encode(31612))
            #expect(law.encode(31612) == law.encode(32767))
        }
        #expect(law.encode(0) == law.silenceCode)
    }

    @Test("decode then encode is the identity on codes", arguments: G711Law.allCases)
    func roundTrip(law: G711Law) {
        let codes = (0...255).map { UInt8($0) }
        let back = law.encode(law.decode(codes))
        // Every code survives, except mu-law's negative zero 0x7F: it decodes to 0,
        // which is a non-negative sample and so encodes as 0xFF.
        var expected = codes
        if law == .muLaw { expected[0x7F] = 0xFF }
        #expect(law == .aLaw ? law.decode(0x55 as UInt8) == -8 : law.decode(0x7F as UInt8) == 0)
        #expect(back == expected)
    }
}
