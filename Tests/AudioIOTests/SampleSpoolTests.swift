import Foundation
import Testing
@testable import AudioIO

@Suite("SampleSpool: samples kept in an unnamed file for a second pass")
struct SampleSpoolTests {
    /// Samples that differ from one another (a ramp with a wobble), so a sample out of
    /// place or missing shows.
    static func samples(_ n: Int) -> [Float] { (0..<n).map { Float($0) * 1e-4 + Float(sin(Double($0))) } }

    static func write(_ x: [Float], to spool: SampleSpool, block: Int) throws {
        for start in stride(from: 0, to: x.count, by: block) {
            try x[start..<min(x.count, start + block)].withUnsafeBufferPointer { try spool.write($0) }
        }
    }

    @Test("everything written comes back in order, by replay (as often as asked) and by read; after a clear, only what was written since")
    func roundTrip() throws {
        let x = Self.samples(10_000)
        let spool = try SampleSpool()
        try Self.write(x, to: spool, block: 777)
        #expect(spool.count == x.count)
        for _ in 0..<2 {   // a spool is read as often as asked
            var replayed: [Float] = [], sizes: [Int] = []
            try spool.replay(blockFrames: 1000) { replayed += $0; sizes.append($0.count) }
            #expect(replayed == x, "replay")
            #expect(sizes.allSatisfy { $0 <= 1000 })
        }
        try spool.rewind()
        var read: [Float] = []
        while try spool.read(1234, into: &read) > 0 {}
        #expect(read == x, "read")
        // Cleared, it holds only what is written next.
        try spool.clear()
        let y = Self.samples(4500).map { -$0 }
        try Self.write(y, to: spool, block: 4096)
        var again: [Float] = []
        try spool.replay(blockFrames: 512) { again += $0 }
        #expect(again == y, "after clear")
    }

    @Test("the file is unnamed: nothing is left in the temporary folder")
    func nothingLeft() throws {
        let tmp = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        do {
            let spool = try SampleSpool()
            try Self.write(Self.samples(100_000), to: spool, block: 4096)
            try spool.rewind()
            #expect(try FileManager.default.contentsOfDirectory(atPath: tmp).allSatisfy { !$0.hasPrefix(".promptc-spool") })
        }
    }
}
