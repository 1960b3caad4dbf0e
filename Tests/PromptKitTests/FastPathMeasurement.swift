import Foundation
import Testing
@testable import AudioIO
import G711
@testable import PromptKit

/// The measurement behind the MP3 fast path: each decoder shortcut against the full-rate
/// stereo path, as the A-law output's SNR (against the full path's linear 8 kHz output).
/// A figure for the README, printed by `make figures`; the test that guards the chosen
/// shortcut is ConvertTests.fastPath.
@Suite("MP3 fast-path measurement", .enabled(if: Figures.requested, "a printed figure: make figures runs it"))
struct FastPathVariants {
    @Test func variants() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        for mp3 in ["music/music-44k-cbr128.mp3", "speech/speech-44k-cbr128.mp3", "speech/speech-48k-abr.mp3", "sample/welcome.mp3"] {
            func convert(_ fast: Bool, _ hints: (Bool, Int?), _ ext: String) throws -> [Float] {
                var o = ConversionOptions(); o.decoderFastPath = fast; o.fastPathOverride = hints
                let out = dir.appendingPathComponent("\(UUID().uuidString).\(ext)").path
                _ = try Converter.convert(input: fixture(mp3), outputs: [try OutputTarget(path: out)], options: o)
                return try decodeMono(out).samples
            }
            let fullSLN = try convert(false, (false, nil), "sln")
            let fullA = alignedSNR(try convert(false, (false, nil), "alaw"), fullSLN, maxLag: 0).snr
            for (name, h) in [("mono", (true, nil)), ("half", (true, 22050)), ("quarter", (true, 11025)), ("quarter-stereo", (false, 11025))] as [(String, (Bool, Int?))] {
                let sln = alignedSNR(try convert(true, h, "sln"), fullSLN, maxLag: 3)
                let a = alignedSNR(try convert(true, h, "alaw"), fullSLN, maxLag: 0).snr
                print("VARIANT \(mp3) \(name): vs full sln \(String(format: "%.1f", sln.snr)) dB lag \(sln.lag); A-law SNR full \(String(format: "%.2f", fullA)) fast \(String(format: "%.2f", a)) diff \(String(format: "%.2f", fullA - a))")
            }
        }
    }
}

/// Measurements printed for the README rather than checked: `make figures` runs them.
enum Figures {
    static let requested = ProcessInfo.processInfo.environment["PROMPTC_FIGURES"] != nil
}
