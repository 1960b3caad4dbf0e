import Foundation
import Testing
@testable import AudioIO

@Suite("Mutated inputs never crash or hang")
struct MutationTests {
    /// 200 seeded mutations (truncation, byte flips, header damage) of real fixtures, decoded
    /// in this process: a crash in a decoder would take the test run down with it.
    @Test func mutatedFixtures() throws {
        var rng = SplitMix(seed: 2026)
        let sources = ["speech/speech-44k-cbr128.mp3", "speech/speech-44k-vbr.mp3", "speech/speech-8k-mpeg25.mp3",
                       "speech/speech-44k-layer2.mp2", "speech/speech-id3-cover.mp3", "speech/speech-16k-mono.wav",
                       "formats/speech-22k.flac", "formats/speech-22k.ogg", "formats/speech-22k.aiff", "formats/speech-22k.caf",
                       "formats/speech-22k.w64", "formats/speech-22k-float.wav", "formats/speech-opus.opus", "formats/speech-8k-alaw.wav"]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("promptc-mut-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var decoded = 0, refused = 0
        for i in 0..<200 {
            let name = sources[Int(rng.next() % UInt64(sources.count))]
            var d = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture(name))))
            switch rng.next() % 3 {
            case 0: d = Array(d.prefix(Int(rng.next() % UInt64(d.count + 1))))
            case 1: for _ in 0..<(1 + rng.next() % 40) where !d.isEmpty { d[Int(rng.next() % UInt64(d.count))] = UInt8(truncatingIfNeeded: rng.next()) }
            default: for _ in 0..<8 where d.count > 64 { d[Int(rng.next() % 64)] = UInt8(truncatingIfNeeded: rng.next()) }
            }
            let path = dir.appendingPathComponent("m\(i).\((name as NSString).pathExtension)").path
            try Data(d).write(to: URL(fileURLWithPath: path))
            do {
                let s = try AudioDecoder.open(path)
                let x = try decodeAll(s, block: 4096)
                #expect(x.count / max(s.channels, 1) <= 48000 * 60, "\(name) mutation \(i) decoded to an absurd length")
                decoded += 1
            } catch let e as AudioIOError {
                #expect(!e.description.contains("\n") && e.description.hasPrefix(path), "\(e)")
                refused += 1
            } catch {
                Issue.record("\(name) mutation \(i): not a one-line AudioIOError: \(error)")
            }
        }
        // The mutations reach both outcomes: damage that still decodes, and refusals.
        #expect(decoded >= 20 && refused >= 20, "\(decoded) decoded, \(refused) refused")
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
