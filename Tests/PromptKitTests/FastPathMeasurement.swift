import Foundation
import Testing
@testable import AudioIO
import G711
@testable import PromptKit

/// The measurement behind MP3DecodeHints.narrowband: each decoder shortcut against the
/// full-rate stereo path, as the A-law output's SNR (against the full path's linear
/// 8 kHz output). Printed for the notes; the chosen ones must stay within 0.1 dB.
@Suite("MP3 fast-path measurement") struct FastPathVariants {
    @Test func variants() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        for mp3 in ["music/music-44k-cbr128.mp3", "speech/speech-44k-cbr128.mp3", "speech/speech-48k-abr.mp3", "sample/welcome.mp3"] {
            func convert(_ fast: Bool, _ hints: MP3DecodeHints, _ ext: String) throws -> [Float] {
                var o = ConversionOptions(); o.mp3FastPath = fast; o.narrowbandHints = hints
                let out = dir.appendingPathComponent("\(UUID().uuidString).\(ext)").path
                _ = try Converter.convert(input: fixture(mp3), outputs: [try OutputTarget(path: out)], options: o)
                return try decodeMono(out).samples
            }
            let fullSLN = try convert(false, .full, "sln")
            let fullA = alignedSNR(try convert(false, .full, "alaw"), fullSLN, maxLag: 0).snr
            for (name, h) in [("mono", MP3DecodeHints(monoMix: true)), ("half", MP3DecodeHints(monoMix: true, minimumRate: 22050)),
                              ("quarter", MP3DecodeHints(monoMix: true, minimumRate: 11025)), ("quarter-stereo", MP3DecodeHints(monoMix: false, minimumRate: 11025))] {
                let sln = alignedSNR(try convert(true, h, "sln"), fullSLN, maxLag: 3)
                let a = alignedSNR(try convert(true, h, "alaw"), fullSLN, maxLag: 0).snr
                if name != "quarter-stereo" { #expect(abs(fullA - a) <= 0.1 && sln.lag == 0, "\(mp3) \(name)") }
                print("VARIANT \(mp3) \(name): vs full sln \(String(format: "%.1f", sln.snr)) dB lag \(sln.lag); A-law SNR full \(String(format: "%.2f", fullA)) fast \(String(format: "%.2f", a)) diff \(String(format: "%.2f", fullA - a))")
            }
        }
    }
}
